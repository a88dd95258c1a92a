// Weekly time windows, with the server's rules: `days` are the days a window *starts*
// on; `hours` is START-END with END exclusive, and a window whose END is not after its
// START runs past midnight into the next day (Sunday's runs into Monday).

/** Days of the week, in the server's order (Monday first) and spelling. */
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

const DAY_NAMES: Record<Day, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

/** Hours START-END: START 0–23, END 0–24, END exclusive; END ≤ START crosses midnight. */
export interface Hours {
  start: number;
  end: number;
}

/** A weekly window: no days and no hours means "any time". */
export interface Window {
  days: Day[];
  hours: Hours | null;
}

export const ANY_TIME: Window = { days: [], hours: null };

/** The night-time economy: Friday and Saturday nights, 20:00 to 04:00. */
export const NIGHT_TIME_ECONOMY: Window = { days: ['fri', 'sat'], hours: { start: 20, end: 4 } };

export function isDay(s: string): s is Day {
  return (DAYS as readonly string[]).includes(s);
}

/** Parses `20-04` (as the API writes it); throws with a reason. */
export function parseHours(s: string): Hours {
  const m = /^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$/.exec(s);
  if (!m) throw new Error(`hours ${JSON.stringify(s)} is not START-END, e.g. 20-04`);
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > 23) throw new Error(`hours: the start must be 0–23, got ${start}`);
  if (end > 24) throw new Error(`hours: the end must be 0–24, got ${end}`);
  if (start === end) throw new Error(`hours: start and end are both ${start}`);
  return { start, end };
}

const two = (n: number) => String(n).padStart(2, '0');

/** `20-04`, as the API reads it. */
export function formatHours(h: Hours): string {
  return `${two(h.start)}-${two(h.end)}`;
}

const FULL_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/**
 * Parses `fri,sat` (or repeated values); as the server, a day is any prefix of three
 * letters or more of its English name (`fri`, `Friday`). Throws on an unknown day.
 */
export function parseDays(values: string[]): Day[] {
  const days = values
    .flatMap((v) => v.split(','))
    .map((d) => d.trim().toLowerCase())
    .filter((d) => d !== '')
    .map((d) => {
      const i = FULL_NAMES.findIndex((n) => d.length >= 3 && n.startsWith(d));
      if (i < 0) throw new Error(`days: unknown day ${JSON.stringify(d)}`);
      return DAYS[i]!;
    });
  return sortDays(days);
}

/** Days in week order, without repeats. */
export function sortDays(days: Day[]): Day[] {
  return DAYS.filter((d) => days.includes(d));
}

/** The hours a window covers, as a 7 × 24 grid (Monday first). */
export function coverage(w: Window): boolean[][] {
  const grid = DAYS.map(() => Array<boolean>(24).fill(false));
  if (w.days.length === 0 && w.hours === null) {
    for (const row of grid) row.fill(true);
    return grid;
  }
  const days = w.days.length === 0 ? [...DAYS] : w.days;
  const { start, end } = w.hours ?? { start: 0, end: 24 };
  const len = end > start ? end - start : 24 - start + end;
  for (const d of days) {
    const base = DAYS.indexOf(d) * 24;
    for (let h = 0; h < len; h++) {
      const hw = (base + start + h) % 168;
      grid[Math.floor(hw / 24)]![hw % 24] = true;
    }
  }
  return grid;
}

/** Hours per week the window covers. */
export function hoursPerWeek(w: Window): number {
  return coverage(w).flat().filter(Boolean).length;
}

/** Runs of consecutive days as `Fri–Sat`, `Mon, Wed`. */
function describeDays(days: Day[]): string {
  const idx = sortDays(days).map((d) => DAYS.indexOf(d));
  const runs: string[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j]! + 1) j++;
    const a = DAY_NAMES[DAYS[idx[i]!]!];
    const b = DAY_NAMES[DAYS[idx[j]!]!];
    runs.push(j === i ? a : `${a}–${b}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** For people: `Fri–Sat 20:00–04:00 (past midnight)`, `any time`. */
export function describe(w: Window): string {
  if (w.days.length === 0 && w.hours === null) return 'any time';
  const days = w.days.length === 0 || w.days.length === 7 ? 'every day' : describeDays(w.days);
  if (w.hours === null) return days;
  const { start, end } = w.hours;
  const cross = end <= start && end !== 0 ? ' (past midnight)' : '';
  return `${days} ${two(start)}:00–${two(end % 24)}:00${cross}`;
}

/** Whether two windows are the same. */
export function sameWindow(a: Window, b: Window): boolean {
  return (
    sortDays(a.days).join() === sortDays(b.days).join() &&
    (a.hours === null ? b.hours === null : b.hours !== null && a.hours.start === b.hours.start && a.hours.end === b.hours.end)
  );
}
