// A monthly series' trend in words: the Mann-Kendall test the server ran on a cell's,
// a patrol area's or an area's months (`trend` in /api/v1/trend and area profiles).

/** The test's answer as the server gives it; `trend: null` when there are too few months to test. */
export interface TrendTest {
  test: string;
  alpha: number;
  /** Months tested (gap months left out). */
  n: number;
  s: number | null;
  z: number | null;
  p: number | null;
  trend: 'up' | 'down' | 'none' | null;
}

/** A p-value for a sentence: two significant figures, `< 0.001` below that. */
export function trendP(p: number): string {
  if (p < 0.001) return '< 0.001';
  return `= ${Number(p.toPrecision(2)).toString()}`;
}

/**
 * The trend in words: `rising (Mann-Kendall p = 0.01)`, `falling (…)`, `no significant
 * trend (Mann-Kendall p = 0.43)`, or `too few months` where it could not be tested.
 */
export function describeTrend(t: TrendTest | null | undefined): string {
  if (!t || t.trend === null) return t && t.n > 0 ? `too few months (${t.n} with data)` : 'too few months';
  const p = typeof t.p === 'number' && Number.isFinite(t.p) ? ` (Mann-Kendall p ${trendP(t.p)})` : '';
  if (t.trend === 'up') return `rising${p}`;
  if (t.trend === 'down') return `falling${p}`;
  return `no significant trend${p}`;
}

/** The arrow shown before the words: ▲ rising, ▼ falling, nothing otherwise. */
export function trendArrow(t: TrendTest | null | undefined): '▲' | '▼' | '' {
  return t?.trend === 'up' ? '▲' : t?.trend === 'down' ? '▼' : '';
}
