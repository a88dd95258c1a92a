// Shared by the browser tests: servers on temporary databases, and pages that record
// console errors and block every request that is not to 127.0.0.1.

import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const bin = process.env.HEXSPOT_BIN ?? path.join(repo, 'target/debug/hexspot');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A temporary folder, removed by `cleanup`. */
export async function tempDir() {
  return mkdtemp(path.join(os.tmpdir(), 'hexspot-e2e-'));
}

/** Imports `files` into a new database in `dir`. */
export async function importInto(dir, name, files) {
  const db = path.join(dir, name);
  await run(bin, ['import', '--db', db, ...files]);
  return db;
}

/** The bundled real police.uk files. */
export async function policeUkFiles() {
  const d = path.join(repo, 'data/police-uk');
  return (await readdir(d)).filter((f) => f.endsWith('.csv')).map((f) => path.join(d, f));
}

/** Synthetic incidents with times of day. */
export async function synthetic(dir, rows) {
  const csv = path.join(dir, 'synthetic.csv');
  await run(bin, ['synth', '--rows', String(rows), '--seed', '7', '--out', csv]);
  return csv;
}

/** Starts `hexspot serve` (with `args`) on a free port and waits until it is ready. */
export async function startServer(db, args = []) {
  const port = await freePort();
  const child = spawn(bin, ['serve', '--db', db, '--addr', `127.0.0.1:${port}`, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hexspot serve exited ${child.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`hexspot serve not ready in 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    log: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: chromiumPath,
    // playwright adds --enable-unsafe-swiftshader itself: software WebGL for MapLibre
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** A fresh page for test `t`, closed after it. */
export async function testPage(browser, t) {
  const p = await openPage(browser);
  t.after(async () => {
    await p.context.close();
  });
  return p;
}

/** The page stayed clean: nothing beyond 127.0.0.1, no errors, no failed request. */
export function assertClean(problems, server) {
  assert.deepEqual(problems.external, [], 'requests beyond 127.0.0.1');
  assert.deepEqual(problems.errors, [], 'page errors');
  assert.deepEqual(problems.console, [], `console errors or warnings\nserver log:\n${server.log().slice(-2000)}`);
  assert.deepEqual(problems.http, [], 'HTTP responses of 400 or more');
}

/**
 * A page at 1366×768 that records console errors and warnings, page errors, and every
 * request to a host other than 127.0.0.1 (aborted: the map must work with the network cut).
 */
export async function openPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const problems = { console: [], errors: [], external: [], http: [] };
  page.on('response', (r) => {
    if (r.status() >= 400) problems.http.push(`${r.status()} ${r.url()}`);
  });
  page.on('console', (m) => {
    // SwiftShader's software WebGL reports driver performance notes ("GPU stall due to
    // ReadPixels") as warnings: they say nothing about the page
    if (m.type() === 'warning' && /GL Driver Message|GPU stall/.test(m.text())) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.console.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.errors.push(String(e)));
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    problems.external.push(url.href);
    return route.abort();
  });
  return { page, context, problems };
}

/** Waits until the map has drawn every tile it wants and no list request is in flight. */
export async function mapIdle(page) {
  await page.waitForFunction(
    () => {
      const m = window.hexspot?.map;
      return m && m.loaded() && m.areTilesLoaded() && !m.isMoving() && document.body.dataset.loading === 'false';
    },
    null,
    { timeout: 30_000, polling: 25 },
  );
}

export const listVersion = (page) => page.evaluate(() => Number(document.body.dataset.listVersion ?? 0));

/** Runs `act`, then waits for a newer ranked list and an idle map. */
export async function afterChange(page, act) {
  const v = await listVersion(page);
  await act();
  await page.waitForFunction((v) => Number(document.body.dataset.listVersion ?? 0) > v, v, { timeout: 30_000, polling: 25 });
  await mapIdle(page);
}

/** Opens `url` and waits for the first list and an idle map. */
export async function load(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => Number(document.body.dataset.listVersion ?? 0) >= 1, null, { timeout: 30_000, polling: 25 });
  await mapIdle(page);
}

export const listCells = (page) => page.$$eval('#hotspot-list button', (bs) => bs.map((b) => b.dataset.cell));

export const rendered = (page, layer) => page.evaluate((layer) => window.hexspot.map.queryRenderedFeatures({ layers: [layer] }).length, layer);

export async function cleanup(dir) {
  await rm(dir, { recursive: true, force: true });
}
