import { describe, expect, it } from 'vitest';
import {
  ANY_TIME,
  DAYS,
  type Day,
  NIGHT_TIME_ECONOMY,
  type Window,
  coverage,
  describe as describeWindow,
  formatHours,
  hoursPerWeek,
  isDay,
  parseDays,
  parseHours,
  sameWindow,
  sortDays,
} from './timewindow';

/** The hours a window covers, as `day hour` strings in week order (Monday 00 first). */
function covered(w: Window): string[] {
  const out: string[] = [];
  coverage(w).forEach((row, d) =>
    row.forEach((on, h) => {
      if (on) out.push(`${DAYS[d]} ${h}`);
    }),
  );
  return out;
}

const range = (day: Day, from: number, to: number): string[] =>
  Array.from({ length: to - from }, (_, i) => `${day} ${from + i}`);

describe('DAYS', () => {
  it('is Monday first, in the server spelling', () => {
    expect(DAYS).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  });

  it('isDay accepts only the three-letter lower-case names', () => {
    for (const d of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) expect(isDay(d)).toBe(true);
    for (const d of ['Mon', 'monday', 'mo', '', 'xyz']) expect(isDay(d)).toBe(false);
  });
});

describe('parseHours', () => {
  it('reads START-END as the API writes it', () => {
    expect(parseHours('20-04')).toEqual({ start: 20, end: 4 });
    expect(parseHours('9-17')).toEqual({ start: 9, end: 17 });
    expect(parseHours('0-24')).toEqual({ start: 0, end: 24 });
    expect(parseHours('23-0')).toEqual({ start: 23, end: 0 });
    expect(parseHours(' 20 - 04 ')).toEqual({ start: 20, end: 4 });
  });

  it('accepts START 0–23 and END 0–24 with START ≠ END', () => {
    for (let start = 0; start <= 23; start++) {
      for (let end = 0; end <= 24; end++) {
        if (start === end) continue;
        expect(parseHours(`${start}-${end}`)).toEqual({ start, end });
      }
    }
  });

  it('rejects a start of 24 or more', () => {
    expect(() => parseHours('24-02')).toThrow(/start must be 0–23, got 24/);
    expect(() => parseHours('99-02')).toThrow(/start must be 0–23/);
  });

  it('rejects an end beyond 24', () => {
    expect(() => parseHours('20-25')).toThrow(/end must be 0–24, got 25/);
  });

  it('rejects an empty range (START == END)', () => {
    expect(() => parseHours('5-5')).toThrow(/start and end are both 5/);
    expect(() => parseHours('00-0')).toThrow(/both 0/);
  });

  it('rejects what is not START-END', () => {
    for (const s of ['abc', '', '20', '20-', '-4', '20-04-06', '100-2', '2-100', '20:00-04:00', '-1-4', '2.5-4', '20–04']) {
      expect(() => parseHours(s), s).toThrow(/is not START-END/);
    }
  });
});

describe('formatHours', () => {
  it('zero-pads both ends', () => {
    expect(formatHours({ start: 20, end: 4 })).toBe('20-04');
    expect(formatHours({ start: 9, end: 17 })).toBe('09-17');
    expect(formatHours({ start: 0, end: 24 })).toBe('00-24');
    expect(formatHours({ start: 23, end: 0 })).toBe('23-00');
  });

  it('round-trips through parseHours', () => {
    for (let start = 0; start <= 23; start++) {
      for (let end = 0; end <= 24; end++) {
        if (start === end) continue;
        expect(parseHours(formatHours({ start, end }))).toEqual({ start, end });
      }
    }
  });
});

describe('parseDays', () => {
  it('reads a comma list', () => {
    expect(parseDays(['fri,sat'])).toEqual(['fri', 'sat']);
  });

  it('reads repeated values, and both forms together', () => {
    expect(parseDays(['fri', 'sat'])).toEqual(['fri', 'sat']);
    expect(parseDays(['mon,tue', 'sun'])).toEqual(['mon', 'tue', 'sun']);
  });

  it('takes full names and any case, as the server does', () => {
    expect(parseDays(['Friday'])).toEqual(['fri']);
    expect(parseDays(['FRI', ' Sat '])).toEqual(['fri', 'sat']);
    expect(parseDays(['tues', 'Thurs', 'wednesday', 'satur'])).toEqual(['tue', 'wed', 'thu', 'sat']);
  });

  it('returns days in week order without repeats', () => {
    expect(parseDays(['sun,sat,fri'])).toEqual(['fri', 'sat', 'sun']);
    expect(parseDays(['fri,fri', 'Friday', 'fri'])).toEqual(['fri']);
    expect(parseDays(['sun', 'mon'])).toEqual(['mon', 'sun']);
  });

  it('gives no days for nothing', () => {
    expect(parseDays([])).toEqual([]);
    expect(parseDays([''])).toEqual([]);
  });

  it('throws on an unknown day', () => {
    expect(() => parseDays(['xyz'])).toThrow(/unknown day "xyz"/);
    expect(() => parseDays(['fri,xyz'])).toThrow(/unknown day "xyz"/);
    expect(() => parseDays(['fri', 'funday'])).toThrow(/unknown day "funday"/);
  });

  it('throws on what is not a prefix of three letters or more of a day name (as the server)', () => {
    expect(() => parseDays(['fr'])).toThrow(/unknown day "fr"/);
    expect(() => parseDays(['Frisbee'])).toThrow(/unknown day "frisbee"/);
    expect(() => parseDays(['fridays'])).toThrow(/unknown day "fridays"/);
  });
});

describe('sortDays', () => {
  it('puts days in week order and drops repeats', () => {
    expect(sortDays(['sun', 'mon', 'sun', 'wed'])).toEqual(['mon', 'wed', 'sun']);
    expect(sortDays([])).toEqual([]);
  });
});

describe('coverage', () => {
  it('is a 7 × 24 grid, Monday first', () => {
    const grid = coverage(NIGHT_TIME_ECONOMY);
    expect(grid).toHaveLength(7);
    for (const row of grid) expect(row).toHaveLength(24);
  });

  it('the night-time economy: Fri 20–23, Sat 0–3, Sat 20–23, Sun 0–3', () => {
    expect(covered(NIGHT_TIME_ECONOMY)).toEqual([
      'fri 20', 'fri 21', 'fri 22', 'fri 23',
      'sat 0', 'sat 1', 'sat 2', 'sat 3',
      'sat 20', 'sat 21', 'sat 22', 'sat 23',
      'sun 0', 'sun 1', 'sun 2', 'sun 3',
    ]);
    // the window belongs to the day it starts on: Fri 00–03 is Thursday night's, not included
    expect(coverage(NIGHT_TIME_ECONOMY)[4]![3]).toBe(false);
    expect(coverage(NIGHT_TIME_ECONOMY)[6]![20]).toBe(false);
  });

  it("Sunday's window runs into Monday (the week wraps)", () => {
    expect(covered({ days: ['sun'], hours: { start: 22, end: 2 } })).toEqual(['mon 0', 'mon 1', 'sun 22', 'sun 23']);
    expect(covered({ days: ['sat', 'sun'], hours: { start: 22, end: 2 } })).toEqual([
      'mon 0', 'mon 1', 'sat 22', 'sat 23', 'sun 0', 'sun 1', 'sun 22', 'sun 23',
    ]);
  });

  it('END 0 ends at midnight: 20-0 is 20..23 of the start day only', () => {
    expect(covered({ days: ['wed'], hours: { start: 20, end: 0 } })).toEqual(range('wed', 20, 24));
    expect(covered({ days: ['sun'], hours: { start: 20, end: 0 } })).toEqual(range('sun', 20, 24));
    // the same hours as 20-24
    expect(covered({ days: ['wed'], hours: { start: 20, end: 24 } })).toEqual(range('wed', 20, 24));
  });

  it('END is exclusive', () => {
    expect(covered({ days: ['tue'], hours: { start: 9, end: 17 } })).toEqual(range('tue', 9, 17));
    expect(covered({ days: ['sun'], hours: { start: 23, end: 24 } })).toEqual(['sun 23']);
    expect(covered({ days: ['mon'], hours: { start: 0, end: 1 } })).toEqual(['mon 0']);
  });

  it('a long window past midnight: mon 23-22 is Mon 23 and Tue 0..21', () => {
    expect(covered({ days: ['mon'], hours: { start: 23, end: 22 } })).toEqual(['mon 23', ...range('tue', 0, 22)]);
  });

  it('no days with hours means every day', () => {
    expect(covered({ days: [], hours: { start: 9, end: 17 } })).toEqual(
      DAYS.flatMap((d) => range(d, 9, 17)),
    );
    expect(covered({ days: [], hours: { start: 20, end: 4 } })).toEqual(
      DAYS.flatMap((d) => [...range(d, 0, 4), ...range(d, 20, 24)]),
    );
  });

  it('days without hours means those whole days', () => {
    expect(covered({ days: ['mon'], hours: null })).toEqual(range('mon', 0, 24));
    expect(covered({ days: ['sat', 'sun'], hours: null })).toEqual([...range('sat', 0, 24), ...range('sun', 0, 24)]);
  });

  it('no days and no hours is any time: all 168 hours', () => {
    expect(covered(ANY_TIME)).toEqual(DAYS.flatMap((d) => range(d, 0, 24)));
  });

  it('every single-day window is one run starting at START on its day, as long as the hours say', () => {
    const wrong: string[] = [];
    for (const [d, day] of DAYS.entries()) {
      for (let start = 0; start <= 23; start++) {
        for (let end = 0; end <= 24; end++) {
          if (start === end) continue;
          const len = end > start ? end - start : 24 - start + end;
          const on = coverage({ days: [day], hours: { start, end } }).flat();
          // covered: hour of week (day × 24 + start + h) % 168 for h in 0..len
          for (let h = 0; h < 168; h++) {
            const offset = (h - (d * 24 + start) + 168) % 168;
            if (on[h] !== offset < len) wrong.push(`${day} ${start}-${end}: hour-of-week ${h}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('hoursPerWeek', () => {
  it('counts the hours covered', () => {
    expect(hoursPerWeek(NIGHT_TIME_ECONOMY)).toBe(16);
    expect(hoursPerWeek(ANY_TIME)).toBe(168);
    expect(hoursPerWeek({ days: ['sun'], hours: { start: 22, end: 2 } })).toBe(4);
    expect(hoursPerWeek({ days: ['wed'], hours: { start: 20, end: 0 } })).toBe(4);
    expect(hoursPerWeek({ days: [], hours: { start: 9, end: 17 } })).toBe(56);
    expect(hoursPerWeek({ days: [], hours: { start: 20, end: 4 } })).toBe(56);
    expect(hoursPerWeek({ days: [], hours: { start: 0, end: 24 } })).toBe(168);
    expect(hoursPerWeek({ days: ['mon'], hours: null })).toBe(24);
    expect(hoursPerWeek({ days: [...DAYS], hours: null })).toBe(168);
    expect(hoursPerWeek({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: { start: 9, end: 17 } })).toBe(40);
  });

  it('adds up adjacent windows: Mon 20 → Tue 19 and Tue 20 → Wed 19 are 46 hours', () => {
    expect(hoursPerWeek({ days: ['mon', 'tue'], hours: { start: 20, end: 19 } })).toBe(46);
    expect(covered({ days: ['mon', 'tue'], hours: { start: 20, end: 19 } })).not.toContain('tue 19');
    expect(hoursPerWeek({ days: [...DAYS], hours: { start: 20, end: 19 } })).toBe(161);
  });
});

describe('describe', () => {
  it('the night-time economy', () => {
    expect(describeWindow(NIGHT_TIME_ECONOMY)).toBe('Fri–Sat 20:00–04:00 (past midnight)');
  });

  it('any time', () => {
    expect(describeWindow(ANY_TIME)).toBe('any time');
  });

  it('hours without days are every day', () => {
    expect(describeWindow({ days: [], hours: { start: 9, end: 17 } })).toBe('every day 09:00–17:00');
    expect(describeWindow({ days: [...DAYS], hours: { start: 20, end: 4 } })).toBe('every day 20:00–04:00 (past midnight)');
  });

  it('days without hours', () => {
    expect(describeWindow({ days: [...DAYS], hours: null })).toBe('every day');
    expect(describeWindow({ days: ['mon'], hours: null })).toBe('Mon');
    expect(describeWindow({ days: ['mon', 'wed'], hours: null })).toBe('Mon, Wed');
    expect(describeWindow({ days: ['sat', 'sun'], hours: null })).toBe('Sat–Sun');
  });

  it('runs of consecutive days, in week order', () => {
    expect(describeWindow({ days: ['fri', 'mon', 'wed', 'tue'], hours: { start: 9, end: 17 } })).toBe('Mon–Wed, Fri 09:00–17:00');
    expect(describeWindow({ days: ['sat', 'fri'], hours: { start: 20, end: 4 } })).toBe('Fri–Sat 20:00–04:00 (past midnight)');
    expect(describeWindow({ days: ['mon', 'sat', 'sun'], hours: null })).toBe('Mon, Sat–Sun');
    expect(describeWindow({ days: ['mon', 'tue', 'thu', 'fri', 'sat'], hours: null })).toBe('Mon–Tue, Thu–Sat');
  });

  it('past midnight only when the window runs into the next day', () => {
    expect(describeWindow({ days: ['sun'], hours: { start: 22, end: 2 } })).toBe('Sun 22:00–02:00 (past midnight)');
    expect(describeWindow({ days: ['fri'], hours: { start: 20, end: 0 } })).toBe('Fri 20:00–00:00');
    expect(describeWindow({ days: ['fri'], hours: { start: 20, end: 24 } })).toBe('Fri 20:00–00:00');
    expect(describeWindow({ days: ['fri'], hours: { start: 0, end: 4 } })).toBe('Fri 00:00–04:00');
  });
});

describe('sameWindow', () => {
  it('ignores the order and repeats of days', () => {
    expect(sameWindow(NIGHT_TIME_ECONOMY, { days: ['sat', 'fri', 'sat'], hours: { start: 20, end: 4 } })).toBe(true);
    expect(sameWindow(ANY_TIME, { days: [], hours: null })).toBe(true);
    expect(sameWindow({ days: [], hours: { start: 9, end: 17 } }, { days: [], hours: { start: 9, end: 17 } })).toBe(true);
  });

  it('tells different days or hours apart', () => {
    expect(sameWindow(NIGHT_TIME_ECONOMY, { days: ['fri', 'sat'], hours: { start: 20, end: 5 } })).toBe(false);
    expect(sameWindow(NIGHT_TIME_ECONOMY, { days: ['fri', 'sat'], hours: { start: 21, end: 4 } })).toBe(false);
    expect(sameWindow(NIGHT_TIME_ECONOMY, { days: ['fri'], hours: { start: 20, end: 4 } })).toBe(false);
    expect(sameWindow(NIGHT_TIME_ECONOMY, { days: ['fri', 'sat'], hours: null })).toBe(false);
    expect(sameWindow({ days: ['fri', 'sat'], hours: null }, NIGHT_TIME_ECONOMY)).toBe(false);
    expect(sameWindow(ANY_TIME, { days: ['mon'], hours: null })).toBe(false);
    expect(sameWindow(ANY_TIME, NIGHT_TIME_ECONOMY)).toBe(false);
  });
});
