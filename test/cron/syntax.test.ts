import { describe, expect, it } from "vitest";
import { parseSchedule } from "../../src/cron/index.js";
import { iso, ms, runs } from "./support/util.js";

// Conformance by syntax feature (DESIGN.md "Expressions"). Every expected
// instant was worked out by hand from the calendar; all in UTC unless a row
// says otherwise. Calendar used below:
//   2026-01-01 Thu; 2026-01 has 31 days and ends on Sat 31.
//   2026-02-01 Sun; 28 days, ends on Sat 28.  2026-03-01 Sun; ends Tue 31.
//   2026-05-01 Fri; ends Sun 31.  2026-08-01 Sat.  2024 is a leap year.

type Row = [expression: string, from: string, expected: string[]];

function table(rows: Row[]) {
  it.each(rows)("%s after %s", (expression, from, expected) => {
    expect(runs(expression, from, expected.length)).toEqual(expected);
  });
}

const JAN1 = "2026-01-01T00:00:00Z";

describe("5, 6 and 7 fields", () => {
  table([
    ["30 9 * * *", JAN1, ["2026-01-01T09:30:00Z", "2026-01-02T09:30:00Z"]],
    // 6 fields: seconds first.
    ["15 30 9 * * *", JAN1, ["2026-01-01T09:30:15Z", "2026-01-02T09:30:15Z"]],
    // 7 fields: seconds first, year last.
    ["0 30 9 1 1 * 2028,2030", JAN1, ["2028-01-01T09:30:00Z", "2030-01-01T09:30:00Z"]],
    [
      "0 0 12 * * * 2027-2028",
      "2028-12-30T00:00:00Z",
      ["2028-12-30T12:00:00Z", "2028-12-31T12:00:00Z"],
    ],
  ]);

  it("stops after the last year of a 7-field expression", () => {
    expect(runs("0 30 9 1 1 * 2028,2030", JAN1, 3)).toEqual([
      "2028-01-01T09:30:00Z",
      "2030-01-01T09:30:00Z",
    ]);
    const s = parseSchedule("0 0 0 1 1 * 2020", { timezone: "UTC" });
    expect(s.next(ms(JAN1))).toBeNull();
    expect(iso(s.prev(ms(JAN1)))).toBe("2020-01-01T00:00:00Z");
  });

  it("accepts any run of spaces and tabs between fields", () => {
    expect(runs("  30\t9  *  * *  ", JAN1, 1)).toEqual(["2026-01-01T09:30:00Z"]);
  });
});

describe("* and ?", () => {
  table([
    ["* * * * *", "2026-01-01T00:00:30Z", ["2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"]],
    ["* * * * * *", "2026-01-01T00:00:00.500Z", ["2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"]],
    // ? is * in the day fields: Mondays, and the 1st.
    ["0 12 ? * MON", JAN1, ["2026-01-05T12:00:00Z", "2026-01-12T12:00:00Z"]],
    ["0 12 1 * ?", JAN1, ["2026-01-01T12:00:00Z", "2026-02-01T12:00:00Z"]],
  ]);
});

describe("values and ranges", () => {
  table([
    ["5 4 3 2 *", JAN1, ["2026-02-03T04:05:00Z", "2027-02-03T04:05:00Z"]],
    [
      "0 9-11 * * *",
      JAN1,
      [
        "2026-01-01T09:00:00Z",
        "2026-01-01T10:00:00Z",
        "2026-01-01T11:00:00Z",
        "2026-01-02T09:00:00Z",
      ],
    ],
    [
      "58-59 23 31 12 *",
      JAN1,
      ["2026-12-31T23:58:00Z", "2026-12-31T23:59:00Z", "2027-12-31T23:58:00Z"],
    ],
  ]);
});

describe("steps", () => {
  table([
    [
      "*/20 * * * *",
      JAN1,
      ["2026-01-01T00:20:00Z", "2026-01-01T00:40:00Z", "2026-01-01T01:00:00Z"],
    ],
    [
      "10-30/10 * * * *",
      JAN1,
      [
        "2026-01-01T00:10:00Z",
        "2026-01-01T00:20:00Z",
        "2026-01-01T00:30:00Z",
        "2026-01-01T01:10:00Z",
      ],
    ],
    // a/n runs from a to the end of the field.
    [
      "45/5 * * * *",
      JAN1,
      [
        "2026-01-01T00:45:00Z",
        "2026-01-01T00:50:00Z",
        "2026-01-01T00:55:00Z",
        "2026-01-01T01:45:00Z",
      ],
    ],
    [
      "0 */6 * * *",
      JAN1,
      [
        "2026-01-01T06:00:00Z",
        "2026-01-01T12:00:00Z",
        "2026-01-01T18:00:00Z",
        "2026-01-02T00:00:00Z",
      ],
    ],
    // Days 1, 11, 21, 31.
    [
      "0 0 */10 * *",
      JAN1,
      [
        "2026-01-11T00:00:00Z",
        "2026-01-21T00:00:00Z",
        "2026-01-31T00:00:00Z",
        "2026-02-01T00:00:00Z",
      ],
    ],
    // Months 1, 5, 9.
    ["0 0 1 */4 *", JAN1, ["2026-05-01T00:00:00Z", "2026-09-01T00:00:00Z", "2027-01-01T00:00:00Z"]],
    // Sun, Tue, Thu, Sat (7 is not a step target: the week runs 0-6).
    [
      "0 0 * * */2",
      JAN1,
      [
        "2026-01-03T00:00:00Z",
        "2026-01-04T00:00:00Z",
        "2026-01-06T00:00:00Z",
        "2026-01-08T00:00:00Z",
      ],
    ],
    [
      "*/15 * * * * *",
      JAN1,
      [
        "2026-01-01T00:00:15Z",
        "2026-01-01T00:00:30Z",
        "2026-01-01T00:00:45Z",
        "2026-01-01T00:01:00Z",
      ],
    ],
  ]);
});

describe("lists", () => {
  table([
    [
      "0 8,12,18 * * *",
      JAN1,
      ["2026-01-01T08:00:00Z", "2026-01-01T12:00:00Z", "2026-01-01T18:00:00Z"],
    ],
    // Values, a range and a step in one list: 0, 30, 31, 32, 50, 55.
    [
      "0,30-32,50/5 * * * *",
      JAN1,
      [
        "2026-01-01T00:30:00Z",
        "2026-01-01T00:31:00Z",
        "2026-01-01T00:32:00Z",
        "2026-01-01T00:50:00Z",
        "2026-01-01T00:55:00Z",
        "2026-01-01T01:00:00Z",
      ],
    ],
  ]);
});

describe("month and day names, any case", () => {
  table([
    [
      "0 0 1 jan,Apr,JUL *",
      JAN1,
      ["2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"],
    ],
    [
      "0 0 1 mar-May *",
      JAN1,
      ["2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"],
    ],
    [
      "0 0 * * mon,Wed,FRI",
      JAN1,
      ["2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z"],
    ],
    [
      "0 0 * * tue-Thu",
      JAN1,
      ["2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z", "2026-01-08T00:00:00Z"],
    ],
    // Names mixed with numbers; WED and JUL contain W and L but are names.
    [
      "0 0 * * WED-5",
      JAN1,
      ["2026-01-02T00:00:00Z", "2026-01-07T00:00:00Z", "2026-01-08T00:00:00Z"],
    ],
    [
      "0 0 1 6-jul *",
      JAN1,
      ["2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z", "2027-06-01T00:00:00Z"],
    ],
    // SUN ends a range that starts later in the week: FRI-SUN is Fri, Sat, Sun.
    [
      "0 0 * * FRI-SUN",
      JAN1,
      [
        "2026-01-02T00:00:00Z",
        "2026-01-03T00:00:00Z",
        "2026-01-04T00:00:00Z",
        "2026-01-09T00:00:00Z",
      ],
    ],
  ]);
});

describe("day-of-week 7 is Sunday", () => {
  table([
    ["0 0 * * 7", JAN1, ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]],
    ["0 0 * * 0", JAN1, ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]],
    [
      "0 0 * * 5-7",
      JAN1,
      [
        "2026-01-02T00:00:00Z",
        "2026-01-03T00:00:00Z",
        "2026-01-04T00:00:00Z",
        "2026-01-09T00:00:00Z",
      ],
    ],
  ]);
});

describe("L, L-n, nW and LW in day-of-month", () => {
  table([
    ["0 0 L * *", JAN1, ["2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z"]],
    ["0 0 L 2 *", "2024-01-01T00:00:00Z", ["2024-02-29T00:00:00Z", "2025-02-28T00:00:00Z"]],
    ["0 0 1,L * *", JAN1, ["2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z", "2026-02-28T00:00:00Z"]],
    // L-2: two days before the last day.
    ["0 0 L-2 * *", JAN1, ["2026-01-29T00:00:00Z", "2026-02-26T00:00:00Z", "2026-03-29T00:00:00Z"]],
    // 15W: Jan 15 is a Thursday; Feb 15 and Mar 15 are Sundays, so Monday the 16th.
    ["0 0 15W * *", JAN1, ["2026-01-15T00:00:00Z", "2026-02-16T00:00:00Z", "2026-03-16T00:00:00Z"]],
    // 1W never leaves the month: Saturday Aug 1 moves to Monday Aug 3, not Friday Jul 31.
    ["0 0 1W * *", "2026-07-15T00:00:00Z", ["2026-08-03T00:00:00Z", "2026-09-01T00:00:00Z"]],
    // 31W: Sunday May 31 moves back to Friday the 29th; June has no 31st.
    ["0 0 31W * *", "2026-05-01T00:00:00Z", ["2026-05-29T00:00:00Z", "2026-07-31T00:00:00Z"]],
    // LW: Jan 31 and Feb 28 are Saturdays, so Friday; Mar 31 is a Tuesday.
    ["0 0 LW * *", JAN1, ["2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-31T00:00:00Z"]],
  ]);
});

describe("nL and n#k in day-of-week", () => {
  table([
    // Last Friday: Jan 30, Feb 27, Mar 27.
    ["0 0 * * 5L", JAN1, ["2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-27T00:00:00Z"]],
    // Last Sunday, with 7 and with a name.
    ["0 0 * * 7L", JAN1, ["2026-01-25T00:00:00Z", "2026-02-22T00:00:00Z", "2026-03-29T00:00:00Z"]],
    [
      "0 0 * * sunL",
      JAN1,
      ["2026-01-25T00:00:00Z", "2026-02-22T00:00:00Z", "2026-03-29T00:00:00Z"],
    ],
    ["0 0 * * 1#1", JAN1, ["2026-01-05T00:00:00Z", "2026-02-02T00:00:00Z", "2026-03-02T00:00:00Z"]],
    ["0 0 * * 5#3", JAN1, ["2026-01-16T00:00:00Z", "2026-02-20T00:00:00Z", "2026-03-20T00:00:00Z"]],
    ["0 0 * * MON#2", JAN1, ["2026-01-12T00:00:00Z", "2026-02-09T00:00:00Z"]],
    // A fifth Sunday: none in Jan, Feb, Apr, Jun, Jul 2026.
    ["0 0 * * 0#5", JAN1, ["2026-03-29T00:00:00Z", "2026-05-31T00:00:00Z", "2026-08-30T00:00:00Z"]],
    // A fifth Sunday in February needs a leap year whose Feb 1 is a Sunday: 2032.
    ["0 0 * 2 0#5", JAN1, ["2032-02-29T00:00:00Z"]],
  ]);
});

describe("H (hashed from the seed)", () => {
  const seeds = Array.from({ length: 200 }, (_, i) => `job-${i}`);
  const first = (expression: string, seed: string) =>
    new Date(parseSchedule(expression, { timezone: "UTC", seed }).next(ms(JAN1)) as number);

  it("is stable for one seed, across parses", () => {
    const a = parseSchedule("H H * * *", { timezone: "UTC", seed: "backup" });
    const b = parseSchedule("H H * * *", { timezone: "UTC", seed: "backup" });
    expect(a.nextN(ms(JAN1), 3)).toEqual(b.nextN(ms(JAN1), 3));
    // Lower-case h is the same H.
    expect(parseSchedule("h h * * *", { timezone: "UTC", seed: "backup" }).next(0)).toBe(a.next(0));
  });

  it("differs between seeds", () => {
    const values = new Set(seeds.map((s) => first("H H * * *", s).getTime()));
    // 1,440 possible times of day; 200 seeds should land on well over 100.
    expect(values.size).toBeGreaterThan(150);
    const a = parseSchedule("H * * * *", { timezone: "UTC", seed: "a" });
    const b = parseSchedule("H * * * *", { timezone: "UTC", seed: "b" });
    expect(a).not.toBe(b); // not interned together
  });

  it("stays within its range: H(a-b), and 1-28 for a bare H in day-of-month", () => {
    for (const seed of seeds) {
      const m = first("H(10-20) * * * *", seed).getUTCMinutes();
      expect(m).toBeGreaterThanOrEqual(10);
      expect(m).toBeLessThanOrEqual(20);
      const h = first("0 H(9-17) * * *", seed).getUTCHours();
      expect(h).toBeGreaterThanOrEqual(9);
      expect(h).toBeLessThanOrEqual(17);
      // Regression: H in day-of-month could pick 29-31 and skip months.
      // As in Jenkins it picks from 1-28, days every month has.
      const s = parseSchedule("0 0 H * *", { timezone: "UTC", seed });
      const year = s.nextN(ms("2025-12-31T00:00:00Z"), 12).map((t) => new Date(t));
      expect(new Set(year.map((d) => d.getUTCDate())).size).toBe(1);
      expect(year[0]?.getUTCDate()).toBeLessThanOrEqual(28);
      expect(year.map((d) => d.getUTCMonth())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    }
  });

  it("H/n steps from a hashed start below n", () => {
    for (const seed of seeds.slice(0, 50)) {
      const s = parseSchedule("H/15 * * * *", { timezone: "UTC", seed });
      const minutes = s.nextN(ms(JAN1) - 1, 4).map((t) => new Date(t).getUTCMinutes());
      const start = minutes[0] as number;
      expect(start).toBeLessThan(15);
      expect(minutes).toEqual([start, start + 15, start + 30, start + 45]);
      const r = parseSchedule("H(0-29)/10 * * * *", { timezone: "UTC", seed });
      const m = r.nextN(ms(JAN1) - 1, 3).map((t) => new Date(t).getUTCMinutes());
      expect(m[0]).toBeLessThan(10);
      expect(m).toEqual([m[0], (m[0] as number) + 10, (m[0] as number) + 20]);
    }
  });

  it("picks a weekday 0-6 in day-of-week", () => {
    const days = new Set(seeds.map((s) => first("0 0 * * H", s).getUTCDay()));
    expect(days.size).toBe(7);
  });
});

describe("macros", () => {
  table([
    ["@yearly", JAN1, ["2027-01-01T00:00:00Z"]],
    ["@annually", JAN1, ["2027-01-01T00:00:00Z"]],
    ["@monthly", JAN1, ["2026-02-01T00:00:00Z"]],
    ["@weekly", JAN1, ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]],
    ["@daily", JAN1, ["2026-01-02T00:00:00Z"]],
    ["@midnight", JAN1, ["2026-01-02T00:00:00Z"]],
    ["@hourly", JAN1, ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]],
    ["@DAILY", JAN1, ["2026-01-02T00:00:00Z"]],
  ]);

  it("@reboot never fires on the clock", () => {
    const s = parseSchedule("@reboot", { timezone: "UTC" });
    expect(s.kind).toBe("reboot");
    expect(s.next(ms(JAN1))).toBeNull();
    expect(s.prev(ms(JAN1))).toBeNull();
    expect(s.nextN(ms(JAN1), 3)).toEqual([]);
    expect(s.match(ms(JAN1))).toBe(false);
  });
});

describe("@every <duration>: multiples of the duration since the epoch", () => {
  // 2026-01-01T00:00:00Z is 1,767,225,600 s. 11 minutes = 660 s, and
  // 1,767,225,600 = 660 × 2,677,614 + 360, so the next multiple is 300 s later.
  it.each(["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])(
    "agrees in %s",
    (timezone) => {
      expect(runs("@every 11m", JAN1, 3, { timezone })).toEqual([
        "2026-01-01T00:05:00Z",
        "2026-01-01T00:16:00Z",
        "2026-01-01T00:27:00Z",
      ]);
      const s = parseSchedule("@every 11m", { timezone });
      expect(iso(s.prev(ms("2026-01-01T00:05:00Z")))).toBe("2025-12-31T23:54:00Z");
      expect(s.match(ms("2026-01-01T00:16:00Z"))).toBe(true);
      expect(s.match(ms("2026-01-01T00:17:00Z"))).toBe(false);
    },
  );

  table([
    ["@every 90s", JAN1, ["2026-01-01T00:01:30Z", "2026-01-01T00:03:00Z"]],
    ["@every 1h30m", JAN1, ["2026-01-01T01:30:00Z", "2026-01-01T03:00:00Z"]],
    // 1d is 00:00 UTC in every zone.
    ["@every 1d", "2026-01-01T00:00:01Z", ["2026-01-02T00:00:00Z"]],
  ]);

  it("has millisecond durations", () => {
    const s = parseSchedule("@every 500ms", { timezone: "UTC" });
    expect(s.nextN(1000, 3)).toEqual([1500, 2000, 2500]);
    expect(s.prev(1000)).toBe(500);
  });
});

describe("@at <ISO-8601>: once", () => {
  it("fires once at an instant with Z or an offset", () => {
    const z = parseSchedule("@at 2026-12-01T09:00:00Z", { timezone: "UTC" });
    expect(iso(z.next(ms(JAN1)))).toBe("2026-12-01T09:00:00Z");
    expect(z.next(ms("2026-12-01T09:00:00Z"))).toBeNull();
    expect(iso(z.prev(ms("2027-01-01T00:00:00Z")))).toBe("2026-12-01T09:00:00Z");
    expect(z.prev(ms("2026-12-01T09:00:00Z"))).toBeNull();
    expect(z.match(ms("2026-12-01T09:00:00Z"))).toBe(true);
    // An offset is that instant, whatever the schedule's zone.
    expect(
      runs("@at 2026-12-01T09:00:00+05:30", JAN1, 2, { timezone: "America/New_York" }),
    ).toEqual(["2026-12-01T03:30:00Z"]);
  });

  it("reads a time without an offset in the schedule's zone", () => {
    expect(runs("@at 2026-12-01T09:00", JAN1, 1)).toEqual(["2026-12-01T09:00:00Z"]);
    // EST is UTC-5 in December.
    expect(runs("@at 2026-12-01T09:00", JAN1, 1, { timezone: "America/New_York" })).toEqual([
      "2026-12-01T14:00:00Z",
    ]);
    // 02:30 on 2026-03-08 does not exist in New York: the end of the gap, 03:00 EDT.
    expect(runs("@at 2026-03-08T02:30", JAN1, 1, { timezone: "America/New_York" })).toEqual([
      "2026-03-08T07:00:00Z",
    ]);
    // 01:30 on 2026-11-01 happens twice: the first, EDT (UTC-4).
    expect(runs("@at 2026-11-01T01:30", JAN1, 1, { timezone: "America/New_York" })).toEqual([
      "2026-11-01T05:30:00Z",
    ]);
  });
});

describe("day-of-month and day-of-week (Vixie cron)", () => {
  table([
    // dom begins with *: not restricted, so AND: Mondays that fall on odd days.
    [
      "0 0 */2 * 1",
      JAN1,
      [
        "2026-01-05T00:00:00Z",
        "2026-01-19T00:00:00Z",
        "2026-02-09T00:00:00Z",
        "2026-02-23T00:00:00Z",
      ],
    ],
    // Same days written as a range: restricted, so OR: odd days, and Mondays (the 12th).
    [
      "0 0 1-31/2 * 1",
      JAN1,
      [
        "2026-01-03T00:00:00Z",
        "2026-01-05T00:00:00Z",
        "2026-01-07T00:00:00Z",
        "2026-01-09T00:00:00Z",
        "2026-01-11T00:00:00Z",
        "2026-01-12T00:00:00Z",
        "2026-01-13T00:00:00Z",
      ],
    ],
    // Both restricted: the 13th, or any Friday.
    [
      "0 0 13 * 5",
      JAN1,
      [
        "2026-01-02T00:00:00Z",
        "2026-01-09T00:00:00Z",
        "2026-01-13T00:00:00Z",
        "2026-01-16T00:00:00Z",
      ],
    ],
    // dow begins with *: AND. The 1st when it is a Sun, Tue, Thu or Sat.
    ["0 0 1 * */2", JAN1, ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z", "2026-08-01T00:00:00Z"]],
    // ? is not a restriction either.
    ["0 0 13 * ?", JAN1, ["2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"]],
  ]);

  it("ANDs every expression with the domAndDow option", () => {
    // Friday the 13th: Feb, Mar and Nov in 2026.
    expect(runs("0 0 13 * 5", JAN1, 3, { domAndDow: true })).toEqual([
      "2026-02-13T00:00:00Z",
      "2026-03-13T00:00:00Z",
      "2026-11-13T00:00:00Z",
    ]);
    expect(runs("0 0 1-31/2 * 1", JAN1, 2, { domAndDow: true })).toEqual([
      "2026-01-05T00:00:00Z",
      "2026-01-19T00:00:00Z",
    ]);
  });
});

describe("next, prev, nextN and match", () => {
  const noon = parseSchedule("0 12 * * *", { timezone: "UTC" });

  it("next is strictly after, prev strictly before", () => {
    expect(iso(noon.next(ms("2026-01-01T12:00:00Z")))).toBe("2026-01-02T12:00:00Z");
    expect(iso(noon.next(ms("2026-01-01T11:59:59.999Z")))).toBe("2026-01-01T12:00:00Z");
    expect(iso(noon.prev(ms("2026-01-01T12:00:00Z")))).toBe("2025-12-31T12:00:00Z");
    expect(iso(noon.prev(ms("2026-01-01T12:00:00.001Z")))).toBe("2026-01-01T12:00:00Z");
  });

  it("match is true only at a firing instant", () => {
    expect(noon.match(ms("2026-01-01T12:00:00Z"))).toBe(true);
    expect(noon.match(ms("2026-01-01T12:00:00.001Z"))).toBe(false);
    expect(noon.match(ms("2026-01-01T12:01:00Z"))).toBe(false);
    expect(noon.match(Number.NaN)).toBe(false);
  });

  it("nextN lists n instants in order, and none for n = 0", () => {
    expect(noon.nextN(ms(JAN1), 3).map(iso)).toEqual([
      "2026-01-01T12:00:00Z",
      "2026-01-02T12:00:00Z",
      "2026-01-03T12:00:00Z",
    ]);
    expect(noon.nextN(ms(JAN1), 0)).toEqual([]);
  });

  it("returns null for instants it cannot search from", () => {
    expect(noon.next(Number.NaN)).toBeNull();
    expect(noon.prev(Number.POSITIVE_INFINITY)).toBeNull();
    // Beyond Date's range (±8.64e15 ms), in a zone too: null, not a RangeError from Intl.
    const ny = parseSchedule("0 0 * * *", { timezone: "America/New_York" });
    for (const s of [noon, ny, parseSchedule("@every 1h", { timezone: "UTC" })]) {
      expect(s.next(8.64e15)).toBeNull();
      expect(s.next(1e17)).toBeNull();
      expect(s.prev(-8.64e15)).toBeNull();
      expect(s.prev(-1e17)).toBeNull();
    }
    expect(ny.next(8.5e15)).toBeGreaterThan(8.5e15);
  });

  it("answers before 1970 (regression: a -1 sentinel read negative times as none)", () => {
    // Midnight UTC on 1970-01-01 is 19:00 the day before in New York: the
    // search started at a negative wall time and next(0) returned null.
    const hourly = parseSchedule("0 * * * *", { timezone: "America/New_York" });
    expect(iso(hourly.next(0))).toBe("1970-01-01T01:00:00Z");
    expect(iso(hourly.prev(0))).toBe("1969-12-31T23:00:00Z");
    const yearly = parseSchedule("@yearly", { timezone: "UTC" });
    expect(iso(yearly.next(ms("1968-06-01T00:00:00Z")))).toBe("1969-01-01T00:00:00Z");
    expect(iso(yearly.prev(ms("1969-06-01T00:00:00Z")))).toBe("1969-01-01T00:00:00Z");
  });

  it("classifies jobs as Vixie cron does for DST", () => {
    const wildcard = (e: string) => parseSchedule(e, { timezone: "UTC" }).wildcard;
    expect(wildcard("30 2 * * *")).toBe(false);
    expect(wildcard("0 9-17 * * *")).toBe(false); // a range is not a wildcard
    expect(wildcard("*/5 2 * * *")).toBe(true);
    expect(wildcard("5 * * * *")).toBe(true);
    expect(wildcard("* 30 2 * * *")).toBe(false); // the seconds field does not count
  });

  it("shares one immutable schedule per expression, zone and options", () => {
    const a = parseSchedule("0 12 * * *", { timezone: "UTC" });
    expect(parseSchedule("0 12 * * *", { timezone: "UTC" })).toBe(a);
    expect(parseSchedule("0 12 * * *", { timezone: "Europe/Berlin" })).not.toBe(a);
    expect(parseSchedule("0 12 * * *", { timezone: "UTC", domAndDow: true })).not.toBe(a);
    expect(a.expression).toBe("0 12 * * *");
    expect(a.timezone).toBe("UTC");
    expect(a.kind).toBe("cron");
  });
});
