import { describe, expect, it } from "vitest";
import { parseSchedule } from "../../src/cron/index.js";

const text = (expression: string, options = {}) =>
  parseSchedule(expression, { timezone: "UTC", ...options }).describe();

const BOTH = "(only on days that match both the day of the month and the day of the week)";
const EITHER = "(on days that match the day of the month or the day of the week)";

describe("describe()", () => {
  it("uses cronstrue's sentences", () => {
    expect(text("*/15 9-17 * * MON-FRI")).toBe(
      "Every 15 minutes, between 09:00 and 17:59, Monday through Friday",
    );
    expect(text("0 0 L * *")).toBe("At 00:00, on the last day of the month");
    expect(text("0 0 * * 5#3")).toBe("At 00:00, on the third Friday of the month");
    expect(text("@daily")).toBe("At 00:00");
    expect(text("@weekly")).toBe("At 00:00, only on Sunday");
  });

  it("says AND where Vixie cron ANDs, though cronstrue alone reads OR", () => {
    // cronstrue: "At 00:00, every 2 days in a month, and on Monday": that reads
    // as odd days or Mondays, but the job runs on Mondays that are odd days.
    expect(text("0 0 */2 * 1")).toBe(`At 00:00, every 2 days in a month, only on Monday ${BOTH}`);
    expect(text("0 0 1 * */2")).toBe(
      `At 00:00, on day 1 of the month, every 2 days of the week ${BOTH}`,
    );
    expect(text("0 0 13 * 5", { domAndDow: true })).toBe(
      `At 00:00, on day 13 of the month, only on Friday ${BOTH}`,
    );
  });

  it("says OR where both day fields are restricted", () => {
    expect(text("0 0 1-31/2 * 1")).toBe(
      `At 00:00, every 2 days in a month, between day 1 and 31 of the month, and on Monday ${EITHER}`,
    );
    // cronstrue alone reads this as AND ("…of the month, Monday through Friday").
    expect(text("0 0 1,15 * MON-FRI")).toBe(
      `At 00:00, on day 1 and 15 of the month, Monday through Friday ${EITHER}`,
    );
  });

  it("adds nothing when one day field is * or ?", () => {
    expect(text("0 0 * * 1")).toBe("At 00:00, only on Monday");
    expect(text("0 0 ? * 1")).toBe("At 00:00, only on Monday");
    expect(text("0 0 13 * ?")).toBe("At 00:00, on day 13 of the month");
  });

  it("describes H by the values it hashed to", () => {
    const s = parseSchedule("H H * * *", { timezone: "UTC", seed: "nightly-backup" });
    const first = new Date(s.next(0) as number);
    const hhmm = first.toISOString().slice(11, 16);
    expect(s.describe()).toBe(`At ${hhmm}`);
    const other = parseSchedule("H H * * *", { timezone: "UTC", seed: "reports" });
    expect(other.describe()).not.toBe(s.describe());
  });

  it("describes @every, @at and @reboot", () => {
    expect(text("@every 90s")).toBe(
      "Every 1m30s (at multiples of 1m30s since 1970-01-01T00:00:00Z)",
    );
    expect(text("@every 1h30m")).toBe(
      "Every 1h30m (at multiples of 1h30m since 1970-01-01T00:00:00Z)",
    );
    expect(text("@at 2026-12-01T09:00:00+01:00")).toBe("Once, at 2026-12-01T08:00:00.000Z");
    expect(text("@reboot")).toBe("Once, each time the scheduler starts");
  });

  it("falls back to the expression where cronstrue has no words", () => {
    // A list of special day forms is beyond cronstrue.
    expect(text("0 0 L-3,15W * *")).toBe("0 0 L-3,15W * *");
  });
});
