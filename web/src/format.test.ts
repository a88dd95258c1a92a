import { describe, expect, it } from 'vitest';
import { CELL_AREA_KM2, formatArea, formatP, formatValue, formatZ } from './format';

describe('formatP', () => {
  it('three significant figures from 0.001 up', () => {
    expect(formatP(0.0123)).toBe('0.0123');
    expect(formatP(0.05)).toBe('0.0500');
    expect(formatP(0.12345)).toBe('0.123');
    expect(formatP(0.5)).toBe('0.500');
    expect(formatP(1)).toBe('1.00');
    expect(formatP(0.001)).toBe('0.00100');
  });

  it('one decimal of exponent notation below 0.001', () => {
    expect(formatP(0.0004)).toBe('4.0e-4');
    expect(formatP(0.00099)).toBe('9.9e-4');
    expect(formatP(1.26e-7)).toBe('1.3e-7');
    expect(formatP(1e-10)).toBe('1.0e-10');
  });

  it('`< 1e-10` below 1e-10', () => {
    expect(formatP(2.7e-263)).toBe('< 1e-10');
    expect(formatP(9.9e-11)).toBe('< 1e-10');
    expect(formatP(0)).toBe('< 1e-10');
  });

  it('a dash where there is no p', () => {
    expect(formatP(null)).toBe('—');
    expect(formatP(undefined)).toBe('—');
    expect(formatP(Number.NaN)).toBe('—');
    expect(formatP(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

describe('formatZ', () => {
  it('two decimals', () => {
    expect(formatZ(3.29)).toBe('3.29');
    expect(formatZ(-1.5)).toBe('-1.50');
    expect(formatZ(0)).toBe('0.00');
    expect(formatZ(12.3456)).toBe('12.35');
  });

  it('a dash where z is undefined', () => {
    expect(formatZ(null)).toBe('—');
    expect(formatZ(undefined)).toBe('—');
    expect(formatZ(Number.NaN)).toBe('—');
    expect(formatZ(Number.NEGATIVE_INFINITY)).toBe('—');
  });
});

describe('formatValue', () => {
  it('whole numbers with thousands separators', () => {
    expect(formatValue(1234)).toBe('1,234');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(7)).toBe('7');
    expect(formatValue(1234567)).toBe('1,234,567');
    expect(formatValue(-3)).toBe('-3');
  });

  it('at most one decimal otherwise', () => {
    expect(formatValue(12.34)).toBe('12.3');
    expect(formatValue(2.5)).toBe('2.5');
    expect(formatValue(1234.56)).toBe('1,234.6');
    expect(formatValue(12.96)).toBe('13');
  });

  it('a dash where there is no value', () => {
    expect(formatValue(null)).toBe('—');
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue(Number.NaN)).toBe('—');
  });
});

describe('formatArea', () => {
  it('km² to three significant figures', () => {
    expect(formatArea(0.105333)).toBe('0.105 km²');
    expect(formatArea(5.161293)).toBe('5.16 km²');
    expect(formatArea(252.903858)).toBe('253 km²');
    expect(formatArea(36.129062)).toBe('36.1 km²');
    expect(formatArea(0.737328)).toBe('0.737 km²');
    expect(formatArea(0.015048)).toBe('0.0150 km²');
    expect(formatArea(0.01)).toBe('0.0100 km²');
  });

  it('whole m² below 0.01 km²', () => {
    expect(formatArea(0.000307)).toBe('307 m²');
    expect(formatArea(0.00215)).toBe('2,150 m²');
    expect(formatArea(0.0099)).toBe('9,900 m²');
  });

  it('every resolution the app uses', () => {
    expect(Object.fromEntries(Object.entries(CELL_AREA_KM2).map(([res, a]) => [res, formatArea(a)]))).toEqual({
      5: '253 km²',
      6: '36.1 km²',
      7: '5.16 km²',
      8: '0.737 km²',
      9: '0.105 km²',
      10: '0.0150 km²',
      11: '2,150 m²',
      12: '307 m²',
    });
  });
});

describe('CELL_AREA_KM2', () => {
  it("H3's average areas for resolutions 5–12, each about a seventh of the one before", () => {
    expect(Object.keys(CELL_AREA_KM2).map(Number)).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
    expect(CELL_AREA_KM2[9]).toBeCloseTo(0.105333, 6);
    for (let r = 6; r <= 12; r++) {
      const ratio = CELL_AREA_KM2[r - 1]! / CELL_AREA_KM2[r]!;
      expect(ratio, `res ${r}`).toBeGreaterThan(6.9);
      expect(ratio, `res ${r}`).toBeLessThan(7.1);
    }
  });
});
