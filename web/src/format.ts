// Numbers as the list, the hover card and the legend show them.

/** A z-score to two decimals; `—` where it is undefined. */
export function formatZ(z: number | null | undefined): string {
  return typeof z === 'number' && Number.isFinite(z) ? z.toFixed(2) : '—';
}

/** A p-value: three significant figures, and `< 1e-10` below that. */
export function formatP(p: number | null | undefined): string {
  if (typeof p !== 'number' || !Number.isFinite(p)) return '—';
  if (p < 1e-10) return '< 1e-10';
  if (p < 0.001) return p.toExponential(1);
  return p.toPrecision(3);
}

/** Counts and harm: whole numbers with thousands separators, else up to one decimal. */
export function formatValue(v: number | null | undefined): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-GB', { maximumFractionDigits: Number.isInteger(v) ? 0 : 1 });
}

/** Cell area for people: `0.105 km²`, `5.16 km²`, `307 m²`. */
export function formatArea(km2: number): string {
  if (km2 < 0.01) return `${Math.round(km2 * 1e6).toLocaleString('en-GB')} m²`;
  return `${km2.toPrecision(3)} km²`;
}

/** Average H3 cell areas in km² by resolution (H3's published table). */
export const CELL_AREA_KM2: Record<number, number> = {
  5: 252.903858,
  6: 36.129062,
  7: 5.161293,
  8: 0.737328,
  9: 0.105333,
  10: 0.015048,
  11: 0.00215,
  12: 0.000307,
};
