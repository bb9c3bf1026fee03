import { createRequire } from "node:module";
import { formatDuration } from "./duration.js";

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
