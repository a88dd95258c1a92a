// The "Evaluate" view in headless Chromium against a server on twelve real police.uk
// months of one force (Leicestershire, 2021-11 to 2022-10: `../shared/data/crime/leicestershire`
// beside the repository, or `$HEXSPOT_SHARED_DATA/crime/leicestershire`; skipped where
// that folder is not there): a backtest's table and curves, then the current plan
// evaluated before and after.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertClean, cleanup, importInto, launch, load, repo, startServer, tempDir, testPage } from './browser.mjs';

const VIOLENCE = 'Violence and sexual offences';
const shared = process.env.HEXSPOT_SHARED_DATA ?? path.join(repo, '../shared/data');
const leicestershire = path.join(shared, 'crime/leicestershire');
const MONTHS = Array.from({ length: 12 }, (_, i) => {
  const [y, m] = i < 2 ? [2021, 11 + i] : [2022, i - 1];
  return `${y}-${String(m).padStart(2, '0')}`;
});
const files = MONTHS.map((m) => path.join(leicestershire, `${m}-leicestershire-street.csv`));
const skip = files.every(existsSync) ? false : `${leicestershire} not found`;
const MAP = '12.2/52.6360/-1.1330';

let dir;
let server;
let browser;

before(async () => {
  if (skip) return;
  dir = await tempDir();
  const db = await importInto(dir, 'leicestershire.db', files);
  [server, browser] = await Promise.all([startServer(db), launch()]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) await cleanup(dir);
});

/** Waits until the view's `what` (backtest or evaluation) has shown an answer, at least the `v`th. */
async function shown(page, what, v = 1) {
  await page.waitForFunction(([what, v]) => Number(document.body.dataset[`${what}Version`] ?? 0) >= v, [what, v], { timeout: 120_000, polling: 50 });
  await page.waitForFunction((what) => document.body.dataset[`${what}Loading`] === 'false', what, { timeout: 120_000 });
}

describe('the evaluate view', { skip, timeout: 300_000 }, () => {
  test('a backtest: the per-method table, the curves and the advice; the plan before and after', async (t) => {
    const { page: p, problems } = await testPage(browser, t);
    const t0 = Date.now();
    await load(
      p,
      `${server.base}/?panel=evaluate&crime_type=${encodeURIComponent(VIOLENCE)}&eval_train=6&eval_folds=3&eval_cells=20&eval_before=2022-02..2022-04&eval_after=2022-05..2022-07&map=${MAP}`,
    );
    await shown(p, 'backtest');
    console.log(`backtest shown: ${Date.now() - t0} ms`);
    assert.equal(await p.getAttribute('#tab-evaluate', 'aria-selected'), 'true');
    assert.equal(await p.isHidden('#ranking'), true);
    assert.equal(await p.isHidden('#legend'), true);

    // the table: one row a method, in the server's ranking, and the advice in words
    const b = await p.evaluate(() => window.hexspot.backtest());
    assert.equal(b.folds.length, 3);
    assert.deepEqual(b.folds.at(-1).test, ['2022-10', '2022-10']);
    const rows = await p.$$eval('#eval-table-body tr', (trs) => trs.map((tr) => tr.dataset.method));
    assert.deepEqual(rows, b.ranking);
    assert.deepEqual([...rows].sort(), ['count', 'gistar', 'harm', 'kde']);
    const first = await p.$$eval('#eval-table-body tr:first-child td', (tds) => tds.map((td) => td.textContent));
    assert.equal(first.length, 7);
    assert.match(first[1], /^\d+(\.\d+)? %$/, 'hit rate');
    assert.match(first[3], /^\d+\.\d$/, 'PAI');
    assert.match(await p.textContent('#eval-recommendation'), /^On these data, ranking by .* over the last 6 months at res 9 would have caught/);
    assert.match(await p.textContent('#eval-folds-text'), /tested on 2022-08 to 2022-10 \(3 folds/);

    // the curves: a line per method in each chart, with a legend
    for (const chart of ['#eval-hit-chart', '#eval-pai-chart']) {
      const lines = await p.$$eval(`${chart} path.curve`, (ps) => ps.map((p) => [p.dataset.method, p.getAttribute('d').length]));
      assert.equal(lines.length, 4, chart);
      assert.ok(lines.every(([, n]) => n > 100), `${chart}: ${JSON.stringify(lines)}`);
    }
    assert.equal(await p.locator('#eval-legend li').count(), 4);
    // the chart download is the server's PNG of the same backtest
    const png = await p.getAttribute('#eval-download-png', 'href');
    const r = await p.request.get(new URL(png, server.base).href);
    assert.equal(r.status(), 200);
    assert.equal(r.headers()['content-type'], 'image/png');

    // the plan's cells before and after
    await shown(p, 'evaluation');
    const e = await p.evaluate(() => window.hexspot.evaluation());
    assert.equal(e.hexspot.areas[0].area, 'treated');
    assert.equal(e.hexspot.areas[0].cells, 20, 'the plan’s 20 cells');
    const ba = await p.$$eval('#eval-ba-body tr', (trs) => trs.map((tr) => [tr.dataset.area, ...[...tr.children].map((td) => td.textContent)]));
    assert.equal(ba[0][0], 'treated');
    assert.equal(ba[0][3], String(e.hexspot.areas[0].before));
    assert.equal(ba[0][4], String(e.hexspot.areas[0].after));
    assert.match(await p.textContent('#eval-wdd'), /^WDD -?\d+\.\d \(se \d+\.\d.*\); 95 % interval -?\d+\.\d to -?\d+\.\d\. (Fewer|More|No clear)/);
    assert.match(await p.textContent('#eval-plan-text'), /the 20 cells of the current patrol plan/);
    const out = path.join(repo, 'web/test-results');
    await mkdir(out, { recursive: true });
    await p.screenshot({ path: path.join(out, 'evaluate-view.png') });

    // fewer methods: a new backtest, in the URL
    const v = await p.evaluate(() => Number(document.body.dataset.backtestVersion));
    await p.uncheck('#eval-method-harm');
    await shown(p, 'backtest', v + 1);
    assert.match(p.url(), /eval_methods=count%2Cgistar%2Ckde/);
    assert.equal(await p.locator('#eval-table-body tr').count(), 3);
    assert.equal(await p.locator('#eval-hit-chart path.curve').count(), 3);
    assertClean(problems, server);
  });
});
