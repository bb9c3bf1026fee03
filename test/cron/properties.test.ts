import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronError, parseSchedule, type Schedule } from "../../src/cron/index.js";
import { cronCase, type GenCase, wallMatches } from "./support/gen.js";
import { intlTransitions, oracleFirings } from "./support/oracle.js";
import { iso } from "./support/util.js";

// Property tests over generated expressions (every syntax feature, H
// included) and instants, in UTC and in zones with DST. Seeds are fixed so
// that a failure reproduces; fast-check prints the shrunk counterexample.

const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/Berlin",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "America/Havana",
  "America/Santiago",
];
const Y2020 = Date.UTC(2020, 0, 1);
const Y2030 = Date.UTC(2030, 0, 1);
const transitions = new Map(ZONES.map((z) => [z, intlTransitions(z, Y2020, Y2030)]));

function parse(
  text: string,
  timezone: string,
  options: { seed?: string; domAndDow?: boolean } = {},
) {
  try {
    return parseSchedule(text, { timezone, ...options });
  } catch (e) {
    // Generated day rules can be impossible ("31 of February"): that is the
    // parser's job (errors.test.ts), not these properties'.
    if (e instanceof CronError && e.code === "E_CRON_NEVER") return null;
    throw e;
  }
}

/** Replaces some fields with H forms, which the oracle cannot follow but the properties can. */
const withH = (c: GenCase) =>
  fc
    .record({
      minute: fc.constantFrom(null, "H", "H/15", "H(0-29)/10", "H(5-9)"),
      hour: fc.constantFrom(null, "H", "H/6", "H(9-17)"),
      dom: fc.constantFrom(null, "H", "H(1-7)"),
      dow: fc.constantFrom(null, "H"),
      seed: fc.string({ maxLength: 8 }),
    })
    .map(({ minute, hour, dom, dow, seed }) => {
      const parts = c.text.split(" ");
      const o = c.fields >= 6 ? 1 : 0;
      if (minute) parts[o] = minute;
      if (hour) parts[o + 1] = hour;
      if (dom) parts[o + 2] = dom;
      if (dow) parts[o + 4] = dow;
      return { text: parts.join(" "), fields: c.fields, seed };
    });

/** An instant in 2020-2030, half of them within two hours of one of the zone's changes. */
const instantIn = (zone: string) => {
  const trs = transitions.get(zone) ?? [];
  const anywhere = fc.integer({ min: Y2020, max: Y2030 });
  if (trs.length === 0) return anywhere;
  const nearChange = fc
    .tuple(fc.constantFrom(...trs), fc.integer({ min: -7_200_000, max: 7_200_000 }))
    .map(([t, d]) => t + d);
  return fc.oneof(anywhere, nearChange);
};

const scenario = fc.constantFrom(...ZONES).chain((zone) =>
  fc.record({
    zone: fc.constant(zone),
    expr: cronCase().chain(withH),
    t: instantIn(zone),
    domAndDow: fc.boolean(),
  }),
);

function check(s: Schedule, fields: number, t: number): void {
  const n = s.next(t);
  if (n !== null) {
    expect(n).toBeGreaterThan(t);
    expect(s.match(n)).toBe(true);
    // Nothing fires strictly between t and next(t): step minutes over up
    // to a day (seconds over up to half an hour for seconds expressions).
    const step = fields >= 6 ? 1000 : 60_000;
    const end = Math.min(n, t + (fields >= 6 ? 1800 : 1440) * step);
    for (let x = Math.floor(t / step) * step + step; x < end; x += step) {
      if (s.match(x)) expect.fail(`${iso(x)} matches, between ${iso(t)} and next = ${iso(n)}`);
    }
    const back = s.prev(n);
    expect(back === null || back <= t).toBe(true);
  }
  const p = s.prev(t);
  if (p !== null) {
    expect(p).toBeLessThan(t);
    expect(s.match(p)).toBe(true);
    // Nothing fires in (p, t): the next after p is at or after t, or there is none at all.
    const fwd = s.next(p);
    if (fwd === null) expect(s.next(t - 1)).toBeNull();
    else expect(fwd).toBeGreaterThanOrEqual(t);
  }
  const list = s.nextN(t, 5);
  for (let i = 1; i < list.length; i++) {
    expect(list[i] as number).toBeGreaterThan(list[i - 1] as number);
    expect(s.next(list[i - 1] as number)).toBe(list[i]);
  }
  // prev() mirrors next(): walking back from the last of nextN retraces it.
  if (list.length === 5) {
    let u = (list[4] as number) + 1;
    for (let i = 4; i >= 0; i--) {
      u = s.prev(u) as number;
      expect(u).toBe(list[i]);
    }
  }
}

describe("properties of next, prev, match and nextN", () => {
  it("hold for generated expressions and instants, in UTC and DST zones", () => {
    fc.assert(
      fc.property(scenario, ({ zone, expr, t, domAndDow }) => {
        const s = parse(expr.text, zone, { seed: expr.seed, domAndDow });
        if (s) check(s, expr.fields, t);
      }),
      { numRuns: 300, seed: 20_260_101 },
    );
  }, 60_000);

  it("hold for fractional and boundary instants", () => {
    const s = parseSchedule("*/7 * * * * *", { timezone: "Australia/Lord_Howe" });
    fc.assert(
      fc.property(fc.double({ min: Y2020, max: Y2030, noNaN: true }), (t) => check(s, 6, t)),
      { numRuns: 200, seed: 7 },
    );
  }, 60_000);
});

describe("agreement with an independent oracle", () => {
  it("UTC: next and prev are the nearest matching instants (Date.UTC oracle)", () => {
    fc.assert(
      fc.property(
        cronCase(),
        fc.integer({ min: Y2020, max: Y2030 }),
        fc.boolean(),
        (c, t, domAndDow) => {
          const s = parse(c.text, "UTC", { domAndDow });
          if (!s) return;
          const step = c.fields >= 6 ? 1000 : 60_000;
          const reach = 2000 * step;
          const n = s.next(t);
          if (n !== null) expect(wallMatches(c, n, domAndDow)).toBe(true);
          const end = n === null ? t + reach : Math.min(n, t + reach);
          for (let x = Math.floor(t / step) * step + step; x < end; x += step) {
            if (wallMatches(c, x, domAndDow)) expect.fail(`${iso(x)} matches; next = ${iso(n)}`);
          }
          const p = s.prev(t);
          if (p !== null) expect(wallMatches(c, p, domAndDow)).toBe(true);
          const start = p === null ? t - reach : Math.max(p, t - reach);
          for (let x = Math.ceil(t / step) * step - step; x > start; x -= step) {
            if (wallMatches(c, x, domAndDow)) expect.fail(`${iso(x)} matches; prev = ${iso(p)}`);
          }
        },
      ),
      { numRuns: 600, seed: 42 },
    );
  }, 60_000);

  // Around each change of each zone, the firings of next() (and of prev(),
  // walking back) must be exactly those of a walk over instants that applies
  // the Vixie rules to Intl's wall clock (support/oracle.ts).
  const DST_ZONES = ZONES.filter((z) => z !== "UTC");
  it.each(DST_ZONES)(
    "%s: minutes, over 2.5 days around a change",
    (zone) => {
      const trs = transitions.get(zone) as number[];
      fc.assert(
        fc.property(
          cronCase({ fields: [5], days: "every" }),
          trs.length ? fc.constantFrom(...trs) : fc.integer({ min: Y2020, max: Y2030 }),
          fc.integer({ min: -1200, max: 1200 }),
          (c, tr, shift) =>
            compareWithOracle(c, zone, tr + shift * 60_000 - 30 * 3_600_000, 60, 60_000),
        ),
        { numRuns: 40, seed: 3 },
      );
    },
    60_000,
  );

  it.each(DST_ZONES)(
    "%s: seconds, over two hours around a change",
    (zone) => {
      const trs = transitions.get(zone) as number[];
      fc.assert(
        fc.property(
          cronCase({ fields: [6], days: "every" }),
          trs.length ? fc.constantFrom(...trs) : fc.integer({ min: Y2020, max: Y2030 }),
          fc.integer({ min: -1800, max: 1800 }),
          (c, tr, shift) => compareWithOracle(c, zone, tr + shift * 1000 - 3_600_000, 2, 1000),
        ),
        { numRuns: 12, seed: 5 },
      );
    },
    60_000,
  );

  it.each(DST_ZONES)(
    "%s: any day rule, AND and OR, over 12 days around a change",
    (zone) => {
      const trs = transitions.get(zone) as number[];
      fc.assert(
        fc.property(
          cronCase({ fields: [5] }),
          trs.length ? fc.constantFrom(...trs) : fc.integer({ min: Y2020, max: Y2030 }),
          fc.boolean(),
          (c, tr, domAndDow) =>
            compareWithOracle(c, zone, tr - 6 * 86_400_000 + 17_000, 288, 60_000, domAndDow),
        ),
        { numRuns: 8, seed: 9 },
      );
    },
    60_000,
  );
});

function compareWithOracle(
  c: GenCase,
  zone: string,
  from: number,
  hours: number,
  step: number,
  domAndDow = false,
): void {
  const s = parse(c.text, zone, { domAndDow });
  if (!s) return;
  const to = from + hours * 3_600_000;
  const want = oracleFirings(c, zone, from, to, step, domAndDow).map(iso);
  const got: Array<string | null> = [];
  for (let t = s.next(from); t !== null && t <= to; t = s.next(t)) got.push(iso(t));
  expect(got, `next() of "${c.text}" in ${zone} from ${iso(from)}`).toEqual(want);
  const back: Array<string | null> = [];
  for (let t = s.prev(to + 1); t !== null && t > from; t = s.prev(t)) back.push(iso(t));
  expect(back.reverse(), `prev() of "${c.text}" in ${zone} to ${iso(to)}`).toEqual(want);
}
