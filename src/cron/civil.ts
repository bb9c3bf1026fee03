// Civil (proleptic Gregorian) calendar arithmetic on plain integers.
// Days are counted from 1970-01-01; algorithms after H. Hinnant's
// "chrono-Compatible Low-Level Date Algorithms". No Date objects: these run
// in the inner loop of next()/prev().

export const MS_PER_DAY = 86_400_000;

// Only the era needs Math.floor (it can be negative); every other quotient
// is of a small non-negative integer, where `| 0` truncates to the same
// value and lets V8 stay in integer arithmetic (twice as fast in next()).

export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  const doy = (((153 * mp + 2) / 5) | 0) + d - 1;
  const doe = yoe * 365 + ((yoe / 4) | 0) - ((yoe / 100) | 0) + doy;
  return era * 146097 + doe - 719468;
}

/** Writes [year, month (1-12), day (1-31)] into `out` and returns it. */
export function civilFromDays(days: number, out: number[] = [0, 0, 0]): number[] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = ((doe - ((doe / 1460) | 0) + ((doe / 36524) | 0) - ((doe / 146096) | 0)) / 365) | 0;
  const doy = doe - (365 * yoe + ((yoe / 4) | 0) - ((yoe / 100) | 0));
  const mp = ((5 * doy + 2) / 153) | 0;
  const d = doy - (((153 * mp + 2) / 5) | 0) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0);
  out[1] = m;
  out[2] = d;
  return out;
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekdayFromDays(days: number): number {
  const w = (days + 4) % 7;
  return w < 0 ? w + 7 : w;
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeapYear(y) ? 29 : (DAYS_IN_MONTH[m] as number);
}

/** Epoch milliseconds of a civil date-time read as if it were UTC ("wall milliseconds"). */
export function wallMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  return daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

/** The calendar year that contains an instant read as UTC. */
export function yearOf(ms: number): number {
  return civilFromDays(Math.floor(ms / MS_PER_DAY))[0] as number;
}
