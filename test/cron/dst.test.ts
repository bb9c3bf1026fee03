import { describe, expect, it } from "vitest";
import { formatInZone, getZone, parseSchedule } from "../../src/cron/index.js";
import { expectMirror, iso, ms } from "./support/util.js";

// DST by hand (DESIGN.md "Time", Vixie cron rules). For each zone: the
// change as Intl reports it, then fixed-time and wildcard jobs across it,
// forwards with next() and backwards with prev() (expectMirror).

function fires(expression: string, timezone: string, from: string, n: number): string[] {
  const s = parseSchedule(expression, { timezone });
  const forward = expectMirror(s, ms(from), n);
  return forward.map((t) => iso(t) as string);
}

/** The wall clock, with offset, just before and at a change. */
function change(timezone: string, at: string): [string, string] {
  const zone = getZone(timezone);
  return [formatInZone(ms(at) - 1000, zone), formatInZone(ms(at), zone)];
}

describe("America/New_York", () => {
  const NY = "America/New_York";

  it("changes at 02:00 local: 2024-03-10T07:00Z forward, 2024-11-03T06:00Z back", () => {
    expect(change(NY, "2024-03-10T07:00:00Z")).toEqual([
      "2024-03-10T01:59:59-05:00",
      "2024-03-10T03:00:00-04:00",
    ]);
    expect(change(NY, "2024-11-03T06:00:00Z")).toEqual([
      "2024-11-03T01:59:59-04:00",
      "2024-11-03T01:00:00-05:00",
    ]);
  });

  it("fires a fixed-time job in the gap once, at its end (30 2 * * * at 07:00Z)", () => {
    expect(fires("30 2 * * *", NY, "2024-03-09T00:00:00Z", 3)).toEqual([
      "2024-03-09T07:30:00Z", // 02:30 EST
      "2024-03-10T07:00:00Z", // 02:30 does not exist: 03:00 EDT
      "2024-03-11T06:30:00Z", // 02:30 EDT
    ]);
  });

  it("matches the end of the gap, and finds it from the instant before (regression)", () => {
    // next() used to search t's own offset period only, so from 06:59:59.999Z
    // (t = 07:00Z, already EDT) it skipped the gap firing and returned
    // 2024-03-11T06:30Z; match(07:00Z) was false.
    const s = parseSchedule("30 2 * * *", { timezone: NY });
    const end = ms("2024-03-10T07:00:00Z");
    expect(s.next(end - 1)).toBe(end);
    expect(s.match(end)).toBe(true);
    expect(iso(s.prev(end + 1))).toBe("2024-03-10T07:00:00Z");
    // Several times in the gap still fire once.
    const two = parseSchedule("0,30 2 * * *", { timezone: NY });
    expect(two.nextN(ms("2024-03-10T06:00:00Z"), 2).map(iso)).toEqual([
      "2024-03-10T07:00:00Z",
      "2024-03-11T06:00:00Z",
    ]);
  });

  it("continues a wildcard job on the new wall clock (0 * * * *: 01:00 EST, then 03:00 EDT)", () => {
    expect(fires("0 * * * *", NY, "2024-03-10T05:30:00Z", 3)).toEqual([
      "2024-03-10T06:00:00Z", // 01:00 EST
      "2024-03-10T07:00:00Z", // 03:00 EDT
      "2024-03-10T08:00:00Z", // 04:00 EDT
    ]);
  });

  it("fires a wildcard job in both repeated hours (0 * * * *: 01:00 EDT and 01:00 EST)", () => {
    expect(fires("0 * * * *", NY, "2024-11-03T04:30:00Z", 3)).toEqual([
      "2024-11-03T05:00:00Z", // 01:00 EDT
      "2024-11-03T06:00:00Z", // 01:00 EST
      "2024-11-03T07:00:00Z", // 02:00 EST
    ]);
    // */30 1 * * * is a wildcard job too (its minute field begins with *).
    expect(fires("*/30 1 * * *", NY, "2024-11-03T04:00:00Z", 5)).toEqual([
      "2024-11-03T05:00:00Z",
      "2024-11-03T05:30:00Z",
      "2024-11-03T06:00:00Z",
      "2024-11-03T06:30:00Z",
      "2024-11-04T06:00:00Z",
    ]);
  });

  it("fires a fixed-time job in the overlap once, in the first hour (30 1 * * *)", () => {
    expect(fires("30 1 * * *", NY, "2024-11-02T12:00:00Z", 2)).toEqual([
      "2024-11-03T05:30:00Z", // 01:30 EDT; not again at 01:30 EST (06:30Z)
      "2024-11-04T06:30:00Z", // 01:30 EST
    ]);
    const s = parseSchedule("30 1 * * *", { timezone: NY });
    // From inside the second 01:xx hour, the next is tomorrow's.
    expect(iso(s.next(ms("2024-11-03T06:00:00Z")))).toBe("2024-11-04T06:30:00Z");
    expect(s.match(ms("2024-11-03T06:30:00Z"))).toBe(false);
    expect(iso(s.prev(ms("2024-11-03T07:00:00Z")))).toBe("2024-11-03T05:30:00Z");
    // A range in the hour field is still a fixed-time job (Vixie: only a leading *).
    expect(fires("30 1-2 * * *", NY, "2024-11-03T04:00:00Z", 3)).toEqual([
      "2024-11-03T05:30:00Z", // 01:30 EDT
      "2024-11-03T07:30:00Z", // 02:30 EST
      "2024-11-04T06:30:00Z",
    ]);
  });

  it("handles 6-field expressions with seconds in the gap and the overlap", () => {
    // Fixed time (minute 30, hour 2): every second of 02:30 falls in the gap: once, at its end.
    expect(fires("*/20 30 2 * * *", NY, "2024-03-10T06:00:00Z", 2)).toEqual([
      "2024-03-10T07:00:00Z",
      "2024-03-11T06:30:00Z",
    ]);
    // Wildcard (minute *): hour 2 does not exist on 2024-03-10.
    expect(fires("0 * 2 * * *", NY, "2024-03-10T06:59:00Z", 1)).toEqual(["2024-03-11T06:00:00Z"]);
    // Fixed time in the overlap: the first 01:30 only, each of its seconds.
    expect(fires("*/20 30 1 * * *", NY, "2024-11-03T05:00:00Z", 4)).toEqual([
      "2024-11-03T05:30:00Z",
      "2024-11-03T05:30:20Z",
      "2024-11-03T05:30:40Z",
      "2024-11-04T06:30:00Z",
    ]);
    // Wildcard in the overlap: both 01:xx hours, 60 firings each.
    const both = parseSchedule("15 * 1 * * *", { timezone: NY }).nextN(
      ms("2024-11-03T05:00:00Z"),
      121,
    );
    expect(iso(both[0] as number)).toBe("2024-11-03T05:00:15Z");
    expect(iso(both[59] as number)).toBe("2024-11-03T05:59:15Z");
    expect(iso(both[60] as number)).toBe("2024-11-03T06:00:15Z");
    expect(iso(both[119] as number)).toBe("2024-11-03T06:59:15Z");
    expect(iso(both[120] as number)).toBe("2024-11-04T06:00:15Z");
  });

  it("fires a 02:00 job at 03:00 EDT in spring and at 02:00 EST in autumn", () => {
    expect(fires("0 2 * * *", NY, "2024-03-09T12:00:00Z", 2)).toEqual([
      "2024-03-10T07:00:00Z",
      "2024-03-11T06:00:00Z",
    ]);
    expect(fires("0 2 * * *", NY, "2024-11-02T12:00:00Z", 2)).toEqual([
      "2024-11-03T07:00:00Z",
      "2024-11-04T07:00:00Z",
    ]);
  });

  it("applies the rules decades ahead, across every change in between", () => {
    // A search from 2026 to 2090 passes 128 changes; those far from both
    // ends only carry the offset (schedule.ts SKIP), the last one still counts.
    expect(change(NY, "2090-03-12T07:00:00Z")).toEqual([
      "2090-03-12T01:59:59-05:00",
      "2090-03-12T03:00:00-04:00",
    ]);
    const from = ms("2026-01-01T00:00:00Z");
    const to = ms("2091-01-01T00:00:00Z");
    const cases: Array<[string, string]> = [
      ["0 0 0 1 1 * 2090", "2090-01-01T05:00:00Z"], // EST
      ["0 30 2 12 3 * 2090", "2090-03-12T07:00:00Z"], // in the gap: 03:00 EDT
      ["0 30 1 5 11 * 2090", "2090-11-05T05:30:00Z"], // first 01:30, EDT
      ["* 30 1 5 11 * 2090", "2090-11-05T05:30:00Z"],
    ];
    for (const [expression, at] of cases) {
      const s = parseSchedule(expression, { timezone: NY });
      expect(iso(s.next(from)), expression).toBe(at);
      if (!expression.startsWith("*")) expect(iso(s.prev(to)), expression).toBe(at);
    }
    // The last second of the wildcard-seconds job is in the first 01:30 too.
    const secs = parseSchedule("* 30 1 5 11 * 2090", { timezone: NY });
    expect(iso(secs.prev(to))).toBe("2090-11-05T05:30:59Z");
  });

  it("does not move @every with DST", () => {
    expect(fires("@every 1h", NY, "2024-03-10T05:30:00Z", 3)).toEqual([
      "2024-03-10T06:00:00Z",
      "2024-03-10T07:00:00Z",
      "2024-03-10T08:00:00Z",
    ]);
    expect(fires("@every 30m", NY, "2024-11-03T05:45:00Z", 3)).toEqual([
      "2024-11-03T06:00:00Z",
      "2024-11-03T06:30:00Z",
      "2024-11-03T07:00:00Z",
    ]);
  });
});

describe("Europe/Berlin", () => {
  const BER = "Europe/Berlin";

  it("changes at 01:00Z: 02:00 CET to 03:00 CEST, and 03:00 CEST back to 02:00 CET", () => {
    expect(change(BER, "2024-03-31T01:00:00Z")).toEqual([
      "2024-03-31T01:59:59+01:00",
      "2024-03-31T03:00:00+02:00",
    ]);
    expect(change(BER, "2024-10-27T01:00:00Z")).toEqual([
      "2024-10-27T02:59:59+02:00",
      "2024-10-27T02:00:00+01:00",
    ]);
  });

  it("fixed-time 30 2 * * *: at the gap's end in spring, in the first 02:30 in autumn", () => {
    expect(fires("30 2 * * *", BER, "2024-03-30T00:00:00Z", 3)).toEqual([
      "2024-03-30T01:30:00Z", // 02:30 CET
      "2024-03-31T01:00:00Z", // gap: 03:00 CEST
      "2024-04-01T00:30:00Z", // 02:30 CEST
    ]);
    expect(fires("30 2 * * *", BER, "2024-10-26T12:00:00Z", 2)).toEqual([
      "2024-10-27T00:30:00Z", // 02:30 CEST; not 02:30 CET (01:30Z)
      "2024-10-28T01:30:00Z", // 02:30 CET
    ]);
  });

  it("wildcard jobs follow the wall clock", () => {
    expect(fires("0 * * * *", BER, "2024-03-30T23:30:00Z", 3)).toEqual([
      "2024-03-31T00:00:00Z", // 01:00 CET
      "2024-03-31T01:00:00Z", // 03:00 CEST
      "2024-03-31T02:00:00Z", // 04:00 CEST
    ]);
    expect(fires("0,30 * * * *", BER, "2024-10-26T23:45:00Z", 5)).toEqual([
      "2024-10-27T00:00:00Z", // 02:00 CEST
      "2024-10-27T00:30:00Z", // 02:30 CEST
      "2024-10-27T01:00:00Z", // 02:00 CET
      "2024-10-27T01:30:00Z", // 02:30 CET
      "2024-10-27T02:00:00Z", // 03:00 CET
    ]);
  });
});

describe("Australia/Lord_Howe (30-minute DST)", () => {
  const LH = "Australia/Lord_Howe";

  it("springs from 02:00 to 02:30 and falls from 02:00 back to 01:30", () => {
    expect(change(LH, "2024-10-05T15:30:00Z")).toEqual([
      "2024-10-06T01:59:59+10:30",
      "2024-10-06T02:30:00+11:00",
    ]);
    expect(change(LH, "2024-04-06T15:00:00Z")).toEqual([
      "2024-04-07T01:59:59+11:00",
      "2024-04-07T01:30:00+10:30",
    ]);
  });

  it("fires 15 2 * * * at the end of the half-hour gap", () => {
    expect(fires("15 2 * * *", LH, "2024-10-04T00:00:00Z", 3)).toEqual([
      "2024-10-04T15:45:00Z", // 02:15 +10:30
      "2024-10-05T15:30:00Z", // gap: 02:30 +11:00
      "2024-10-06T15:15:00Z", // 02:15 +11:00
    ]);
  });

  it("skips 02:00 for an hourly job: 90 minutes between 01:00 and 03:00", () => {
    expect(fires("0 * * * *", LH, "2024-10-05T14:00:00Z", 2)).toEqual([
      "2024-10-05T14:30:00Z", // 01:00 +10:30
      "2024-10-05T16:00:00Z", // 03:00 +11:00
    ]);
  });

  it("repeats 01:30-01:59 for wildcard jobs only", () => {
    expect(fires("45 1 * * *", LH, "2024-04-06T12:00:00Z", 2)).toEqual([
      "2024-04-06T14:45:00Z", // 01:45 +11:00 only
      "2024-04-07T15:15:00Z", // 01:45 +10:30 the next day
    ]);
    expect(fires("*/15 1 * * *", LH, "2024-04-06T13:30:00Z", 7)).toEqual([
      "2024-04-06T14:00:00Z", // 01:00 +11:00
      "2024-04-06T14:15:00Z",
      "2024-04-06T14:30:00Z",
      "2024-04-06T14:45:00Z",
      "2024-04-06T15:00:00Z", // 01:30 +10:30, again
      "2024-04-06T15:15:00Z", // 01:45 +10:30, again
      "2024-04-07T14:30:00Z", // 01:00 +10:30 the next day
    ]);
  });
});

describe("Asia/Kolkata (+05:30, no DST)", () => {
  const IN = "Asia/Kolkata";

  it("keeps the half-hour offset all year", () => {
    expect(fires("0 9 * * *", IN, "2024-03-09T00:00:00Z", 3)).toEqual([
      "2024-03-09T03:30:00Z",
      "2024-03-10T03:30:00Z",
      "2024-03-11T03:30:00Z",
    ]);
    // 02:30 IST is 21:00Z the day before.
    expect(fires("30 2 * * *", IN, "2024-10-27T00:00:00Z", 2)).toEqual([
      "2024-10-27T21:00:00Z",
      "2024-10-28T21:00:00Z",
    ]);
    // Wall minutes :00 and :45 are :30 and :15 in UTC.
    expect(fires("*/45 * * * *", IN, "2024-06-01T00:00:00Z", 3)).toEqual([
      "2024-06-01T00:15:00Z", // 05:45 IST
      "2024-06-01T00:30:00Z", // 06:00 IST
      "2024-06-01T01:15:00Z", // 06:45 IST
    ]);
  });
});

describe("changes at midnight: America/Havana and America/Santiago", () => {
  const HAV = "America/Havana";
  const SCL = "America/Santiago";

  it("Intl puts Havana's changes at local midnight (00:00 to 01:00, 01:00 to 00:00)", () => {
    expect(change(HAV, "2024-03-10T05:00:00Z")).toEqual([
      "2024-03-09T23:59:59-05:00",
      "2024-03-10T01:00:00-04:00",
    ]);
    expect(change(HAV, "2024-11-03T05:00:00Z")).toEqual([
      "2024-11-03T00:59:59-04:00",
      "2024-11-03T00:00:00-05:00",
    ]);
  });

  it("Havana: midnight does not exist on 2024-03-10, and happens twice on 2024-11-03", () => {
    expect(fires("0 0 * * *", HAV, "2024-03-08T12:00:00Z", 3)).toEqual([
      "2024-03-09T05:00:00Z", // 00:00 CST
      "2024-03-10T05:00:00Z", // no midnight: 01:00 CDT, the same day
      "2024-03-11T04:00:00Z", // 00:00 CDT
    ]);
    // A job for that one day still fires on that day.
    expect(fires("0 0 10 3 *", HAV, "2024-03-01T00:00:00Z", 1)).toEqual(["2024-03-10T05:00:00Z"]);
    expect(fires("@daily", HAV, "2024-11-02T12:00:00Z", 2)).toEqual([
      "2024-11-03T04:00:00Z", // 00:00 CDT; not again at 00:00 CST
      "2024-11-04T05:00:00Z",
    ]);
    expect(fires("*/30 0 * * *", HAV, "2024-11-03T03:00:00Z", 5)).toEqual([
      "2024-11-03T04:00:00Z", // 00:00 CDT
      "2024-11-03T04:30:00Z",
      "2024-11-03T05:00:00Z", // 00:00 CST
      "2024-11-03T05:30:00Z",
      "2024-11-04T05:00:00Z",
    ]);
    expect(fires("0 * * * *", HAV, "2024-03-10T03:30:00Z", 3)).toEqual([
      "2024-03-10T04:00:00Z", // 23:00 CST
      "2024-03-10T05:00:00Z", // 01:00 CDT
      "2024-03-10T06:00:00Z",
    ]);
  });

  it("Intl puts Santiago's changes at local midnight too", () => {
    expect(change(SCL, "2024-09-08T04:00:00Z")).toEqual([
      "2024-09-07T23:59:59-04:00",
      "2024-09-08T01:00:00-03:00",
    ]);
    expect(change(SCL, "2024-04-07T03:00:00Z")).toEqual([
      "2024-04-06T23:59:59-03:00",
      "2024-04-06T23:00:00-04:00",
    ]);
  });

  it("Santiago: the repeated hour is 23:00 of the day before", () => {
    expect(fires("0 0 * * *", SCL, "2024-09-06T12:00:00Z", 3)).toEqual([
      "2024-09-07T04:00:00Z", // 00:00 -04
      "2024-09-08T04:00:00Z", // no midnight: 01:00 -03
      "2024-09-09T03:00:00Z", // 00:00 -03
    ]);
    expect(fires("30 23 * * *", SCL, "2024-04-06T12:00:00Z", 2)).toEqual([
      "2024-04-07T02:30:00Z", // 23:30 -03; not again at 23:30 -04
      "2024-04-08T03:30:00Z", // 23:30 -04 on Apr 7
    ]);
    expect(fires("0 0 * * *", SCL, "2024-04-05T12:00:00Z", 3)).toEqual([
      "2024-04-06T03:00:00Z",
      "2024-04-07T04:00:00Z", // midnight of Apr 7 comes once, after the repeat
      "2024-04-08T04:00:00Z",
    ]);
  });
});
