// The "Patrol plan" panel in headless Chromium against a real server on synthetic
// incidents with times of day: open the panel, build "20 cells by harm, Fri–Sat
// 20:00–04:00", inspect an area's week, download the plan three ways, leave an area out.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { assertClean, cleanup, importInto, launch, load, mapIdle, rendered, startServer, synthetic, tempDir, testPage } from './browser.mjs';

let dir;
let timed;
let browser;

before(async () => {
  dir = await tempDir();
  const db = await importInto(dir, 'timed.db', [await synthetic(dir, 30_000)]);
  [timed, browser] = await Promise.all([startServer(db), launch()]);
});

after(async () => {
  await browser?.close();
  await timed?.stop();
  if (dir) await cleanup(dir);
});

const planVersion = (page) => page.evaluate(() => Number(document.body.dataset.planVersion ?? 0));

/** Runs `act`, then waits for a newer plan and an idle map. */
async function afterPlan(page, act) {
  const v = await planVersion(page);
  await act();
  await page.waitForFunction((v) => Number(document.body.dataset.planVersion ?? 0) > v, v, { timeout: 30_000, polling: 25 });
  await page.waitForFunction(() => document.body.dataset.planLoading === 'false', null, { timeout: 30_000 });
  await mapIdle(page);
}

const shownPlan = (page) => page.evaluate(() => window.hexspot.plan());
const areaButtons = (page) => page.$$eval('#plan-areas button', (bs) => bs.map((b) => Number(b.dataset.area)));

/** Hour of the week (0 = Monday 00:00) is in Fri–Sat 20:00–04:00. */
function inNightTimeEconomy(h) {
  const day = Math.floor(h / 24);
  const hour = h % 24;
  return ((day === 4 || day === 5) && hour >= 20) || ((day === 5 || day === 6) && hour < 4);
}

describe('the patrol-plan panel', { timeout: 120_000 }, () => {
  test('builds 20 cells by harm in the night-time economy, shows an area week, downloads the plan', async (t) => {
    const { page: p, problems } = await testPage(browser, t);
    await load(p, `${timed.base}/`);
    assert.equal(await p.isHidden('#plan-panel'), true);
    await afterPlan(p, () => p.click('#tab-plan'));
    assert.equal(await p.getAttribute('#tab-plan', 'aria-selected'), 'true');
    assert.equal(await p.isHidden('#ranking'), true);
    assert.match(p.url(), /panel=plan/);
    // the defaults are the issue's: 20 cells, ranked by harm
    assert.equal(await p.inputValue('#plan-cells'), '20');
    assert.equal(await p.inputValue('#plan-rank-by'), 'harm');

    await afterPlan(p, () => p.click('#plan-preset-nte'));
    assert.equal(await p.getAttribute('#plan-preset-nte', 'aria-pressed'), 'true');
    assert.match(p.url(), /days=fri%2Csat/);
    assert.match(p.url(), /hours=20-04/);
    const plan = await shownPlan(p);
    assert.equal(plan.hexspot.query.time_window.hours, 16);
    assert.equal(plan.hexspot.plan.cells, 20);
    const cells = plan.features.flatMap((f) => f.properties.cells);
    assert.equal(cells.length, 20, 'every picked cell is in one area');
    assert.equal(new Set(cells).size, 20);
    assert.ok(plan.features.length >= 2, `merged into areas: ${plan.features.length}`);
    assert.deepEqual(await areaButtons(p), plan.features.map((f) => f.properties.area_rank), 'the list is the plan');
    const last = plan.features.at(-1).properties;
    assert.ok(Math.abs(last.cumulative_harm_share - plan.hexspot.plan.harm_share) < 1e-9);
    for (const f of plan.features)
      for (const w of f.properties.peak_windows)
        for (let i = 0; i < w.hours; i++)
          if (inNightTimeEconomy((w.start_hour_of_week + i) % 168) === false) {
            // a peak block may reach past the window's edge only where no incident is
            assert.equal(f.properties.weekly_profile.count[Math.floor(((w.start_hour_of_week + i) % 168) / 24)][(w.start_hour_of_week + i) % 24], 0);
          }
    assert.match(await p.textContent('#plan-summary'), /patrol areas? of 20 cells/);
    assert.match(await p.textContent('#plan-summary'), /Half the harm lies in/);

    // select the first area: the map flies there, outlines it and shows its week
    await p.click('#plan-areas button[data-area="1"]');
    await mapIdle(p);
    assert.match(p.url(), /patrol_area=1/);
    assert.equal(await p.getAttribute('#plan-areas button[data-area="1"]', 'aria-current'), 'true');
    assert.ok((await rendered(p, 'plan-fill')) > 0, 'plan areas drawn');
    assert.ok((await rendered(p, 'plan-selected')) > 0, 'the selected area outlined');
    assert.equal(await p.isVisible('#plan-profile'), true);
    assert.equal(await p.$$eval('#plan-matrix tbody tr', (r) => r.length), 7);
    assert.equal(await p.$$eval('#plan-matrix tbody td', (c) => c.length), 7 * 24);
    const first = plan.features[0].properties;
    const peakHours = first.peak_windows.reduce((n, w) => n + w.hours, 0);
    assert.equal(await p.$$eval('#plan-matrix td.peak', (c) => c.length), peakHours, 'peak windows outlined');
    assert.ok(peakHours > 0, 'timed data give peak windows');
    assert.match(await p.textContent('#plan-profile-text'), new RegExp(first.peak_windows[0].window));
    // the darkest cell holds the area's largest hourly harm
    const maxHarm = Math.max(...first.weekly_profile.harm.flat());
    assert.match(await p.textContent('#plan-matrix caption'), /Harm by hour of the week/);
    assert.ok(maxHarm > 0);

    // and its monthly trend: the area's cells together, with the map's filters
    await p.waitForFunction(() => document.body.dataset.planTrendLoading === 'false' && Number(document.body.dataset.planTrendVersion) >= 1);
    assert.match(await p.textContent('#plan-trend-text'), /^Trend: /);
    assert.match(await p.textContent('#plan-trend figcaption'), /Incidents a month in this patrol area/);
    assert.equal(await p.locator('#plan-trend svg path.other').count(), 1, 'the bars');
    // the same incidents as the area's own count: the plan's filters, every month
    const trend = await p.evaluate(() => window.hexspot.areaTrend());
    assert.deepEqual(trend.hexspot.cells.toSorted(), first.cells.toSorted());
    assert.equal(trend.total, first.count);

    // downloads: the plan shown, as GeoJSON, CSV and the printable briefing
    const [gj] = await Promise.all([p.waitForEvent('download'), p.click('#plan-download-geojson')]);
    assert.match(gj.suggestedFilename(), /\.geojson$/);
    const fc = JSON.parse(await readFile(await gj.path(), 'utf8'));
    assert.deepEqual(
      fc.features.map((f) => [f.properties.area_rank, f.properties.cells]),
      plan.features.map((f) => [f.properties.area_rank, f.properties.cells]),
      'the download is the plan shown',
    );
    assert.equal(fc.hexspot.query.rank_by, 'harm');
    const [csv] = await Promise.all([p.waitForEvent('download'), p.click('#plan-download-csv')]);
    const lines = (await readFile(await csv.path(), 'utf8')).trim().split('\n');
    assert.equal(lines.length, plan.features.length + 1);
    assert.match(lines[0], /^area_rank,/);
    const [png] = await Promise.all([p.waitForEvent('download'), p.click('#plan-download-png')]);
    const bytes = await readFile(await png.path());
    assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.equal(bytes.readUInt32BE(16), 1600, 'width');
    assert.equal(bytes.readUInt32BE(20), 1131, 'height');

    // leave area 1 out (a custody suite, say): its cells leave the plan
    await afterPlan(p, () => p.click('#plan-exclude-area'));
    assert.match(p.url(), /plan_exclude=/);
    const without = await shownPlan(p);
    assert.equal(without.hexspot.plan.excluded_cells, first.cells.length);
    const now = without.features.flatMap((f) => f.properties.cells);
    for (const c of first.cells) assert.ok(!now.includes(c), `${c} left out`);
    assert.equal(await p.isVisible('#plan-excluded'), true);
    await afterPlan(p, () => p.click('#plan-exclude-clear'));
    assert.equal((await shownPlan(p)).hexspot.plan.excluded_cells, 0);
    assertClean(problems, timed);
  });

  test('an area budget, a URL that reopens the plan, and a bad budget named', async (t) => {
    const { page: p, problems } = await testPage(browser, t);
    await load(p, `${timed.base}/?panel=plan&plan_area_km2=0.5&plan_res=10&patrol_area=2`);
    await p.waitForFunction(() => Number(document.body.dataset.planVersion ?? 0) >= 1, null, { timeout: 30_000 });
    assert.equal(await p.isChecked('input[name=plan-budget][value=area]'), true);
    assert.equal(await p.inputValue('#plan-area'), '0.5');
    assert.equal(await p.inputValue('#plan-res'), '10');
    const plan = await shownPlan(p);
    assert.deepEqual(plan.hexspot.plan.budget, { area_km2: 0.5 });
    assert.ok(plan.hexspot.plan.area_m2 <= 0.5e6 + 1, `within budget: ${plan.hexspot.plan.area_m2}`);
    assert.equal(plan.hexspot.query.res, 10);
    assert.equal(await p.isVisible('#plan-profile'), true, 'area 2 selected from the URL');
    assert.match(await p.textContent('#plan-profile-title'), /^Area 2:/);

    // back to a cell budget, by keyboard-free form filling; a bad one is named and not sent
    await p.check('input[name=plan-budget][value=cells]');
    await p.fill('#plan-cells', '0');
    await p.dispatchEvent('#plan-form', 'change');
    assert.match(await p.textContent('#plan-problems'), /cells: a whole number/);
    await afterPlan(p, async () => {
      await p.fill('#plan-cells', '5');
      await p.dispatchEvent('#plan-form', 'change');
    });
    assert.equal(await p.isHidden('#plan-problems'), true);
    assert.equal((await shownPlan(p)).hexspot.plan.cells, 5);
    assert.match(p.url(), /plan_cells=5/);
    assert.doesNotMatch(p.url(), /patrol_area/, 'a new plan drops the old selection');

    // the list tab hides the plan from the map again
    await p.click('#tab-list');
    await mapIdle(p);
    assert.equal(await rendered(p, 'plan-fill'), 0);
    assert.equal(await p.isVisible('#hotspot-list'), true);
    assertClean(problems, timed);
  });
});
