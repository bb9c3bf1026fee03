import { wallMs } from "./civil.js";
import { parseDuration } from "./duration.js";
import { CronError } from "./errors.js";
import {
  type CompiledFields,
  compileFields,
  type FieldText,
  MACROS,
  splitFields,
} from "./fields.js";
import {
  AtSchedule,
  CronSchedule,
  EverySchedule,
  RebootSchedule,
  type Schedule,
} from "./schedule.js";
import { getZone, localZoneName, type Zone } from "./zone.js";

export interface ParseOptions {
  /** IANA zone the wall-clock fields are read in. Default: the zone of this process. */
  timezone?: string;
  /** The string `H` is hashed from, normally the job id. Default: "". */
  seed?: string;
  /**
   * Require both day-of-month and day-of-week to match, for every
   * expression. By default they are OR-ed when both are restricted, as in
   * Vixie cron.
   */
  domAndDow?: boolean;
}

/**
 * Parsed schedules are interned: a scheduler with many jobs on a few
 * expressions holds each once. The cache is nested (domAndDow, then zone
 * name, then text, then seed where H makes it matter) so that a look-up
 * builds no key string, and the oldest entry is evicted through a ring of
 * keys: evicting with `map.keys().next()` walks over the deleted slots at
 * the front of the Map, about 10 µs per parse once the cache is full.
 */
const CACHE_LIMIT = 10_000;
type TextCache = Map<string, Schedule | Map<string, Schedule>>;
const caches: [Map<string, TextCache>, Map<string, TextCache>] = [new Map(), new Map()];
const ringMaps: TextCache[] = [];
const ringTexts: string[] = [];
const ringSeeds: (string | undefined)[] = [];
let ringNext = 0;

/** An H token starts a field or a list item; names such as THU do not count. */
const USES_SEED = /(?:^|[\s,])h/i;

/**
 * Parses a schedule: a cron expression of 5, 6 or 7 fields, a macro
 * (`@daily` …), `@every <duration>`, `@at <ISO-8601>` or `@reboot`.
 *
 * Throws a CronError (E_CRON_SYNTAX, E_CRON_NEVER, E_TIMEZONE, E_DURATION)
 * whose message names the expression, the field, the token and its column.
 * Schedules are immutable; identical ones are shared.
 */
export function parseSchedule(text: string, options: ParseOptions = {}): Schedule {
  const timezone = options.timezone ?? localZoneName();
  const byZone = caches[options.domAndDow === true ? 1 : 0];
  const texts = byZone.get(timezone);
  const hit = texts?.get(text);
  if (hit !== undefined) {
    if (!(hit instanceof Map)) return hit;
    const seeded = hit.get(options.seed ?? "");
    if (seeded !== undefined) return seeded;
  }
  const seed = options.seed ?? "";
  const schedule = build(text, getZone(timezone), seed, options.domAndDow === true);
  remember(byZone, timezone, text, USES_SEED.test(text) ? seed : undefined, schedule);
  return schedule;
}

function remember(
  byZone: Map<string, TextCache>,
  timezone: string,
  text: string,
  seed: string | undefined,
  schedule: Schedule,
): void {
  let texts = byZone.get(timezone);
  if (texts === undefined) {
    texts = new Map();
    byZone.set(timezone, texts);
  }
  if (seed === undefined) texts.set(text, schedule);
  else {
    let seeds = texts.get(text);
    if (!(seeds instanceof Map)) {
      seeds = new Map();
      texts.set(text, seeds);
    }
    seeds.set(seed, schedule);
  }
  if (ringMaps.length < CACHE_LIMIT) {
    ringMaps.push(texts);
    ringTexts.push(text);
    ringSeeds.push(seed);
    return;
  }
  const i = ringNext;
  ringNext = i + 1 === CACHE_LIMIT ? 0 : i + 1;
  forget(ringMaps[i] as TextCache, ringTexts[i] as string, ringSeeds[i]);
  ringMaps[i] = texts;
  ringTexts[i] = text;
  ringSeeds[i] = seed;
}

function forget(texts: TextCache, text: string, seed: string | undefined): void {
  if (seed === undefined) {
    texts.delete(text);
    return;
  }
  const seeds = texts.get(text);
  if (!(seeds instanceof Map)) return;
  seeds.delete(seed);
  if (seeds.size === 0) texts.delete(text);
}

function build(text: string, zone: Zone, seed: string, domAndDow: boolean): Schedule {
  if (typeof text !== "string") {
    throw new CronError("E_CRON_SYNTAX", `a schedule must be a string, not ${typeof text}`);
  }
  const expression = text.trim();
  if (expression === "") {
    throw new CronError(
      "E_CRON_SYNTAX",
      `the schedule is empty (write a cron expression such as "*/5 * * * *" or a macro such as @daily)`,
      {
        expression,
      },
    );
  }
  if (expression.startsWith("@")) return buildSpecial(expression, zone, seed, domAndDow);
  return buildCron(expression, expression, zone, seed, domAndDow);
}

function buildSpecial(expression: string, zone: Zone, seed: string, domAndDow: boolean): Schedule {
  const space = expression.search(/\s/);
  const word = (space < 0 ? expression : expression.slice(0, space)).toLowerCase();
  const arg = space < 0 ? "" : expression.slice(space).trim();
  const macro = MACROS[word];
  if (macro !== undefined && arg === "") return buildCron(expression, macro, zone, seed, domAndDow);
  if (word === "@reboot" && arg === "") {
    return new RebootSchedule(expression, zone.name);
  }
  if (word === "@every") {
    if (arg === "")
      fail(expression, `@every needs a duration, such as "@every 90s" or "@every 1h30m"`);
    const ms = parseDuration(arg, { name: `@every in "${expression}"` });
    return new EverySchedule(expression, zone.name, ms);
  }
  if (word === "@at") {
    const at = instantIn(arg, zone, `@at in "${expression}"`);
    return new AtSchedule(expression, zone.name, at);
  }
  if (macro !== undefined || word === "@reboot")
    fail(expression, `${word} takes no argument, but got "${arg}"`);
  return fail(
    expression,
    `unknown macro "${word}" (allowed: ${Object.keys(MACROS).join(", ")}, @reboot, @every <duration>, @at <ISO-8601 instant>)`,
  );
}

function buildCron(
  expression: string,
  fieldsText: string,
  zone: Zone,
  seed: string,
  domAndDow: boolean,
): Schedule {
  const parts = splitFields(fieldsText, expression === fieldsText ? 1 : 0);
  const fields = compileWithHint(expression, parts, seed);
  // No description is kept: describe() makes it from the expression when
  // asked, so that a schedule holds no closure and no field texts.
  const schedule = new CronSchedule(expression, zone, fields, domAndDow);
  // An expression no calendar date can match ("0 0 30 2 *") is an error
  // now, not a job that silently never runs. The search is on the naive
  // calendar, so the zone does not matter.
  if (Number.isNaN(schedule.nextWall(wallMs(1970, 1, 1)))) {
    fail(
      expression,
      `"${expression}" can never fire: no date matches its day-of-month, month${parts.length === 7 ? ", year" : ""} and day-of-week fields together`,
      "E_CRON_NEVER",
    );
  }
  return schedule;
}

/**
 * Six fields are read with seconds first (DESIGN.md). Some crons (AWS) read
 * them as five fields and a year instead: when such an expression fails and
 * its last field looks like a year, say how to write it here.
 */
function compileWithHint(expression: string, parts: FieldText[], seed: string): CompiledFields {
  try {
    return compileFields(expression, parts, seed);
  } catch (e) {
    const last = parts[5]?.text ?? "";
    if (parts.length !== 6 || !(e instanceof CronError) || !/^\d{4}\b/.test(last)) throw e;
    throw new CronError(
      e.code,
      `${e.message}; 6 fields are read with seconds first: to give a year, write 7 fields, such as "0 ${expression}"`,
      { expression, field: e.field, token: e.token, column: e.column },
    );
  }
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An ISO-8601 date-time. With `Z` or an offset it is that instant; without,
 * it is wall time in the given zone (a time in a DST gap moves to the end of
 * the gap; an ambiguous one takes the first occurrence).
 */
export function parseInstant(text: string, timezone: string, name = "instant"): number {
  return instantIn(text.trim(), getZone(timezone), name);
}

function instantIn(text: string, zone: Zone, name: string): number {
  const expression = text;
  const m = ISO.exec(text);
  if (!m) {
    return fail(
      expression,
      `${name}: expected an ISO-8601 date-time such as 2026-12-01T09:00:00Z or 2026-12-01T09:00 (read in the zone), but got "${text}"`,
    );
  }
  const [y, mo, d, h, mi, s, frac] = [1, 2, 3, 4, 5, 6, 7].map((i) =>
    Number(m[i] ?? 0),
  ) as number[];
  const ms = frac && m[7] ? Number(m[7].padEnd(3, "0")) : 0;
  const wall = wallMs(
    y as number,
    mo as number,
    d as number,
    h as number,
    mi as number,
    s as number,
    ms,
  );
  const check = new Date(wall);
  if (
    (mo as number) < 1 ||
    check.getUTCMonth() + 1 !== mo ||
    check.getUTCDate() !== d ||
    (h as number) > 23 ||
    (mi as number) > 59 ||
    (s as number) > 59
  ) {
    fail(expression, `${name}: "${text}" is not a real date and time`);
  }
  const tz = m[8];
  if (tz) {
    if (tz.toUpperCase() === "Z") return wall;
    const sign = tz[0] === "-" ? -1 : 1;
    const digits = tz.slice(1).replace(":", "");
    return (
      wall - sign * (Number(digits.slice(0, 2)) * 3_600_000 + Number(digits.slice(2) || 0) * 60_000)
    );
  }
  // Wall time in the zone: try the offsets around it.
  const o1 = zone.offsetAt(wall - 86_400_000);
  const o2 = zone.offsetAt(wall + 86_400_000);
  // The offset before a change gives the first occurrence of an ambiguous time.
  for (const o of [o1, o2]) {
    if (zone.offsetAt(wall - o) === o) return wall - o;
  }
  // In a gap: the first instant after it.
  const tr = zone.nextTransition(wall - o1 - 86_400_000, wall - o1 + 86_400_000);
  return tr ? tr.at : wall - o1;
}

function fail(
  expression: string,
  message: string,
  code: "E_CRON_SYNTAX" | "E_CRON_NEVER" = "E_CRON_SYNTAX",
): never {
  throw new CronError(code, message, { expression });
}

let primed = false;

/**
 * Gives the search code type feedback for its rare branches, once per process.
 *
 * next() of an every-second job steps into a new minute once a minute, a new
 * hour once an hour, and so on. V8 compiles a branch that has never run as a
 * bailout: the first minute rollover after the code inlining next() was
 * optimised threw that code away (and with it the scheduler's whole pass,
 * which was then slow until compiled again). Running next() and prev() across
 * every rollover before the first fire, a few rounds (V8 collects feedback
 * only from a function's ninth call), costs about a tenth of a millisecond.
 */
export function primeRollovers(): void {
  if (primed) return;
  primed = true;
  const schedules = [
    parseSchedule("* * * * * *", { timezone: "UTC" }),
    parseSchedule("* * * * *", { timezone: "UTC" }),
  ];
  const at = (month: number, day: number, h: number, m: number, s: number) =>
    Date.UTC(2023, month, day, h, m, s);
  const instants = [
    at(5, 14, 10, 20, 10),
    at(5, 14, 10, 20, 40),
    at(5, 14, 10, 20, 59),
    at(5, 14, 10, 59, 59),
    at(5, 14, 23, 59, 59),
    at(0, 31, 23, 59, 59),
    at(11, 31, 23, 59, 59),
    Date.UTC(2024, 1, 28, 23, 59, 59),
  ];
  for (let round = 0; round < 3; round++) {
    for (const schedule of schedules) {
      for (const t of instants) {
        schedule.next(t);
        schedule.prev(t + 1000);
      }
    }
  }
}
