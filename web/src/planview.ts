// Pure helpers for the patrol-plan panel: the weekly heat matrix, shares and the
// concentration curve, kept apart from the DOM so they can be tested.

import type { PatrolAreaProperties, PeakWindow } from './api';
import { formatValue } from './format';

export const HOURS_PER_WEEK = 168;

/** Heat-matrix colours, empty first, then light to dark (ColorBrewer YlOrRd, 5 classes). */
export const HEAT = ['#f4f3ef', '#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];

/** The hours of the week (0 = Monday 00:00) the peak windows cover, wrapping Sunday into Monday. */
export function peakHours(peaks: Pick<PeakWindow, 'start_hour_of_week' | 'hours'>[]): Set<number> {
  const out = new Set<number>();
  for (const p of peaks) for (let i = 0; i < p.hours; i++) out.add((p.start_hour_of_week + i) % HOURS_PER_WEEK);
  return out;
}

export interface MatrixCell {
  /** 0 = Monday. */
  day: number;
  hour: number;
  value: number;
  /** 0 for nothing, else 1 … HEAT.length − 1 in equal steps of the largest value. */
  level: number;
  /** Inside one of the peak windows. */
  peak: boolean;
}

/** A 7 × 24 matrix in classes of equal width up to its largest value, peaks marked. */
export function heatMatrix(
  matrix: number[][],
  peaks: Pick<PeakWindow, 'start_hour_of_week' | 'hours'>[],
): { max: number; rows: MatrixCell[][] } {
  const classes = HEAT.length - 1;
  const max = Math.max(0, ...matrix.flat());
  const inPeak = peakHours(peaks);
  const rows = matrix.map((row, day) =>
    row.map((value, hour) => ({
      day,
      hour,
      value,
      level: value <= 0 || max <= 0 ? 0 : Math.min(classes, Math.max(1, Math.ceil((value / max) * classes - 1e-9))),
      peak: inPeak.has(day * 24 + hour),
    })),
  );
  return { max, rows };
}

/** A share as a percentage: `12.3 %`, `< 0.1 %` for tiny non-zero shares. */
export function formatShare(x: number | null | undefined): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  if (x > 0 && x < 0.001) return '< 0.1 %';
  return `${(x * 100).toFixed(1)} %`;
}

/** Square metres as people read a patrol area: `0.32 km²` or `8,400 m²`. */
export function formatAreaM2(m2: number): string {
  if (m2 >= 100_000) return `${(m2 / 1e6).toFixed(2)} km²`;
  return `${formatValue(Math.round(m2 / 100) * 100)} m²`;
}

/** One line about a patrol area, for its list row and its label. */
export function describeArea(a: PatrolAreaProperties): string {
  const cells = a.cells.length === 1 ? '1 cell' : `${a.cells.length} cells`;
  return `${cells}, ${formatAreaM2(a.area_m2)} · ${formatValue(a.count)} incidents · ${formatShare(a.harm_share)} of harm`;
}

/** The peak windows as text, or why there are none. */
export function describePeaks(a: PatrolAreaProperties): string {
  if (a.peak_windows.length > 0) return a.peak_windows.map((w) => w.window).join(', ');
  return a.weekly_profile.untimed_count > 0 ? 'none: these incidents have no time of day' : 'none';
}

/** An SVG path (in a `size` × `size` box, y up) of the concentration curve, from (0,0). */
export function curvePath(curve: [number, number][], size: number): string {
  const pts: [number, number][] = [[0, 0], ...curve];
  return pts
    .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${(x * size).toFixed(1)},${(size - y * size).toFixed(1)}`)
    .join(' ');
}
