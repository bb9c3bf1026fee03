import { describe, expect, it } from "vitest";
import { getZone } from "../../src/cron/index.js";

// The zone tables against Intl itself: offsets a second either side of every
// transition, transitions found forwards and backwards alike, and look-ups
// that jump between far-apart periods (the Zone keeps the last period it
// found and must not answer from it for another).

const MIN = 60_000;
const DAY = 86_400_000;

/** The offset Intl gives at an instant, in ms. */
function intlOffset(zone: string, ms: number): number {
  const text = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    timeZoneName: "longOffset",
  }).format(ms);
  const m = /GMT([+-])(\d\d):(\d\d)(?::(\d\d))?/.exec(text);
  if (!m) return 0;
  const sign = m[1] === "-" ? -1 : 1;
  return sign * (Number(m[2]) * 3_600_000 + Number(m[3]) * MIN + Number(m[4] ?? 0) * 1000);
}

describe("Zone", () => {
  it("finds every transition forwards and backwards, each where Intl changes", () => {
    for (const name of ["America/New_York", "Australia/Lord_Howe", "America/Santiago"]) {
      const zone = getZone(name);
      const from = Date.UTC(1995, 0, 1);
      const to = Date.UTC(2030, 0, 1);
      const forwards: number[] = [];
      for (let t = from; ; ) {
        const tr = zone.nextTransition(t, to);
        if (!tr) break;
        forwards.push(tr.at);
        expect(tr.before).toBe(intlOffset(name, tr.at - 1000));
        expect(tr.after).toBe(intlOffset(name, tr.at));
        expect(zone.offsetAt(tr.at - 1)).toBe(tr.before);
        expect(zone.offsetAt(tr.at)).toBe(tr.after);
        t = tr.at;
      }
      const backwards: number[] = [];
      for (let t = to; ; ) {
        const tr = zone.prevTransition(t, from);
        if (!tr) break;
        backwards.unshift(tr.at);
        t = tr.at - 1;
      }
      expect(forwards.length).toBeGreaterThan(60); // two a year
      expect(backwards).toEqual(forwards);
    }
  });

  it("answers alike when look-ups jump between far-apart instants", () => {
    const name = "Europe/Berlin";
    const zone = getZone(name);
    let seed = 1;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 400; i++) {
      const ms = Date.UTC(1980, 0, 1) + Math.floor(random() * 60 * 365) * DAY + (i % 97) * MIN;
      expect(zone.offsetAt(ms)).toBe(intlOffset(name, ms));
      const span = Math.floor(random() * 800) * DAY;
      const next = zone.nextTransition(ms, ms + span);
      if (next) {
        expect(next.at).toBeGreaterThan(ms);
        expect(next.at).toBeLessThanOrEqual(ms + span);
        expect(zone.offsetAt(next.at - 1)).not.toBe(zone.offsetAt(next.at));
        expect(zone.nextTransition(ms, next.at - 1)).toBeNull();
      }
      const prev = zone.prevTransition(ms, ms - span);
      if (prev) {
        expect(prev.at).toBeLessThanOrEqual(ms);
        expect(prev.at).toBeGreaterThan(ms - span);
        expect(zone.prevTransition(ms, prev.at)).toBeNull();
      }
    }
  });

  it("keeps a transition at the first instant of a year (Antarctica/Casey, 1969)", () => {
    const name = "Antarctica/Casey";
    const zone = getZone(name);
    const start = Date.UTC(1969, 0, 1);
    expect(intlOffset(name, start - 1000)).not.toBe(intlOffset(name, start));
    expect(zone.offsetAt(start - 1)).toBe(intlOffset(name, start - 1000));
    expect(zone.offsetAt(start)).toBe(intlOffset(name, start));
    expect(zone.nextTransition(start - DAY, start + DAY)?.at).toBe(start);
    expect(zone.nextTransition(start - DAY, start - 1)).toBeNull();
    expect(zone.nextTransition(start, start + DAY)).toBeNull();
    expect(zone.prevTransition(start + DAY, start - DAY)?.at).toBe(start);
    expect(zone.prevTransition(start - 1, start - DAY)).toBeNull();
    expect(zone.prevTransition(start + DAY, start)).toBeNull();
  });

  it("crosses years without a change (Asia/Kolkata) and finds none", () => {
    const zone = getZone("Asia/Kolkata");
    const a = Date.UTC(2001, 5, 1);
    const b = Date.UTC(2011, 5, 1);
    expect(zone.nextTransition(a, b)).toBeNull();
    expect(zone.prevTransition(b, a)).toBeNull();
    expect(zone.offsetAt(b)).toBe(5.5 * 3_600_000);
  });
});

describe("getZone", () => {
  it("names UTC as Intl does, also where it skips Intl", () => {
    for (const name of ["UTC", "Etc/UTC", "GMT", "Etc/GMT", "Zulu"]) {
      const zone = getZone(name);
      expect(zone.name).toBe(
        new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone,
      );
      expect(zone.isUtc).toBe(true);
      expect(zone.offsetAt(Date.UTC(2026, 6, 1))).toBe(0);
      expect(zone.nextTransition(0, Date.UTC(2030, 0, 1))).toBeNull();
    }
    expect(getZone("Etc/UTC")).toBe(getZone("UTC"));
  });
});
