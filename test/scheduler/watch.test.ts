import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/scheduler/fake-clock.js";
import { Scheduler } from "../../src/scheduler/scheduler.js";
import { SqliteStore } from "../../src/store/sqlite/index.js";
import { tempDir } from "../tmp.js";
import { makeJob, TestRunner } from "./helpers.js";

// The SQLite store tells the scheduler when its files change (inotify), so
// a job added by another process is seen at once, not at the next poll.
// Real files and real time: bounded waits of about a second.

function tempDb(): string {
  return join(tempDir(), "scheduler.db");
}

describe("a watched store", () => {
  it("calls back when another connection writes, coalescing a burst", async () => {
    const path = tempDb();
    const store = new SqliteStore(path);
    const other = new SqliteStore(path);
    let calls = 0;
    const unwatch = await store.onChange(() => calls++);
    try {
      for (let i = 0; i < 5; i++)
        await other.createJob(makeJob({ id: `j${i}`, schedule: "@daily" }));
      await until(() => calls > 0, 1000);
      await new Promise((r) => setTimeout(r, 100));
      expect(calls).toBeGreaterThan(0);
      expect(calls).toBeLessThanOrEqual(2);
      await unwatch();
      const before = calls;
      await other.createJob(makeJob({ id: "late", schedule: "@daily" }));
      await new Promise((r) => setTimeout(r, 100));
      expect(calls).toBe(before);
    } finally {
      await store.close();
      await other.close();
    }
  });

  it("lets the scheduler see a job added elsewhere within a second, though it polls only every 5 s", async () => {
    const path = tempDb();
    const store = new SqliteStore(path);
    const other = new SqliteStore(path);
    const clock = new FakeClock(Date.now());
    // Real timers for the store's own debounce; the scheduler's poll is on a fake clock that never moves.
    const scheduler = new Scheduler({
      store,
      runner: new TestRunner(clock).run,
      clock,
      node: "watch-test",
      pollMs: 500,
    });
    const added: string[] = [];
    scheduler.on("job:added", ({ job }) => added.push(job.id));
    await scheduler.start();
    try {
      await other.createJob(makeJob({ id: "elsewhere", schedule: "@daily" }, clock.now()));
      await until(() => added.length > 0, 1000);
      expect(added).toEqual(["elsewhere"]);
    } finally {
      await scheduler.stop();
      await store.close();
      await other.close();
    }
  });
});

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
