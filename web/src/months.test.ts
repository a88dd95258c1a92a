import { describe, expect, it } from 'vitest';
import { addMonths, isMonth, monthsBetween } from './months';

describe('months', () => {
  it('adds months across year ends, both ways', () => {
    expect(addMonths('2021-11', 0)).toBe('2021-11');
    expect(addMonths('2021-11', 2)).toBe('2022-01');
    expect(addMonths('2022-10', -11)).toBe('2021-11');
    expect(addMonths('2022-01', -1)).toBe('2021-12');
    expect(addMonths('1999-12', 121)).toBe('2010-01');
    expect(() => addMonths('2021-13', 1)).toThrow(/not a month/);
  });

  it('counts months, both ends included', () => {
    expect(monthsBetween('2021-11', '2022-10')).toBe(12);
    expect(monthsBetween('2022-10', '2022-10')).toBe(1);
    expect(monthsBetween('2022-10', '2022-09')).toBe(0);
    expect(() => monthsBetween('2022', '2022-09')).toThrow();
  });

  it('knows a month', () => {
    expect(isMonth('2022-09')).toBe(true);
    expect(isMonth('2022-9')).toBe(false);
    expect(isMonth('2022-00')).toBe(false);
  });
});
