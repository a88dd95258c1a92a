// The "Trends" view (emerging hot spots), density colouring and the selected cell's
// monthly trend, in headless Chromium against a server on twelve real police.uk months
// of one force (Leicestershire, 2021-11 to 2022-10: `../shared/data/crime/leicestershire`
// beside the repository, or `$HEXSPOT_SHARED_DATA/crime/leicestershire`; skipped where
// that folder is not there, as the CLI's test is).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { afterChange, assertClean, cleanup, importInto, launch, load, mapIdle, rendered, repo, startServer, tempDir, testPage } from './browser.mjs';

const VIOLENCE = 'Violence and sexual offences';
const shared = process.env.HEXSPOT_SHARED_DATA ?? path.join(repo, '../shared/data');
const leicestershire = path.join(shared, 'crime/leicestershire');
const MONTHS = Array.from({ length: 12 }, (_, i) => {
  const [y, m] = i < 2 ? [2021, 11 + i] : [2022, i - 1];
  return `${y}-${String(m).padStart(2, '0')}`;
});
const files = MONTHS.map((m) => path.join(leicestershire, `${m}-leicestershire-street.csv`));
const skip = files.every(existsSync) ? false : `${leicestershire} not found`;
/** Leicester's centre, at a zoom that draws resolution-8 trends and resolution-9 hotspots. */
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

const trendsVersion = (page) => page.evaluate(() => Number(document.body.dataset.trendsVersion ?? 0));

/** Waits until the trends view has shown an answer (at least `v`), and the map is idle. */
async function trendsIdle(page, v = 1) {
  await page.waitForFunction((v) => Number(document.body.dataset.trendsVersion ?? 0) >= v, v, { timeout: 60_000, polling: 25 });
  await page.waitForFunction(() => document.body.dataset.trendsLoading === 'false', null, { timeout: 60_000 });
  await mapIdle(page);
}

/** The rendered trends cells: category and the screen point of their centre (in the page). */
const renderedTrends = (page) =>
  page.evaluate(() => {
    const m = window.hexspot.map;
    const box = m.getCanvas().getBoundingClientRect();
    return m.queryRenderedFeatures({ layers: ['trends-fill'] }).map((f) => {
      const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const pts = ring.slice(0, -1);
      const c = [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
      const px = m.project(c);
      return { cell: f.properties.cell, category: f.properties.category, x: box.left + px.x, y: box.top + px.y, w: box.width, h: box.height };
    });
  });

describe('the trends view, density and a cell’s monthly trend', { skip, timeout: 240_000 }, () => {
  test('emerging hot spots: categories on the map, the legend with totals, a persistent hot cell’s 12 slices', async (t) => {
    const { page: p, problems } = await testPage(browser, t);
    const t0 = Date.now();
    await load(p, `${server.base}/?panel=trends&crime_type=${encodeURIComponent(VIOLENCE)}&from=2021-11&to=2022-10&map=${MAP}`);
    await trendsIdle(p);
    console.log(`trends view drawn: ${Date.now() - t0} ms`);
    assert.equal(await p.getAttribute('#tab-trends', 'aria-selected'), 'true');
    assert.equal(await p.isHidden('#ranking'), true);
    assert.equal(await p.isHidden('#legend'), true, "the hotspots' legend gives way to the categories");
    assert.equal(await rendered(p, 'cells-fill'), 0, 'the hotspot cells are hidden');

    const cells = await renderedTrends(p);
    assert.ok(cells.length > 50, `trends cells drawn: ${cells.length}`);
    const categories = new Set(cells.map((c) => c.category));
    assert.ok(categories.has('persistent_hot'), [...categories].join(', '));
    assert.ok(categories.has('no_pattern'));
    // the fill is the category's colour
    const colour = await p.evaluate(() => window.hexspot.map.getPaintProperty('trends-fill', 'fill-color'));
    assert.equal(colour[0], 'match');
    assert.ok(colour.includes('persistent_hot'));

    // the legend: every category with its rule and the study region's totals (as the CLI's test: res 8)
    const answer = await p.evaluate(() => window.hexspot.trends());
    assert.equal(answer.hexspot.query.res, 8);
    assert.equal(answer.hexspot.slices.count, 12);
    assert.equal(await p.locator('#trends-legend li').count(), 17);
    const legend = await p.textContent('#trends-legend');
    for (const name of ['New hot spot', 'Persistent hot spot', 'Intensifying hot spot', 'Sporadic hot spot', 'Historical cold spot', 'No pattern detected'])
      assert.ok(legend.includes(name), name);
    assert.match(legend, /final slice hot; at least 90 % of slices hot; no significant trend in z/);
    assert.equal(await p.textContent('#trends-legend li[data-category=persistent_hot] .n'), `${answer.hexspot.category_totals.persistent_hot} cells`);
    assert.equal(answer.hexspot.category_totals.persistent_hot, 108);
    assert.match(await p.textContent('#trends-period'), /Nov 2021 to Oct 2022: 12 months, 12 slices of 1 month/);
    assert.match(await p.textContent('#trends-summary'), /3,334 cells at H3 res 8/);

    // a persistent hot cell, well inside the map: its 12 slices, nearly all hot
    const target = cells.find((c) => c.category === 'persistent_hot' && c.x > 420 && c.x < c.w - 60 && c.y > 60 && c.y < c.h - 60);
    assert.ok(target, 'a persistent hot cell in view');
    await p.mouse.click(target.x, target.y);
    await p.waitForFunction(() => !document.querySelector('#trends-cell').hidden && document.querySelectorAll('#trends-cell svg rect.bar').length > 0, null, {
      timeout: 10_000,
    });
    const clicked = new URL(p.url()).searchParams.get('cell');
    const props = cells.find((c) => c.cell === clicked);
    assert.equal(props?.category, 'persistent_hot', `clicked ${clicked}`);
    assert.equal(await p.locator('#trends-cell svg rect.bar').count(), 12);
    assert.ok((await p.locator('#trends-cell svg rect.bar.hot').count()) >= 11, 'at least 90 % of the slices hot');
    assert.match(await p.textContent('#trends-cell-title'), /Persistent hot spot/);
    const text = await p.textContent('#trends-cell-text');
    assert.match(text, /hot and 0 cold of 12 slices · final z \d/);
    assert.match(text, /trend: no significant trend/);
    assert.equal(await p.textContent('#trends-cell .ticks span:first-child'), 'Nov 21');
    assert.ok((await p.$$eval('#trends-cell svg rect.bar title', (ts) => ts.map((t) => t.textContent))).at(-1).startsWith('Oct 2022: '));
    // one cell outlined (a cell on a tile's edge is drawn from both tiles: count cells)
    const outlined = await p.evaluate(() => [...new Set(window.hexspot.map.queryRenderedFeatures({ layers: ['trends-selected'] }).map((f) => f.properties.cell))]);
    assert.deepEqual(outlined, [clicked], 'the cell outlined');
    const out = path.join(repo, 'web/test-results');
    await mkdir(out, { recursive: true });
    await p.screenshot({ path: path.join(out, 'trends-view.png') });

    // the download is the query drawn
    const href = await p.getAttribute('#trends-download-geojson', 'href');
    const q = new URL(href, server.base).searchParams;
    assert.equal(new URL(href, server.base).pathname, '/api/v1/emerging');
    assert.deepEqual([q.get('from'), q.get('to'), q.get('res'), q.get('format'), q.get('crime_type')], ['2021-11', '2022-10', '8', 'geojson', VIOLENCE]);
    assert.match(await p.getAttribute('#trends-download-csv', 'href'), /format=csv/);
    assertClean(problems, server);
  });

  test('a period the server refuses (too few slices, then gap months) is named in the panel, and nothing is drawn', async (t) => {
    const { page: p, problems } = await testPage(browser, t);
    await load(p, `${server.base}/?panel=trends&from=2022-08&to=2022-10&map=${MAP}`);
    await trendsIdle(p);
    assert.equal(await p.isVisible('#trends-problems'), true);
    assert.match(await p.textContent('#trends-problems'), /3 slice\(s\) of 1 month\(s\): at least 4 are needed/);
    assert.equal(await p.isVisible('#trends-legend-box'), false);
    assert.equal(await rendered(p, 'trends-fill'), 0);
    // months before the data: gaps, not zeros
    const v = await trendsVersion(p);
    // fill() sends the change itself
    await p.fill('#from', '2021-09');
    await trendsIdle(p, v + 1);
    assert.match(await p.textContent('#trends-problems'), /no incident at all .* in 2021-09, 2021-10: a gap in the data/);
    // the refusals are the only failed requests: no tile was asked for
    assert.ok(problems.http.length >= 2, problems.http.join('\n'));
    assert.ok(problems.http.every((h) => h.startsWith('400 ') && h.includes('/api/v1/emerging?')), problems.http.join('\n'));
    // and the browser's own note of each
    assert.deepEqual(problems.console, Array(problems.http.length).fill('error: Failed to load resource: the server responded with a status of 400 (Bad Request)'));
    problems.http.length = 0;
    problems.console.length = 0;
    assertClean(problems, server);
  });

  test('density colouring and the selected cell’s monthly trend', async (t) => {
    const { page: p, problems } = await testPage(browser, t);
    await load(p, `${server.base}/?crime_type=${encodeURIComponent(VIOLENCE)}&map=${MAP}`);
    const t0 = Date.now();
    await afterChange(p, () => p.selectOption('#colour', 'density'));
    console.log(`redraw as density: ${Date.now() - t0} ms`);
    assert.match(p.url(), /colour=density/);
    assert.equal(await p.isVisible('#bandwidth'), true);
    assert.equal(await p.inputValue('#bandwidth'), '400');
    const features = await p.evaluate(() => window.hexspot.map.queryRenderedFeatures({ layers: ['cells-fill'] }).map((f) => f.properties));
    assert.ok(features.length > 50, `density cells drawn: ${features.length}`);
    assert.ok(features.every((f) => typeof f.density_km2 === 'number' && f.density_km2 > 0));
    const legend = await p.textContent('#legend');
    assert.match(legend, /Kernel density: incidents per km² \(quartic kernel, bandwidth 400 m/);
    assert.match(legend, /or more/);
    assert.doesNotMatch(legend, /significant/);
    // a wider kernel: new tiles, in the URL
    // fill() sends input, not change, for a number
    await afterChange(p, async () => {
      await p.fill('#bandwidth', '800');
      await p.dispatchEvent('#bandwidth', 'change');
    });
    assert.match(p.url(), /bandwidth_m=800/);
    assert.match(await p.textContent('#legend'), /bandwidth 800 m/);
    assert.ok((await rendered(p, 'cells-fill')) > 0);

    // select the top hotspot: its months and their trend in words
    await p.locator('#hotspot-list button').first().click();
    await p.waitForFunction(() => !document.querySelector('#cell-trend').hidden && document.body.dataset.cellTrendLoading === 'false', null, { timeout: 20_000 });
    const series = await p.evaluate(() => window.hexspot.cellTrend());
    assert.deepEqual(series.months.map((m) => m.month), MONTHS);
    assert.ok(series.total > 0);
    assert.match(await p.textContent('#cell-trend-text'), /^Trend: (▲ rising|▼ falling|no significant trend|too few months)/);
    assert.ok((await p.locator('#cell-trend svg path.other').count()) === 1, 'the bars');
    assertClean(problems, server);
  });
});
