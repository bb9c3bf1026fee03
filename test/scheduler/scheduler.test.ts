import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { processStartTime } from "../../src/executor/procfs.js";
import { newRunId, thisNode } from "../../src/ids.js";
import type { Run } from "../../src/model.js";
import { failNext, type Harness, harness, iso, makeJob, T0 } from "./helpers.js";

const MIN = 60_000;
const started: Harness[] = [];
afterEach(async () => {
  for (const h of started.splice(0)) {
    const stopping = h.scheduler.stop();
    await h.clock.advance(60_000); // the shutdown grace runs on the fake clock
    await stopping;
  }
});

function track(h: Harness): Harness {
  started.push(h);
  return h;
}

describe("firing", () => {
  it("fires every slot once, at its instant, never before it", async () => {
    const h = track(harness());
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advance(10 * MIN);
    expect(h.runner.slots()).toEqual(Array.from({ length: 10 }, (_, i) => iso(T0 + (i + 1) * MIN)));
    for (const c of h.runner.calls) expect(c.at).toBeGreaterThanOrEqual(c.attempt.scheduledAt);
    const runs = await h.runs("a");
    expect(runs.map((r) => r.status)).toEqual(Array(10).fill("succeeded"));
    expect(runs.every((r) => r.trigger === "schedule")).toBe(true);
  });

  it("re-arms instead of running early when the timer fires before the slot", async () => {
    const h = track(harness());
    // A timer that fires 3 ms before it was asked to, as real timers can.
    const setTimer = h.clock.setTimer.bind(h.clock);
    h.clock.setTimer = (cb, delay) => setTimer(cb, delay > 3 ? delay - 3 : delay);
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advance(3 * MIN);
    expect(h.runner.slots()).toEqual([iso(T0 + MIN), iso(T0 + 2 * MIN), iso(T0 + 3 * MIN)]);
    for (const c of h.runner.calls) expect(c.at).toBeGreaterThanOrEqual(c.attempt.scheduledAt);
  });

  it("uses one timer for all jobs", async () => {
    const h = track(harness());
    for (let i = 0; i < 50; i++) {
      await h.store.createJob(makeJob({ id: `j${i}`, schedule: `${i} * * * *` }));
    }
    await h.scheduler.start();
    expect(h.clock.pendingTimers).toBe(1);
    await h.clock.advance(60 * MIN);
    expect(h.runner.calls).toHaveLength(50);
    expect(h.clock.pendingTimers).toBe(1);
  });

  it("fires in the job's time zone through a spring-forward gap (Vixie rules)", async () => {
    const start = Date.parse("2024-03-09T12:00:00Z");
    const h = track(harness({ start }));
    await h.store.createJob(
      makeJob({ id: "fixed", schedule: "30 2 * * *", timezone: "America/New_York" }, start),
    );
    await h.store.createJob(
      makeJob({ id: "hourly", schedule: "0 * * * *", timezone: "America/New_York" }, start),
    );
    await h.scheduler.start();
    await h.clock.advanceTo(Date.parse("2024-03-10T09:00:00Z"));
    expect(h.runner.slots("fixed")).toEqual(["2024-03-10T07:00:00.000Z"]);
    // 01:00 EST is 06:00Z, then 03:00 EDT is 07:00Z: no 02:00.
    expect(h.runner.slots("hourly").slice(-4)).toEqual([
      "2024-03-10T06:00:00.000Z",
      "2024-03-10T07:00:00.000Z",
      "2024-03-10T08:00:00.000Z",
      "2024-03-10T09:00:00.000Z",
    ]);
  });

  it("fires a wildcard job in both fall-back hours and a fixed-time one once", async () => {
    const start = Date.parse("2024-11-03T03:00:00Z");
    const h = track(harness({ start }));
    await h.store.createJob(
      makeJob({ id: "fixed", schedule: "30 1 * * *", timezone: "America/New_York" }, start),
    );
    await h.store.createJob(
      makeJob({ id: "hourly", schedule: "0 * * * *", timezone: "America/New_York" }, start),
    );
    await h.scheduler.start();
    await h.clock.advanceTo(Date.parse("2024-11-03T08:00:00Z"));
    expect(h.runner.slots("fixed")).toEqual(["2024-11-03T05:30:00.000Z"]);
    expect(h.runner.slots("hourly")).toEqual([
      "2024-11-03T04:00:00.000Z", // 00:00 EDT
      "2024-11-03T05:00:00.000Z", // 01:00 EDT
      "2024-11-03T06:00:00.000Z", // 01:00 EST
      "2024-11-03T07:00:00.000Z", // 02:00 EST
      "2024-11-03T08:00:00.000Z",
    ]);
  });
});

describe("clock steps", () => {
  it("never fires a slot twice when the wall clock steps back", async () => {
    const h = track(harness());
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advance(10 * MIN);
    await h.clock.jump(-30 * MIN);
    await h.clock.advance(35 * MIN); // wall clock back at T0+15min
    const slots = h.runner.slots();
    expect(new Set(slots).size).toBe(slots.length);
    expect(slots).toEqual(Array.from({ length: 15 }, (_, i) => iso(T0 + (i + 1) * MIN)));
  });

  it("treats a forward step as downtime: catch-up once runs the latest slot and records the others missed", async () => {
    const h = track(harness({ pollMs: 500 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advance(1 * MIN + 100);
    const events: number[] = [];
    h.scheduler.on("clock:jump", (e) => events.push(e.deltaMs));
    await h.clock.jump(60 * MIN);
    await h.clock.advance(600); // the next poll sees the step
    expect(events).toEqual([60 * MIN]);
    expect(h.runner.slots()).toEqual([iso(T0 + MIN), iso(T0 + 61 * MIN)]);
    const runs = await h.runs("a");
    expect(runs.filter((r) => r.status === "missed")).toHaveLength(59);
    expect(runs.find((r) => r.scheduledAt === T0 + 61 * MIN)?.trigger).toBe("catch-up");
  });

  it("after a suspend, late timers fire once and apply the catch-up policy", async () => {
    const h = track(harness());
    await h.store.createJob(makeJob({ id: "all", schedule: "*/10 * * * *", catchUp: "all" }));
    await h.store.createJob(makeJob({ id: "skip", schedule: "*/10 * * * *", catchUp: "skip" }));
    await h.scheduler.start();
    await h.clock.suspend(35 * MIN);
    expect(h.runner.slots("all")).toEqual([
      iso(T0 + 10 * MIN),
      iso(T0 + 20 * MIN),
      iso(T0 + 30 * MIN),
    ]);
    expect(h.runner.slots("skip")).toEqual([]);
    expect((await h.runs("skip")).map((r) => r.status)).toEqual(["missed", "missed", "missed"]);
  });
});

describe("catch-up after downtime", () => {
  async function downtime(
    catchUp: "skip" | "once" | "all",
    graceMs: number | null,
    startAfter: number,
  ) {
    const h = track(harness({ start: T0 + startAfter }));
    const job = makeJob({ id: "a", schedule: "*/10 * * * *", catchUp, graceMs });
    await h.store.createJob(job);
    // The last run of the previous scheduler was at T0.
    await h.store.claimRun({
      id: "r0",
      jobId: "a",
      scheduledAt: T0,
      attempt: 1,
      trigger: "schedule",
      status: "succeeded",
      reason: null,
      startedAt: T0,
      finishedAt: T0 + 1000,
      exitCode: 0,
      signal: null,
      pid: null,
      pidStartTime: null,
      node: "old",
      outputTail: null,
      outputBytes: 0,
      outputTruncated: false,
    });
    await h.scheduler.start();
    await h.clock.advance(1000);
    return h;
  }

  it("once: runs the latest missed slot, records the rest", async () => {
    const h = await downtime("once", null, 65 * MIN);
    expect(h.runner.slots()).toEqual([iso(T0 + 60 * MIN)]);
    const runs = await h.runs("a");
    expect(runs.filter((r) => r.status === "missed").map((r) => iso(r.scheduledAt))).toEqual(
      [10, 20, 30, 40, 50].map((m) => iso(T0 + m * MIN)),
    );
  });

  it("all: runs every missed slot, one after another", async () => {
    const h = await downtime("all", null, 35 * MIN);
    expect(h.runner.slots()).toEqual([iso(T0 + 10 * MIN), iso(T0 + 20 * MIN), iso(T0 + 30 * MIN)]);
  });

  it("all within grace: older slots are missed", async () => {
    const h = await downtime("all", 12 * MIN, 35 * MIN);
    expect(h.runner.slots()).toEqual([iso(T0 + 30 * MIN)]);
    expect((await h.runs("a")).filter((r) => r.status === "missed")).toHaveLength(2);
  });

  it("skip: runs nothing late", async () => {
    const h = await downtime("skip", null, 35 * MIN);
    expect(h.runner.slots()).toEqual([]);
    expect((await h.runs("a")).filter((r) => r.status === "missed")).toHaveLength(3);
  });

  it("a job added while the scheduler was down is caught up from when it was added, not before", async () => {
    const h = track(harness({ start: T0 + 65 * MIN }));
    await h.store.createJob(makeJob({ id: "a", schedule: "*/10 * * * *" }, T0 + 45 * MIN));
    await h.scheduler.start();
    expect(h.runner.slots()).toEqual([iso(T0 + 60 * MIN)]);
    expect(
      (await h.runs("a")).filter((r) => r.status === "missed").map((r) => iso(r.scheduledAt)),
    ).toEqual([iso(T0 + 50 * MIN)]);
  });
});

describe("overlap policies", () => {
  it("skip: a slot due while the previous run goes on is recorded as skipped", async () => {
    const h = track(harness());
    h.runner.outcome = () => "hang";
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *", overlap: "skip" }));
    await h.scheduler.start();
    await h.clock.advance(3 * MIN);
    expect(h.runner.calls).toHaveLength(1);
    const runs = await h.runs("a");
    expect(runs.map((r) => r.status)).toEqual(["running", "skipped", "skipped"]);
    expect(runs[1]?.reason).toMatch(/still going/);
  });

  it("allow: runs overlap", async () => {
    const h = track(harness());
    h.runner.outcome = () => "hang";
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *", overlap: "allow" }));
    await h.scheduler.start();
    await h.clock.advance(3 * MIN);
    expect(h.runner.hanging).toHaveLength(3);
  });

  it("queue: the next run starts when the previous one ends", async () => {
    const h = track(harness());
    h.runner.outcome = () => "hang";
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *", overlap: "queue" }));
    await h.scheduler.start();
    await h.clock.advance(2 * MIN);
    expect(h.runner.calls).toHaveLength(1);
    expect((await h.runs("a")).map((r) => r.status)).toEqual(["running", "queued"]);
    h.runner.finish(h.runner.hanging[0] as string);
    await h.clock.advance(10);
    expect(h.runner.slots()).toEqual([iso(T0 + MIN), iso(T0 + 2 * MIN)]);
    expect((await h.runs("a")).map((r) => r.status)).toEqual(["succeeded", "running"]);
  });

  it("queue: a waiting run starts with the job as it is then, and not at all if it was removed", async () => {
    const h = track(harness({ pollMs: 500 }));
    h.runner.outcome = () => "hang";
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *", overlap: "queue" }));
    await h.scheduler.start();
    await h.clock.advance(2 * MIN);
    expect((await h.runs("a")).map((r) => r.status)).toEqual(["running", "queued"]);
    await h.store.updateJob("a", { target: { type: "command", argv: ["/bin/echo", "new"] } });
    await h.clock.advance(600); // the poll picks up the edit
    h.runner.finish(h.runner.hanging[0] as string);
    await h.clock.advance(10);
    expect(h.runner.calls.map((c) => c.attempt.target)).toEqual([
      { type: "function", name: "a" },
      { type: "command", argv: ["/bin/echo", "new"] },
    ]);
    // Another waits behind the second; then the job goes.
    await h.clock.advance(MIN);
    await h.store.removeJob("a");
    await h.clock.advance(600);
    h.runner.finish(h.runner.hanging[0] as string);
    await h.clock.advance(10);
    const runs = await h.runs("a");
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded", "skipped"]);
    expect(runs[2]?.reason).toBe("the job was removed while the run waited in its queue");
    expect(h.runner.calls).toHaveLength(2);
  });

  it("replace: the running one is stopped and the new one starts", async () => {
    const h = track(harness());
    h.runner.outcome = () => "hang";
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *", overlap: "replace" }));
    await h.scheduler.start();
    await h.clock.advance(2 * MIN);
    const runs = await h.runs("a");
    expect(runs.map((r) => r.status)).toEqual(["killed", "running"]);
    expect(runs[0]?.reason).toMatch(/replaced/);
  });
});

describe("retries", () => {
  it("retries a failed run with exponential backoff, then gives up", async () => {
    const h = track(harness());
    h.runner.outcome = () => "fail";
    await h.store.createJob(
      makeJob({ id: "a", schedule: "0 * * * *", retries: 2, retryBackoffMs: 10_000 }),
    );
    await h.scheduler.start();
    await h.clock.advance(60 * MIN + 5 * MIN);
    // random() is 0.5, so the jitter factor is exactly 1: 10 s, then 20 s.
    const calls = h.runner.calls.map((c) => [c.attempt.attempt, c.at - (T0 + 60 * MIN)]);
    expect(calls).toEqual([
      [1, 0],
      [2, 10_000],
      [3, 30_000],
    ]);
    const runs = await h.runs("a");
    expect(runs.map((r) => [r.attempt, r.trigger, r.status])).toEqual([
      [1, "schedule", "failed"],
      [2, "retry", "failed"],
      [3, "retry", "failed"],
    ]);
  });

  it("after a restart, retries the newest run that failed with attempts left, and no other", async () => {
    const h = track(harness());
    await h.store.createJob(
      makeJob({ id: "failed", schedule: "0 0 1 1 *", retries: 2, retryBackoffMs: 10_000 }),
    );
    await h.store.createJob(makeJob({ id: "spent", schedule: "0 0 1 1 *", retries: 1 }));
    await h.store.createJob(makeJob({ id: "fine", schedule: "0 0 1 1 *", retries: 2 }));
    const slot = T0 - 3_600_000;
    const past = (jobId: string, attempt: number, status: "failed" | "succeeded") => ({
      id: `${jobId}-${attempt}`,
      jobId,
      scheduledAt: slot,
      attempt,
      trigger: attempt === 1 ? ("schedule" as const) : ("retry" as const),
      status,
      reason: null,
      startedAt: T0 - 6000,
      finishedAt: T0 - 5000,
      exitCode: status === "failed" ? 1 : 0,
      signal: null,
      pid: null,
      pidStartTime: null,
      node: "old-node",
      outputTail: null,
      outputBytes: 0,
      outputTruncated: false,
    });
    await h.store.claimRuns([
      past("failed", 1, "failed"),
      past("spent", 1, "failed"),
      past("spent", 2, "failed"),
      past("fine", 1, "succeeded"),
    ]);
    await h.scheduler.start();
    await h.clock.advance(10_000);
    // Failed at T0-5s, backoff 10 s (random 0.5: no jitter): the retry is due at T0+5s.
    expect(h.runner.calls.map((c) => [c.attempt.jobId, c.attempt.attempt, c.at - T0])).toEqual([
      ["failed", 2, 5000],
    ]);
    expect((await h.runs("failed")).map((r) => [r.attempt, r.trigger, r.status])).toEqual([
      [1, "schedule", "failed"],
      [2, "retry", "succeeded"],
    ]);
  });

  it("does not retry a success", async () => {
    const h = track(harness());
    await h.store.createJob(makeJob({ id: "a", schedule: "0 * * * *", retries: 3 }));
    await h.scheduler.start();
    await h.clock.advance(65 * MIN);
    expect(h.runner.calls).toHaveLength(1);
  });
});

describe("jitter", () => {
  it("delays the start by up to the jitter, keeps the slot", async () => {
    const h = track(harness());
    await h.store.createJob(makeJob({ id: "a", schedule: "0 * * * *", jitterMs: 60_000 }));
    await h.scheduler.start();
    await h.clock.advance(62 * MIN);
    const [call] = h.runner.calls;
    expect(call?.attempt.scheduledAt).toBe(T0 + 60 * MIN);
    expect(call?.at).toBe(T0 + 60 * MIN + 30_000); // random() = 0.5
  });
});

describe("two schedulers on one store", () => {
  it("each slot fires once", async () => {
    const a = track(harness());
    const b = track(harness({ store: a.store, node: "other-node" }));
    b.clock.setTimer = a.clock.setTimer.bind(a.clock);
    b.clock.now = a.clock.now.bind(a.clock);
    b.clock.monotonic = a.clock.monotonic.bind(a.clock);
    await a.store.createJob(makeJob({ id: "x", schedule: "* * * * *" }));
    await a.scheduler.start();
    await b.scheduler.start();
    await a.clock.advance(5 * MIN);
    const all = [...a.runner.slots(), ...b.runner.slots()].sort();
    expect(all).toEqual(Array.from({ length: 5 }, (_, i) => iso(T0 + (i + 1) * MIN)));
  });
});

describe("changes from other processes", () => {
  it("picks up added, paused, resumed and removed jobs within a poll", async () => {
    const h = track(harness({ pollMs: 500 }));
    await h.scheduler.start();
    await h.clock.advance(10 * 1000);
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }, h.clock.now()));
    await h.clock.advance(MIN);
    expect(h.runner.slots("a")).toEqual([iso(T0 + MIN)]);
    await h.store.updateJob("a", { paused: true });
    await h.clock.advance(3 * MIN);
    expect(h.runner.slots("a")).toHaveLength(1);
    await h.store.updateJob("a", { paused: false });
    await h.clock.advance(MIN);
    // No catch-up for the paused time: only the slot after the resume.
    expect(h.runner.slots("a")).toEqual([iso(T0 + MIN), iso(T0 + 5 * MIN)]);
    await h.store.removeJob("a");
    await h.clock.advance(3 * MIN);
    expect(h.runner.slots("a")).toHaveLength(2);
  });

  it("runs a trigger request and links it to the run", async () => {
    const h = track(harness({ pollMs: 500 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "0 0 1 1 *" }));
    await h.scheduler.start();
    const request = await h.store.requestTrigger("a");
    await h.clock.advance(600);
    expect(h.runner.calls).toHaveLength(1);
    const taken = await h.store.getTrigger(request.id);
    expect(taken?.runId).toBeTruthy();
    const run = await h.store.getRun(taken?.runId as string);
    expect(run?.trigger).toBe("manual");
    expect(run?.status).toBe("succeeded");
  });
});

describe("a failing store", () => {
  it("loses no slot when a claim fails: it is tried again, late, and recorded once", async () => {
    const h = track(harness());
    const errors: string[] = [];
    h.scheduler.on("error", (e) => errors.push(e.context));
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    failNext(h.store, "claimRuns", 2);
    await h.scheduler.start();
    await h.clock.advance(MIN + 1000);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/trying again/);
    expect(h.runner.slots()).toEqual([iso(T0 + MIN)]);
    expect((await h.runs("a")).map((r) => [iso(r.scheduledAt), r.status])).toEqual([
      [iso(T0 + MIN), "succeeded"],
    ]);
  });

  it("records a run's outcome even when the first write of it fails", async () => {
    const h = track(harness());
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    failNext(h.store, "updateRuns", 1, "disk I/O error");
    await h.scheduler.start();
    await h.clock.advance(MIN);
    // The writer waits 100 ms of real time before it tries again.
    await vi.waitFor(async () => expect((await h.runs("a"))[0]?.status).toBe("succeeded"));
  });
});

describe("history", () => {
  it("keeps the newest runs of each job and removes older ones with their output files", async () => {
    const runsDir = mkdtempSync(join(tmpdir(), "cs-runs-"));
    try {
      const h = track(harness({ keepRuns: 20, runsDir }));
      await h.store.createJob(makeJob({ id: "a", schedule: "* * * * * *" }));
      await h.scheduler.start();
      await h.clock.advance(100_000);
      await h.clock.advance(10);
      expect(h.runner.calls).toHaveLength(100);
      const runs = await h.runs("a");
      // Pruned every keep/10 = 2 runs: between 20 and 21 left, the newest.
      expect(runs.length).toBeGreaterThanOrEqual(20);
      expect(runs.length).toBeLessThanOrEqual(22);
      expect(runs.at(-1)?.scheduledAt).toBe(T0 + 100_000);
      // Output files go in the background (real file I/O): wait for it, boundedly.
      await vi.waitFor(() => {
        expect(readdirSync(join(runsDir, "a")).sort()).toEqual(
          runs.map((r) => `${r.id}.log`).sort(),
        );
      });
    } finally {
      rmSync(runsDir, { recursive: true, force: true });
    }
  });
});

describe("lifecycle", () => {
  it("runs @reboot jobs once per start", async () => {
    const h = harness();
    await h.store.createJob(makeJob({ id: "boot", schedule: "@reboot" }));
    await h.scheduler.start();
    await h.scheduler.start();
    await h.clock.advance(60 * MIN);
    expect(h.runner.calls).toHaveLength(1);
    expect(h.runner.calls[0]?.attempt.scheduledAt).toBe(T0);
    await h.scheduler.stop();
  });

  it("stop lets running jobs finish within the grace, then stops them; start and stop are idempotent", async () => {
    const h = harness({ shutdownGraceMs: 5000 });
    h.runner.outcome = (a) => (a.jobId === "slow" ? "hang" : "succeed");
    await h.store.createJob(makeJob({ id: "slow", schedule: "* * * * *" }));
    await Promise.all([h.scheduler.start(), h.scheduler.start()]);
    await h.clock.advance(MIN);
    expect(h.runner.hanging).toHaveLength(1);
    const stopping = Promise.all([h.scheduler.stop(), h.scheduler.stop()]);
    await h.clock.advance(5000);
    await stopping;
    const [run] = await h.runs("slow");
    expect(run?.status).toBe("killed");
    expect(run?.reason).toMatch(/scheduler stopped/);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it("closes runs left running by a dead scheduler as abandoned", async () => {
    const h = harness();
    await h.store.createJob(makeJob({ id: "a", schedule: "0 0 1 1 *" }));
    const base = {
      jobId: "a",
      attempt: 1,
      trigger: "schedule" as const,
      reason: null,
      startedAt: T0 - 1000,
      finishedAt: null,
      exitCode: null,
      signal: null,
      pid: null,
      pidStartTime: null,
      outputTail: null,
      outputBytes: 0,
      outputTruncated: false,
    };
    const { hostname } = await import("node:os");
    // pid 2^22 + 1 is above Linux's pid_max: that process cannot exist.
    await h.store.claimRun({
      ...base,
      id: "dead",
      scheduledAt: T0 - 2000,
      status: "running",
      node: `${hostname()}:4194305:1`,
    });
    await h.store.claimRun({
      ...base,
      id: "alive",
      scheduledAt: T0 - 3000,
      status: "running",
      node: `${hostname()}:${process.pid}:${processStartTime(process.pid)}`,
    });
    const abandoned: string[] = [];
    h.scheduler.on("run:abandoned", (r) => abandoned.push(r.id));
    await h.scheduler.start();
    expect(abandoned).toEqual(["dead"]);
    expect((await h.store.getRun("dead"))?.status).toBe("abandoned");
    expect((await h.store.getRun("alive"))?.status).toBe("running");
    await h.scheduler.stop();
  });

  it("a scheduler with a name of its own closes the runs an earlier life of it left, and no others", async () => {
    const h = harness(); // its node is "test-node", kept across restarts
    await h.store.createJob(makeJob({ id: "a", schedule: "0 0 1 1 *" }));
    const run = (id: string, node: string): Run => ({
      id,
      jobId: "a",
      scheduledAt: T0 - 60_000,
      attempt: 1,
      trigger: "schedule",
      status: "running",
      reason: null,
      startedAt: T0 - 60_000,
      finishedAt: null,
      exitCode: null,
      signal: null,
      pid: null,
      pidStartTime: null,
      node,
      outputTail: null,
      outputBytes: 0,
      outputTruncated: false,
    });
    const earlier = run(newRunId(T0 - 60_000), "test-node");
    // Made at this start: another scheduler with the same name, alive.
    const now = run(newRunId(T0), "test-node");
    await h.store.claimRuns([earlier, { ...now, scheduledAt: T0 - 30_000 }]);
    const abandoned: string[] = [];
    h.scheduler.on("run:abandoned", (r) => abandoned.push(r.id));
    await h.scheduler.start();
    expect(abandoned).toEqual([earlier.id]);
    expect((await h.store.getRun(earlier.id))?.reason).toBe(
      "the scheduler running it (test-node) stopped without finishing it",
    );
    expect((await h.store.getRun(now.id))?.status).toBe("running");
    await h.scheduler.stop();

    // The default name is this process's, shared by every scheduler in it:
    // another one's runs, however old, are never closed.
    const other = harness({ node: thisNode() });
    await other.store.createJob(makeJob({ id: "a", schedule: "0 0 1 1 *" }));
    const shared = run(newRunId(T0 - 60_000), thisNode());
    await other.store.claimRun(shared);
    await other.scheduler.start();
    expect((await other.store.getRun(shared.id))?.status).toBe("running");
    await other.scheduler.stop();
  });
});
