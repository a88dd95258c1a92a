// Pure helpers for the Trends view (emerging hot spots): the categories' names, colours
// and legend, the `fill-color` expression, a cell's slice states and counts as bars,
// and the slices' months — kept apart from the DOM so they can be tested.

import { addMonths } from './months';
import { formatMonth } from './areaview';
import { formatValue } from './format';
import type { LegendItem } from './palette';

/** The server's categories, in the order its outputs list them (hot, cold, then no pattern). */
export const CATEGORIES = [
  'new_hot',
  'consecutive_hot',
  'intensifying_hot',
  'persistent_hot',
  'diminishing_hot',
  'sporadic_hot',
  'oscillating_hot',
  'historical_hot',
  'new_cold',
  'consecutive_cold',
  'intensifying_cold',
  'persistent_cold',
  'diminishing_cold',
  'sporadic_cold',
  'oscillating_cold',
  'historical_cold',
  'no_pattern',
] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * Colours after ArcGIS Pro's emerging hot spot symbology: the hot categories in reds,
 * darkest for the newest and strongest patterns, lighter and orange for the sporadic,
 * oscillating and historical ones; the cold ones the same in blues (teal for
 * oscillating); no pattern a very light grey, drawn nearly transparent.
 */
export const CATEGORY_COLOURS: Record<Category, string> = {
  new_hot: '#67000d',
  consecutive_hot: '#a50f15',
  intensifying_hot: '#d7301f',
  persistent_hot: '#ef6548',
  diminishing_hot: '#fc8d59',
  sporadic_hot: '#f7b39c',
  oscillating_hot: '#f59e42',
  historical_hot: '#fdd49e',
  new_cold: '#08306b',
  consecutive_cold: '#08519c',
  intensifying_cold: '#2171b5',
  persistent_cold: '#4292c6',
  diminishing_cold: '#6baed6',
  sporadic_cold: '#9ecae1',
  oscillating_cold: '#35978f',
  historical_cold: '#c6dbef',
  no_pattern: '#e8e8e8',
};

/** Fill opacity of no-pattern cells (the rest are drawn at [`CATEGORY_OPACITY`]). */
export const NO_PATTERN_OPACITY = 0.25;
export const CATEGORY_OPACITY = 0.85;

/** `new_hot` → `New hot spot`, `no_pattern` → `No pattern detected`. */
export function categoryLabel(c: Category): string {
  if (c === 'no_pattern') return 'No pattern detected';
  const [kind, side] = c.split('_') as [string, 'hot' | 'cold'];
  return `${kind[0]!.toUpperCase()}${kind.slice(1)} ${side} spot`;
}

export function isCategory(s: unknown): s is Category {
  return typeof s === 'string' && (CATEGORIES as readonly string[]).includes(s);
}

type Expression = unknown[];

/** The `fill-color` expression: one colour a category, no pattern's for anything else. */
export function categoryFillColour(): Expression {
  const m: unknown[] = ['match', ['get', 'category']];
  for (const c of CATEGORIES) if (c !== 'no_pattern') m.push(c, CATEGORY_COLOURS[c]);
  m.push(CATEGORY_COLOURS.no_pattern);
  return m;
}

/** The `fill-opacity` expression: no pattern nearly transparent. */
export function categoryFillOpacity(): Expression {
  return ['match', ['get', 'category'], 'no_pattern', NO_PATTERN_OPACITY, CATEGORY_OPACITY];
}

/** A legend row: the category, its colour, its rule and how many cells are in it. */
export interface CategoryLegendItem extends LegendItem {
  category: Category;
  rule: string;
  /** Cells of the study region in this category, or null when not known. */
  cells: number | null;
}

/**
 * The legend: every category in the server's order, with its one-line rule (from the
 * server's `rules.categories`) and its total. With `hideEmpty`, categories with no cells
 * are left out (never all of them, and never while totals are unknown).
 */
export function categoryLegend(
  rules: { name: string; rule: string }[],
  totals: Partial<Record<string, number>> | null,
  hideEmpty = false,
): CategoryLegendItem[] {
  const items = CATEGORIES.map((category) => {
    const cells = totals ? (totals[category] ?? 0) : null;
    return {
      category,
      colour: CATEGORY_COLOURS[category],
      label: categoryLabel(category),
      rule: rules.find((r) => r.name === category)?.rule ?? '',
      cells,
    };
  });
  if (!hideEmpty || totals === null) return items;
  const held = items.filter((i) => (i.cells ?? 0) > 0);
  return held.length > 0 ? held : items;
}

/** `3 cells`, `1 cell`, or `` when unknown. */
export const formatCells = (n: number | null) => (n === null ? '' : `${formatValue(n)} ${n === 1 ? 'cell' : 'cells'}`);

// ---------------------------------------------------------------- a cell's slices

export type SliceState = 'hot' | 'cold' | 'none';

/** A tile's `states` (`H` hot, `C` cold, `.` neither, oldest first) as states. */
export function parseStates(states: string): SliceState[] {
  return [...states].map((ch, i) => {
    if (ch === 'H') return 'hot';
    if (ch === 'C') return 'cold';
    if (ch === '.') return 'none';
    throw new Error(`states: ${JSON.stringify(ch)} at ${i + 1} is not H, C or .`);
  });
}

/** A tile's `counts` (slice counts joined with spaces) as numbers. */
export function parseCounts(counts: string): number[] {
  const parts = counts.trim() === '' ? [] : counts.trim().split(/\s+/);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isFinite(n) || n < 0) throw new Error(`counts: ${JSON.stringify(p)} is not a count`);
    return n;
  });
}

/** A slice's months, both included. */
export interface Slice {
  first: string;
  last: string;
}

/** The slices of `sliceMonths` months from `from`, `n` of them (the server's rule, for a period of whole slices). */
export function slicesOf(from: string, sliceMonths: number, n: number): Slice[] {
  return Array.from({ length: n }, (_, i) => {
    const first = addMonths(from, i * sliceMonths);
    return { first, last: addMonths(first, sliceMonths - 1) };
  });
}

/** `Nov 2021`, or `Nov 2021 – Jan 2022` for a longer slice. */
export function sliceLabel(s: Slice): string {
  return s.first === s.last ? formatMonth(s.first) : `${formatMonth(s.first)} – ${formatMonth(s.last)}`;
}

/** `Nov` (with the year where it starts or changes), for the axis under a bar. */
export function sliceTick(s: Slice, previous: Slice | undefined): string {
  const [y, m] = s.first.split('-');
  const month = formatMonth(s.first).split(' ')[0]!;
  return previous === undefined || previous.first.slice(0, 4) !== y || m === '01' ? `${month} ${y!.slice(2)}` : month;
}

export interface SliceBar {
  slice: Slice;
  label: string;
  count: number;
  state: SliceState;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * One bar a slice, equal widths filling `width` × `height` (y down), the largest count
 * full height, each marked hot, cold or neither from `states`. The states, counts and
 * slices must be as many.
 */
export function sliceBars(states: string, counts: string, slices: Slice[], width: number, height: number): SliceBar[] {
  const st = parseStates(states);
  const ct = parseCounts(counts);
  if (st.length !== ct.length || st.length !== slices.length) {
    throw new Error(`${st.length} states, ${ct.length} counts and ${slices.length} slices: they must be as many`);
  }
  const max = Math.max(0, ...ct);
  const n = st.length;
  const slot = n === 0 ? 0 : width / n;
  const space = slot > 4 ? Math.min(3, slot * 0.2) : 0;
  return st.map((state, i) => {
    const count = ct[i]!;
    const h = max > 0 ? (count / max) * height : 0;
    return {
      slice: slices[i]!,
      label: `${sliceLabel(slices[i]!)}: ${formatValue(count)} incidents${state === 'hot' ? ', hot' : state === 'cold' ? ', cold' : ''}`,
      count,
      state,
      x: i * slot + space / 2,
      y: height - h,
      width: slot - space,
      height: h,
    };
  });
}

/** A cell's `trend` property in words (absent where undefined). */
export function describeCellTrend(trend: unknown): string {
  if (trend === 'up') return 'rising (significant upward trend in z)';
  if (trend === 'down') return 'falling (significant downward trend in z)';
  if (trend === 'none') return 'no significant trend in z';
  return 'undefined (a z value of the series is undefined)';
}
