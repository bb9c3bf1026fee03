import { CronError } from "./errors.js";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const UNIT_ORDER = ["w", "d", "h", "m", "s", "ms"];
const PART = /(\d+)(ms|s|m|h|d|w)/y;

export interface ParseDurationOptions {
  /**
   * The unit of a bare number. The seed's `--interval 30` meant minutes, so
   * that option passes "m"; everywhere else a bare number is rejected.
   */
  bareNumberUnit?: "ms" | "s" | "m" | "h" | "d";
  /** Names the input in error messages, e.g. "--interval". */
  name?: string;
}

/**
 * Parses `500ms`, `90s`, `30m`, `1h30m`, `2d`, `1w` into milliseconds.
 * Units may be combined, largest first, each at most once.
 */
export function parseDuration(text: string, options: ParseDurationOptions = {}): number {
  const name = options.name ?? "duration";
  const input = text.trim();
  const fail = (why: string): never => {
    throw new CronError(
      "E_DURATION",
      `${name}: "${text}" ${why} (use a number with a unit: 500ms, 90s, 30m, 1h30m, 2d${options.bareNumberUnit ? `, or a bare number of ${unitName(options.bareNumberUnit)}` : ""})`,
      { expression: text },
    );
  };
  if (input === "") fail("is empty");
  if (/^\d+$/.test(input)) {
    if (!options.bareNumberUnit) fail("has no unit");
    const ms = Number(input) * (UNIT_MS[options.bareNumberUnit as string] as number);
    if (ms <= 0) fail("must be greater than zero");
    return ms;
  }
  if (/^-/.test(input)) fail("must not be negative");
  let total = 0;
  let lastUnit = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < input.length) {
    const at = PART.lastIndex;
    const m = PART.exec(input);
    if (!m) fail(`is not a duration at "${input.slice(at)}"`);
    const unit = (m as RegExpExecArray)[2] as string;
    const order = UNIT_ORDER.indexOf(unit);
    if (order <= lastUnit) fail(`repeats or misorders the unit "${unit}"`);
    lastUnit = order;
    total += Number((m as RegExpExecArray)[1]) * (UNIT_MS[unit] as number);
  }
  if (total <= 0) fail("must be greater than zero");
  if (!Number.isSafeInteger(total)) fail("is too long");
  return total;
}

function unitName(unit: string): string {
  return { ms: "milliseconds", s: "seconds", m: "minutes", h: "hours", d: "days" }[unit] ?? unit;
}

/** Formats milliseconds as the shortest duration text that parses back to it: 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit] as number;
    if (rest >= size) {
      const n = Math.floor(rest / size);
      rest -= n * size;
      out += `${n}${unit}`;
    }
  }
  return out;
}
