import { describe, expect, it } from "vitest";
import { newRunId, runIdFromParts, runIdParts, runIdTime } from "../src/ids.js";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** The time part of a run id back to epoch ms. */
function timeOf(id: string): number {
  let t = 0;
  for (const c of id.slice(0, 10)) t = t * 32 + ALPHABET.indexOf(c);
  return t;
}

describe("newRunId", () => {
  it("is 10 characters of time and 10 random, all of the Crockford alphabet", () => {
    const now = Date.parse("2026-11-26T19:40:00.123Z");
    const id = newRunId(now);
    expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{20}$/);
    expect(timeOf(id)).toBe(now);
  });

  it("sorts by time, and never repeats across refills of its random pool", () => {
    const ids: string[] = [];
    const t0 = Date.parse("2026-11-26T19:40:00Z");
    // 20,000 ids: three refills of the pool; bursts share a millisecond.
    for (let i = 0; i < 20_000; i++) ids.push(newRunId(t0 + Math.floor(i / 7)));
    expect(new Set(ids).size).toBe(ids.length);
    const times = ids.map(timeOf);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect([...ids].sort()).toEqual(
      [...ids].sort((a, b) => timeOf(a) - timeOf(b) || (a < b ? -1 : 1)),
    );
    // The random part uses the whole alphabet.
    expect(new Set(ids.flatMap((id) => [...id.slice(10)])).size).toBe(32);
  });

  it("tells when an id was made, and nothing for an id of another form", () => {
    const now = Date.parse("2026-11-26T21:00:00.456Z");
    expect(runIdTime(newRunId(now))).toBe(now);
    expect(runIdTime("dead")).toBeNull();
    expect(runIdTime("ABCDEFGHIJKLMNOPQRST")).toBeNull();
  });
});

describe("runIdParts and runIdFromParts", () => {
  it("take an id of newRunId's form apart into two numbers and put it together again", () => {
    const out = new Float64Array(2);
    const ids = [
      ...Array.from({ length: 2000 }, (_, i) => newRunId(Date.UTC(2026, 10, 26) + i * 7919)),
      "00000000000000000000",
      "zzzzzzzzzzzzzzzzzzzz",
    ];
    for (const id of ids) {
      expect(runIdParts(id, out)).toBe(true);
      expect(runIdFromParts(out[0] as number, out[1] as number)).toBe(id);
    }
    // The largest halves are 2^50 - 1: exact in a double.
    runIdParts("zzzzzzzzzzzzzzzzzzzz", out);
    expect([...out]).toEqual([2 ** 50 - 1, 2 ** 50 - 1]);
  });

  it("refuse ids of other forms and leave the output alone", () => {
    const out = Float64Array.of(1, 2);
    for (const id of [
      "run-1",
      "",
      "0123456789abcdefghi",
      "0123456789abcdefghij0",
      "0123456789abcdefghiu",
      "0123456789ABCDEFGHJK",
      "0123456789abcdefgh\u00e9k",
    ]) {
      expect(runIdParts(id, out)).toBe(false);
    }
    expect([...out]).toEqual([1, 2]);
  });
});
