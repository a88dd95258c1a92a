// The selected cell's monthly trend under the ranked list: its months as bars (gap
// months hatched, "no data") and the Mann-Kendall trend in words, from /api/v1/trend
// with the view's filters.

import { ApiError, type TrendSeries, getTrend } from './api';
import { formatMonth } from './areaview';
import { monthlySvg } from './charts';
import { $ } from './dom';
import { formatValue } from './format';
import { type ViewState, trendParams } from './state';
import { describeTrend, trendArrow } from './trend';

let abort: AbortController | null = null;
/** The query of the series shown (or being fetched), so a repeat asks nothing. */
let shownKey: string | null = null;
let series: TrendSeries | null = null;
let version = 0;

function draw(cell: string, s: TrendSeries) {
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
    `Incidents a month in this cell (most ${formatValue(max)}; ${formatValue(s.total)} in all)` +
    (gaps ? `; hatched: no data (${formatValue(gapMonths)} ${gapMonths === 1 ? 'month' : 'months'} the data hold nothing at all, not zeros).` : '.');
  fig.append(svg, ends, caption);
  $('cell-trend-chart').replaceChildren(fig);
  const arrow = trendArrow(s.trend);
  const text = $('cell-trend-text');
  text.textContent = `Trend: ${arrow}${arrow ? ' ' : ''}${describeTrend(s.trend)}.`;
  text.title = `${s.trend.test}, α = ${s.trend.alpha}, ${s.trend.n} months with data · cell ${cell}`;
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
    if (cell === null) {
      abort?.abort();
      shownKey = null;
    }
    return;
  }
  const params = trendParams(view, cell);
  const key = params.toString();
  box.hidden = false;
  if (key === shownKey) return;
  abort?.abort();
  const ac = new AbortController();
  abort = ac;
  shownKey = key;
  document.body.dataset.cellTrendLoading = 'true';
  $('cell-trend-text').textContent = 'Loading the months…';
  try {
    series = await getTrend(params, ac.signal);
    draw(cell, series);
  } catch (e) {
    if (ac.signal.aborted) return;
    series = null;
    shownKey = null;
    $('cell-trend-chart').replaceChildren();
    $('cell-trend-text').textContent = e instanceof ApiError ? `The server said: ${e.message}` : `Cannot reach the server: ${String(e)}`;
  } finally {
    if (abort === ac) {
      document.body.dataset.cellTrendLoading = 'false';
      version += 1;
      document.body.dataset.cellTrendVersion = String(version);
    }
  }
}

/** The series shown (for tests). */
export const currentCellTrend = () => series;
