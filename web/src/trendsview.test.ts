import { describe, expect, it } from 'vitest';
import {
  CATEGORIES,
  CATEGORY_COLOURS,
  NO_PATTERN_OPACITY,
  categoryFillColour,
  categoryFillOpacity,
  categoryLabel,
  categoryLegend,
  describeCellTrend,
  formatCells,
  isCategory,
  parseCounts,
  parseStates,
  sliceBars,
  sliceLabel,
  slicesOf,
  sliceTick,
} from './trendsview';

/** What MapLibre's `match` expression gives for `value`. */
function evalMatch(expr: unknown[], value: string): unknown {
  expect(expr[0]).toBe('match');
  for (let i = 2; i < expr.length - 1; i += 2) if (expr[i] === value) return expr[i + 1];
  return expr[expr.length - 1];
}

/** Hue (0–360) and lightness (0–1) of `#rrggbb`. */
function hsl(hex: string): { h: number; l: number } {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  if (max === min) return { h: 0, l };
  const d = max - min;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return { h: (h * 60 + 360) % 360, l };
}

/** The server's rules (crates/hexspot-engine/src/emerging.rs), as `rules.categories` gives them. */
const RULES = CATEGORIES.map((name) => ({ name, rule: `rule of ${name}` }));

describe('the categories', () => {
  it("are the server's seventeen, hot first, then cold, then no pattern", () => {
    expect(CATEGORIES).toHaveLength(17);
    expect(CATEGORIES.slice(0, 8).every((c) => c.endsWith('_hot'))).toBe(true);
    expect(CATEGORIES.slice(8, 16).every((c) => c.endsWith('_cold'))).toBe(true);
    expect(CATEGORIES[16]).toBe('no_pattern');
    expect(CATEGORIES.slice(0, 8).map((c) => c.replace('_hot', ''))).toEqual(CATEGORIES.slice(8, 16).map((c) => c.replace('_cold', '')));
    expect(isCategory('persistent_hot')).toBe(true);
    expect(isCategory('persistent')).toBe(false);
    expect(isCategory(3)).toBe(false);
  });

  it('are named as ArcGIS names them', () => {
    expect(categoryLabel('new_hot')).toBe('New hot spot');
    expect(categoryLabel('intensifying_cold')).toBe('Intensifying cold spot');
    expect(categoryLabel('no_pattern')).toBe('No pattern detected');
    expect(new Set(CATEGORIES.map(categoryLabel)).size).toBe(17);
  });

  it('are coloured: hot ones red or orange, cold ones blue or teal, all distinct, new hot the darkest red', () => {
    const colours = Object.values(CATEGORY_COLOURS);
    expect(new Set(colours).size).toBe(17);
    for (const c of colours) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    for (const c of CATEGORIES.filter((c) => c.endsWith('_hot'))) {
      const { h } = hsl(CATEGORY_COLOURS[c]);
      expect(h < 40 || h > 340, `${c} hue ${h}`).toBe(true);
    }
    for (const c of CATEGORIES.filter((c) => c.endsWith('_cold'))) {
      const { h } = hsl(CATEGORY_COLOURS[c]);
      expect(h > 170 && h < 230, `${c} hue ${h}`).toBe(true);
    }
    const hot = CATEGORIES.filter((c) => c.endsWith('_hot')).map((c) => hsl(CATEGORY_COLOURS[c]).l);
    expect(Math.min(...hot)).toBe(hsl(CATEGORY_COLOURS.new_hot).l);
    // sporadic, oscillating and historical are lighter than new, consecutive and intensifying
    for (const light of ['sporadic_hot', 'oscillating_hot', 'historical_hot'] as const)
      for (const dark of ['new_hot', 'consecutive_hot', 'intensifying_hot'] as const)
        expect(hsl(CATEGORY_COLOURS[light]).l).toBeGreaterThan(hsl(CATEGORY_COLOURS[dark]).l);
    expect(hsl(CATEGORY_COLOURS.no_pattern).l).toBeGreaterThan(0.85);
  });

  it('fill-color gives each category its colour, and no pattern for anything else', () => {
    const e = categoryFillColour();
    for (const c of CATEGORIES) expect(evalMatch(e, c)).toBe(CATEGORY_COLOURS[c]);
    expect(evalMatch(e, 'something_new')).toBe(CATEGORY_COLOURS.no_pattern);
    expect(e[1]).toEqual(['get', 'category']);
  });

  it('fill-opacity leaves no-pattern cells nearly transparent', () => {
    const e = categoryFillOpacity();
    expect(evalMatch(e, 'no_pattern')).toBe(NO_PATTERN_OPACITY);
    expect(NO_PATTERN_OPACITY).toBeLessThan(0.5);
    expect(evalMatch(e, 'new_hot')).toBeGreaterThan(0.5);
  });
});

describe('categoryLegend', () => {
  it('names every category with its rule and total, in order', () => {
    const totals = { new_hot: 3, persistent_hot: 108, no_pattern: 3144 };
    const items = categoryLegend(RULES, totals);
    expect(items.map((i) => i.category)).toEqual([...CATEGORIES]);
    expect(items[0]).toEqual({ category: 'new_hot', colour: CATEGORY_COLOURS.new_hot, label: 'New hot spot', rule: 'rule of new_hot', cells: 3 });
    expect(items.find((i) => i.category === 'sporadic_cold')?.cells).toBe(0);
  });

  it('without totals: null counts; without rules: empty rules', () => {
    const items = categoryLegend([], null);
    expect(items.every((i) => i.cells === null && i.rule === '')).toBe(true);
  });

  it('can hide the empty categories, but never all of them', () => {
    expect(categoryLegend(RULES, { new_hot: 1, no_pattern: 2 }, true).map((i) => i.category)).toEqual(['new_hot', 'no_pattern']);
    expect(categoryLegend(RULES, {}, true)).toHaveLength(17);
    expect(categoryLegend(RULES, null, true)).toHaveLength(17);
  });

  it('formats cell counts', () => {
    expect(formatCells(1)).toBe('1 cell');
    expect(formatCells(3144)).toBe('3,144 cells');
    expect(formatCells(0)).toBe('0 cells');
    expect(formatCells(null)).toBe('');
  });
});

describe('a cell’s slices', () => {
  it('parses states: H hot, C cold, . neither, oldest first', () => {
    expect(parseStates('HH.C')).toEqual(['hot', 'hot', 'none', 'cold']);
    expect(parseStates('')).toEqual([]);
    expect(() => parseStates('HxC')).toThrow(/"x" at 2/);
  });

  it('parses counts joined with spaces', () => {
    expect(parseCounts('3 0 12 7')).toEqual([3, 0, 12, 7]);
    expect(parseCounts(' 1  2 ')).toEqual([1, 2]);
    expect(parseCounts('')).toEqual([]);
    // harm sums are not whole
    expect(parseCounts('1.5 2')).toEqual([1.5, 2]);
    expect(() => parseCounts('1 two')).toThrow(/"two"/);
    expect(() => parseCounts('-1')).toThrow();
  });

  it("slices: whole months from the period's start, across a year end", () => {
    expect(slicesOf('2021-11', 1, 3)).toEqual([
      { first: '2021-11', last: '2021-11' },
      { first: '2021-12', last: '2021-12' },
      { first: '2022-01', last: '2022-01' },
    ]);
    expect(slicesOf('2021-11', 3, 4)).toEqual([
      { first: '2021-11', last: '2022-01' },
      { first: '2022-02', last: '2022-04' },
      { first: '2022-05', last: '2022-07' },
      { first: '2022-08', last: '2022-10' },
    ]);
  });

  it('labels slices by their months, and ticks with the year where it starts or changes', () => {
    expect(sliceLabel({ first: '2021-11', last: '2021-11' })).toBe('Nov 2021');
    expect(sliceLabel({ first: '2021-11', last: '2022-01' })).toBe('Nov 2021 – Jan 2022');
    const s = slicesOf('2021-11', 1, 4);
    expect(s.map((x, i) => sliceTick(x, s[i - 1]))).toEqual(['Nov 21', 'Dec', 'Jan 22', 'Feb']);
  });

  it('bars: one a slice, the largest full height, each marked from the states', () => {
    const slices = slicesOf('2021-11', 1, 4);
    const bars = sliceBars('..HC', '2 0 8 4', slices, 100, 40);
    expect(bars).toHaveLength(4);
    expect(bars.map((b) => b.state)).toEqual(['none', 'none', 'hot', 'cold']);
    expect(bars.map((b) => b.count)).toEqual([2, 0, 8, 4]);
    expect(bars.map((b) => b.height)).toEqual([10, 0, 40, 20]);
    for (const b of bars) expect(b.y + b.height).toBe(40);
    // equal slots of 25, a space of 3 between
    expect(bars.map((b) => b.x)).toEqual([1.5, 26.5, 51.5, 76.5]);
    expect(bars.every((b) => b.width === 22)).toBe(true);
    expect(bars[2]!.label).toBe('Jan 2022: 8 incidents, hot');
    expect(bars[3]!.label).toBe('Feb 2022: 4 incidents, cold');
    expect(bars[0]!.label).toBe('Nov 2021: 2 incidents');
  });

  it('bars: twelve slices of an all-zero cell are twelve flat bars', () => {
    const bars = sliceBars('............', '0 0 0 0 0 0 0 0 0 0 0 0', slicesOf('2021-11', 1, 12), 280, 64);
    expect(bars).toHaveLength(12);
    expect(bars.every((b) => b.height === 0 && b.y === 64)).toBe(true);
  });

  it('bars: states, counts and slices must be as many', () => {
    expect(() => sliceBars('HH', '1 2 3', slicesOf('2021-11', 1, 2), 10, 10)).toThrow(/2 states, 3 counts and 2 slices/);
    expect(() => sliceBars('HHH', '1 2 3', slicesOf('2021-11', 1, 2), 10, 10)).toThrow();
  });

  it("a cell's trend in words", () => {
    expect(describeCellTrend('up')).toMatch(/^rising/);
    expect(describeCellTrend('down')).toMatch(/^falling/);
    expect(describeCellTrend('none')).toBe('no significant trend in z');
    expect(describeCellTrend(undefined)).toMatch(/^undefined/);
  });
});
