import { describe, expect, it } from "vitest";
import { parseSchedule } from "../../src/cron/index.js";

describe("parseSchedule", () => {
  it("fires a weekday schedule at the next quarter hour", () => {
    const s = parseSchedule("*/15 9-17 * * MON-FRI", { timezone: "UTC" });
    expect(new Date(s.next(Date.parse("2026-11-26T16:01:00Z")) as number).toISOString()).toBe(
      "2026-11-26T16:15:00.000Z",
    );
  });
});
