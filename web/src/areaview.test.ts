import { describe, expect, test } from 'vitest';
import {
  CHANGE_BREAKS,
  FIRST_ORDER,
  NO_DATA,
  areaBreaks,
  areaFillColour,
  areaLegend,
  ariaSort,
  barPath,
  defaultMeasure,
  defaultSet,
  describeChange,
  describeMonthly,
  gapPath,
  describePeriods,
  formatDay,
  formatMonth,
  formatPct,
  formatPopulation,
  formatRate,
  monthlyBars,
  nextSort,
} from './areaview';
import { EMPTY, RDBU, VIRIDIS } from './palette';
import { AREA_SORT_KEYS } from './state';

const row = (over: Partial<Parameters<typeof describeChange>[0]> = {}) => ({
  count: 56,
  previous_count: 50,
  change: 6,
  change_pct: 12,
  change_p: 0.6,
  ...over,
});

describe('which set and measure', () => {
  test('wards when there are wards, else the first set, else none', () => {
    expect(defaultSet([{ name: 'msoa' }, { name: 'wards' }])).toBe('wards');
    expect(defaultSet([{ name: 'beats' }, { name: 'msoa' }])).toBe('beats');
    expect(defaultSet([])).toBeNull();
  });
  test('the rate where populations exist, else the count', () => {
    expect(defaultMeasure({ with_population: 124 })).toBe('rate_per_1000');
    expect(defaultMeasure({ with_population: 0 })).toBe('count');
    expect(defaultMeasure(undefined)).toBe('count');
  });
});

describe('numbers', () => {
  test('rates to one decimal, two below 1', () => {
    expect(formatRate(45.26)).toBe('45.3');
    expect(formatRate(1234.5)).toBe('1,234.5');
    expect(formatRate(0.456)).toBe('0.46');
    expect(formatRate(0)).toBe('0.0');
    expect(formatRate(null)).toBe('—');
  });
  test('populations whole', () => {
    expect(formatPopulation(17234.6)).toBe('17,235');
    expect(formatPopulation(null)).toBe('—');
  });
  test('signed percentages with a real minus sign', () => {
    expect(formatPct(12)).toBe('+12 %');
    expect(formatPct(-8.46)).toBe('−8.5 %');
    expect(formatPct(-50)).toBe('−50 %');
    expect(formatPct(133.33)).toBe('+133 %');
    expect(formatPct(0)).toBe('0 %');
    expect(formatPct(0.01)).toBe('0 %');
  });
});

describe('describeChange', () => {
  test('a rise that is not significant', () => {
    const c = describeChange(row());
    expect(c).toMatchObject({ arrow: '▲', text: '+12 %', p: 'p 0.600', significant: false });
    expect(c.label).toBe('up 12 %, from 50 to 56, p 0.600, not significant');
  });
  test('a significant fall', () => {
    const c = describeChange(row({ count: 20, previous_count: 50, change: -30, change_pct: -60, change_p: 0.00003 }));
    expect(c).toMatchObject({ arrow: '▼', text: '−60 %', p: 'p 3.0e-5', significant: true });
    expect(c.label).toBe('down 60 %, from 50 to 20, p 3.0e-5, significant');
  });
  test('p exactly 0.05 is not significant; just below is', () => {
    expect(describeChange(row({ change_p: 0.05 })).significant).toBe(false);
    expect(describeChange(row({ change_p: 0.0499 })).significant).toBe(true);
  });
  test('none before: no percentage', () => {
    const c = describeChange(row({ count: 5, previous_count: 0, change: 5, change_pct: null, change_p: 0.0625 }));
    expect(c).toMatchObject({ arrow: '▲', text: '+5 (none before)', significant: false });
    expect(c.label).toMatch(/^up 5, from 0 to 5/);
  });
  test('no change, and none in either period', () => {
    expect(describeChange(row({ count: 50, change: 0, change_pct: 0, change_p: 1 }))).toMatchObject({ arrow: '', text: '0 %', p: 'p 1.00' });
    const none = describeChange(row({ count: 0, previous_count: 0, change: 0, change_pct: null, change_p: null }));
    expect(none).toMatchObject({ arrow: '', text: '0 %', p: '', significant: false });
    expect(none.label).toBe('no change, from 0 to 0');
  });
  test('not compared when the previous period is not covered', () => {
    const c = describeChange(row({ previous_count: null, change: null, change_pct: null, change_p: null }));
    expect(c).toEqual({ arrow: '', text: '—', p: '', significant: false, label: 'not compared: the data do not cover the previous period' });
  });
});

describe('sorting', () => {
  test('a new column starts in its natural order', () => {
    expect(nextSort({ sort: 'rank', order: 'asc' }, 'count')).toEqual({ sort: 'count', order: 'desc' });
    expect(nextSort({ sort: 'rank', order: 'asc' }, 'name')).toEqual({ sort: 'name', order: 'asc' });
    expect(nextSort({ sort: 'count', order: 'desc' }, 'change_p')).toEqual({ sort: 'change_p', order: 'asc' });
    expect(nextSort({ sort: 'count', order: 'asc' }, 'rank')).toEqual({ sort: 'rank', order: 'asc' });
  });
  test('the same column again reverses, and again restores', () => {
    const a = nextSort({ sort: 'rank', order: 'asc' }, 'count');
    const b = nextSort(a, 'count');
    expect(b).toEqual({ sort: 'count', order: 'asc' });
    expect(nextSort(b, 'count')).toEqual(a);
    expect(nextSort({ sort: 'rank', order: 'asc' }, 'rank')).toEqual({ sort: 'rank', order: 'desc' });
  });
  test('every key the server sorts by has a first order', () => {
    expect(Object.keys(FIRST_ORDER).sort()).toEqual([...AREA_SORT_KEYS].sort());
  });
  test('aria-sort names the sorted column only', () => {
    const s = { sort: 'count', order: 'desc' } as const;
    expect(ariaSort(s, 'count')).toBe('descending');
    expect(ariaSort({ ...s, order: 'asc' }, 'count')).toBe('ascending');
    expect(ariaSort(s, 'rank')).toBe('none');
  });
});

describe('the choropleth', () => {
  const rows = [
    { count: 0, harm: 0, rate_per_1000: 0, change_pct: null },
    { count: 12, harm: 30.5, rate_per_1000: 1.9, change_pct: -20 },
    { count: 240, harm: 700, rate_per_1000: 182.4, change_pct: 75 },
    { count: 40, harm: 90, rate_per_1000: null, change_pct: 5 },
  ];

  test('counts: whole classes from 1 to the largest, on a square-root scale', () => {
    const b = areaBreaks('count', rows);
    expect(b[0]).toBe(1);
    expect(b.every((x) => Number.isInteger(x))).toBe(true);
    expect(b).toEqual([...b].sort((x, y) => x - y));
    expect(b.length).toBe(VIRIDIS.length);
    expect(b.at(-1)).toBeLessThanOrEqual(240);
    expect(b).toEqual([1, 5, 20, 44, 78, 122, 176]);
  });

  test('rates and harm: seven classes up to the largest on a square-root scale, nulls ignored', () => {
    const b = areaBreaks('rate_per_1000', rows);
    expect(b.at(-1)).toBeLessThanOrEqual(182.4);
    expect(b).toHaveLength(VIRIDIS.length);
    // 182.4 × (i/8)², two significant figures
    expect(b).toEqual([2.9, 11, 26, 46, 71, 100, 140]);
    expect(areaBreaks('harm', rows).at(-1)).toBeLessThanOrEqual(700);
    // no areas, or all nothing: one class
    expect(areaBreaks('rate_per_1000', [])).toEqual([1]);
  });

  test('the change: fixed classes centred on 0', () => {
    expect(areaBreaks('change_pct', rows)).toEqual(CHANGE_BREAKS);
    expect(CHANGE_BREAKS).toEqual([-50, -25, -10, 10, 25, 50]);
    expect(CHANGE_BREAKS.map((b) => -b).reverse()).toEqual(CHANGE_BREAKS);
  });

  test('sequential fill: empty below the first class, viridis above, grey without a value', () => {
    const e = areaFillColour('count', [1, 5, 20]);
    expect(e).toEqual([
      'case',
      ['==', ['typeof', ['get', 'count']], 'number'],
      ['step', ['get', 'count'], EMPTY, 1, VIRIDIS[0], 5, VIRIDIS[1], 20, VIRIDIS[2]],
      NO_DATA,
    ]);
  });

  test('diverging fill: blue for fewer, red for more, neutral around 0', () => {
    const e = areaFillColour('change_pct', CHANGE_BREAKS);
    expect(e[0]).toBe('case');
    expect(e[2]).toEqual(['step', ['get', 'change_pct'], RDBU[0], -50, RDBU[1], -25, RDBU[2], -10, RDBU[3], 10, RDBU[4], 25, RDBU[5], 50, RDBU[6]]);
    expect(RDBU[3]).toBe('#f7f7f7');
    expect(e[3]).toBe(NO_DATA);
  });

  test('legends: most first, units, and what grey means', () => {
    const count = areaLegend('count', [1, 5, 20]);
    expect(count.title).toBe('Incidents per area');
    expect(count.items.map((i) => i.label)).toEqual(['20 or more', '5–19', '1–4', '0']);
    expect(count.items.map((i) => i.colour)).toEqual([VIRIDIS[2], VIRIDIS[1], VIRIDIS[0], EMPTY]);

    const rate = areaLegend('rate_per_1000', [1, 3.7, 15], true);
    expect(rate.title).toBe('Incidents per 1,000 residents (populations estimated)');
    expect(rate.items.map((i) => i.label)).toEqual(['15 or more', '3.7–15', '1–3.7', 'below 1', 'no population']);
    expect(rate.items.at(-1)!.colour).toBe(NO_DATA);
    expect(areaLegend('rate_per_1000', [1]).title).toBe('Incidents per 1,000 residents');

    expect(areaLegend('harm', [1, 10]).items.map((i) => i.label)).toEqual(['10 or more', '1–10', 'below 1']);

    const change = areaLegend('change_pct', CHANGE_BREAKS);
    expect(change.items.map((i) => i.label)).toEqual([
      '+50 % or more',
      '+25 % to +50 %',
      '+10 % to +25 %',
      '−10 % to +10 %',
      '−25 % to −10 %',
      '−50 % to −25 %',
      'below −50 %',
      'not compared (no previous period, or none before)',
    ]);
    expect(change.items.map((i) => i.colour)).toEqual([...[...RDBU].reverse(), NO_DATA]);
  });
});

describe('periods', () => {
  const periods = {
    current: { from: '2025-01-01', to: '2025-02-28' },
    previous: { from: '2024-11-01', to: '2024-12-31' },
    previous_covered: true,
    previous_note: null,
    rule: '',
  };
  test('days and months in words', () => {
    expect(formatDay('2025-02-28')).toBe('28 Feb 2025');
    expect(formatMonth('2024-12')).toBe('Dec 2024');
    expect(formatDay('soon')).toBe('soon');
  });
  test('what is compared with what', () => {
    expect(describePeriods(periods)).toBe('1 Jan 2025 – 28 Feb 2025, compared with 1 Nov 2024 – 31 Dec 2024');
    expect(describePeriods({ ...periods, previous_covered: false, previous_note: 'the data start in 2024-12' })).toBe(
      '1 Jan 2025 – 28 Feb 2025; no change shown: the data start in 2024-12',
    );
    expect(describePeriods({ ...periods, previous: null, previous_covered: false })).toMatch(/no change shown: the data do not cover/);
  });

  test('bars fill the box, the tallest full height, months marked by period', () => {
    const monthly = [
      { month: '2024-11', count: 10 },
      { month: '2024-12', count: 0 },
      { month: '2025-01', count: 20 },
      { month: '2025-02', count: 5 },
    ];
    const { max, bars } = monthlyBars(monthly, 100, 40, periods);
    expect(max).toBe(20);
    expect(bars.map((b) => b.period)).toEqual(['previous', 'previous', 'current', 'current']);
    expect(bars[2]).toMatchObject({ y: 0, height: 40 });
    expect(bars[0]).toMatchObject({ y: 20, height: 20 });
    expect(bars[1]!.height).toBe(0);
    // 25 px slots with 2 px gaps
    expect(bars.map((b) => [b.x, b.width])).toEqual([
      [1, 23],
      [26, 23],
      [51, 23],
      [76, 23],
    ]);
    expect(barPath(bars)).toBe('M1,40V20H24V40ZM51,40V0H74V40ZM76,40V30H99V40Z');
    expect(monthlyBars(monthly, 100, 40).bars.every((b) => b.period === 'other')).toBe(true);
  });

  test('months with no data are shaded, not drawn as zeros', () => {
    const monthly = [
      { month: '2024-10', count: 4 },
      { month: '2024-11', count: null },
      { month: '2024-12', count: null },
      { month: '2025-01', count: 8 },
      { month: '2025-02', count: null },
    ];
    const { max, bars } = monthlyBars(monthly, 100, 40);
    expect(max).toBe(8);
    expect(bars.map((b) => b.gap)).toEqual([false, true, true, false, true]);
    expect(bars[1]).toMatchObject({ value: 0, height: 0 });
    // 20 px slots with 2 px spaces: one rectangle per run of gaps
    expect(gapPath(bars, 40)).toBe('M21,40V0H59V40ZM81,40V0H99V40Z');
    expect(barPath(bars)).toBe('M1,40V20H19V40ZM61,40V0H79V40Z');
    expect(gapPath(monthlyBars([{ month: '2025-01', count: 0 }], 100, 40).bars, 40)).toBe('');
    expect(describeMonthly([...monthly.slice(0, 4), { month: '2025-02', count: 2 }])).toBe(
      'Incidents by month, Oct 2024 to Feb 2025: most in Jan 2025 (8), 2 in Feb 2025; no data for 2 of the 5 months',
    );
  });

  test('no months, or nothing in any: no bars', () => {
    expect(monthlyBars([], 100, 40)).toEqual({ max: 0, bars: [] });
    expect(barPath(monthlyBars([{ month: '2025-01', count: 0 }], 100, 40).bars)).toBe('');
  });

  test('the chart in words', () => {
    expect(
      describeMonthly([
        { month: '2024-12', count: 3 },
        { month: '2025-01', count: 9 },
        { month: '2025-02', count: 4 },
      ]),
    ).toBe('Incidents by month, Dec 2024 to Feb 2025: most in Jan 2025 (9), 4 in Feb 2025');
    expect(describeMonthly([])).toBe('No months of data');
  });
});
