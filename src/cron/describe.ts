import { createRequire } from "node:module";
import { formatDuration } from "./duration.js";
import { type CompiledFields, type FieldText, MACROS, splitFields } from "./fields.js";

// Descriptions come from cronstrue, loaded on first use so that commands
// which never describe anything do not pay for it at start-up.

interface Cronstrue {
  toString(expression: string, options?: Record<string, unknown>): string;
}

let cronstrue: Cronstrue | undefined;

/**
 * How the day-of-month and day-of-week fields combine, when both say
 * something: "or" (Vixie cron, both restricted), "and" (`0 0 *\/2 * 1`, or the
 * domAndDow option); null when either is `*` or `?`.
 */
export type DayRule = "or" | "and" | null;

/**
 * cronstrue joins the two day fields with words that read as OR or as AND
 * depending on their form ("every 2 days in a month, and on Monday" for
 * `0 0 *\/2 * 1`, which Vixie cron ANDs; "on day 1 and 15 of the month,
 * Monday through Friday" for `0 0 1,15 * MON-FRI`, which it ORs). So when
 * both fields say something, the rule is stated after cronstrue's sentence.
 */
const DAY_RULE_TEXT = {
  or: " (on days that match the day of the month or the day of the week)",
  and: " (only on days that match both the day of the month and the day of the week)",
};

/**
 * The description of a parsed cron expression (or macro). Made on demand
 * from the expression: a schedule keeps no description and no field texts.
 * `or` is whether the day fields are OR-ed (the schedule knows).
 */
export function describeExpression(
  expression: string,
  fields: CompiledFields,
  or: boolean,
): string {
  const text = expression.startsWith("@") ? MACROS[expression.toLowerCase()] : expression;
  const parts = splitFields(text ?? expression, 0);
  const dayRule: DayRule = dayFieldsBothSay(parts) ? (or ? "or" : "and") : null;
  return describeCron(describableText(parts, fields), dayRule);
}

/** Whether neither day field is `*` or `?` (a field such as `*\/2` still says something). */
function dayFieldsBothSay(parts: FieldText[]): boolean {
  const o = parts.length >= 6 ? 1 : 0;
  const says = (t: string | undefined) => t !== undefined && t !== "*" && t !== "?";
  return says(parts[o + 2]?.text) && says(parts[o + 4]?.text);
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

export function describeCron(fields: string, dayRule: DayRule = null): string {
  if (!cronstrue) {
    const mod = createRequire(import.meta.url)("cronstrue") as Cronstrue & { default?: Cronstrue };
    cronstrue = mod.default ?? mod;
  }
  try {
    const text = cronstrue.toString(fields, {
      use24HourTimeFormat: true,
      dayOfWeekStartIndexZero: true,
      verbose: false,
      // "only on Monday" rather than "and on Monday" when we AND.
      logicalAndDayFields: dayRule === "and",
    });
    return dayRule ? text + DAY_RULE_TEXT[dayRule] : text;
  } catch {
    return fields;
  }
}

export function describeSpecial(kind: "reboot" | "every" | "at", value: number): string {
  switch (kind) {
    case "reboot":
      return "Once, each time the scheduler starts";
    case "every":
      return `Every ${formatDuration(value)} (at multiples of ${formatDuration(value)} since 1970-01-01T00:00:00Z)`;
    case "at":
      return `Once, at ${new Date(value).toISOString()}`;
  }
}
