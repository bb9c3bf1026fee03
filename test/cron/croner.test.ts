import { Cron } from "croner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronError, parseSchedule } from "../../src/cron/index.js";
import { cronCase, type GenCase } from "./support/gen.js";
import { iso, ms } from "./support/util.js";

// Differential test against croner (a dev dependency) over generated UTC
// cases. croner's default is the Vixie OR of day-of-month and day-of-week,
// with one documented difference (croner README, "By default, Croner uses OR
// logic"): croner ORs whenever neither day field is exactly "*", so a field
// such as "*/2" counts as restricted. Vixie cron, and we, treat any field
// that begins with "*" as unrestricted, and AND. For those cases the test
// runs croner with { domAndDow: true }, which is our rule stated another way.
//
// The generator leaves out what croner does not have (L-n, LW in a list, H,
// years past 2099) and croner's SUN-SUN, which it reads as 0-7 (every day).

const starButNotStar = (t: string) => t.startsWith("*") && t !== "*";

/** croner's options for the same rule as ours on this case. */
function cronerOptions(c: GenCase) {
  const weAnd = starButNotStar(c.dom.text) || starButNotStar(c.dow.text);
  return { utcOffset: 0, sloppyRanges: true, paused: true, domAndDow: weAnd };
}

describe("differential against croner (UTC)", () => {
  it("agrees on next, prev and a chain of next over thousands of generated cases", () => {
    let compared = 0;
    let andCases = 0;
    fc.assert(
      fc.property(
        cronCase(),
        fc.integer({ min: ms("2020-01-01T00:00:00Z"), max: ms("2040-01-01T00:00:00Z") }),
        (c, t) => {
          if (c.croner === null) return;
          let ours: ReturnType<typeof parseSchedule>;
          try {
            ours = parseSchedule(c.text, { timezone: "UTC" });
          } catch (e) {
            if (e instanceof CronError && e.code === "E_CRON_NEVER") return;
            throw e;
          }
          const options = cronerOptions(c);
          if (options.domAndDow) andCases++;
          const theirs = new Cron(c.croner, options);
          const label = `"${c.text}" (croner "${c.croner}", domAndDow ${options.domAndDow}) from ${iso(t)}`;
          let a = ours.next(t);
          let b = theirs.nextRun(new Date(t))?.getTime() ?? null;
          expect(iso(a), `next of ${label}`).toBe(iso(b));
          for (let i = 0; i < 2 && a !== null; i++) {
            a = ours.next(a);
            b = theirs.nextRun(new Date(b as number))?.getTime() ?? null;
            expect(iso(a), `next #${i + 2} of ${label}`).toBe(iso(b));
          }
          const p = ours.prev(t);
          const q = theirs.previousRuns(1, new Date(t))[0]?.getTime() ?? null;
          expect(iso(p), `prev of ${label}`).toBe(iso(q));
          compared++;
        },
      ),
      { numRuns: 4000, seed: 1_234 },
    );
    // The filters must leave most cases in, and the AND rule must be exercised.
    expect(compared).toBeGreaterThan(3000);
    expect(andCases).toBeGreaterThan(300);
  }, 60_000);

  it("differs from croner's default where cron and we AND, as documented", () => {
    const from = ms("2026-01-01T00:00:00Z");
    // Ours: Mondays that are odd days. croner's default: odd days or Mondays.
    const ours = parseSchedule("0 0 */2 * 1", { timezone: "UTC" }).nextN(from, 3).map(iso);
    expect(ours).toEqual(["2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z"]);
    const croner = new Cron("0 0 */2 * 1", { utcOffset: 0, paused: true })
      .nextRuns(3, new Date(from))
      .map((d) => iso(d.getTime()));
    expect(croner).toEqual([
      "2026-01-03T00:00:00Z",
      "2026-01-05T00:00:00Z",
      "2026-01-07T00:00:00Z",
    ]);
    // With both fields restricted, croner's default and ours agree.
    const a = parseSchedule("0 0 1-31/2 * 1", { timezone: "UTC" }).nextN(from, 5).map(iso);
    const b = new Cron("0 0 1-31/2 * 1", { utcOffset: 0, paused: true })
      .nextRuns(5, new Date(from))
      .map((d) => iso(d.getTime()));
    expect(a).toEqual(b);
  });
});
