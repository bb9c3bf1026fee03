import { expect } from "vitest";
import { type ParseOptions, parseSchedule, type Schedule } from "../../../src/cron/index.js";

export const ms = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad ISO instant in a test: ${iso}`);
  return t;
};

export const iso = (t: number | null): string | null =>
  t === null ? null : new Date(t).toISOString().replace(".000Z", "Z");

/** The next `n` firings strictly after `from`, as ISO strings without milliseconds. */
export function runs(
  expression: string,
  from: string,
  n: number,
  options: ParseOptions = {},
): Array<string | null> {
  const s = parseSchedule(expression, { timezone: "UTC", ...options });
  return s.nextN(ms(from), n).map(iso);
}

/**
 * prev() is the mirror of next(): walking back with prev() from just after
 * the last of nextN(from, n) gives the same instants in reverse, and the
 * walk ends at or before `from`.
 */
export function expectMirror(s: Schedule, from: number, n: number): number[] {
  const forward = s.nextN(from, n);
  expect(forward.length).toBe(n);
  const back: number[] = [];
  let t = (forward[n - 1] as number) + 1;
  for (let i = 0; i < n; i++) {
    const p = s.prev(t);
    expect(p).not.toBeNull();
    back.push(p as number);
    t = p as number;
  }
  expect(back.reverse().map(iso)).toEqual(forward.map(iso));
  const before = s.prev(forward[0] as number);
  if (before !== null) expect(before).toBeLessThanOrEqual(from);
  return forward;
}
