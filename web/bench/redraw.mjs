// Times the map's redraw after each kind of control change, in headless Chromium:
// from the change to the new ranked list rendered, and to the map idle with every tile
// drawn. Prints figures; asserts nothing (speed is measured here, not tested).
//
//   node bench/redraw.mjs http://127.0.0.1:8080/
//
// against `hexspot serve` on the data to measure (the README's figures: 1M synthetic
// incidents, `hexspot synth --rows 1000000 --seed 3`, release build).
import { launch, load, mapIdle, openPage, rendered } from '../e2e/browser.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8080/';
const browser = await launch();
const { page, problems } = await openPage(browser);
let t = Date.now();
await load(page, base);
console.log(`first load to idle: ${Date.now() - t} ms`);

async function change(name, act) {
  const v = await page.evaluate(() => Number(document.body.dataset.listVersion));
  const t0 = Date.now();
  await act();
  await page.waitForFunction((v) => Number(document.body.dataset.listVersion) > v, v, { timeout: 30_000, polling: 10 });
  const list = Date.now() - t0;
  await mapIdle(page);
  console.log(`${name}: list ${list} ms, map idle ${Date.now() - t0} ms (${await rendered(page, 'cells-fill')} cells drawn)`);
}

const violence = 'input[name=crime_type][value="Violence and sexual offences"]';
await change('tick a crime type', () => page.check(violence));
await change('night-time-economy preset', () => page.click('#preset-nte'));
await change('rank by count', () => page.selectOption('#rank-by', 'count'));
await change('colour by harm', () => page.selectOption('#colour', 'harm'));
await change('any time', () => page.click('#preset-any'));
await change('untick the crime type', () => page.uncheck(violence));
await change('tick it again (cached on the server)', () => page.check(violence));
if (problems.console.length + problems.errors.length + problems.external.length > 0) console.log('problems:', problems);
await browser.close();
