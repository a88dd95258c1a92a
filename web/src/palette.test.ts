import { describe, expect, it } from 'vitest';
import { type ColourBy, EMPTY, type Legend, RDBU, VIRIDIS, YLORRD, Z_BREAKS, densityBreaks, fillColour, legend, niceCeil, sequentialBreaks } from './palette';

/** What MapLibre's `step` expression gives for `value`: the default below the first stop, else the last stop ≤ value. */
function evalStep(expr: unknown[], value: number): string {
  expect(expr[0]).toBe('step');
  let out = expr[2];
  for (let i = 3; i < expr.length; i += 2) {
    const stop = expr[i];
    if (typeof stop !== 'number') throw new Error(`stop ${String(stop)} is not a number`);
    if (value >= stop) out = expr[i + 1];
  }
  if (typeof out !== 'string') throw new Error('output is not a colour');
  return out;
}

/** The stops of a step expression (its input thresholds). */
const stops = (expr: unknown[]): unknown[] => expr.filter((_, i) => i >= 3 && i % 2 === 1);

/** Relative luminance (WCAG) of `#rrggbb`. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

const HEX = /^#[0-9a-f]{6}$/;

describe('palettes', () => {
  it('viridis, 7 classes, light to dark', () => {
    expect(VIRIDIS).toEqual(['#fde725', '#90d743', '#35b779', '#21918c', '#31688e', '#443983', '#440154']);
    for (let i = 1; i < VIRIDIS.length; i++) expect(luminance(VIRIDIS[i]!)).toBeLessThan(luminance(VIRIDIS[i - 1]!));
  });

  it("ColorBrewer's RdBu, 7 classes, blue (cold) to red (hot) with a pale neutral middle", () => {
    expect(RDBU).toEqual(['#2166ac', '#67a9cf', '#d1e5f0', '#f7f7f7', '#fddbc7', '#ef8a62', '#b2182b']);
    const mid = luminance(RDBU[3]!);
    for (const [i, c] of RDBU.entries()) if (i !== 3) expect(luminance(c)).toBeLessThan(mid);
  });

  it('all colours are distinct hex colours, and EMPTY is none of the classes', () => {
    const all = [...VIRIDIS, ...RDBU, EMPTY];
    for (const c of all) expect(c).toMatch(HEX);
    expect(new Set(VIRIDIS).size).toBe(7);
    expect(new Set(RDBU).size).toBe(7);
    expect(VIRIDIS).not.toContain(EMPTY);
    expect(RDBU).not.toContain(EMPTY);
  });

  it('Z_BREAKS are the two-sided z for p = 0.05, 0.01 and 0.001, symmetric and increasing', () => {
    expect(Z_BREAKS).toEqual([-3.29, -2.58, -1.96, 1.96, 2.58, 3.29]);
    expect(Z_BREAKS).toHaveLength(RDBU.length - 1);
  });
});

describe('niceCeil', () => {
  it('rounds up to 1, 2, 2.5, 5 or 10 times a power of ten', () => {
    expect(niceCeil(0.7)).toBe(1);
    expect(niceCeil(3)).toBe(5);
    expect(niceCeil(120)).toBe(200);
    expect(niceCeil(1)).toBe(1);
    expect(niceCeil(2)).toBe(2);
    expect(niceCeil(2.2)).toBe(2.5);
    expect(niceCeil(2.5)).toBe(2.5);
    expect(niceCeil(4)).toBe(5);
    expect(niceCeil(6)).toBe(10);
    expect(niceCeil(10)).toBe(10);
    expect(niceCeil(11)).toBe(20);
    expect(niceCeil(999)).toBe(1000);
    expect(niceCeil(1000)).toBe(1000);
    expect(niceCeil(0.03)).toBe(0.05);
    expect(niceCeil(0.1)).toBe(0.1);
    // exact decimals, not 4.9999999999999996e-5
    expect(niceCeil(0.00003)).toBe(0.00005);
    expect(niceCeil(0.00001)).toBe(0.00001);
    expect(niceCeil(0.000022)).toBe(0.000025);
  });

  it('0 stays 0, and so does what is not positive', () => {
    expect(niceCeil(0)).toBe(0);
    expect(niceCeil(-5)).toBe(0);
    expect(niceCeil(Number.NaN)).toBe(0);
  });

  it('is never below its argument, and at most 2× it', () => {
    for (const x of [0.0013, 0.07, 0.5, 1.5, 3.3, 7, 42, 99.9, 250.1, 12345]) {
      expect(niceCeil(x)).toBeGreaterThanOrEqual(x);
      expect(niceCeil(x)).toBeLessThanOrEqual(2 * x);
    }
  });
});

describe('sequentialBreaks (whole numbers)', () => {
  it('hand-computed: round(max × (i/7)²), 1 first, repeats dropped', () => {
    expect(sequentialBreaks(100)).toEqual([1, 2, 8, 18, 33, 51, 73]);
    expect(sequentialBreaks(1000)).toEqual([1, 20, 82, 184, 327, 510, 735]);
    expect(sequentialBreaks(10)).toEqual([1, 2, 3, 5, 7]);
  });

  it('small maxima still give valid increasing breaks starting at 1', () => {
    expect(sequentialBreaks(0)).toEqual([1]);
    expect(sequentialBreaks(1)).toEqual([1]);
    expect(sequentialBreaks(2)).toEqual([1]);
    expect(sequentialBreaks(3)).toEqual([1, 2]);
  });

  const maxima = [...Array.from({ length: 60 }, (_, i) => i), 99, 100, 101, 257, 1000, 4321, 12345, 1e6, 2.5, 7.9];

  it('strictly increasing whole numbers from 1, at most 7, none above max (max ≥ 1)', () => {
    for (const max of maxima) {
      const b = sequentialBreaks(max);
      expect(b[0], `max ${max}`).toBe(1);
      expect(b.length, `max ${max}`).toBeLessThanOrEqual(7);
      for (const [i, v] of b.entries()) {
        expect(Number.isInteger(v), `max ${max}`).toBe(true);
        if (i > 0) expect(v, `max ${max}`).toBeGreaterThan(b[i - 1]!);
        if (max >= 1) expect(v, `max ${max}`).toBeLessThanOrEqual(max);
      }
    }
  });

  it('large maxima get all 7 classes', () => {
    for (const max of [100, 1000, 1e6]) expect(sequentialBreaks(max)).toHaveLength(7);
    // 50 × (1/7)² rounds to 1, a repeat of the first break
    expect(sequentialBreaks(50)).toEqual([1, 4, 9, 16, 26, 37]);
  });

  it('is on a square-root scale: √(break i / max) ≈ i / 7', () => {
    for (const max of [1000, 1e6]) {
      const b = sequentialBreaks(max);
      for (let i = 1; i < 7; i++) expect(Math.sqrt(b[i]! / max)).toBeCloseTo(i / 7, 2);
    }
  });

  it('fewer classes when asked', () => {
    expect(sequentialBreaks(100, 4)).toEqual([1, 6, 25, 56]);
  });
});

describe('sequentialBreaks (continuous values)', () => {
  it('hand-computed: two significant figures', () => {
    expect(sequentialBreaks(1000, 7, false)).toEqual([1, 20, 82, 180, 330, 510, 730]);
    // exactly the decimal numbers (the legend's labels), not 0.8200000000000001
    expect(sequentialBreaks(10, 7, false)).toEqual([0.1, 0.2, 0.82, 1.8, 3.3, 5.1, 7.3]);
    expect(sequentialBreaks(0.5, 7, false)).toEqual([0.005, 0.01, 0.041, 0.092, 0.16, 0.26, 0.37]);
  });

  it('strictly increasing, positive, at most 7, none above max', () => {
    for (const max of [0.05, 0.5, 1, 2.5, 10, 37.2, 1000, 98765.4]) {
      const b = sequentialBreaks(max, 7, false);
      expect(b[0]!).toBeGreaterThan(0);
      expect(b[0]!).toBeLessThanOrEqual(1);
      expect(b.length).toBeLessThanOrEqual(7);
      for (const [i, v] of b.entries()) {
        if (i > 0) expect(v, `max ${max}`).toBeGreaterThan(b[i - 1]!);
        expect(v, `max ${max}`).toBeLessThanOrEqual(max);
      }
    }
  });

  it('0 gives a single break', () => {
    expect(sequentialBreaks(0, 7, false)).toEqual([1]);
  });
});

describe('fillColour', () => {
  it('z: a step over gi_star_z with the RdBu colours at the Z_BREAKS (missing z is neutral)', () => {
    const expr = fillColour('z', [1, 2, 3]);
    expect(expr).toEqual([
      'step', ['to-number', ['get', 'gi_star_z'], 0],
      '#2166ac',
      -3.29, '#67a9cf',
      -2.58, '#d1e5f0',
      -1.96, '#f7f7f7',
      1.96, '#fddbc7',
      2.58, '#ef8a62',
      3.29, '#b2182b',
    ]);
    expect(evalStep(expr, 0)).toBe('#f7f7f7');
    expect(evalStep(expr, -10)).toBe('#2166ac');
    expect(evalStep(expr, 10)).toBe('#b2182b');
    expect(evalStep(expr, 1.96)).toBe('#fddbc7');
    expect(evalStep(expr, 1.95)).toBe('#f7f7f7');
  });

  it('count: a step over count, EMPTY below the first break', () => {
    expect(fillColour('count', [1, 2, 8])).toEqual([
      'step', ['to-number', ['get', 'count'], 0],
      '#f2f2f2',
      1, '#fde725',
      2, '#90d743',
      8, '#35b779',
    ]);
    expect(fillColour('count', [1, 2, 8, 18, 33, 51, 73])).toEqual([
      'step', ['to-number', ['get', 'count'], 0],
      '#f2f2f2',
      1, '#fde725',
      2, '#90d743',
      8, '#35b779',
      18, '#21918c',
      33, '#31688e',
      51, '#443983',
      73, '#440154',
    ]);
  });

  it('harm: a step over harm, EMPTY below the first break', () => {
    expect(fillColour('harm', [0.5, 2.5])).toEqual([
      'step', ['to-number', ['get', 'harm'], 0],
      '#f2f2f2',
      0.5, '#fde725',
      2.5, '#90d743',
    ]);
  });

  it('a cell with anything in it is never drawn empty; a cell with nothing is', () => {
    for (const max of [0, 1, 2, 3, 10, 1000]) {
      const expr = fillColour('count', sequentialBreaks(max));
      expect(evalStep(expr, 0)).toBe(EMPTY);
      expect(evalStep(expr, 1)).not.toBe(EMPTY);
      expect(evalStep(expr, Math.max(max, 1))).not.toBe(EMPTY);
    }
  });

  it('the stops are strictly increasing, as MapLibre requires', () => {
    for (const by of ['z', 'count', 'harm'] as const) {
      for (const max of [0, 1, 3, 100, 1e6]) {
        const s = stops(fillColour(by, sequentialBreaks(max))) as number[];
        for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
      }
    }
  });
});

describe('legend', () => {
  it('counts: highest first, `a–b` up to the next break − 1, `N or more`, `0 incidents`', () => {
    expect(legend('count', [1, 2, 8, 18, 33, 51, 73], 9)).toEqual({
      title: 'Incidents per cell (H3 res 9)',
      items: [
        { colour: '#440154', label: '73 or more' },
        { colour: '#443983', label: '51–72' },
        { colour: '#31688e', label: '33–50' },
        { colour: '#21918c', label: '18–32' },
        { colour: '#35b779', label: '8–17' },
        { colour: '#90d743', label: '2–7' },
        { colour: '#fde725', label: '1' },
        { colour: '#f2f2f2', label: '0 incidents' },
      ],
    });
  });

  it('counts: thousands separators, and no resolution in the title when it follows the zoom', () => {
    expect(legend('count', [1, 2000, 15000], null)).toEqual({
      title: 'Incidents per cell',
      items: [
        { colour: '#35b779', label: '15,000 or more' },
        { colour: '#90d743', label: '2,000–14,999' },
        { colour: '#fde725', label: '1–1,999' },
        { colour: '#f2f2f2', label: '0 incidents' },
      ],
    });
  });

  it('counts: a single class for tiny maxima', () => {
    expect(legend('count', [1], 12).items).toEqual([
      { colour: '#fde725', label: '1 or more' },
      { colour: '#f2f2f2', label: '0 incidents' },
    ]);
  });

  it('harm: continuous ranges `a–b` up to the next break, units in the title', () => {
    const l = legend('harm', [1, 20, 82], 8);
    expect(l.title).toMatch(/^Harm per cell \(H3 res 8\)/);
    expect(l.items).toEqual([
      { colour: '#35b779', label: '82 or more' },
      { colour: '#90d743', label: '20–82' },
      { colour: '#fde725', label: '1–20' },
      { colour: '#f2f2f2', label: '0 harm' },
    ]);
    expect(legend('harm', [0.1, 0.2, 0.82, 1.8], null).items.map((i) => i.label)).toEqual([
      '1.8 or more',
      '0.82–1.8',
      '0.2–0.82',
      '0.1–0.2',
      '0 harm',
    ]);
  });

  it('z: hottest first, the significance bins as labels', () => {
    const l = legend('z', [], 9);
    expect(l.title).toMatch(/z-score/);
    expect(l.items).toEqual([
      { colour: '#b2182b', label: 'above 3.29 (hot, p < 0.001)' },
      { colour: '#ef8a62', label: '2.58 to 3.29' },
      { colour: '#fddbc7', label: '1.96 to 2.58' },
      { colour: '#f7f7f7', label: '-1.96 to 1.96' },
      { colour: '#d1e5f0', label: '-2.58 to -1.96' },
      { colour: '#67a9cf', label: '-3.29 to -2.58' },
      { colour: '#2166ac', label: 'below -3.29 (cold, p < 0.001)' },
    ]);
  });

  it('titles carry the units', () => {
    expect(legend('count', [1], null).title).toMatch(/incidents/i);
    expect(legend('harm', [1], null).title).toMatch(/harm/i);
    expect(legend('z', [1], null).title).toMatch(/z-score/);
  });
});

/** A legend row's range, read back from its label: [lo, hi] (hi = Infinity for `or more`). */
function rangeOf(by: ColourBy, label: string): [number, number] {
  const n = (s: string) => Number(s.replace(/,/g, ''));
  let m: RegExpExecArray | null;
  if (by === 'z') {
    if ((m = /^below (\S+) \(/.exec(label))) return [-Infinity, n(m[1]!)];
    if ((m = /^above (\S+) \(/.exec(label))) return [n(m[1]!), Infinity];
    if ((m = /^(\S+) to (\S+)$/.exec(label))) return [n(m[1]!), n(m[2]!)];
  } else {
    if (/^0 (incidents|harm)$/.test(label)) return [0, 0];
    if ((m = /^([\d.,]+) or more$/.exec(label))) return [n(m[1]!), Infinity];
    if ((m = /^([\d.,]+)–([\d.,]+)$/.exec(label))) return [n(m[1]!), n(m[2]!)];
    if ((m = /^([\d.,]+)$/.exec(label))) return [n(m[1]!), n(m[1]!)];
  }
  throw new Error(`cannot read the label ${JSON.stringify(label)}`);
}

describe('the legend describes what the map draws', () => {
  const cases: [ColourBy, number[]][] = [
    ['z', []],
    ...[0, 1, 2, 3, 10, 100, 1000, 12345, 1e6].map((max): [ColourBy, number[]] => ['count', sequentialBreaks(max)]),
    ...[0, 1, 3, 100, 12345].map((max): [ColourBy, number[]] => ['harm', sequentialBreaks(max)]),
    ...[0.5, 10, 1000].map((max): [ColourBy, number[]] => ['harm', sequentialBreaks(max, 7, false)]),
  ];

  it.each(cases)('%s with breaks %j: each row’s colour is what the expression gives across its range', (by, breaks) => {
    const expr = fillColour(by, breaks);
    const l: Legend = legend(by, breaks, null);
    // highest first: read bottom-up
    const rows = [...l.items].reverse().map((item) => ({ ...item, range: rangeOf(by, item.label) }));
    expect(rows.map((r) => r.colour)).toEqual([expr[2], ...expr.filter((_, i) => i >= 4 && i % 2 === 0)]);

    for (const [i, { colour, range }] of rows.entries()) {
      const [lo, hi] = range;
      const next = rows[i + 1];
      // lowest value in the row
      if (Number.isFinite(lo)) expect(evalStep(expr, lo), `${by} ${lo}`).toBe(colour);
      else expect(evalStep(expr, -1e9)).toBe(colour);
      if (!Number.isFinite(hi)) {
        expect(evalStep(expr, 1e12)).toBe(colour);
        expect(next).toBeUndefined();
        continue;
      }
      if (by === 'count') {
        // whole numbers: the row holds lo..hi, the next row starts at hi + 1
        expect(evalStep(expr, hi)).toBe(colour);
        expect(next!.range[0]).toBe(hi + 1);
      } else if (hi === 0) {
        // 0 harm
        expect(evalStep(expr, 0)).toBe(colour);
      } else {
        // continuous: [lo, hi), the next row starts at hi
        expect(evalStep(expr, hi - 1e-9)).toBe(colour);
        expect(evalStep(expr, hi)).not.toBe(colour);
        expect(next!.range[0]).toBeCloseTo(hi, 10);
      }
    }
    // no gap at the bottom
    if (by !== 'z') expect(rows[0]!.range).toEqual([0, 0]);
  });
});

describe('kernel density', () => {
  it("YlOrRd, 7 classes, light to dark, none of them the other palettes' colours", () => {
    expect(YLORRD).toHaveLength(7);
    for (let i = 1; i < YLORRD.length; i++) expect(luminance(YLORRD[i]!)).toBeLessThan(luminance(YLORRD[i - 1]!));
    for (const c of YLORRD) {
      expect(c).toMatch(HEX);
      expect([...VIRIDIS, ...RDBU, EMPTY]).not.toContain(c);
    }
  });

  it('breaks: six increasing bounds on a square-root scale up to the largest density', () => {
    const b = densityBreaks(4201);
    expect(b).toHaveLength(6);
    for (let i = 1; i < b.length; i++) expect(b[i]!).toBeGreaterThan(b[i - 1]!);
    expect(b[b.length - 1]!).toBeLessThanOrEqual(4201);
    expect(b[0]!).toBeGreaterThan(0);
    // tiny and missing maxima still give a usable scale
    expect(densityBreaks(0).length).toBeGreaterThanOrEqual(1);
    expect(densityBreaks(0.02).every((x) => x > 0)).toBe(true);
  });

  it('fill-color reads density_km2: the lightest class below the first bound, the darkest from the last', () => {
    const b = densityBreaks(1000);
    const e = fillColour('density', b);
    expect(e[1]).toEqual(['to-number', ['get', 'density_km2'], 0]);
    expect(evalStep(e, b[0]! / 2)).toBe(YLORRD[0]);
    expect(evalStep(e, b[0]!)).toBe(YLORRD[1]);
    expect(evalStep(e, 1e9)).toBe(YLORRD[b.length]);
    expect(new Set(stops(e)).size).toBe(b.length);
  });

  it('legend: per km², with the bandwidth; a row a class, most first, matching the expression', () => {
    const b = densityBreaks(1000);
    const l = legend('density', b, 9, { bandwidthM: 400, measure: 'count' });
    expect(l.title).toMatch(/incidents per km²/);
    expect(l.title).toMatch(/400 m/);
    expect(l.title).toMatch(/H3 res 9/);
    expect(legend('density', b, null, { bandwidthM: 1500, measure: 'harm' }).title).toMatch(/harm per km².*1,500 m/);
    const rows = [...l.items].reverse();
    const e = fillColour('density', b);
    expect(rows.map((r) => r.colour)).toEqual([e[2], ...e.filter((_, i) => i >= 4 && i % 2 === 0)]);
    expect(rows[0]!.label).toBe(`below ${b[0]}`);
    expect(rows[rows.length - 1]!.label).toMatch(/or more$/);
  });
});
