import { wallMs } from "./civil.js";
import { type DayRule, describeCron, describeSpecial } from "./describe.js";
import { parseDuration } from "./duration.js";
import { CronError } from "./errors.js";
import { type CompiledFields, compileFields, type FieldText } from "./fields.js";
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

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const CACHE_LIMIT = 10_000;
const cache = new Map<string, Schedule>();

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
  const seed = options.seed ?? "";
  const key = `${text}\u0000${timezone}\u0000${options.domAndDow ? 1 : 0}\u0000${text.includes("H") || text.includes("h") ? seed : ""}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const schedule = build(text, getZone(timezone), seed, options.domAndDow === true);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, schedule);
  return schedule;
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
    return new RebootSchedule(expression, zone.name, () => describeSpecial("reboot", 0));
  }
  if (word === "@every") {
    if (arg === "")
      fail(expression, `@every needs a duration, such as "@every 90s" or "@every 1h30m"`);
    const ms = parseDuration(arg, { name: `@every in "${expression}"` });
    return new EverySchedule(expression, zone.name, ms, () => describeSpecial("every", ms));
  }
  if (word === "@at") {
    const at = instantIn(arg, zone, `@at in "${expression}"`);
    return new AtSchedule(expression, zone.name, at, () => describeSpecial("at", at));
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
  const dayRule: DayRule = !dayFieldsBothSay(parts)
    ? null
    : fields.domRestricted && fields.dowRestricted && !domAndDow
      ? "or"
      : "and";
  const schedule = new CronSchedule(expression, zone, fields, domAndDow, () =>
    describeCron(describableText(parts, fields), dayRule),
  );
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

/** Whether neither day field is `*` or `?` (a field such as `*\/2` still says something). */
function dayFieldsBothSay(parts: FieldText[]): boolean {
  const o = parts.length >= 6 ? 1 : 0;
  const says = (t: string | undefined) => t !== undefined && t !== "*" && t !== "?";
  return says(parts[o + 2]?.text) && says(parts[o + 4]?.text);
}

function splitFields(text: string, base: number): FieldText[] {
  const parts: FieldText[] = [];
  const re = /\S+/g;
  for (let m = re.exec(text); m; m = re.exec(text))
    parts.push({ text: m[0], column: base ? m.index + 1 : 0 });
  return parts;
}

/** cronstrue does not know H: describe the values H resolved to. */
function describableText(parts: FieldText[], fields: CompiledFields): string {
  const hashed = (text: string) => /(^|,)H/i.test(text);
  if (!parts.some((p) => hashed(p.text))) return parts.map((p) => p.text).join(" ");
  const withSeconds = parts.length >= 6;
  const o = withSeconds ? 1 : 0;
  const out = parts.map((p) => p.text);
  const list = (lo: number, hi: number, from: number, to: number) => {
    const v: number[] = [];
    for (let i = from; i <= to; i++) if (i < 32 ? lo & (1 << i) : hi & (1 << (i - 32))) v.push(i);
    return v.join(",");
  };
  const replace = (i: number, values: string) => {
    if (hashed(parts[i]?.text ?? "")) out[i] = values;
  };
  if (withSeconds) replace(0, list(fields.secLo, fields.secHi, 0, 59));
  replace(o, list(fields.minLo, fields.minHi, 0, 59));
  replace(o + 1, list(fields.hours, 0, 0, 23));
  replace(o + 2, list(fields.dom, 0, 1, 31));
  replace(o + 3, list(fields.months, 0, 1, 12));
  replace(o + 4, list(fields.dow, 0, 0, 6));
  return out.join(" ");
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
