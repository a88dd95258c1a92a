// Colour scales for the cells, all safe for colour-blind readers: viridis (sequential)
// for counts and harm, ColorBrewer's YlOrRd (sequential) for kernel density, and
// ColorBrewer's RdBu (diverging) for Gi* z-scores.

/** What the cells are coloured by (`density`: kernel density, drawn from its own tiles). */
export type ColourBy = 'z' | 'count' | 'harm' | 'density';

/** Viridis, 7 classes, light for few and dark for many (so the most stands out on a pale map). */
export const VIRIDIS = ['#fde725', '#90d743', '#35b779', '#21918c', '#31688e', '#443983', '#440154'];

/** ColorBrewer RdBu, 7 classes, cold (blue) to hot (red). */
export const RDBU = ['#2166ac', '#67a9cf', '#d1e5f0', '#f7f7f7', '#fddbc7', '#ef8a62', '#b2182b'];

/** ColorBrewer YlOrRd, 7 classes, light for sparse and dark red for dense. */
export const YLORRD = ['#ffffb2', '#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#b10026'];

/** Cells with nothing in them, when colouring by count or harm. */
export const EMPTY = '#f2f2f2';

/** Two-sided z for p = 0.05, 0.01 and 0.001: ArcGIS's 90/95/99 % bins, sharpened. */
export const Z_BREAKS = [-3.29, -2.58, -1.96, 1.96, 2.58, 3.29];

/** A class: its colour and its range, for the legend. */
export interface LegendItem {
  colour: string;
  label: string;
}

/** The legend: a title with units and one row per class. */
export interface Legend {
  title: string;
  items: LegendItem[];
}

/** A "nice" number ≥ x: 1, 2 or 5 times a power of ten (0 stays 0). */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 0;
  const p = 10 ** Math.floor(Math.log10(x));
  // toPrecision: m × p is not exact in binary (5 × 10⁻⁵ = 4.9999…e-5)
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x - 1e-9 * p) return Number((m * p).toPrecision(2));
  return Number((10 * p).toPrecision(2));
}

/**
 * Lower bounds of the classes above zero for values up to `max`, on a square-root scale
 * (crime counts are skewed: most cells hold few), rounded to whole or nice numbers and
 * strictly increasing. The first bound is always the smallest positive step, so a cell
 * with anything in it is never drawn as empty.
 */
export function sequentialBreaks(max: number, classes = VIRIDIS.length, integer = true): number[] {
  const step = integer ? 1 : Math.min(1, niceCeil(max / 100) || 1);
  const breaks: number[] = [step];
  if (!(max > step)) return breaks;
  for (let i = 1; i < classes; i++) {
    const raw = max * (i / classes) ** 2;
    const v = integer ? Math.max(Math.round(raw), 1) : roundNice(raw);
    if (v > breaks[breaks.length - 1]!) breaks.push(v);
  }
  return breaks;
}

/** Rounds to two significant figures. */
function roundNice(x: number): number {
  if (!(x > 0)) return 0;
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  // toPrecision: 82 × 0.01 is 0.8200000000000001, which would put 0.82 in the class below
  return Number((Math.round(x / p) * p).toPrecision(2));
}

type Expression = unknown[];

/** The MapLibre `fill-color` expression for `by`, given the class bounds. */
export function fillColour(by: ColourBy, breaks: number[]): Expression {
  if (by === 'z') {
    // undefined z (no variance) is drawn neutral
    const step: unknown[] = ['step', ['to-number', ['get', 'gi_star_z'], 0], RDBU[0]];
    Z_BREAKS.forEach((b, i) => step.push(b, RDBU[i + 1]));
    return step;
  }
  if (by === 'density') {
    // every drawn cell has a density above 0: the lightest class is "below the first bound"
    const step: unknown[] = ['step', ['to-number', ['get', 'density_km2'], 0], YLORRD[0]];
    breaks.forEach((b, i) => step.push(b, YLORRD[Math.min(i + 1, YLORRD.length - 1)]));
    return step;
  }
  const step: unknown[] = ['step', ['to-number', ['get', by], 0], EMPTY];
  breaks.forEach((b, i) => step.push(b, VIRIDIS[Math.min(i, VIRIDIS.length - 1)]));
  return step;
}

/**
 * Class bounds for kernel densities up to `max` (per km²): six square-root steps, the
 * lightest class below the first, so the seven YlOrRd classes are all used.
 */
export function densityBreaks(max: number): number[] {
  const b = sequentialBreaks(max, YLORRD.length, false);
  return b.length > 1 ? b.slice(1) : b;
}

const fmt = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en-GB') : x.toLocaleString('en-GB', { maximumSignificantDigits: 3 }));

/** The kernel behind a density legend: its bandwidth, and whether incidents or harm are summed. */
export interface Kernel {
  bandwidthM: number;
  measure: 'count' | 'harm';
}

/** The legend for `by`, with units (`kernel`: for density). */
export function legend(by: ColourBy, breaks: number[], res: number | null, kernel: Kernel = { bandwidthM: 400, measure: 'count' }): Legend {
  const per = res === null ? 'per cell' : `per cell (H3 res ${res})`;
  if (by === 'density') {
    const items: LegendItem[] = [{ colour: YLORRD[0]!, label: `below ${fmt(breaks[0] ?? 0)}` }];
    breaks.forEach((b, i) => {
      const next = breaks[i + 1];
      items.push({ colour: YLORRD[Math.min(i + 1, YLORRD.length - 1)]!, label: next === undefined ? `${fmt(b)} or more` : `${fmt(b)}–${fmt(next)}` });
    });
    return {
      title:
        `Kernel density: ${kernel.measure === 'harm' ? 'harm' : 'incidents'} per km² ` +
        `(quartic kernel, bandwidth ${fmt(kernel.bandwidthM)} m, at cell centres${res === null ? '' : `, H3 res ${res}`})`,
      items: items.reverse(),
    };
  }
  if (by === 'z') {
    const edges = Z_BREAKS;
    const items = RDBU.map((colour, i) => {
      const lo = edges[i - 1];
      const hi = edges[i];
      const label =
        lo === undefined ? `below ${hi} (cold, p < 0.001)` : hi === undefined ? `above ${lo} (hot, p < 0.001)` : `${lo} to ${hi}`;
      return { colour, label };
    });
    return { title: 'Gi* z-score (standard deviations; outlined: significant after FDR)', items: items.reverse() };
  }
  const unit = by === 'count' ? 'incidents' : 'harm';
  const items: LegendItem[] = [{ colour: EMPTY, label: `0 ${unit}` }];
  breaks.forEach((b, i) => {
    const next = breaks[i + 1];
    const hi = next === undefined ? null : by === 'count' ? next - 1 : next;
    const label = hi === null ? `${fmt(b)} or more` : hi === b ? fmt(b) : `${fmt(b)}–${fmt(hi)}`;
    items.push({ colour: VIRIDIS[Math.min(i, VIRIDIS.length - 1)]!, label });
  });
  const title =
    by === 'count'
      ? `Incidents ${per}`
      : `Harm ${per} (sum of harm weights; 1 per incident where the table has none)`;
  return { title, items: items.reverse() };
}
