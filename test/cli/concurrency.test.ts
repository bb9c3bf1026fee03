import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, type Sandbox, sandbox } from "./helpers.js";

// The seed kept jobs in one JSON file with read-modify-write, so two
// create_cron at once could lose a job. Here each add is one insert.

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

const N = 50;

describe("create_cron run concurrently against one fresh home", () => {
  it(`${N} different ids: all succeed and all ${N} jobs are there`, async () => {
    const script = join(box.scripts, "task.py");
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        box.run(BIN.createCron, [`job-${i}`, "--interval", "30", "* * * * *", script]),
      ),
    );
    const failed = results.filter((r) => r.code !== 0);
    expect(failed.map((r) => r.stderr)).toEqual([]);
    const ids = box.jobs().map((j) => j.id);
    expect(ids).toHaveLength(N);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: N }, (_, i) => `job-${i}`)));
  }, 120_000);

  it(`${N} with the same id: exactly one job, ${N - 1} clear errors`, async () => {
    const script = join(box.scripts, "task.py");
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        box.run(BIN.createCron, ["same", "--interval", String(i + 1), "* * * * *", script]),
      ),
    );
    const ok = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code === 2);
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(N - 1);
    for (const r of refused) {
      expect(r.stderr).toMatch(/^create_cron: job "same" already exists[^\n]*\n$/);
    }
    const jobs = box.jobs();
    expect(jobs).toHaveLength(1);
    // The job is the winner's, not a mix.
    const winner = ok[0]!.stdout.match(/timeout\s+(\S+)/)?.[1];
    expect(jobs[0]).toMatchObject({ id: "same" });
    expect(`${(jobs[0]!.timeoutMs as number) / 60_000}m`).toBe(winner);
  }, 120_000);
});
