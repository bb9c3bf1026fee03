import { createRequire } from "node:module";
import { formatDuration } from "./duration.js";

// Descriptions come from cronstrue, loaded on first use so that commands
// which never describe anything do not pay for it at start-up.

interface Cronstrue {
  toString(expression: string, options?: Record<string, unknown>): string;
}

let cronstrue: Cronstrue | undefined;

export function describeCron(fields: string): string {
  if (!cronstrue) {
    const mod = createRequire(import.meta.url)("cronstrue") as Cronstrue & { default?: Cronstrue };
    cronstrue = mod.default ?? mod;
  }
  try {
    return cronstrue.toString(fields, {
      use24HourTimeFormat: true,
      dayOfWeekStartIndexZero: true,
      verbose: false,
    });
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
