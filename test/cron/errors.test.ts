import { describe, expect, it } from "vitest";
import { CronError, parseSchedule } from "../../src/cron/index.js";
import { runs } from "./support/util.js";

function error(text: string, options = {}): CronError {
  try {
    parseSchedule(text, { timezone: "UTC", ...options });
  } catch (e) {
    expect(e).toBeInstanceOf(CronError);
    return e as CronError;
  }
  throw new Error(`"${text}" parsed, but should not have`);
}

describe("error messages name the field, the token, its column and what is allowed", () => {
  it("says exactly what is wrong with 61 * * * *", () => {
    const e = error("61 * * * *");
    expect(e.message).toBe(`minute field: 61 is out of range 0-59 (column 1 of "61 * * * *")`);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("CronError");
    expect(e).toMatchObject({
      code: "E_CRON_SYNTAX",
      expression: "61 * * * *",
      field: "minute",
      token: "61",
      column: 1,
    });
  });

  type Row = [text: string, field: string, token: string, column: number, says: string];
  it.each<Row>([
    ["* 24 * * *", "hour", "24", 3, "24 is out of range 0-23"],
    ["* * 0 * *", "day-of-month", "0", 5, "0 is out of range 1-31"],
    ["* * 32 * *", "day-of-month", "32", 5, "32 is out of range 1-31"],
    ["* * * 13 *", "month", "13", 7, "13 is out of range 1-12"],
    ["* * * * 8", "day-of-week", "8", 9, "8 is out of range 0-7"],
    ["60 * * * * *", "second", "60", 1, "60 is out of range 0-59"],
    ["0 0 0 1 1 * 1969", "year", "1969", 13, "1969 is out of range 1970-2099"],
    ["5-1 * * * *", "minute", "5-1", 1, "range 5-1 goes backwards; write the smaller value first"],
    ["*/0 * * * *", "minute", "0", 3, `step "0" must be a whole number 1-60`],
    ["0 */25 * * *", "hour", "25", 5, `step "25" must be a whole number 1-24`],
    // The token is quoted as written, not upper-cased.
    ["0 0 * foo *", "month", "foo", 7, `"foo" is not a month name (JAN-DEC) or a number 1-12`],
    ["0 0 * * Funday", "day-of-week", "Funday", 9, `"Funday" is not a day name (SUN-SAT)`],
    [
      "? * * * *",
      "minute",
      "?",
      1,
      `"?" is only allowed in the day-of-month and day-of-week fields`,
    ],
    [
      "L * * * *",
      "minute",
      "L",
      1,
      "L, W and # are only allowed in the day-of-month and day-of-week fields",
    ],
    ["* * 15L * *", "day-of-month", "15L", 5, "L, L-n, LW and nW are the special forms"],
    ["* * * * L", "day-of-week", "L", 9, "write 6 for Saturday or nL"],
    ["* * * * 5#6", "day-of-week", "6", 11, "the occurrence after # must be 1-5"],
    ["* * L-31 * *", "day-of-month", "31", 7, "the offset from the last day must be 0-30"],
    ["* * 32W * *", "day-of-month", "32W", 5, "the day must be 1-31"],
    ["* * L/2 * *", "day-of-month", "L/2", 5, "cannot take a step"],
    ["1,,2 * * * *", "minute", "", 3, "empty list item"],
    ["Hx * * * *", "minute", "Hx", 1, "is not H, H(a-b), H/n or H(a-b)/n"],
    ["H(0-99) * * * *", "minute", "99", 5, "99 is out of range 0-59"],
  ])("%s: %s field", (text, field, token, column, says) => {
    const e = error(text);
    expect(e.code).toBe("E_CRON_SYNTAX");
    expect(e).toMatchObject({ expression: text, field, token, column });
    expect(e.message).toContain(`${field} field: `);
    expect(e.message).toContain(says);
    expect(e.message).toContain(`(column ${column} of "${text}")`);
  });

  it("counts the fields", () => {
    for (const text of ["* * * *", "* * * * * * * *"]) {
      const e = error(text);
      expect(e.code).toBe("E_CRON_SYNTAX");
      expect(e.message).toContain("expected 5 fields (minute hour day-of-month month day-of-week)");
      expect(e.message).toContain(`in "${text}"`);
    }
    expect(error("   ").message).toContain("the schedule is empty");
  });

  it("reads 6 fields with seconds first, and says how to give a year", () => {
    const e = error("0 0 29 2 * 2025");
    expect(e.code).toBe("E_CRON_SYNTAX");
    expect(e.message).toContain("hour field: 29 is out of range 0-23");
    expect(e.message).toContain(`write 7 fields, such as "0 0 0 29 2 * 2025"`);
  });

  it("explains macros, durations, instants and zones", () => {
    expect(error("@fortnightly").message).toContain(
      `unknown macro "@fortnightly" (allowed: @yearly`,
    );
    expect(error("@daily now").message).toBe(`@daily takes no argument, but got "now"`);
    expect(error("@every").message).toContain(`@every needs a duration`);
    const d = error("@every 5");
    expect(d.code).toBe("E_DURATION");
    expect(d.message).toContain(`"5" has no unit (use a number with a unit: 500ms, 90s`);
    expect(error("@every 0s").message).toContain("must be greater than zero");
    expect(error("@at tomorrow").message).toContain("expected an ISO-8601 date-time");
    expect(error("@at 2026-02-30T00:00:00Z").message).toContain("is not a real date and time");
    const z = error("* * * * *", { timezone: "Mars/Olympus_Mons" });
    expect(z.code).toBe("E_TIMEZONE");
    expect(z.message).toContain(`unknown time zone "Mars/Olympus_Mons"`);
  });
});

describe("impossible patterns are rejected at parse time (E_CRON_NEVER)", () => {
  it.each([
    ["0 0 30 2 *"],
    ["0 0 31 2 *"],
    ["0 0 31 4,6,9,11 *"],
    ["0 0 0 29 2 * 2025"], // 2025 is not a leap year
    ["0 0 0 29 2 * 2097-2099"],
    ["0 0 L-29 2 *"], // 28 or 29 days: no day 29 before the last
  ])("%s", (text) => {
    const e = error(text);
    expect(e.code).toBe("E_CRON_NEVER");
    expect(e.expression).toBe(text);
    expect(e.message).toMatch(new RegExp(`^"${text.replace(/\*/g, "\\*")}" can never fire: `));
  });

  it("knows that OR makes 30 February possible, and AND does not", () => {
    // OR: every Monday in February.
    expect(runs("0 0 30 2 1", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-02-02T00:00:00Z"]);
    expect(error("0 0 30 2 1", { domAndDow: true }).code).toBe("E_CRON_NEVER");
  });

  it("accepts what is rare but possible", () => {
    expect(runs("0 0 29 2 *", "2026-01-01T00:00:00Z", 1)).toEqual(["2028-02-29T00:00:00Z"]);
    expect(runs("0 0 0 29 2 * 2024", "2020-01-01T00:00:00Z", 2)).toEqual(["2024-02-29T00:00:00Z"]);
    // Friday the 13th, AND: next after 2026-11-13 is 2027-08-13.
    expect(runs("0 0 13 * 5", "2026-11-14T00:00:00Z", 1, { domAndDow: true })).toEqual([
      "2027-08-13T00:00:00Z",
    ]);
  });
});
