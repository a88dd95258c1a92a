// A monthly trend from /api/v1/trend with the view's filters: its months as bars (gap
// months hatched, "no data") and the Mann-Kendall trend in words. Shown for the
// selected cell under the ranked list, and for the selected patrol area in the plan.

import { ApiError, type TrendSeries, getTrend } from './api';
import { formatMonth } from './areaview';
import { monthlySvg } from './charts';
import { $ } from './dom';
import { formatValue } from './format';
import { type ViewState, trendParams } from './state';
import { describeTrend, trendArrow } from './trend';

/** One place a series is shown: its element ids, what it is of, and what it shows. */
class TrendBox {
  abort: AbortController | null = null;
  /** The query of the series shown (or being fetched), so a repeat asks nothing. */
  shownKey: string | null = null;
  series: TrendSeries | null = null;
  version = 0;

  /** `prefix`: the ids are PREFIX-chart, PREFIX-text; `noun`: "this cell", "this patrol area". */
  constructor(
    readonly prefix: string,
    readonly noun: string,
    readonly dataKey: string,
  ) {}

  forget() {
    this.abort?.abort();
    this.shownKey = null;
  }

  /** Fetches and draws the series of `params` unless it is the one shown. */
  async show(params: URLSearchParams, label: string) {
    const key = params.toString();
    if (key === this.shownKey) return;
    this.abort?.abort();
    const ac = new AbortController();
    this.abort = ac;
    this.shownKey = key;
    const data = document.body.dataset;
    data[`${this.dataKey}Loading`] = 'true';
    $(`${this.prefix}-text`).textContent = 'Loading the months…';
    try {
      this.series = await getTrend(params, ac.signal);
      draw(this, label, this.series);
    } catch (e) {
      if (ac.signal.aborted) return;
      this.series = null;
      this.shownKey = null;
      $(`${this.prefix}-chart`).replaceChildren();
      $(`${this.prefix}-text`).textContent =
        e instanceof ApiError ? `The server said: ${e.message}` : `Cannot reach the server: ${String(e)}`;
    } finally {
      if (this.abort === ac) {
        data[`${this.dataKey}Loading`] = 'false';
        this.version += 1;
        data[`${this.dataKey}Version`] = String(this.version);
      }
    }
  }
}

const cellBox = new TrendBox('cell-trend', 'this cell', 'cellTrend');
const areaBox = new TrendBox('plan-trend', 'this patrol area', 'planTrend');

function draw(box: TrendBox, label: string, s: TrendSeries) {
  const { svg, max, gaps } = monthlySvg(s.months, 280, 48, null, 'cell-gap-hatch');
  const fig = document.createElement('figure');
  fig.className = 'monthly';
  const first = s.months[0]?.month;
  const last = s.months[s.months.length - 1]?.month;
  const ends = document.createElement('div');
  ends.className = 'ends';
  ends.setAttribute('aria-hidden', 'true');
  for (const m of [first, last]) {
    const span = document.createElement('span');
    span.textContent = m ? formatMonth(m) : '';
    ends.append(span);
  }
  const caption = document.createElement('figcaption');
  caption.className = 'hint';
  const gapMonths = s.months.filter((m) => m.count === null).length;
  caption.textContent =
    `Incidents a month in ${box.noun} (most ${formatValue(max)}; ${formatValue(s.total)} in all)` +
    (gaps ? `; hatched: no data (${formatValue(gapMonths)} ${gapMonths === 1 ? 'month' : 'months'} the data hold nothing at all, not zeros).` : '.');
  fig.append(svg, ends, caption);
  $(`${box.prefix}-chart`).replaceChildren(fig);
  const arrow = trendArrow(s.trend);
  const text = $(`${box.prefix}-text`);
  text.textContent = `Trend: ${arrow}${arrow ? ' ' : ''}${describeTrend(s.trend)}.`;
  text.title = `${s.trend.test}, α = ${s.trend.alpha}, ${s.trend.n} months with data · ${label}`;
}

/**
 * Shows the selected cell's monthly trend (fetching it when the cell or the filters have
 * changed), or hides it when no cell is selected or the list is not shown.
 */
export async function refreshCellTrend(view: ViewState) {
  const box = $('cell-trend');
  const cell = view.cell;
  if (cell === null || view.panel !== 'list') {
    box.hidden = true;
    if (cell === null) cellBox.forget();
    return;
  }
  box.hidden = false;
  await cellBox.show(trendParams(view, cell), `cell ${cell}`);
}

/**
 * Shows the monthly trend of a patrol area's cells (all of them together) in the plan's
 * area profile; `cells` empty forgets it.
 */
export async function refreshAreaTrend(view: ViewState, cells: string[], name: string) {
  if (cells.length === 0) {
    areaBox.forget();
    return;
  }
  await areaBox.show(trendParams(view, cells.join(',')), name);
}

/** The series shown (for tests). */
export const currentCellTrend = () => cellBox.series;
/** The patrol area's series shown (for tests). */
export const currentAreaTrend = () => areaBox.series;
