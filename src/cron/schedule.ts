import { nextBit, nextBit60, prevBit, prevBit60 } from "./bits.js";
import {
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  isLeapYear,
  MS_PER_DAY,
  weekdayFromDays,
} from "./civil.js";
import { describeExpression, describeSpecial } from "./describe.js";
import type { CompiledFields } from "./fields.js";
import { YEAR_MAX, YEAR_MIN } from "./fields.js";
import type { Zone } from "./zone.js";

/**
 * A parsed schedule: an immutable value that answers "when next?" for any
 * reference instant. Instants are epoch milliseconds; null means "never".
 */
export interface Schedule {
  /** "cron" for field expressions and their macros; the rest are @every, @at, @reboot. */
  readonly kind: "cron" | "every" | "at" | "reboot";
  /** The expression as given (trimmed). */
  readonly expression: string;
  /** The IANA zone that wall-clock fields are read in. */
  readonly timezone: string;
  /**
   * Vixie cron's DST class: true when the minute or hour field begins with
   * `*`. Wildcard jobs follow the wall clock through DST changes; fixed-time
   * jobs fire once at the end of a spring-forward gap and once in a fall-back
   * overlap.
   */
  readonly wildcard: boolean;
  /** The first firing instant strictly after `afterMs`, or null if there is none. */
  next(afterMs: number): number | null;
  /** The last firing instant strictly before `beforeMs`, or null if there is none. */
  prev(beforeMs: number): number | null;
  /** Whether the schedule fires at exactly this instant. */
  match(ms: number): boolean;
  /** Up to `n` firing instants strictly after `afterMs`, in order. */
  nextN(afterMs: number, n: number): number[];
  /** A sentence in English, such as "At 09:00, Monday through Friday". */
  describe(): string;
}

const WEEKLY = 0x10204081; // bits 0, 7, 14, 21, 28
/** How far back a fall-back could still repeat the wall clock of an instant. */
const MAX_SHIFT = MS_PER_DAY;
/**
 * A change of offset this far from both ends of a search cannot matter: its
 * gap or overlap lies in wall time already known to hold no match (offsets
 * stay within ±16 h, so 3 days clear them), and only the offset carries over.
 * Skipping such changes keeps a search across decades ("0 0 0 1 1 * 2090")
 * from stepping through, and probing, every year in between.
 */
const SKIP = 3 * MS_PER_DAY;
/**
 * The instants the engine answers for, about ±272,000 years: inside the
 * range of Date (±8.64e15 ms), with a year to spare for the zone table of
 * the last year (Intl throws beyond it).
 */
const LIMIT = 8.6e15;
/**
 * "No match" from nextWall/prevWall. Not -1: wall times before 1970 are
 * negative (next(0) in New York searches from 1969-12-31T19:00 wall time,
 * and a -1 sentinel made it return null).
 */
const NONE = Number.NaN;
/** Unbounded searches give up after this many years (only year-restricted or impossible patterns get there). */
const SEARCH_YEARS = 400;

abstract class BaseSchedule implements Schedule {
  abstract readonly kind: Schedule["kind"];
  abstract readonly wildcard: boolean;
  readonly expression: string;
  readonly timezone: string;

  constructor(expression: string, timezone: string) {
    this.expression = expression;
    this.timezone = timezone;
  }

  abstract next(afterMs: number): number | null;
  abstract prev(beforeMs: number): number | null;

  match(ms: number): boolean {
    return Number.isFinite(ms) && this.next(ms - 1) === ms;
  }

  nextN(afterMs: number, n: number): number[] {
    const out: number[] = [];
    for (let t = this.next(afterMs); t !== null && out.length < n; t = this.next(t)) out.push(t);
    return out;
  }

  abstract describe(): string;
}

// Constant properties are getters on the prototype: a schedule is interned
// and kept per job, so every field it holds counts (goal: under 1 KB each).

export class CronSchedule extends BaseSchedule {
  get kind(): "cron" {
    return "cron";
  }
  readonly wildcard: boolean;
  readonly #f: CompiledFields;
  readonly #zone: Zone;
  readonly #or: boolean;
  readonly #anyDay: boolean;
  /** The days are the day-of-month field alone: no weekday to work out per month. */
  readonly #calendarDays: boolean;
  /**
   * The months that can match in a common and in a leap year. Where the days
   * depend on the calendar alone, months without a matching day are left
   * out ("0 0 29 2 *" has none in a common year), so that a search skips
   * such a year with one test; otherwise these are the month field.
   */
  readonly #commonMonths: number;
  readonly #leapMonths: number;

  constructor(expression: string, zone: Zone, fields: CompiledFields, domAndDow: boolean) {
    super(expression, zone.name);
    this.#f = fields;
    this.#zone = zone;
    this.wildcard = fields.wildcard;
    this.#or = fields.domRestricted && fields.dowRestricted && !domAndDow;
    this.#anyDay =
      fields.dom === -2 &&
      !fields.domLast &&
      !fields.domLastMinus &&
      !fields.domNearestWeekday &&
      !fields.domLastWeekday &&
      fields.dow === 0x7f &&
      !fields.dowLast &&
      !fields.dowNth &&
      !fields.dowNth5;
    this.#calendarDays =
      !this.#or &&
      fields.dow === 0x7f &&
      !fields.dowLast &&
      !fields.dowNth &&
      !fields.dowNth5 &&
      !fields.domNearestWeekday &&
      !fields.domLastWeekday;
    let common = fields.months;
    let leap = fields.months;
    if (this.#anyDay || this.#calendarDays) {
      for (let m = 1; m <= 12; m++) {
        if (this.#dayMask(2001, m) === 0) common &= ~(1 << m);
        if (this.#dayMask(2000, m) === 0) leap &= ~(1 << m);
      }
    }
    this.#commonMonths = common;
    this.#leapMonths = leap;
  }

  describe(): string {
    return describeExpression(this.expression, this.#f, this.#or);
  }

  next(afterMs: number): number | null {
    if (!(afterMs >= -LIMIT && afterMs < LIMIT)) return null;
    let t = Math.floor(afterMs / 1000) * 1000 + 1000; // slots fall on whole seconds
    const zone = this.#zone;
    if (zone.isUtc) {
      const w = this.nextWall(t);
      return Number.isNaN(w) || w > LIMIT ? null : w;
    }
    // Within one offset period, wall time and instants move together. Search
    // the wall clock of the period that holds t; if the match lies past the
    // period's end, step into the next period and apply the Vixie DST rules.
    //
    // The search starts from the last instant already passed (t - 1s) rather
    // than from t: when a spring-forward happens exactly at t, the gap's wall
    // times belong before t, and a fixed-time job due in the gap fires at t.
    // Starting in t's own period would skip it (next(t - 1) missed the
    // 07:00Z firing of "30 2 * * *" in New York on 2024-03-10, and
    // match(07:00Z) was false).
    t -= 1000;
    let off = zone.offsetAt(t);
    let from = t + off + 1000;
    if (!this.wildcard) {
      // A fixed-time job does not fire again in wall time repeated by a fall-back.
      const tr = zone.prevTransition(t, t - MAX_SHIFT);
      if (tr && tr.before > tr.after) from = Math.max(from, tr.at + tr.before);
    }
    let w = Number.NEGATIVE_INFINITY;
    for (;;) {
      if (w < from) w = this.nextWall(from);
      if (Number.isNaN(w)) return null;
      const candidate = w - off;
      if (candidate > LIMIT) return null;
      const tr = zone.nextTransition(t, candidate);
      if (!tr) return candidate;
      if (tr.at > t + SKIP && tr.at <= candidate - SKIP) {
        t = candidate - SKIP;
        off = zone.offsetAt(t);
        continue;
      }
      if (tr.after > tr.before) {
        // Spring forward: wall times [at+before, at+after) never happen.
        // A fixed-time job due in the gap fires once, as the gap ends.
        if (!this.wildcard && w < tr.at + tr.after) return tr.at;
        from = Math.max(w, tr.at + tr.after);
      } else {
        // Fall back: wall times [at+after, at+before) happen twice. Wildcard
        // jobs fire in both; fixed-time jobs only in the first.
        from = this.wildcard ? tr.at + tr.after : Math.max(w, tr.at + tr.before);
        if (from < w) w = Number.NEGATIVE_INFINITY;
      }
      off = tr.after;
      t = tr.at;
    }
  }

  prev(beforeMs: number): number | null {
    if (!(beforeMs > -LIMIT && beforeMs <= LIMIT)) return null;
    let t = Math.ceil(beforeMs / 1000) * 1000 - 1000;
    const zone = this.#zone;
    if (zone.isUtc) {
      const w = this.prevWall(t);
      return Number.isNaN(w) || w < -LIMIT ? null : w;
    }
    let off = zone.offsetAt(t);
    let to = t + off;
    let w = Number.POSITIVE_INFINITY;
    for (;;) {
      if (w > to) w = this.prevWall(to);
      if (Number.isNaN(w)) return null;
      const candidate = w - off;
      if (candidate < -LIMIT) return null;
      // Look back past the candidate so that a fall-back just before it is seen.
      const tr = zone.prevTransition(t, candidate - MAX_SHIFT);
      if (!tr) return candidate;
      if (tr.at < t - SKIP && tr.at > candidate + SKIP) {
        t = candidate + SKIP;
        off = zone.offsetAt(t);
        continue;
      }
      if (tr.at <= candidate) {
        // Same period as t; unless a fixed-time job meets wall time repeated
        // by the fall-back that began the period, the candidate stands.
        if (this.wildcard || tr.before <= tr.after || w >= tr.at + tr.before) return candidate;
        to = tr.at + tr.before - 1000;
        w = Number.POSITIVE_INFINITY;
      } else if (tr.after > tr.before) {
        // Crossing a spring-forward backwards: a fixed-time job due in the gap fired at its end.
        if (!this.wildcard && w >= tr.at + tr.before) return tr.at;
        to = Math.min(w, tr.at + tr.before - 1000);
      } else {
        // Crossing a fall-back backwards: the earlier period's wall clock runs later.
        to = tr.at + tr.before - 1000;
        w = Number.POSITIVE_INFINITY;
      }
      off = tr.before;
      t = tr.at - 1000;
    }
  }

  /**
   * The first matching wall time at or after `from` (wall milliseconds, a
   * whole second), or NaN (NONE). Steps over civil fields with bit masks; no Date.
   */
  nextWall(from: number): number {
    const f = this.#f;
    const days = Math.floor(from / MS_PER_DAY);
    let sod = (from - days * MS_PER_DAY) / 1000;
    const c = civilFromDays(days, scratch);
    let y = c[0] as number;
    let mo = c[1] as number;
    let d = c[2] as number;
    let h = Math.floor(sod / 3600);
    sod -= h * 3600;
    let mi = Math.floor(sod / 60);
    let s = sod - mi * 60;
    const limit = f.years ? YEAR_MAX : y + SEARCH_YEARS;
    for (;;) {
      if (y > limit) return NONE;
      if (f.years && !hasYear(f.years, y)) {
        const ny = nextYear(f.years, y);
        if (ny < 0) return NONE;
        y = ny;
        mo = 1;
        d = 1;
        h = mi = s = 0;
      }
      const mo2 = nextBit(isLeapYear(y) ? this.#leapMonths : this.#commonMonths, mo);
      if (mo2 < 0) {
        y++;
        mo = d = 1;
        h = mi = s = 0;
        continue;
      }
      if (mo2 !== mo) {
        mo = mo2;
        d = 1;
        h = mi = s = 0;
      }
      const d2 = nextBit(this.#dayMask(y, mo), d);
      if (d2 < 0) {
        mo++;
        d = 1;
        h = mi = s = 0;
        continue;
      }
      if (d2 !== d) {
        d = d2;
        h = mi = s = 0;
      }
      const h2 = nextBit(f.hours, h);
      if (h2 < 0) {
        d++;
        h = mi = s = 0;
        continue;
      }
      if (h2 !== h) {
        h = h2;
        mi = s = 0;
      }
      const mi2 = nextBit60(f.minLo, f.minHi, mi);
      if (mi2 < 0) {
        h++;
        mi = s = 0;
        continue;
      }
      if (mi2 !== mi) {
        mi = mi2;
        s = 0;
      }
      const s2 = nextBit60(f.secLo, f.secHi, s);
      if (s2 < 0) {
        mi++;
        s = 0;
        continue;
      }
      return daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s2 * 1000;
    }
  }

  /** The last matching wall time at or before `to` (a whole second), or NaN (NONE). */
  prevWall(to: number): number {
    const f = this.#f;
    const days = Math.floor(to / MS_PER_DAY);
    let sod = (to - days * MS_PER_DAY) / 1000;
    const c = civilFromDays(days, scratch);
    let y = c[0] as number;
    let mo = c[1] as number;
    let d = c[2] as number;
    let h = Math.floor(sod / 3600);
    sod -= h * 3600;
    let mi = Math.floor(sod / 60);
    let s = sod - mi * 60;
    const limit = f.years ? YEAR_MIN : y - SEARCH_YEARS;
    for (;;) {
      if (y < limit) return NONE;
      if (f.years && !hasYear(f.years, y)) {
        const py = prevYear(f.years, y);
        if (py < 0) return NONE;
        y = py;
        mo = 12;
        d = 31;
        h = 23;
        mi = s = 59;
      }
      const mo2 = prevBit(isLeapYear(y) ? this.#leapMonths : this.#commonMonths, mo);
      if (mo2 < 0) {
        y--;
        mo = 12;
        d = 31;
        h = 23;
        mi = s = 59;
        continue;
      }
      if (mo2 !== mo) {
        mo = mo2;
        d = 31;
        h = 23;
        mi = s = 59;
      }
      const d2 = prevBit(this.#dayMask(y, mo), d);
      if (d2 < 0) {
        mo--;
        d = 31;
        h = 23;
        mi = s = 59;
        continue;
      }
      if (d2 !== d) {
        d = d2;
        h = 23;
        mi = s = 59;
      }
      const h2 = prevBit(f.hours, h);
      if (h2 < 0) {
        d--;
        h = 23;
        mi = s = 59;
        continue;
      }
      if (h2 !== h) {
        h = h2;
        mi = s = 59;
      }
      const mi2 = prevBit60(f.minLo, f.minHi, mi);
      if (mi2 < 0) {
        h--;
        mi = s = 59;
        continue;
      }
      if (mi2 !== mi) {
        mi = mi2;
        s = 59;
      }
      const s2 = prevBit60(f.secLo, f.secHi, s);
      if (s2 < 0) {
        mi--;
        s = 59;
        continue;
      }
      return daysFromCivil(y, mo, d) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s2 * 1000;
    }
  }

  /** The days of a month that match, as bits 1-31. */
  #dayMask(y: number, mo: number): number {
    const dim = daysInMonth(y, mo);
    const full = dim === 31 ? -2 : (1 << (dim + 1)) - 2;
    if (this.#anyDay) return full;
    const f = this.#f;
    let dm = f.dom;
    if (f.domLast) dm |= 1 << dim;
    for (let b = f.domLastMinus; b !== 0; b &= b - 1) {
      const n = 31 - Math.clz32(b & -b);
      if (dim - n >= 1) dm |= 1 << (dim - n);
    }
    if (this.#calendarDays) return dm & full;
    const w1 = weekdayFromDays(daysFromCivil(y, mo, 1));
    const wLast = (w1 + dim - 1) % 7;
    for (let b = f.domNearestWeekday; b !== 0; b &= b - 1) {
      const n = 31 - Math.clz32(b & -b);
      if (n > dim) continue;
      const wd = (w1 + n - 1) % 7;
      // Nearest Mon-Fri to day n without leaving the month (Quartz "nW").
      dm |= 1 << (wd === 6 ? (n === 1 ? 3 : n - 1) : wd === 0 ? (n === dim ? n - 2 : n + 1) : n);
    }
    if (f.domLastWeekday) dm |= 1 << (wLast === 6 ? dim - 1 : wLast === 0 ? dim - 2 : dim);
    let wm = 0;
    for (let b = f.dow; b !== 0; b &= b - 1) {
      const w = 31 - Math.clz32(b & -b);
      wm |= WEEKLY << (1 + ((w - w1 + 7) % 7));
    }
    for (let b = f.dowLast; b !== 0; b &= b - 1) {
      const w = 31 - Math.clz32(b & -b);
      wm |= 1 << (dim - ((wLast - w + 7) % 7));
    }
    for (let b = f.dowNth; b !== 0; b &= b - 1) {
      const bit = 31 - Math.clz32(b & -b);
      const w = bit % 7;
      wm |= 1 << (1 + ((w - w1 + 7) % 7) + 7 * ((bit - w) / 7));
    }
    for (let b = f.dowNth5; b !== 0; b &= b - 1) {
      const w = 31 - Math.clz32(b & -b);
      const day = 29 + ((w - w1 + 7) % 7);
      if (day <= dim) wm |= 1 << day;
    }
    return (this.#or ? dm | wm : dm & wm) & full;
  }
}

const scratch = [0, 0, 0];

function hasYear(words: number[], y: number): boolean {
  const b = y - YEAR_MIN;
  return b >= 0 && b <= YEAR_MAX - YEAR_MIN && ((words[b >>> 5] as number) & (1 << (b & 31))) !== 0;
}

function nextYear(words: number[], y: number): number {
  for (let v = Math.max(y, YEAR_MIN); v <= YEAR_MAX; v++) if (hasYear(words, v)) return v;
  return -1;
}

function prevYear(words: number[], y: number): number {
  for (let v = Math.min(y, YEAR_MAX); v >= YEAR_MIN; v--) if (hasYear(words, v)) return v;
  return -1;
}

/** `@every <duration>`: the multiples of the duration since the Unix epoch, in any zone. */
export class EverySchedule extends BaseSchedule {
  get kind(): "every" {
    return "every";
  }
  get wildcard(): boolean {
    return true;
  }
  readonly intervalMs: number;

  constructor(expression: string, timezone: string, intervalMs: number) {
    super(expression, timezone);
    this.intervalMs = intervalMs;
  }

  describe(): string {
    return describeSpecial("every", this.intervalMs);
  }

  next(afterMs: number): number | null {
    const d = this.intervalMs;
    const t = (Math.floor(afterMs / d) + 1) * d;
    return Math.abs(t) <= LIMIT ? t : null;
  }

  prev(beforeMs: number): number | null {
    const d = this.intervalMs;
    const t = (Math.ceil(beforeMs / d) - 1) * d;
    return Math.abs(t) <= LIMIT ? t : null;
  }
}

/** `@at <instant>`: fires once. */
export class AtSchedule extends BaseSchedule {
  get kind(): "at" {
    return "at";
  }
  get wildcard(): boolean {
    return false;
  }
  readonly at: number;

  constructor(expression: string, timezone: string, at: number) {
    super(expression, timezone);
    this.at = at;
  }

  describe(): string {
    return describeSpecial("at", this.at);
  }

  next(afterMs: number): number | null {
    return afterMs < this.at ? this.at : null;
  }

  prev(beforeMs: number): number | null {
    return beforeMs > this.at ? this.at : null;
  }
}

/** `@reboot`: fires when a scheduler starts, never on the clock. */
export class RebootSchedule extends BaseSchedule {
  get kind(): "reboot" {
    return "reboot";
  }
  get wildcard(): boolean {
    return false;
  }

  describe(): string {
    return describeSpecial("reboot", 0);
  }

  next(): number | null {
    return null;
  }

  prev(): number | null {
    return null;
  }
}
