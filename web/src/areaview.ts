// Pure helpers for the areas view: which set and measure to show, the change against
// the previous period as text, the table's sort toggling, the choropleth's classes and
// legend, and the monthly bar chart — kept apart from the DOM so they can be tested.

import type { AreaRow, AreaSetInfo, ComparisonMeta } from './api';
import { formatP, formatValue } from './format';
import { EMPTY, type Legend, type LegendItem, RDBU, VIRIDIS, sequentialBreaks } from './palette';
import type { AreaMeasure, AreaSortKey, AreaState, SortOrder } from './state';

/** A change is called significant below this p (two-sided exact Poisson test). */
export const SIGNIFICANCE = 0.05;

/** Areas without a value for the measure (no population, no previous period). */
export const NO_DATA = '#d4d2cc';

/** Classes of the change on the previous period, in %: fixed, so two maps read alike. */
export const CHANGE_BREAKS = [-50, -25, -10, 10, 25, 50];

/** The set shown when the URL names none (or one that does not exist): `wards`, else the first. */
export function defaultSet(sets: Pick<AreaSetInfo, 'name'>[]): string | null {
  return sets.find((s) => s.name === 'wards')?.name ?? sets[0]?.name ?? null;
}

/** The measure shown when the URL names none: the rate where populations exist, else the count. */
export function defaultMeasure(set: Pick<AreaSetInfo, 'with_population'> | undefined): AreaMeasure {
  return set && set.with_population > 0 ? 'rate_per_1000' : 'count';
}

export const MEASURE_NAMES: Record<AreaMeasure, string> = {
  rate_per_1000: 'Incidents per 1,000 residents',
  count: 'Incidents',
  harm: 'Harm',
  change_pct: 'Change on the previous period',
};

/** A rate per 1,000: one decimal (two below 1), `—` where unknown. */
export function formatRate(x: number | null | undefined): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-GB', { minimumFractionDigits: x < 1 && x > 0 ? 2 : 1, maximumFractionDigits: x < 1 && x > 0 ? 2 : 1 });
}

/** Residents, whole, with thousands separators. */
export function formatPopulation(x: number | null | undefined): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return Math.round(x).toLocaleString('en-GB');
}

/** A signed percentage: `+12 %`, `−8.5 %` (one decimal below 10). */
export function formatPct(x: number): string {
  const abs = Math.abs(x);
  const digits = abs < 10 && abs !== Math.round(abs) ? 1 : 0;
  const text = abs.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (text === '0' || text === '0.0') return '0 %';
  return `${x > 0 ? '+' : '−'}${text} %`;
}

/** The change on the previous period as the table shows it. */
export interface ChangeText {
  /** `▲` up, `▼` down, `` for none or unknown. */
  arrow: '▲' | '▼' | '';
  /** `+12 %`, `+5 (none before)`, `0 %`, or `—` when not compared. */
  text: string;
  /** `p 0.012`, or `` when there is no test. */
  p: string;
  /** p below [`SIGNIFICANCE`]. */
  significant: boolean;
  /** The whole of it in words, for screen readers and the tooltip. */
  label: string;
}

export function describeChange(r: Pick<AreaRow, 'count' | 'previous_count' | 'change' | 'change_pct' | 'change_p'>): ChangeText {
  if (r.previous_count === null || r.change === null) {
    return { arrow: '', text: '—', p: '', significant: false, label: 'not compared: the data do not cover the previous period' };
  }
  const arrow = r.change > 0 ? '▲' : r.change < 0 ? '▼' : '';
  const text = r.change_pct === null ? (r.change === 0 ? '0 %' : `+${formatValue(r.change)} (none before)`) : formatPct(r.change_pct);
  const significant = r.change_p !== null && r.change_p < SIGNIFICANCE;
  const p = r.change_p === null ? '' : `p ${formatP(r.change_p)}`;
  const dir = r.change > 0 ? 'up' : r.change < 0 ? 'down' : 'no change';
  const amount = r.change === 0 ? '' : ` ${r.change_pct === null ? formatValue(Math.abs(r.change)) : formatPct(Math.abs(r.change_pct)).replace('+', '')}`;
  const label =
    `${dir}${amount}, from ${formatValue(r.previous_count)} to ${formatValue(r.count)}` +
    (p ? `, ${p}` : '') +
    (significant ? ', significant' : r.change_p === null ? '' : ', not significant');
  return { arrow, text, p, significant, label };
}

// ---------------------------------------------------------------- sorting

/** The order a column sorts in when first clicked: most first for amounts, A–Z for names, smallest p first. */
export const FIRST_ORDER: Record<AreaSortKey, SortOrder> = {
  code: 'asc',
  name: 'asc',
  district: 'asc',
  count: 'desc',
  harm: 'desc',
  population: 'desc',
  rate_per_1000: 'desc',
  harm_per_1000: 'desc',
  rank: 'asc',
  district_share: 'desc',
  previous_count: 'desc',
  change: 'desc',
  change_pct: 'desc',
  change_p: 'asc',
};

/** The sort after clicking `key`'s header: the same column reverses, another starts in its first order. */
export function nextSort(current: Pick<AreaState, 'sort' | 'order'>, key: AreaSortKey): { sort: AreaSortKey; order: SortOrder } {
  if (current.sort === key) return { sort: key, order: current.order === 'asc' ? 'desc' : 'asc' };
  return { sort: key, order: FIRST_ORDER[key] };
}

/** `aria-sort` for `key`'s header. */
export function ariaSort(current: Pick<AreaState, 'sort' | 'order'>, key: AreaSortKey): 'ascending' | 'descending' | 'none' {
  if (current.sort !== key) return 'none';
  return current.order === 'asc' ? 'ascending' : 'descending';
}

// ---------------------------------------------------------------- choropleth

/** The class bounds for `measure`, from the areas' values. */
export function areaBreaks(measure: AreaMeasure, rows: Pick<AreaRow, AreaMeasure>[]): number[] {
  if (measure === 'change_pct') return [...CHANGE_BREAKS];
  const max = Math.max(0, ...rows.map((r) => r[measure] ?? 0).filter((v) => Number.isFinite(v)));
  if (measure === 'count') return sequentialBreaks(max, VIRIDIS.length, true);
  // rates and harm: no class for "anything at all" (that is for counts), so one more
  // square-root step takes its place and the lightest class is "below" the first bound
  const b = sequentialBreaks(max, VIRIDIS.length + 1, false);
  return b.length > 1 ? b.slice(1) : b;
}

type Expression = unknown[];

/** The `fill-color` expression: viridis classes (RdBu around 0 for the change), grey where there is no value. */
export function areaFillColour(measure: AreaMeasure, breaks: number[]): Expression {
  const value = ['get', measure];
  let step: unknown[];
  if (measure === 'change_pct') {
    step = ['step', value, RDBU[0]];
    breaks.forEach((b, i) => step.push(b, RDBU[Math.min(i + 1, RDBU.length - 1)]));
  } else {
    step = ['step', value, EMPTY];
    breaks.forEach((b, i) => step.push(b, VIRIDIS[Math.min(i, VIRIDIS.length - 1)]));
  }
  // tiles leave nulls out: no population, or no previous period
  return ['case', ['==', ['typeof', value], 'number'], step, NO_DATA];
}

const num = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en-GB') : x.toLocaleString('en-GB', { maximumSignificantDigits: 3 }));

/** The legend for `measure`, most first, with what grey means. */
export function areaLegend(measure: AreaMeasure, breaks: number[], estimated = false): Legend {
  const items: LegendItem[] = [];
  if (measure === 'change_pct') {
    RDBU.forEach((colour, i) => {
      const lo = breaks[i - 1];
      const hi = breaks[i];
      const label =
        lo === undefined ? `below ${formatPct(hi!)}` : hi === undefined ? `${formatPct(lo)} or more` : `${formatPct(lo)} to ${formatPct(hi)}`;
      items.push({ colour, label });
    });
    items.reverse();
    items.push({ colour: NO_DATA, label: 'not compared (no previous period, or none before)' });
    return { title: 'Change in incidents on the previous period of equal length', items };
  }
  const integer = measure === 'count';
  items.push({ colour: EMPTY, label: integer ? '0' : `below ${num(breaks[0] ?? 0)}` });
  breaks.forEach((b, i) => {
    const next = breaks[i + 1];
    const hi = next === undefined ? null : integer ? next - 1 : next;
    const label = hi === null ? `${num(b)} or more` : hi === b ? num(b) : `${num(b)}–${num(hi)}`;
    items.push({ colour: VIRIDIS[Math.min(i, VIRIDIS.length - 1)]!, label });
  });
  items.reverse();
  if (measure === 'rate_per_1000') items.push({ colour: NO_DATA, label: 'no population' });
  const title =
    measure === 'rate_per_1000'
      ? `Incidents per 1,000 residents${estimated ? ' (populations estimated)' : ''}`
      : measure === 'count'
        ? 'Incidents per area'
        : 'Harm per area (sum of harm weights)';
  return { title, items };
}

// ---------------------------------------------------------------- periods

/** `1 Jan 2025` from `2025-01-01`. */
export function formatDay(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d) return iso;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m - 1];
  return `${d} ${month} ${y}`;
}

/** What is compared with what, in words. */
export function describePeriods(p: ComparisonMeta['periods']): string {
  const current = `${formatDay(p.current.from)} – ${formatDay(p.current.to)}`;
  if (p.previous && p.previous_covered) return `${current}, compared with ${formatDay(p.previous.from)} – ${formatDay(p.previous.to)}`;
  const why = p.previous_note ?? 'the data do not cover the previous period';
  return `${current}; no change shown: ${why}`;
}

// ---------------------------------------------------------------- monthly chart

export interface Bar {
  month: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** In the current period, the previous one, or neither. */
  period: 'current' | 'previous' | 'other';
  /** A month the data hold no incidents in at all: no bar, a shaded slot. */
  gap: boolean;
}

/** A month of a series; `count: null` marks a gap in the data, not a zero. */
type Month = { month: string; count: number | null };

/** Which period a month (`YYYY-MM`) lies in. */
function periodOf(month: string, periods: ComparisonMeta['periods'] | null): Bar['period'] {
  if (!periods) return 'other';
  const inside = (p: { from: string; to: string }) => month >= p.from.slice(0, 7) && month <= p.to.slice(0, 7);
  if (inside(periods.current)) return 'current';
  if (periods.previous && inside(periods.previous)) return 'previous';
  return 'other';
}

/**
 * Bars of equal width filling `width` × `height` (y down), a space between them, the
 * tallest full height. A month with no data (`count: null`) gets a zero-height bar
 * marked `gap`.
 */
export function monthlyBars(
  monthly: Month[],
  width: number,
  height: number,
  periods: ComparisonMeta['periods'] | null = null,
): { max: number; bars: Bar[] } {
  const max = Math.max(0, ...monthly.map((m) => m.count ?? 0));
  const n = monthly.length;
  const slot = n === 0 ? 0 : width / n;
  const space = slot > 4 ? Math.min(2, slot * 0.2) : 0;
  const bars = monthly.map((m, i) => {
    const value = m.count ?? 0;
    const h = max > 0 ? (value / max) * height : 0;
    return {
      month: m.month,
      value,
      x: i * slot + space / 2,
      y: height - h,
      width: slot - space,
      height: h,
      period: periodOf(m.month, periods),
      gap: m.count === null,
    };
  });
  return { max, bars };
}

const r1 = (x: number) => Number(x.toFixed(1)).toString();

/** One SVG path of the bars (those of zero height left out). */
export function barPath(bars: Pick<Bar, 'x' | 'y' | 'width' | 'height'>[]): string {
  return bars
    .filter((b) => b.height > 0)
    .map((b) => `M${r1(b.x)},${r1(b.y + b.height)}V${r1(b.y)}H${r1(b.x + b.width)}V${r1(b.y + b.height)}Z`)
    .join('');
}

/** One SVG path shading the months with no data, full height, a rectangle per run of them. */
export function gapPath(bars: Pick<Bar, 'x' | 'width' | 'gap'>[], height: number): string {
  let d = '';
  for (let i = 0; i < bars.length; i++) {
    if (!bars[i]!.gap) continue;
    let j = i;
    while (j + 1 < bars.length && bars[j + 1]!.gap) j++;
    const x0 = bars[i]!.x;
    const x1 = bars[j]!.x + bars[j]!.width;
    d += `M${r1(x0)},${r1(height)}V0H${r1(x1)}V${r1(height)}Z`;
    i = j;
  }
  return d;
}

/** `Jan 2025` from `2025-01`. */
export function formatMonth(month: string): string {
  return formatDay(`${month}-01`).replace(/^1 /, '');
}

/** The chart's text alternative: the span, the peak, the latest month and the months with no data. */
export function describeMonthly(monthly: Month[]): string {
  const held = monthly.filter((m): m is { month: string; count: number } => m.count !== null);
  if (held.length === 0) return 'No months of data';
  const first = monthly[0]!;
  const last = held[held.length - 1]!;
  const peak = held.reduce((a, b) => (b.count > a.count ? b : a));
  const gaps = monthly.length - held.length;
  return (
    `Incidents by month, ${formatMonth(first.month)} to ${formatMonth(monthly[monthly.length - 1]!.month)}: ` +
    `most in ${formatMonth(peak.month)} (${formatValue(peak.count)}), ${formatValue(last.count)} in ${formatMonth(last.month)}` +
    (gaps > 0 ? `; no data for ${formatValue(gaps)} of the ${formatValue(monthly.length)} months` : '')
  );
}
