import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// `cron-scheduler next` as users run it: the real executable (built to dist/
// by `npm test`; run `npm run build` first when running this file alone).

const BIN = resolve(import.meta.dirname, "../../bin/cron-scheduler.js");

function next(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "next", ...args], {
    encoding: "utf8",
    env: { ...process.env, TZ: "UTC" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("cron-scheduler next", () => {
  it("prints the DESIGN.md DST example as JSON, strictly after --from", () => {
    const r = next(
      "30 2 * * *",
      "--tz",
      "America/New_York",
      "--from",
      "2024-03-09T07:30:00Z",
      "--count",
      "2",
      "--json",
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      schedule: "30 2 * * *",
      timezone: "America/New_York",
      next: ["2024-03-10T07:00:00.000Z", "2024-03-11T06:30:00.000Z"],
    });
  });

  it("reads --from without an offset in the zone, and prints wall times with the description", () => {
    // 2024-03-09T00:00 in New York is 05:00Z, before that day's 02:30 EST.
    const r = next(
      "30 2 * * *",
      "--tz",
      "America/New_York",
      "--from",
      "2024-03-09",
      "--count",
      "3",
    );
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "At 02:30 (America/New_York)",
      "  2024-03-09T02:30:00-05:00  Sat",
      "  2024-03-10T03:00:00-04:00  Sun",
      "  2024-03-11T02:30:00-04:00  Mon",
      "",
    ]);
  });

  it("exits 2 with the one-line error for an invalid or impossible expression", () => {
    const bad = next("61 * * * *");
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain(
      `minute field: 61 is out of range 0-59 (column 1 of "61 * * * *")`,
    );
    const never = next("0 0 30 2 *");
    expect(never.code).toBe(2);
    expect(never.stderr).toContain(`"0 0 30 2 *" can never fire`);
  });
});
