// Pure helpers for the Evaluate view: a backtest's curves as SVG paths, its per-method
// table, and an evaluation's before/after rows and verdict — kept apart from the DOM so
// they can be tested.

import type { Backtest, BacktestMethodMeans, Evaluation, WddTest } from './api';

/** The methods' names as the outputs label them. */
export const METHOD_LABELS: Record<string, string> = {
  count: 'Count',
  harm: 'Harm',
  gistar: 'Gi* z',
  kde: 'Kernel density',
};

/** The methods' colours (Okabe–Ito, as the server's PNG chart). */
export const METHOD_COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7'];

export const methodLabel = (m: string) => METHOD_LABELS[m] ?? m;

/** A share as a per cent: `0.0921` → `9.2 %` (`—` when undefined). */
export function formatPercent(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  const p = x * 100;
  return `${p >= 10 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toFixed(2)} %`;
}

/** A number to `digits` places (`—` when undefined). */
export function formatFixed(x: number | null, digits: number): string {
  return x === null || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

/** What a curve chart plots: hit rate or PAI against the area share. */
export type CurveKind = 'hit_rate' | 'pai';

/** One method's line: its SVG path in a `width` × `height` box and its colour. */
export interface CurveLine {
  method: string;
  colour: string;
  d: string;
}

/** The chart's lines and its axes' tops (area share and the figure, both as plotted: per cent for shares). */
export interface CurveChart {
  lines: CurveLine[];
  xMax: number;
  yMax: number;
}

/** The smallest round number (1, 2 or 5 × 10ⁿ) at or above `x` (1 for nothing). */
export function niceMax(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x - 1e-12) return m * p;
  return 10 * p;
}

/**
 * The methods' mean curves as paths in a `width` × `height` box: x the share of the
 * study region's area (per cent), y the hit rate (per cent) or PAI; undefined points
 * are left out (the line joins the defined ones).
 */
export function curveChart(means: BacktestMethodMeans[], kind: CurveKind, width: number, height: number): CurveChart {
  const pts = means.map((m) =>
    m.curve.flatMap((p) => {
      const v = p[kind];
      return v === null ? [] : [[p.area_share * 100, kind === 'hit_rate' ? v * 100 : v] as const];
    }),
  );
  const xMax = niceMax(Math.max(0, ...pts.flat().map((p) => p[0])));
  const yMax = niceMax(Math.max(0, ...pts.flat().map((p) => p[1])));
  const lines = means.map((m, i) => ({
    method: m.method,
    colour: METHOD_COLOURS[i % METHOD_COLOURS.length]!,
    d: pts[i]!
      .map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${((x / xMax) * width).toFixed(1)},${(height - (y / yMax) * height).toFixed(1)}`)
      .join(''),
  }));
  return { lines, xMax, yMax };
}

/** One row of the per-method table, best first (the server's ranking). */
export interface MethodRow {
  method: string;
  label: string;
  hitRate: string;
  areaShare: string;
  pai: string;
  pei: string;
  harm: string;
  ties: string;
}

/** The per-method table in the server's ranking (best mean PAI first). */
export function methodRows(b: Backtest): MethodRow[] {
  const order = [...b.ranking, ...b.means.map((m) => m.method).filter((m) => !b.ranking.includes(m))];
  return order.flatMap((method) => {
    const m = b.means.find((x) => x.method === method);
    if (!m) return [];
    return [
      {
        method,
        label: methodLabel(method),
        hitRate: formatPercent(m.hit_rate.mean),
        areaShare: formatPercent(m.area_share.mean),
        pai: formatFixed(m.pai.mean, 1),
        pei: formatFixed(m.pei.mean, 2),
        harm: formatPercent(m.harm_capture.mean),
        ties: `${m.ties}/${b.folds.length}`,
      },
    ];
  });
}

/** The folds' test months in words: `tested on 2022-05 to 2022-10 (6 folds)`. */
export function describeFolds(b: Backtest): string {
  const first = b.folds[0];
  const last = b.folds[b.folds.length - 1];
  if (!first || !last) return 'no folds';
  const n = b.folds.length;
  const months = first.test[0] === last.test[1] ? first.test[0] : `${first.test[0]} to ${last.test[1]}`;
  return `tested on ${months} (${n} fold${n === 1 ? '' : 's'}, each ranking on the ${b.hexspot.query.train_months} months before)`;
}

/** An evaluation's before/after rows, in the server's order of areas. */
export interface AreaRow {
  area: string;
  label: string;
  cells: number;
  before: number;
  after: number;
  change: string;
}

const AREA_LABELS: Record<string, string> = {
  treated: 'Treated (the plan)',
  control: 'Control',
  displacement: 'Displacement ring',
  displacement_control: 'Ring’s control',
};

export function areaRows(e: Evaluation): AreaRow[] {
  return e.hexspot.areas.map((a) => ({
    area: a.area,
    label: AREA_LABELS[a.area] ?? a.area,
    cells: a.cells,
    before: a.before,
    after: a.after,
    change: a.before === 0 ? '—' : `${a.after >= a.before ? '+' : '−'}${formatPercent(Math.abs(a.after - a.before) / a.before)}`,
  }));
}

/** The WDD with its 95 % interval, and what it says in words. */
export function describeWdd(t: WddTest): { estimate: string; interval: string; verdict: string } {
  const verdict =
    t.ci_high < 0
      ? 'Fewer incidents in the treated area (and its ring) than the control predicts: the 95 % interval lies below 0.'
      : t.ci_low > 0
        ? 'More incidents in the treated area (and its ring) than the control predicts: the 95 % interval lies above 0.'
        : 'No clear change against the control: the 95 % interval includes 0.';
  return {
    estimate: `WDD ${t.wdd.toFixed(1)} (se ${t.se.toFixed(1)}${t.p === null ? '' : `, p ${t.p.toFixed(3)}`})`,
    interval: `95 % interval ${t.ci_low.toFixed(1)} to ${t.ci_high.toFixed(1)}`,
    verdict,
  };
}
