// The map in headless Chromium against real servers: one on the bundled real police.uk
// files, one on synthetic incidents with times of day (police.uk gives months only, so
// the night-time-economy window needs those). Every test also proves the page made no
// request beyond 127.0.0.1 and wrote no error to the console.

import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  afterChange,
  assertClean,
  cleanup,
  importInto,
  launch,
  listCells,
  load,
  mapIdle,
  policeUkFiles,
  rendered,
  repo,
  startServer,
  synthetic,
  tempDir,
  testPage,
} from './browser.mjs';

const VIOLENCE = 'Violence and sexual offences';
let dir;
let realDb;
let real;
let timed;
let browser;

before(async () => {
  dir = await tempDir();
  let timedDb;
  [realDb, timedDb] = await Promise.all([
    importInto(dir, 'real.db', await policeUkFiles()),
    synthetic(dir, 30_000).then((csv) => importInto(dir, 'timed.db', [csv])),
  ]);
  [real, timed, browser] = await Promise.all([startServer(realDb), startServer(timedDb), launch()]);
});

after(async () => {
  await browser?.close();
  await Promise.all([real?.stop(), timed?.stop()]);
  if (dir) await cleanup(dir);
});

/** A fresh page; after the test, it must have been clean. */
const page = (t) => testPage(browser, t);

const check = (page, name) => page.check(`input[name=crime_type][value="${name}"]`);

describe('the map', { timeout: 120_000 }, () => {
  test('loads without errors, draws cells on the outline, lists 20 hotspots', async (t) => {
    const { page: p, problems } = await page(t);
    await load(p, `${real.base}/`);
    assert.ok((await rendered(p, 'cells-fill')) > 0, 'hex cells drawn');
    assert.ok((await rendered(p, 'outline-fill')) > 0, 'the data outline drawn');
    assert.equal((await listCells(p)).length, 20);
    const summary = await p.textContent('#summary');
    assert.match(summary, /H3 res 9/);
    assert.match(summary, /significant hot cells \(FDR 5 %\)/);
    // with no view in the URL, the first view is the main cluster at resolution 9
    assert.equal(await p.evaluate(() => Math.floor(window.hexspot.map.getZoom())), 12);
    const legend = await p.textContent('#legend');
    assert.match(legend, /z-score/);
    const out = path.join(repo, 'web/test-results');
    await mkdir(out, { recursive: true });
    const shot = path.join(out, 'default-view.png');
    await p.screenshot({ path: shot });
    console.log(`screenshot of the default view: ${shot}`);
    assertClean(problems, real);
  });

  test('changing the crime type changes the ranked list', async (t) => {
    const { page: p, problems } = await page(t);
    await load(p, `${real.base}/`);
    const before = await listCells(p);
    const t0 = Date.now();
    await afterChange(p, () => check(p, VIOLENCE));
    console.log(`redraw after a filter change (list and map): ${Date.now() - t0} ms`);
    const afterCells = await listCells(p);
    assert.equal(afterCells.length, 20);
    assert.notDeepEqual(afterCells, before);
    assert.match(await p.textContent('#summary'), new RegExp(VIOLENCE));
    assert.match(p.url(), /crime_type=Violence\+and\+sexual\+offences/);
    assertClean(problems, real);
  });

  test('selecting a list row flies to its cell and outlines it', async (t) => {
    const { page: p, problems } = await page(t);
    await load(p, `${real.base}/`);
    // zoom out first, so the flight really moves the map
    await p.evaluate(() => window.hexspot.map.jumpTo({ zoom: 9 }));
    await mapIdle(p);
    const row = p.locator('#hotspot-list button').nth(2);
    const cell = await row.getAttribute('data-cell');
    await row.click();
    await p.waitForFunction(() => !window.hexspot.map.isMoving(), null, { timeout: 20_000 });
    await mapIdle(p);
    const { centre, target } = await p.evaluate((cell) => {
      const f = window.hexspot.list().find((f) => f.properties.cell === cell);
      const ring = f.geometry.coordinates[0].slice(0, -1);
      const target = [ring.reduce((s, c) => s + c[0], 0) / ring.length, ring.reduce((s, c) => s + c[1], 0) / ring.length];
      const c = window.hexspot.map.getCenter();
      return { centre: [c.lng, c.lat], target };
    }, cell);
    const metres = Math.hypot((centre[0] - target[0]) * 111_320 * Math.cos((target[1] * Math.PI) / 180), (centre[1] - target[1]) * 110_574);
    assert.ok(metres < 150, `map centre ${metres.toFixed(0)} m from the cell`);
    assert.equal(await row.getAttribute('aria-current'), 'true');
    assert.match(p.url(), new RegExp(`cell=${cell}`));
    const selected = await p.evaluate(() =>
      window.hexspot.map.queryRenderedFeatures({ layers: ['cells-selected'] }).map((f) => f.properties.cell),
    );
    assert.ok(selected.includes(cell), `outlined: ${selected}`);
    assertClean(problems, real);
  });

  test('the GeoJSON and CSV downloads are the list, and carry the filters', async (t) => {
    const { page: p, problems } = await page(t);
    await load(p, `${real.base}/`);
    await afterChange(p, () => check(p, VIOLENCE));
    await afterChange(p, async () => {
      await p.fill('#from', '2025-02');
      await p.fill('#to', '2025-02');
      await p.fill('#top', '10');
      await p.dispatchEvent('#controls', 'change');
    });
    const [geojson] = await Promise.all([p.waitForEvent('download'), p.click('#download-geojson')]);
    const fc = JSON.parse(await readFile(await geojson.path(), 'utf8'));
    assert.equal(fc.type, 'FeatureCollection');
    assert.equal(fc.features.length, 10);
    for (const f of fc.features) {
      assert.equal(f.geometry.type, 'Polygon');
      const ring = f.geometry.coordinates[0];
      assert.deepEqual(ring[0], ring.at(-1), 'closed ring');
      for (const k of ['cell', 'count', 'harm', 'gi_star_z', 'p_value', 'significant', 'rank']) assert.ok(k in f.properties, k);
    }
    assert.deepEqual(
      fc.features.map((f) => f.properties.cell),
      await listCells(p),
      'the download is the list shown',
    );
    assert.deepEqual(fc.hexspot.query.crime_types, [VIOLENCE]);
    assert.equal(fc.hexspot.query.from, '2025-02-01');
    assert.equal(fc.hexspot.query.to, '2025-02-28');

    const [csv] = await Promise.all([p.waitForEvent('download'), p.click('#download-csv')]);
    const lines = (await readFile(await csv.path(), 'utf8')).trim().split('\n');
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 3), ['rank', 'cell', 'count']);
    for (const c of ['crime_types', 'from', 'to']) assert.ok(header.includes(c), c);
    assert.equal(lines.length, 11);
    const at = (name) => header.indexOf(name);
    for (const line of lines.slice(1)) {
      const cols = line.split(',');
      assert.equal(cols[at('crime_types')], VIOLENCE);
      assert.equal(cols[at('from')], '2025-02-01');
    }
    assertClean(problems, real);
  });

  test('a URL with a view restores it; bad values are named and ignored', async (t) => {
    const { page: p, problems } = await page(t);
    await load(
      p,
      `${real.base}/?crime_type=Violence+and+sexual+offences&from=2025-02&to=2025-02&res=9&rank_by=count&colour=count&top=10&map=13.00/53.79700/-1.54500`,
    );
    assert.equal(await p.isChecked(`input[name=crime_type][value="${VIOLENCE}"]`), true);
    assert.equal(await p.inputValue('#from'), '2025-02');
    assert.equal(await p.inputValue('#to'), '2025-02');
    assert.equal(await p.inputValue('#res'), '9');
    assert.equal(await p.inputValue('#rank-by'), 'count');
    assert.equal(await p.inputValue('#colour'), 'count');
    assert.equal(await p.inputValue('#top'), '10');
    const counts = await p.evaluate(() => window.hexspot.list().map((f) => f.properties.count));
    assert.equal(counts.length, 10);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'ranked by count');
    const cam = await p.evaluate(() => {
      const m = window.hexspot.map;
      return { zoom: m.getZoom(), lat: m.getCenter().lat, lon: m.getCenter().lng };
    });
    assert.ok(Math.abs(cam.zoom - 13) < 0.01, `zoom ${cam.zoom}`);
    assert.ok(Math.abs(cam.lat - 53.797) < 1e-4 && Math.abs(cam.lon + 1.545) < 1e-4, JSON.stringify(cam));
    assert.match(await p.textContent('#legend'), /Incidents per cell/);
    assert.equal(await p.isHidden('#problems'), true);
    assertClean(problems, real);

    const bad = await page(t);
    await load(bad.page, `${real.base}/?res=99&top=0&days=xyz`);
    const named = await bad.page.textContent('#problems');
    for (const name of ['res', 'top', 'days']) assert.match(named, new RegExp(`${name}:`));
    assert.equal((await listCells(bad.page)).length, 20, 'defaults in their place');
    assert.ok((await rendered(bad.page, 'cells-fill')) > 0);
    assertClean(bad.problems, real);
  });

  test('the night-time-economy preset on data with times of day', async (t) => {
    const { page: p, problems } = await page(t);
    await load(p, `${timed.base}/?top=10`);
    const before = await listCells(p);
    await afterChange(p, () => p.click('#preset-nte'));
    assert.match(await p.textContent('#summary'), /Fri–Sat 20:00–04:00/);
    assert.equal(await p.isChecked('input[name=days][value=fri]'), true);
    assert.equal(await p.isChecked('input[name=days][value=sat]'), true);
    assert.equal(await p.isChecked('input[name=days][value=sun]'), false);
    assert.equal(await p.inputValue('#hours-start'), '20');
    assert.equal(await p.inputValue('#hours-end'), '4');
    assert.equal(await p.getAttribute('#preset-nte', 'aria-pressed'), 'true');
    assert.match(p.url(), /days=fri%2Csat/);
    assert.match(p.url(), /hours=20-04/);
    const top10 = await listCells(p);
    assert.equal(top10.length, 10, 'the top ten, read off the list');
    assert.notDeepEqual(top10, before);
    assert.equal(await p.isHidden('#untimed'), true, 'every synthetic incident has a time');
    const [geojson] = await Promise.all([p.waitForEvent('download'), p.click('#download-geojson')]);
    const fc = JSON.parse(await readFile(await geojson.path(), 'utf8'));
    assert.equal(fc.features.length, 10);
    assert.equal(fc.hexspot.query.time_window.hours, 16);
    assert.deepEqual(fc.features.map((f) => f.properties.cell), top10);
    assertClean(problems, timed);
  });

  test('on police.uk data the window says no incident has a time of day', async (t) => {
    const { page: p, problems } = await page(t);
    await load(p, `${real.base}/`);
    await afterChange(p, () => p.click('#preset-nte'));
    assert.equal(await p.isVisible('#untimed'), true);
    assert.match(await p.textContent('#untimed'), /None of these incidents has a time of day/);
    assert.match(await p.textContent('#list-caption'), /No cells/);
    assertClean(problems, real);
  });

  test('a basemap that cannot be reached gives way to the outline of the data', async (t) => {
    const unreachable = 'https://basemap.invalid/style.json';
    const server = await startServer(realDb, ['--basemap-style', unreachable]);
    t.after(() => server.stop());
    const { page: p, problems } = await page(t);
    await load(p, `${server.base}/`);
    // the page asked for the configured basemap (blocked here, as on a closed network) …
    assert.deepEqual(problems.external, [unreachable]);
    assert.deepEqual(problems.console, ['error: Failed to load resource: net::ERR_FAILED'], 'only the blocked request');
    assert.deepEqual(problems.errors, []);
    // … then drew the offline style and said so
    assert.match(await p.textContent('#notice'), /could not be loaded: showing the outline of the data instead/);
    assert.ok((await rendered(p, 'cells-fill')) > 0);
    assert.ok((await rendered(p, 'outline-fill')) > 0);
    assert.equal((await listCells(p)).length, 20);
  });

  test('the controls and the list work from the keyboard', async (t) => {
    const { page: p, problems } = await page(t);
    await load(p, `${timed.base}/`);
    const focused = () => p.evaluate(() => document.activeElement?.id || document.activeElement?.className || document.activeElement?.tagName);
    await p.keyboard.press('Tab');
    assert.equal(await p.evaluate(() => document.activeElement?.className), 'skip', 'the skip link comes first');
    // tab on until the night-time-economy preset
    for (let i = 0; i < 60 && (await focused()) !== 'preset-nte'; i++) await p.keyboard.press('Tab');
    assert.equal(await focused(), 'preset-nte');
    await afterChange(p, () => p.keyboard.press('Enter'));
    assert.equal(await p.getAttribute('#preset-nte', 'aria-pressed'), 'true');
    const row = p.locator('#hotspot-list button').first();
    await row.focus();
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => document.querySelector('#hotspot-list button')?.getAttribute('aria-current') === 'true');
    await mapIdle(p);
    assert.equal(await p.evaluate(() => document.activeElement?.dataset.cell), await row.getAttribute('data-cell'));
    assertClean(problems, timed);
  });
});
