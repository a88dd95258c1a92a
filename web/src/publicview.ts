// The public page's pure parts: the publication's metadata as the server states it,
// the colour classes of published counts and the legend (a leaf, no imports but the
// palette).

import { VIRIDIS } from './palette';

/** What `/public/v1/publication.json` states, as far as the page uses it. */
export interface PublicMeta {
  rule: string;
  totals: string;
  resolution: number;
  months: string[];
  period: { from: string; to: string };
  licence: string;
  made_at: string;
  filters: { crime_types: string[]; offences: string[] };
  study_region: { rule: string; cells: number; bounds: [number, number, number, number] | null };
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Checks the metadata document; throws naming the first member that is not as stated. */
export function parseMeta(v: unknown): PublicMeta {
  const o = v as Record<string, unknown> | null;
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`the publication's metadata has no valid ${what}`);
  };
  need(typeof o === 'object' && o !== null, 'document');
  const m = o as Record<string, unknown>;
  for (const k of ['rule', 'totals', 'licence', 'made_at'] as const) need(typeof m[k] === 'string', k);
  need(m.resolution === 8 || m.resolution === 9, 'resolution (8 or 9)');
  need(isStrings(m.months) && m.months.length > 0, 'months');
  const f = m.filters as Record<string, unknown> | undefined;
  need(!!f && isStrings(f.crime_types) && isStrings(f.offences), 'filters');
  const r = m.study_region as Record<string, unknown> | undefined;
  need(!!r && typeof r.rule === 'string' && typeof r.cells === 'number', 'study_region');
  const b = r!.bounds;
  need(b === null || (Array.isArray(b) && b.length === 4 && b.every((x) => typeof x === 'number')), 'study_region.bounds');
  return m as unknown as PublicMeta;
}

/** Lower bounds of the count classes: the published numbers are 0, or multiples of 5 from 10. */
export const COUNT_BREAKS = [10, 15, 20, 30, 50, 75, 100];

/** Colour of zero: published, nothing there. */
export const ZERO = '#f2f2f2';
/** Colour under the hatching of a suppressed cell. */
export const SUPPRESSED = '#bdbdbd';

/** The fill colour expression for a published count (suppressed cells are drawn apart). */
export function countColour(): unknown[] {
  const steps: unknown[] = [];
  COUNT_BREAKS.forEach((b, i) => {
    if (i > 0) steps.push(b, VIRIDIS[i]);
  });
  return ['step', ['get', 'count'], ZERO, COUNT_BREAKS[0], VIRIDIS[0], ...steps];
}

/** A legend row: a swatch colour (or `hatch`, drawn as the map's hatching) and its label. */
export interface PublicLegendRow {
  colour: string;
  label: string;
}

/** The legend: zero, each class, and suppressed. */
export function legendRows(): PublicLegendRow[] {
  const rows: PublicLegendRow[] = [{ colour: ZERO, label: '0' }];
  COUNT_BREAKS.forEach((b, i) => {
    const next = COUNT_BREAKS[i + 1];
    rows.push({ colour: VIRIDIS[i]!, label: next === undefined ? `${b} or more` : next - 5 === b ? `${b}` : `${b}–${next - 5}` });
  });
  rows.push({ colour: 'hatch', label: '1–9: suppressed' });
  return rows;
}

/** The filter of one month's counted (not suppressed) cells. */
export const countedFilter = (month: string): unknown[] => ['all', ['==', ['get', 'month'], month], ['==', ['get', 'suppressed'], false]];
/** The filter of one month's suppressed cells. */
export const suppressedFilter = (month: string): unknown[] => ['all', ['==', ['get', 'month'], month], ['==', ['get', 'suppressed'], true]];

/** `2024-03` → `March 2024`. */
export function monthName(month: string): string {
  const [y, m] = month.split('-');
  const names = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const name = names[Number(m) - 1];
  if (!y || !name) throw new Error(`${JSON.stringify(month)} is not a month (YYYY-MM)`);
  return `${name} ${y}`;
}

/** What the product is of: its crime types and offences, or everything. */
export function describeFilters(meta: PublicMeta): string {
  const parts = [...meta.filters.crime_types, ...meta.filters.offences];
  return parts.length ? parts.join(', ') : 'all recorded crime';
}
