// Calendar months as `YYYY-MM` text: adding, counting and ranges (a leaf, no imports).

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Months since year 0 (`2024-01` → 2024·12), or NaN for text that is not a month. */
function index(month: string): number {
  const m = MONTH.exec(month);
  return m ? Number(m[1]) * 12 + Number(m[2]) - 1 : NaN;
}

function fromIndex(i: number): string {
  const y = Math.floor(i / 12);
  return `${String(y).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** Whether `s` is a month (`YYYY-MM`). */
export const isMonth = (s: string) => MONTH.test(s);

/** `month` plus `n` months (n may be negative). */
export function addMonths(month: string, n: number): string {
  const i = index(month);
  if (Number.isNaN(i)) throw new Error(`${JSON.stringify(month)} is not a month (YYYY-MM)`);
  return fromIndex(i + n);
}

/** The number of months from `from` to `to`, both included (0 when `to` is before `from`). */
export function monthsBetween(from: string, to: string): number {
  const n = index(to) - index(from) + 1;
  if (Number.isNaN(n)) throw new Error(`${JSON.stringify(from)} to ${JSON.stringify(to)} is not a range of months`);
  return Math.max(0, n);
}
