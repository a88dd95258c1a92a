// The "Areas" view in headless Chromium against a real server on the bundled police.uk
// files with the West Yorkshire wards and MSOAs imported as boundary sets and the ONS
// MSOA populations (so the wards' populations are estimated by areal weighting): the
// ward table, sorting by the server, a filter change, an area's profile, the choropleth,
// the CSV download; and a database without boundary sets.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { assertClean, bin, cleanup, importInto, launch, mapIdle, policeUkFiles, rendered, repo, startServer, tempDir, testPage } from './browser.mjs';

const run = promisify(execFile);
const VIOLENCE = 'Violence and sexual offences';
const DISTRICTS = [
  ['E08000032', 'Bradford'],
  ['E08000033', 'Calderdale'],
  ['E08000034', 'Kirklees'],
  ['E08000035', 'Leeds'],
  ['E08000036', 'Wakefield'],
];

let dir;
let withAreas;
let without;
let bareDb;
let browser;

/** `hexspot boundaries import` of the five districts' files of one kind. */
async function importBoundaries(db, set, code, name, file) {
  const districts = DISTRICTS.flatMap(([, d]) => ['--district', d]);
  const files = DISTRICTS.map(([c, d]) => path.join(repo, file(c, d.toLowerCase())));
  await run(bin, ['boundaries', 'import', '--db', db, '--set', set, '--code', code, '--name', name, ...districts, ...files]);
}

before(async () => {
  dir = await tempDir();
  const files = await policeUkFiles();
  const [db, bare] = await Promise.all([importInto(dir, 'areas.db', files), importInto(dir, 'bare.db', files)]);
  await importBoundaries(db, 'wards', 'WD13CD', 'WD13NM', (c, d) => `data/boundaries/${c}-${d}-wards.json`);
  await importBoundaries(db, 'msoa', 'MSOA11CD', 'MSOA11NM', (c, d) => `data/boundaries/msoa/${c}-${d}-msoa.json`);
  // MSOA codes: the CLI estimates the wards' populations from the msoa set
  await run(bin, ['population', 'import', '--db', db, '--set', 'wards', path.join(repo, 'data/population/ons-msoa-2020-SAPE23DT4.csv')]);
  bareDb = bare;
  [withAreas, without, browser] = await Promise.all([startServer(db), startServer(bare), launch()]);
});

after(async () => {
  await browser?.close();
  await Promise.all([withAreas?.stop(), without?.stop()]);
  if (dir) await cleanup(dir);
});

const areasVersion = (page) => page.evaluate(() => Number(document.body.dataset.areasVersion ?? 0));

/** Waits until the view has compared the areas (at least `v` times) and nothing is loading. */
async function areasIdle(page, v = 1) {
  await page.waitForFunction((v) => Number(document.body.dataset.areasVersion ?? 0) >= v, v, { timeout: 60_000, polling: 25 });
  await page.waitForFunction(() => document.body.dataset.areasLoading === 'false', null, { timeout: 60_000 });
  await mapIdle(page);
}

/** Runs `act`, then waits for a newer comparison and an idle map. */
async function afterAreas(page, act) {
  const v = await areasVersion(page);
  await act();
  await areasIdle(page, v + 1);
}

/** Opens `url` (the areas view) and waits for the first comparison. */
async function open(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => Number(document.body.dataset.listVersion ?? 0) >= 1, null, { timeout: 60_000, polling: 25 });
  await areasIdle(page);
}

const column = (page, i) =>
  page.$$eval(`#areas-table tbody tr td:nth-child(${i})`, (tds) => tds.map((td) => Number(td.textContent.replace(/[^0-9.]/g, ''))));
const counts = (page) => column(page, 3);
const shown = (page) => page.evaluate(() => window.hexspot.areas());

describe('the areas view', { timeout: 240_000 }, () => {
  test('compares the wards: table, sorting, filters, an area profile, the choropleth, the CSV', async (t) => {
    const { page: p, problems } = await testPage(browser, t);
    await open(p, `${withAreas.base}/?panel=areas`);
    assert.equal(await p.getAttribute('#tab-areas', 'aria-selected'), 'true');
    assert.equal(await p.isHidden('#ranking'), true);
    assert.equal(await p.inputValue('#areas-set'), 'wards', 'wards by default');
    assert.equal(await p.inputValue('#areas-measure'), 'rate_per_1000', 'the rate where populations exist');
    const rows = p.locator('#areas-table tbody tr');
    assert.equal(await rows.count(), 124);
    const c = await shown(p);
    assert.equal(c.hexspot.set.name, 'wards');
    assert.deepEqual(
      await p.$$eval('#areas-table tbody tr', (trs) => trs.map((tr) => tr.dataset.code)),
      c.areas.map((a) => a.code),
      'the table is in the order the server gave',
    );
    assert.deepEqual(c.areas.map((a) => a.rank), Array.from({ length: 124 }, (_, i) => i + 1), 'by rank by default');
    assert.equal(await p.getAttribute('#areas-table th:has(button[data-sort=rank])', 'aria-sort'), 'ascending');
    // the wards' populations are estimated from the MSOAs: marked, with a footnote
    assert.ok((await p.locator('#areas-table tbody abbr.est').count()) > 100, 'est. marks');
    assert.equal(await p.isVisible('#areas-footnote'), true);
    const footnote = await p.textContent('#areas-footnote');
    assert.match(footnote, /est\./);
    assert.match(footnote, /estimat/i);
    if (c.hexspot.set.population_source) assert.ok(footnote.includes(c.hexspot.set.population_source), footnote);
    assert.match(await p.textContent('#areas-periods'), /^Period: /);
    if (!c.hexspot.periods.previous_covered) {
      // police.uk's bundled months: the previous period is not in the data, and the view says why
      assert.ok((await p.textContent('#areas-periods')).includes(c.hexspot.periods.previous_note ?? 'not cover'));
      assert.equal(await p.textContent('#areas-table tbody tr:first-child td:nth-child(6)'), '—');
    }
    // district roll-ups
    assert.equal(await p.locator('#areas-districts tbody tr').count(), 5);
    assert.match(await p.textContent('#areas-districts'), /Leeds/);
    // the choropleth is drawn and the cells are not
    assert.ok((await rendered(p, 'areas-fill')) > 0, 'areas drawn');
    assert.equal(await rendered(p, 'cells-fill'), 0, 'the hotspot cells hidden');
    assert.equal(await p.isVisible('#areas-legend'), true);
    assert.match(await p.textContent('#areas-legend'), /per 1,000 residents/);
    assert.equal(await p.isHidden('#legend'), true);

    // sort by count: the server's order, most first, then reversed
    await afterAreas(p, () => p.click('#areas-table button[data-sort=count]'));
    assert.match(p.url(), /area_sort=count/);
    assert.match(p.url(), /area_order=desc/);
    let n = await counts(p);
    assert.equal(n.length, 124);
    assert.deepEqual(n, [...n].sort((a, b) => b - a), 'non-increasing');
    assert.deepEqual(n, (await shown(p)).areas.map((a) => a.count));
    assert.equal(await p.getAttribute('#areas-table th:has(button[data-sort=count])', 'aria-sort'), 'descending');
    assert.equal(await p.getAttribute('#areas-table th:has(button[data-sort=rank])', 'aria-sort'), 'none');
    assert.equal(await p.evaluate(() => document.activeElement?.dataset.sort), 'count', 'focus stays on the header');
    await afterAreas(p, () => p.click('#areas-table button[data-sort=count]'));
    assert.doesNotMatch(p.url(), /area_order=/, 'ascending is the default');
    n = await counts(p);
    assert.deepEqual(n, [...n].sort((a, b) => a - b), 'non-decreasing');
    assert.equal(await p.getAttribute('#areas-table th:has(button[data-sort=count])', 'aria-sort'), 'ascending');
    await afterAreas(p, () => p.click('#areas-table button[data-sort=count]'));

    // a crime type on the left: the table is compared again
    const total = (await shown(p)).hexspot.incidents.counted;
    await afterAreas(p, () => p.check(`input[name=crime_type][value="${VIOLENCE}"]`));
    const violent = await shown(p);
    assert.deepEqual(violent.hexspot.query.crime_types, [VIOLENCE]);
    assert.ok(violent.hexspot.incidents.counted < total, `${violent.hexspot.incidents.counted} < ${total}`);
    assert.deepEqual(await counts(p), violent.areas.map((a) => a.count), 'the table shows the new counts');
    assert.match(p.url(), /crime_type=Violence/);
    assert.equal(await p.locator('#areas-table tbody tr').count(), 124);

    // the top row: selected, outlined, its profile shown
    const top = violent.areas[0];
    await p.click('#areas-table tbody tr:first-child button.area-name');
    await p.waitForFunction(() => window.hexspot.areaProfile() !== null && !document.querySelector('#areas-profile').hidden, null, {
      timeout: 30_000,
    });
    await p.waitForFunction(() => !window.hexspot.map.isMoving(), null, { timeout: 20_000 });
    await mapIdle(p);
    assert.match(p.url(), new RegExp(`area_code=${top.code}`));
    assert.equal(await p.getAttribute(`#areas-table button[data-code="${top.code}"]`, 'aria-current'), 'true');
    assert.match(await p.textContent('#areas-profile-title'), new RegExp(top.name));
    const profile = await p.evaluate(() => window.hexspot.areaProfile());
    assert.equal(profile.area.code, top.code);
    assert.ok(profile.monthly.length >= 1);
    const chart = p.locator('#areas-monthly svg[role=img]');
    assert.equal(await chart.count(), 1, 'a monthly chart');
    const label = await chart.getAttribute('aria-label');
    assert.match(label, /^Incidents by month/);
    assert.ok((await p.locator('#areas-monthly svg path').count()) >= 1, 'bars drawn');
    // months the data hold nothing in are gaps (null), shaded and said, never zero bars
    const gaps = profile.monthly.filter((m) => !m.in_data);
    assert.ok(gaps.every((m) => m.count === null && m.harm === null));
    assert.equal(await p.locator('#areas-monthly svg path.gap').count(), gaps.length > 0 ? 1 : 0);
    if (gaps.length > 0) assert.match(label, new RegExp(`no data for ${gaps.length} of the ${profile.monthly.length} months`));
    // the months' Mann-Kendall trend, in words beside the chart
    assert.ok(profile.trend, 'the profile carries its trend');
    assert.match(await p.textContent('#areas-trend'), /^Monthly trend: (▲ rising|▼ falling|no significant trend|too few months)/);
    const types = await p.$$eval('#areas-crime-types li', (lis) => lis.map((li) => li.textContent));
    assert.ok(types.length >= 1);
    assert.match(types[0], new RegExp(VIOLENCE));
    const selected = await p.evaluate(() => window.hexspot.map.queryRenderedFeatures({ layers: ['areas-selected'] }).map((f) => f.properties.code));
    assert.ok(selected.includes(top.code), `outlined: ${selected}`);
    const inView = await p.evaluate(() => window.hexspot.map.queryRenderedFeatures({ layers: ['areas-fill'] }).length);
    assert.ok(inView > 0);

    // the CSV download: a header and one line per ward
    const [csv] = await Promise.all([p.waitForEvent('download'), p.click('#areas-download-csv')]);
    assert.match(csv.suggestedFilename(), /wards\.csv$/);
    const lines = (await readFile(await csv.path(), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 125);
    assert.match(lines[0], /^code,name,district,count/);

    // colour by the change; the list tab brings the cells back
    await p.selectOption('#areas-measure', 'change_pct');
    assert.match(p.url(), /area_measure=change_pct/);
    assert.match(await p.textContent('#areas-legend'), /Change in incidents/);
    // one of the area's top hotspot cells: the ranked list, that cell selected
    assert.ok(profile.top_hotspots.length > 0, 'hotspot cells inside the top area');
    const spot = p.locator('#areas-hotspots button').first();
    const cell = await spot.getAttribute('data-cell');
    assert.equal(cell, profile.top_hotspots[0].cell);
    await spot.click();
    assert.equal(await p.getAttribute('#tab-list', 'aria-selected'), 'true');
    assert.match(p.url(), new RegExp(`cell=${cell}`));
    await mapIdle(p);
    assert.equal(await rendered(p, 'areas-fill'), 0, 'areas hidden with the list');
    assert.ok((await rendered(p, 'cells-fill')) > 0, 'cells back');
    assert.equal(await p.isHidden('#areas-legend'), true);
    assert.equal(await p.isVisible('#legend'), true);
    assertClean(problems, withAreas);
  });

  test('a URL reopens a sorted, selected view; the tabs and the table work from the keyboard', async (t) => {
    const { page: p, problems } = await testPage(browser, t);
    await open(p, `${withAreas.base}/?panel=areas&area_set=msoa&area_sort=name&area_measure=count`);
    assert.equal(await p.inputValue('#areas-set'), 'msoa');
    assert.equal(await p.inputValue('#areas-measure'), 'count');
    const c = await shown(p);
    const names = c.areas.map((a) => a.name);
    assert.equal(names.length, c.hexspot.set.areas);
    assert.equal(await p.getAttribute('#areas-table th:has(button[data-sort=name])', 'aria-sort'), 'ascending');
    assert.deepEqual(await p.$$eval('#areas-table button.area-name', (bs) => bs.map((b) => b.textContent)), names);
    // the MSOAs' populations are the published ones: no est. marks
    assert.equal(await p.locator('#areas-table tbody abbr.est').count(), 0);
    assert.match(await p.textContent('#areas-footnote'), /^Residents: ons-msoa/);
    assert.match(await p.textContent('#areas-legend'), /Incidents per area/);

    // the tabs by arrow keys: areas → plan → areas (the trends tab, right of areas, is
    // left alone: the bundled months are too few for its slices)
    await p.focus('#tab-areas');
    await p.keyboard.press('ArrowLeft');
    assert.equal(await p.evaluate(() => document.activeElement?.id), 'tab-plan');
    assert.equal(await p.isVisible('#plan-panel'), true);
    await p.keyboard.press('ArrowRight');
    assert.equal(await p.evaluate(() => document.activeElement?.id), 'tab-areas');
    await areasIdle(p);
    // a row by the keyboard: its profile opens
    await p.focus('#areas-table tbody tr:nth-child(2) button.area-name');
    await p.keyboard.press('Enter');
    await p.waitForFunction(() => !document.querySelector('#areas-profile').hidden, null, { timeout: 30_000 });
    assert.match(p.url(), /area_code=E02/);
    // close it: focus goes back to the row
    await p.click('#areas-profile-close');
    assert.equal(await p.isHidden('#areas-profile'), true);
    assert.doesNotMatch(p.url(), /area_code/);
    assert.equal(await p.evaluate(() => document.activeElement?.classList.contains('area-name')), true);
    await p.waitForFunction(() => !window.hexspot.map.isMoving(), null, { timeout: 20_000 });
    await mapIdle(p);
    assertClean(problems, withAreas);

    // a set or an area that does not exist: named, and the default shown
    const old = await testPage(browser, t);
    await open(old.page, `${withAreas.base}/?panel=areas&area_set=beats&area_code=E05999999`);
    assert.match(await old.page.textContent('#areas-problems'), /no boundary set "beats": showing wards/);
    assert.equal(await old.page.inputValue('#areas-set'), 'wards');
    assert.equal(await old.page.locator('#areas-table tbody tr').count(), 124);
    assert.doesNotMatch(old.page.url(), /area_set|area_code/);
    assert.equal(await old.page.isHidden('#areas-profile'), true);
    assertClean(old.problems, withAreas);
  });

  test('without boundary sets the view says how to import them', async (t) => {
    const { page: p, problems } = await testPage(browser, t);
    await open(p, `${without.base}/?panel=areas`);
    assert.equal(await p.isVisible('#areas-empty'), true);
    const text = await p.textContent('#areas-empty');
    assert.match(text, /No boundary sets: import them with/);
    assert.match(text, /hexspot boundaries import/);
    assert.equal(await p.isHidden('#areas-content'), true);
    assert.equal(await rendered(p, 'areas-fill'), 0);
    assert.equal(await rendered(p, 'cells-fill'), 0, 'the areas view hides the cells all the same');
    assert.equal(await p.isHidden('#data-changed'), true);
    assert.equal(await p.evaluate(() => window.hexspot.checkData()), false, 'nothing changed yet');

    // wards imported by another process while the server runs: it reloads by itself
    // (every 2 s), the page notices and offers the new data, which show after a reload
    await importBoundaries(bareDb, 'wards', 'WD13CD', 'WD13NM', (c, d) => `data/boundaries/${c}-${d}-wards.json`);
    const deadline = Date.now() + 30_000;
    while (!(await p.evaluate(() => window.hexspot.checkData()))) {
      assert.ok(Date.now() < deadline, 'the change not noticed in 30 s');
      await p.waitForTimeout(250);
    }
    assert.equal(await p.isVisible('#data-changed'), true);
    assert.match(await p.textContent('#data-changed'), /data on the server have changed/);
    await Promise.all([p.waitForEvent('load'), p.click('#data-reload')]);
    await areasIdle(p);
    assert.equal(await p.isHidden('#areas-empty'), true);
    assert.equal(await p.isHidden('#data-changed'), true);
    assert.equal(await p.locator('#areas-table tbody tr').count(), 124);
    assert.match(without.log(), /changed by another process/);
    assertClean(problems, without);
  });
});
