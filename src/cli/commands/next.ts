import {
  formatInZone,
  getZone,
  localZoneName,
  parseInstant,
  parseSchedule,
} from "../../cron/index.js";
import { printJson, println } from "../io.js";

export interface NextOptions {
  count: number;
  from?: string;
  tz?: string;
  seed?: string;
  domAndDow?: boolean;
  json?: boolean;
}

/** `cron-scheduler next "<schedule>"`: the next firing instants of an expression. */
export function next(expression: string, options: NextOptions): void {
  const timezone = options.tz ?? localZoneName();
  const zone = getZone(timezone);
  const schedule = parseSchedule(expression, {
    timezone,
    seed: options.seed ?? "",
    domAndDow: options.domAndDow === true,
  });
  const from =
    options.from === undefined ? Date.now() : parseInstant(options.from, timezone, "--from");
  const instants = schedule.nextN(from, options.count);
  if (options.json) {
    printJson({
      schedule: schedule.expression,
      timezone: zone.name,
      next: instants.map((t) => new Date(t).toISOString()),
    });
    return;
  }
  println(`${schedule.describe()} (${zone.name})`);
  if (instants.length === 0) println("(never fires after that instant)");
  for (const t of instants) println(`  ${formatInZone(t, zone)}  ${weekday(t, zone.offsetAt(t))}`);
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
function weekday(ms: number, offset: number): string {
  return DAYS[new Date(ms + offset).getUTCDay()] as string;
}
