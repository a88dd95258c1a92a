import { describe, expect, it } from 'vitest';
import type { Backtest, BacktestMethodMeans, Evaluation } from './api';
import { areaRows, curveChart, describeFolds, describeWdd, formatPercent, methodRows, niceMax } from './evaluateview';

const mean = (mean: number | null) => ({ mean, folds: mean === null ? 0 : 2 });

function method(name: string, scale: number): BacktestMethodMeans {
  return {
    method: name,
    cells: 3,
    hit_rate: mean(0.3 * scale),
    area_share: mean(0.03),
    a_km2: 0.3,
    pai: mean(10 * scale),
    pei: mean(0.8),
    rri: mean(1.1),
    harm_capture: mean(null),
    ties: 1,
    curve: [
      { cells: 1, area_share: 0.01, hit_rate: 0.1 * scale, pai: 10 * scale, folds: 2 },
      { cells: 2, area_share: 0.02, hit_rate: null, pai: null, folds: 0 },
      { cells: 3, area_share: 0.03, hit_rate: 0.3 * scale, pai: 10 * scale, folds: 2 },
    ],
  };
}

const BACKTEST: Backtest = {
  hexspot: { query: { to: '2022-10', res: 9, train_months: 12, test_months: 1, folds: 2 } },
  folds: [
    { fold: 1, train: ['2021-09', '2022-08'], test: ['2022-09', '2022-09'], N: 100 },
    { fold: 2, train: ['2021-10', '2022-09'], test: ['2022-10', '2022-10'], N: 90 },
  ],
  means: [method('kde', 0.5), method('count', 1)],
  ranking: ['count', 'kde'],
  recommendation: 'On these data, …',
  caveats: [],
};

describe('the backtest', () => {
  it('rounds axis tops up to 1, 2 or 5 × 10ⁿ', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(10)).toBe(10);
    expect(niceMax(11)).toBe(20);
    expect(niceMax(0.034)).toBeCloseTo(0.05);
  });

  it('draws each method’s curve in per cent of the area, leaving undefined points out', () => {
    const c = curveChart(BACKTEST.means, 'hit_rate', 100, 50);
    // x: 3 % of the area at most → 5 %; y: hit rate 30 % at most → 50 %
    expect(c.xMax).toBe(5);
    expect(c.yMax).toBe(50);
    expect(c.lines.map((l) => l.method)).toEqual(['kde', 'count']);
    // count: (1 %, 10 %) and (3 %, 30 %); the undefined middle point is left out
    expect(c.lines[1]!.d).toBe('M20.0,40.0L60.0,20.0');
    expect(c.lines[0]!.colour).not.toBe(c.lines[1]!.colour);
    const pai = curveChart(BACKTEST.means, 'pai', 100, 50);
    expect(pai.yMax).toBe(10);
    expect(pai.lines[1]!.d).toBe('M20.0,0.0L60.0,0.0');
  });

  it('lists the methods best first, with undefined figures as dashes', () => {
    const rows = methodRows(BACKTEST);
    expect(rows.map((r) => r.method)).toEqual(['count', 'kde']);
    expect(rows[0]).toEqual({ method: 'count', label: 'Count', hitRate: '30 %', areaShare: '3.0 %', pai: '10.0', pei: '0.80', harm: '—', ties: '1/2' });
    expect(rows[1]!.label).toBe('Kernel density');
  });

  it('says which months were tested', () => {
    expect(describeFolds(BACKTEST)).toBe('tested on 2022-09 to 2022-10 (2 folds, each ranking on the 12 months before)');
    expect(formatPercent(0.0921)).toBe('9.2 %');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('before and after', () => {
  const test = { wdd_local: -5, se_local: 2, wdd_displacement: 1, se_displacement: 1, wdd: -4, se: 1.5, z: -2.67, p: 0.0077, ci_low: -6.94, ci_high: -1.06 };
  const e: Evaluation = {
    type: 'FeatureCollection',
    features: [],
    hexspot: {
      areas: [
        { area: 'treated', rule: '', cells: 20, area_km2: 2, before: 40, after: 30, area_weight: 1 },
        { area: 'control', rule: '', cells: 500, area_km2: 50, before: 0, after: 3, area_weight: 25 },
      ],
      test,
    },
  };

  it('gives each area’s counts and change', () => {
    const rows = areaRows(e);
    expect(rows[0]).toEqual({ area: 'treated', label: 'Treated (the plan)', cells: 20, before: 40, after: 30, change: '−25 %' });
    expect(rows[1]!.change).toBe('—');
  });

  it('puts the WDD and its interval in words', () => {
    const w = describeWdd(test);
    expect(w.estimate).toBe('WDD -4.0 (se 1.5, p 0.008)');
    expect(w.interval).toBe('95 % interval -6.9 to -1.1');
    expect(w.verdict).toMatch(/^Fewer incidents/);
    expect(describeWdd({ ...test, ci_low: -1, ci_high: 2 }).verdict).toMatch(/^No clear change/);
    expect(describeWdd({ ...test, ci_low: 1, ci_high: 2 }).verdict).toMatch(/^More incidents/);
  });
});
