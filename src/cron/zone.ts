import { civilFromDays, MS_PER_DAY, wallMs } from "./civil.js";
import { CronError } from "./errors.js";

/**
 * The UTC offsets of one IANA zone, as a table of transitions.
 *
 * A zone's offset changes a few times a year, but asking `Intl` costs
 * microseconds per call. So each calendar year is probed once (a day apart,
 * then bisected to the second where the offset changed) and kept; after that,
 * mapping between instants and wall time is a table look-up. One Zone per
 * name is shared by every schedule (see getZone).
 *
 * Most look-ups fall in the same period of constant offset as the one
 * before (next() asks about its start, then about a span after it), so the
 * last period found is kept and answered from with two comparisons; only a
 * look-up outside it goes to the year tables.
 *
 * Probing a day apart misses a pair of changes less than a day apart; no
 * zone in tzdata since 1970 has had one.
 */
export class Zone {
  readonly name: string;
  /** True for UTC and its aliases: no table is ever built. */
  readonly isUtc: boolean;
  readonly #format: Intl.DateTimeFormat | null;
  readonly #years = new Map<number, YearTable>();
  // The period of constant offset found last: [#lo, #hi) has offset #off.
  // #lo is a transition (from #before) when #loIsChange, else the first
  // instant of a year; #hi likewise (to #after) when #hiIsChange, else the
  // first instant of the next year. Empty until the first look-up.
  #lo = 0;
  #hi = 0;
  #off = 0;
  #loIsChange = false;
  #before = 0;
  #hiIsChange = false;
  #after = 0;

  constructor(name: string, format: Intl.DateTimeFormat | null, isUtc: boolean) {
    this.name = name;
    this.#format = format;
    this.isUtc = isUtc;
  }

  /** The offset (wall minus UTC, in ms) in effect at an instant. */
  offsetAt(ms: number): number {
    if (this.isUtc) return 0;
    if (!(ms >= this.#lo && ms < this.#hi)) this.#locate(ms);
    return this.#off;
  }

  /**
   * The first transition strictly after `afterMs` and at or before `untilMs`,
   * or null if the offset stays the same over that interval.
   */
  nextTransition(afterMs: number, untilMs: number): Transition | null {
    if (this.isUtc || !(untilMs > afterMs)) return null;
    if (!(afterMs >= this.#lo && afterMs < this.#hi)) this.#locate(afterMs);
    for (;;) {
      if (untilMs < this.#hi) return null;
      if (this.#hiIsChange) return { at: this.#hi, before: this.#off, after: this.#after };
      // The period ends with the year, not with a change: go on in the next year.
      this.#locate(this.#hi);
      if (this.#loIsChange) return { at: this.#lo, before: this.#before, after: this.#off };
    }
  }

  /**
   * The last transition at or before `atOrBeforeMs` and strictly after
   * `afterMs`, or null if the offset stays the same over that interval.
   */
  prevTransition(atOrBeforeMs: number, afterMs: number): Transition | null {
    if (this.isUtc || !(atOrBeforeMs > afterMs)) return null;
    if (!(atOrBeforeMs >= this.#lo && atOrBeforeMs < this.#hi)) this.#locate(atOrBeforeMs);
    for (;;) {
      if (this.#lo <= afterMs) return null;
      if (this.#loIsChange) return { at: this.#lo, before: this.#before, after: this.#off };
      // The period begins with the year, not with a change: go on in the year before.
      this.#locate(this.#lo - 1);
    }
  }

  /** Makes the period that holds `ms` the current one. */
  #locate(ms: number): void {
    const t = this.#table(yearOfInstant(ms));
    const { at, offsets } = t;
    let k = -1;
    while (k + 1 < at.length && (at[k + 1] as number) <= ms) k++;
    if (k >= 0) {
      this.#lo = at[k] as number;
      this.#loIsChange = true;
      this.#before = k === 0 ? t.before : (offsets[k - 1] as number);
      this.#off = offsets[k] as number;
    } else {
      this.#lo = t.start;
      this.#loIsChange = false;
      this.#off = t.before;
    }
    if (k + 1 < at.length) {
      this.#hi = at[k + 1] as number;
      this.#hiIsChange = true;
      this.#after = offsets[k + 1] as number;
    } else {
      this.#hi = t.end;
      this.#hiIsChange = false;
    }
  }

  #table(year: number): YearTable {
    let table = this.#years.get(year);
    if (!table) {
      table = this.#probeYear(year);
      this.#years.set(year, table);
    }
    return table;
  }

  /** The offset before the year's first instant (UTC) and the transitions in [start, end). */
  #probeYear(year: number): YearTable {
    const start = wallMs(year, 1, 1);
    const end = wallMs(year + 1, 1, 1);
    // Transitions fall on whole seconds: one at the year's first instant
    // shows as a different offset a second before it.
    const before = this.#probe(start - 1000);
    const startOffset = this.#probe(start);
    const at: number[] = [];
    const offsets: number[] = [];
    if (startOffset !== before) {
      at.push(start);
      offsets.push(startOffset);
    }
    let prevT = start;
    let prevOff = startOffset;
    for (let t = start + MS_PER_DAY; ; t += MS_PER_DAY) {
      if (t > end) t = end;
      const off = this.#probe(t);
      if (off !== prevOff) {
        // Bisect (prevT, t] to the first second that has the new offset.
        let lo = prevT;
        let hi = t;
        while (hi - lo > 1000) {
          const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
          if (this.#probe(mid) === prevOff) lo = mid;
          else hi = mid;
        }
        // A change exactly at the next year's first instant belongs to that year.
        if (hi < end) {
          at.push(hi);
          offsets.push(off);
        }
      }
      prevT = t;
      prevOff = off;
      if (t === end) break;
    }
    return { start, end, before, at, offsets };
  }

  #probe(ms: number): number {
    // "11/26/2026, GMT-05:00"; historical offsets carry seconds ("GMT+00:09:21").
    const text = (this.#format as Intl.DateTimeFormat).format(ms);
    const m = OFFSET.exec(text);
    if (!m) return 0; // "GMT": zero offset
    const sign = m[1] === "-" ? -1 : 1;
    return sign * (Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000 + Number(m[4] ?? 0) * 1000);
  }
}

export interface Transition {
  /** The first instant of the new offset. */
  at: number;
  before: number;
  after: number;
}

interface YearTable {
  /** The year's first instant (UTC) and the next year's. */
  start: number;
  end: number;
  /** The offset in effect just before `start`. */
  before: number;
  /** The transitions in [start, end), and the offset from each. */
  at: number[];
  offsets: number[];
}

const OFFSET = /GMT([+-])(\d\d):(\d\d)(?::(\d\d))?/;
const UTC_NAMES = new Set([
  "UTC",
  "Etc/UTC",
  "Etc/UCT",
  "UCT",
  "Etc/Universal",
  "Universal",
  "Etc/Zulu",
  "Zulu",
  "GMT",
  "Etc/GMT",
  "Etc/GMT0",
  "Etc/GMT+0",
  "Etc/GMT-0",
  "GMT0",
  "GMT+0",
  "GMT-0",
  "Etc/Greenwich",
  "Greenwich",
]);

// The first instant of each year 1900-2200, so that the year of an instant
// (asked on every period look-up) is an estimate and a comparison or two.
const FIRST_YEAR = 1900;
const YEAR_STARTS = new Float64Array(302);
for (let i = 0; i < YEAR_STARTS.length; i++) YEAR_STARTS[i] = wallMs(FIRST_YEAR + i, 1, 1);
const MEAN_YEAR_MS = 365.2425 * MS_PER_DAY;

const scratch = [0, 0, 0];
function yearOfInstant(ms: number): number {
  const i = Math.floor((ms - (YEAR_STARTS[0] as number)) / MEAN_YEAR_MS);
  if (i >= 1 && i < YEAR_STARTS.length - 2) {
    // The estimate is off by at most a year either way.
    if (ms < (YEAR_STARTS[i] as number)) return FIRST_YEAR + i - 1;
    if (ms >= (YEAR_STARTS[i + 1] as number)) return FIRST_YEAR + i + 1;
    return FIRST_YEAR + i;
  }
  return civilFromDays(Math.floor(ms / MS_PER_DAY), scratch)[0] as number;
}

const zones = new Map<string, Zone>();

/** The shared Zone for an IANA name; throws E_TIMEZONE for a name Intl does not know. */
export function getZone(name: string): Zone {
  const cached = zones.get(name);
  if (cached) return cached;
  if (name === "UTC" || name === "Etc/UTC") {
    // UTC needs no table, and Intl's first formatter costs 20-30 ms of ICU
    // start-up: a command line that only works in UTC never pays for it.
    // (Intl names both "UTC"; test/cron/zone.test.ts holds it to that.)
    const utc = zones.get("UTC") ?? new Zone("UTC", null, true);
    zones.set("UTC", utc);
    zones.set(name, utc);
    return utc;
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", { timeZone: name, timeZoneName: "longOffset" });
  } catch {
    throw new CronError(
      "E_TIMEZONE",
      `unknown time zone "${name}" (use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC")`,
      { token: name },
    );
  }
  const canonical = format.resolvedOptions().timeZone;
  const zone =
    zones.get(canonical) ??
    new Zone(canonical, format, UTC_NAMES.has(name) || UTC_NAMES.has(canonical));
  zones.set(name, zone);
  zones.set(canonical, zone);
  return zone;
}

let localTz: string | undefined;
let localName = "";

/**
 * The zone of this process (TZ, or the system's), the default for jobs.
 *
 * Resolving it through `Intl.DateTimeFormat()` costs 100-200 µs (a new
 * formatter with the default locale), so the answer is kept for as long as
 * `process.env.TZ` stays the same (Node applies a change of TZ at once, so
 * must we). With TZ set to UTC, as on many servers, Intl is not needed at all.
 */
export function localZoneName(): string {
  const tz = process.env.TZ;
  if (localName !== "" && tz === localTz) return localName;
  localTz = tz;
  localName =
    tz === "UTC" || tz === "Etc/UTC"
      ? "UTC"
      : Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  return localName;
}

/** An instant as ISO-8601 wall time in a zone, with its offset: "2026-11-27T09:00:00-05:00". */
export function formatInZone(ms: number, zone: Zone): string {
  const off = zone.offsetAt(ms);
  const wall = new Date(ms + off).toISOString().slice(0, 19);
  if (off === 0) return `${wall}Z`;
  const a = Math.abs(off) / 1000;
  const hh = String(Math.floor(a / 3600)).padStart(2, "0");
  const mm = String(Math.floor((a % 3600) / 60)).padStart(2, "0");
  const ss = a % 60 ? `:${String(a % 60).padStart(2, "0")}` : "";
  return `${wall}${off < 0 ? "-" : "+"}${hh}:${mm}${ss}`;
}
