import { describe, expect, test } from 'vitest';

import type { PatrolAreaProperties } from './api';
import { HEAT, curvePath, describeArea, describePeaks, formatAreaM2, formatShare, heatMatrix, peakHours } from './planview';

const zeros = () => Array.from({ length: 7 }, () => Array<number>(24).fill(0));

function area(over: Partial<PatrolAreaProperties> = {}): PatrolAreaProperties {
  return {
    area_rank: 1,
    cells: ['89195da49a3ffff', '89195da49a7ffff'],
    area_m2: 210_000,
    count: 42,
    harm: 1234.5,
    harm_share: 0.1234,
    cumulative_harm_share: 0.1234,
    significant: true,
    peak_windows: [],
    dose: { visit_minutes: [10, 15], visits_per_week: 0, text: '' },
    weekly_profile: { count: zeros(), harm: zeros(), untimed_count: 0, untimed_harm: 0 },
    ...over,
  };
}

describe('peakHours', () => {
  test('a window inside a day', () => {
    expect([...peakHours([{ start_hour_of_week: 4 * 24 + 22, hours: 3 }])]).toEqual([118, 119, 120]);
  });
  test('Sunday 23:00 runs into Monday', () => {
    expect([...peakHours([{ start_hour_of_week: 167, hours: 3 }])].sort((a, b) => a - b)).toEqual([0, 1, 167]);
  });
  test('several windows, no peaks', () => {
    expect(peakHours([{ start_hour_of_week: 0, hours: 3 }, { start_hour_of_week: 10, hours: 3 }]).size).toBe(6);
    expect(peakHours([]).size).toBe(0);
  });
});

describe('heatMatrix', () => {
  test('classes of equal width up to the largest value', () => {
    const m = zeros();
    m[4]![22] = 10; // fri 22:00: the largest → top class
    m[0]![0] = 1; // 1/10 of the largest → first class
    m[2]![5] = 5; // exactly half → class ceil(2.5) = 3
    m[3]![3] = 6; // 0.6 → ceil(3) = 3
    const { max, rows } = heatMatrix(m, []);
    expect(max).toBe(10);
    expect(rows[4]![22]!.level).toBe(HEAT.length - 1);
    expect(rows[0]![0]!.level).toBe(1);
    expect(rows[2]![5]!.level).toBe(3);
    expect(rows[3]![3]!.level).toBe(3);
    expect(rows[1]![1]!.level).toBe(0);
  });
  test('every cell carries its day, hour and value', () => {
    const m = zeros();
    m[6]![23] = 2.5;
    const c = heatMatrix(m, []).rows[6]![23]!;
    expect(c).toMatchObject({ day: 6, hour: 23, value: 2.5 });
  });
  test('peaks are marked across the end of the week', () => {
    const { rows } = heatMatrix(zeros(), [{ start_hour_of_week: 166, hours: 3 }]);
    expect(rows[6]![22]!.peak).toBe(true);
    expect(rows[6]![23]!.peak).toBe(true);
    expect(rows[0]![0]!.peak).toBe(true);
    expect(rows[0]![1]!.peak).toBe(false);
    expect(rows[6]![21]!.peak).toBe(false);
  });
  test('an empty matrix is all level 0', () => {
    const { max, rows } = heatMatrix(zeros(), []);
    expect(max).toBe(0);
    expect(rows.flat().every((c) => c.level === 0)).toBe(true);
  });
});

describe('formatting', () => {
  test('shares', () => {
    expect(formatShare(0.1234)).toBe('12.3 %');
    expect(formatShare(1)).toBe('100.0 %');
    expect(formatShare(0)).toBe('0.0 %');
    expect(formatShare(0.0004)).toBe('< 0.1 %');
    expect(formatShare(null)).toBe('—');
    expect(formatShare(NaN)).toBe('—');
  });
  test('areas', () => {
    expect(formatAreaM2(210_000)).toBe('0.21 km²');
    expect(formatAreaM2(105_333)).toBe('0.11 km²');
    expect(formatAreaM2(15_048)).toBe('15,000 m²');
    expect(formatAreaM2(2_150)).toBe('2,200 m²');
  });
  test('an area in one line', () => {
    expect(describeArea(area())).toBe('2 cells, 0.21 km² · 42 incidents · 12.3 % of harm');
    expect(describeArea(area({ cells: ['89195da49a3ffff'], area_m2: 105_333 }))).toMatch(/^1 cell, /);
  });
  test('peak windows, or why there are none', () => {
    const w = { start_hour_of_week: 118, hours: 3, count: 4, harm: 9 };
    expect(describePeaks(area({ peak_windows: [{ ...w, window: 'fri 22:00–sat 01:00' }, { ...w, window: 'sat 22:00–sun 01:00' }] }))).toBe(
      'fri 22:00–sat 01:00, sat 22:00–sun 01:00',
    );
    expect(describePeaks(area({ weekly_profile: { count: zeros(), harm: zeros(), untimed_count: 3, untimed_harm: 1 } }))).toMatch(
      /no time of day/,
    );
    expect(describePeaks(area())).toBe('none');
  });
});

describe('curvePath', () => {
  test('starts at the origin, y up', () => {
    expect(curvePath([[0.5, 0.9], [1, 1]], 100)).toBe('M0.0,100.0 L50.0,10.0 L100.0,0.0');
  });
});
