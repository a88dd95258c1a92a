import { describe, expect, it } from 'vitest';
import { type TrendTest, describeTrend, trendArrow, trendP } from './trend';

const test = (over: Partial<TrendTest>): TrendTest => ({ test: 'Mann-Kendall', alpha: 0.05, n: 12, s: 30, z: 2.5, p: 0.01, trend: 'up', ...over });

describe('describeTrend', () => {
  it('rising and falling, with the p-value', () => {
    expect(describeTrend(test({}))).toBe('rising (Mann-Kendall p = 0.01)');
    expect(describeTrend(test({ trend: 'down', s: -30, p: 0.0234 }))).toBe('falling (Mann-Kendall p = 0.023)');
    expect(describeTrend(test({ p: 0.0004 }))).toBe('rising (Mann-Kendall p < 0.001)');
  });

  it('no significant trend, with the p-value', () => {
    expect(describeTrend(test({ trend: 'none', p: 0.4321 }))).toBe('no significant trend (Mann-Kendall p = 0.43)');
    expect(describeTrend(test({ trend: 'none', p: 1 }))).toBe('no significant trend (Mann-Kendall p = 1)');
    expect(describeTrend(test({ trend: 'none', p: null }))).toBe('no significant trend');
  });

  it('too few months', () => {
    expect(describeTrend(test({ trend: null, n: 2, s: null, z: null, p: null }))).toBe('too few months (2 with data)');
    expect(describeTrend(test({ trend: null, n: 0, s: null, z: null, p: null }))).toBe('too few months');
    expect(describeTrend(null)).toBe('too few months');
    expect(describeTrend(undefined)).toBe('too few months');
  });

  it('arrows', () => {
    expect(trendArrow(test({}))).toBe('▲');
    expect(trendArrow(test({ trend: 'down' }))).toBe('▼');
    expect(trendArrow(test({ trend: 'none' }))).toBe('');
    expect(trendArrow(null)).toBe('');
  });

  it('p for a sentence: two significant figures', () => {
    expect(trendP(0.05)).toBe('= 0.05');
    expect(trendP(0.001)).toBe('= 0.001');
    expect(trendP(0.12345)).toBe('= 0.12');
  });
});
