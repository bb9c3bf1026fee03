import { afterEach, describe, expect, it } from "vitest";
import { parseSchedule } from "../../src/cron/index.js";
import { failNext, type Harness, harness, iso, makeJob, T0 } from "./helpers.js";

// Regression tests from an adversarial review of the scheduler: each one
// failed before the fix it names in its commit.

const MIN = 60_000;
const started: Harness[] = [];
afterEach(async () => {
  for (const h of started.splice(0)) {
    const stopping = h.scheduler.stop();
    await h.clock.advance(60_000);
    await stopping;
  }
});

function track(h: Harness): Harness {
  started.push(h);
  return h;
}

/** A promise the test resolves. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("timers", () => {
  it("leaves no timer behind after stop() when a poll saw a clock step", async () => {
    const h = harness({ pollMs: 500 });
    await h.store.createJob(makeJob({ id: "a", schedule: "0 0 1 1 *" }));
    await h.scheduler.start();
    await h.clock.jump(60 * MIN);
    await h.clock.advance(600); // the poll sees the step and wakes the loop
    const stopping = h.scheduler.stop();
    await h.clock.advance(10);
    await stopping;
    expect(h.clock.pendingTimers).toBe(0);
  });
});

describe("jobs changed while the scheduler runs", () => {
  it("a job removed and added again with another schedule never fires at the old one's slots", async () => {
    const h = track(harness());
    await h.store.createJob(makeJob({ id: "a", schedule: "30 * * * *" }));
    await h.scheduler.start();
    await h.clock.advance(MIN);
    await h.store.removeJob("a");
    await h.scheduler.refresh();
    await h.clock.advance(MIN);
    await h.store.createJob(makeJob({ id: "a", schedule: "0 * * * *" }, h.clock.now()));
    await h.scheduler.refresh();
    await h.clock.advanceTo(T0 + 2 * 60 * MIN + 1000);
    // The first job's heap entry (10:30) belonged to the job that went.
    expect(h.runner.slots("a")).toEqual([iso(T0 + 60 * MIN), iso(T0 + 120 * MIN)]);
  });

  it("a job changed to a schedule this scheduler cannot read stops firing its old one", async () => {
    const h = track(harness());
    const errors: string[] = [];
    h.scheduler.on("error", (e) => errors.push(e.context));
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advance(MIN);
    // Another node stored a zone this machine does not know.
    await h.store.updateJob("a", { schedule: "*/5 * * * *", timezone: "Mars/Olympus_Mons" });
    await h.scheduler.refresh();
    await h.clock.advance(10 * MIN);
    expect(h.runner.slots("a")).toEqual([iso(T0 + MIN)]);
    expect(errors).toEqual([expect.stringContaining("job a")]);
  });

  it("a pending retry survives an edit of its job that keeps retries", async () => {
    const h = track(harness());
    h.runner.outcome = (a) => (a.attempt === 1 ? "fail" : "succeed");
    await h.store.createJob(
      makeJob({ id: "a", schedule: "0 * * * *", retries: 1, retryBackoffMs: 60_000 }),
    );
    await h.scheduler.start();
    await h.clock.advance(60 * MIN + 10_000);
    await h.store.updateJob("a", { description: "now with a description" });
    await h.scheduler.refresh();
    await h.clock.advance(MIN);
    expect((await h.runs("a")).map((r) => [r.attempt, r.trigger, r.status])).toEqual([
      [1, "schedule", "failed"],
      [2, "retry", "succeeded"],
    ]);
  });

  it("a pending retry is dropped when the job is paused, removed or loses its retries", async () => {
    for (const change of ["pause", "remove", "retries"] as const) {
      const h = track(harness());
      h.runner.outcome = () => "fail";
      await h.store.createJob(
        makeJob({ id: "a", schedule: "0 * * * *", retries: 2, retryBackoffMs: 60_000 }),
      );
      await h.scheduler.start();
      await h.clock.advance(60 * MIN + 10_000);
      if (change === "pause") await h.store.updateJob("a", { paused: true });
      else if (change === "remove") await h.store.removeJob("a");
      else await h.store.updateJob("a", { retries: 0 });
      await h.scheduler.refresh();
      await h.clock.advance(5 * MIN);
      expect(
        h.runner.calls.map((c) => c.attempt.attempt),
        change,
      ).toEqual([1]);
    }
  });
});

describe("trigger requests", () => {
  it("a trigger whose claim fails runs once, later, and is linked to that run", async () => {
    const h = track(harness({ pollMs: 500 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "0 0 1 1 *" }));
    await h.scheduler.start();
    failNext(h.store, "claimRuns");
    const request = await h.store.requestTrigger("a");
    await h.clock.advance(2000);
    const runs = await h.runs("a");
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([["manual", "succeeded"]]);
    expect((await h.store.getTrigger(request.id))?.runId).toBe(runs[0]?.id);
  });
});

describe("attempts that end before the runner returns", () => {
  it("a result without a promise is recorded, told after it is stored, and frees the job for its queue", async () => {
    const h = track(harness());
    h.runner.outcome = () => "now";
    // Defined three minutes before the scheduler starts: catch-up "all" runs
    // the three slots since, one after another.
    await h.store.createJob(
      makeJob({ id: "a", schedule: "* * * * *", catchUp: "all" }, T0 - 3 * MIN),
    );
    const seen: Array<Promise<string | undefined>> = [];
    h.scheduler.on("run:finished", (run) =>
      seen.push(h.store.getRun(run.id).then((r) => r?.status)),
    );
    await h.scheduler.start();
    await h.clock.advance(1000);
    expect(h.runner.slots("a")).toEqual([iso(T0 - 2 * MIN), iso(T0 - MIN), iso(T0)]);
    expect(await Promise.all(seen)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect((await h.runs("a")).map((r) => r.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
  });

  it("a runner that throws fails the run with its message, and the retry follows", async () => {
    const h = track(harness());
    let calls = 0;
    h.runner.outcome = () => (++calls === 1 ? "throw" : "now");
    await h.store.createJob(
      makeJob({ id: "a", schedule: "0 * * * *", retries: 1, retryBackoffMs: 10_000 }),
    );
    await h.scheduler.start();
    await h.clock.advanceTo(T0 + 60 * MIN + 20_000);
    expect((await h.runs("a")).map((r) => [r.attempt, r.status, r.reason])).toEqual([
      [1, "failed", "the runner broke"],
      [2, "succeeded", null],
    ]);
  });
});

describe("many slots due at once, claimed in chunks", () => {
  async function fortyJobs(h: Harness): Promise<string[]> {
    const ids = Array.from({ length: 40 }, (_, i) => `j${String(i).padStart(2, "0")}`);
    for (const id of ids) await h.store.createJob(makeJob({ id, schedule: "* * * * *" }));
    return ids;
  }

  it("at the instant (no lead), the first 16 start before the other jobs' next slots are even worked out", async () => {
    let nextCalls = 0;
    const h = track(
      harness({
        claimAheadMs: 0,
        scheduleOf: (job) => {
          // Schedules are shared between jobs of one expression: count through a wrapper of its own.
          const schedule = parseSchedule(job.schedule, { timezone: job.timezone });
          const counted = Object.create(schedule) as typeof schedule;
          counted.next = (after) => {
            nextCalls++;
            return schedule.next(after);
          };
          return counted;
        },
      }),
    );
    await fortyJobs(h);
    await h.scheduler.start();
    const seen: number[] = [];
    h.runner.outcome = () => {
      seen.push(nextCalls);
      return "now";
    };
    nextCalls = 0;
    await h.clock.advance(MIN);
    expect(h.runner.calls).toHaveLength(40);
    // Each job taken off the heap has its next slot worked out: the first
    // run starts when 16 have been, not all 40.
    expect(seen[0]).toBe(16);
    expect(seen[39]).toBe(40);
  });

  it("a store failure after the first chunk: those runs go on, the rest run a moment later, each slot once", async () => {
    const h = track(harness({ claimAheadMs: 0 }));
    const ids = await fortyJobs(h);
    await h.scheduler.start();
    const claimRuns = h.store.claimRuns.bind(h.store);
    const sizes: number[] = [];
    h.store.claimRuns = (runs) => {
      sizes.push(runs.length);
      return sizes.length === 2 ? Promise.reject(new Error("database is locked")) : claimRuns(runs);
    };
    await h.clock.advance(MIN);
    // The first 16 started at once; the failed chunk and what followed it did not.
    expect(h.runner.calls).toHaveLength(16);
    await h.clock.advance(1000);
    expect(sizes.slice(0, 2)).toEqual([16, 24]);
    for (const id of ids) {
      expect((await h.runs(id)).map((r) => [r.scheduledAt, r.status])).toEqual([
        [T0 + MIN, "succeeded"],
      ]);
    }
    expect(new Set(h.runner.calls.map((c) => c.attempt.jobId)).size).toBe(40);
    expect(h.runner.calls).toHaveLength(40);
  });

  it("shutdown during a chunk's claim: every slot of the batch is recorded, none started after it", async () => {
    const h = harness({ shutdownGraceMs: 1000, claimAheadMs: 0 });
    const ids = await fortyJobs(h);
    await h.scheduler.start();
    const claimRuns = h.store.claimRuns.bind(h.store);
    const sizes: number[] = [];
    let first: string[] = [];
    let stopping: Promise<void> | null = null;
    h.store.claimRuns = async (runs) => {
      sizes.push(runs.length);
      if (sizes.length === 1) first = runs.map((r) => r.jobId).sort();
      // The pass's two chunks (16, then 24) fail: each is tried again on its
      // own, outside the scheduling pass, the 16 first.
      if (sizes.length <= 2) throw new Error("database is locked");
      const won = await claimRuns(runs);
      if (sizes.length === 4) {
        // Stop while the retried batch of 24 has its first chunk claimed, and
        // let stop() get as far as waiting for that batch.
        stopping = h.scheduler.stop();
        await new Promise((r) => setImmediate(r));
      }
      return won;
    };
    await h.clock.advance(MIN);
    await h.clock.advance(1000);
    await stopping;
    // The first chunk of the 24, then the rest of that batch at once.
    expect(sizes).toEqual([16, 24, 16, 16, 8]);
    expect(h.runner.calls.map((c) => c.attempt.jobId).sort()).toEqual(first);
    for (const id of ids.filter((id) => !first.includes(id))) {
      expect((await h.runs(id)).map((r) => [r.scheduledAt, r.status, r.reason])).toEqual([
        [T0 + MIN, "skipped", "the scheduler stopped before the run could start"],
      ]);
    }
  });
});

describe("store failures while looking for changes", () => {
  it("a trigger request whose take failed once is taken at the next poll", async () => {
    const h = track(harness({ pollMs: 500 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "0 0 1 1 *" }));
    await h.scheduler.start();
    failNext(h.store, "takeTriggers");
    await h.store.requestTrigger("a");
    await h.clock.advance(1100);
    expect(h.runner.calls.map((c) => c.attempt.jobId)).toEqual(["a"]);
  });

  it("start() does not fail, nor leave a scheduler without timers, when taking trigger requests fails", async () => {
    const h = track(harness({ pollMs: 500 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.store.requestTrigger("a");
    failNext(h.store, "takeTriggers");
    const errors: string[] = [];
    h.scheduler.on("error", (e) => errors.push(e.context));
    await h.scheduler.start();
    expect(errors).toHaveLength(1);
    await h.clock.advance(MIN);
    expect((await h.runs("a")).map((r) => r.trigger).sort()).toEqual(["manual", "schedule"]);
  });
});

describe("trigger requests taken together", () => {
  it("when linking one request to its run fails, the other requests still run, and the link is made later", async () => {
    const h = track(harness({ pollMs: 500 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "0 0 1 1 *" }));
    await h.store.createJob(makeJob({ id: "b", schedule: "0 0 1 1 *" }));
    await h.scheduler.start();
    failNext(h.store, "completeTrigger");
    const ra = await h.store.requestTrigger("a");
    const rb = await h.store.requestTrigger("b");
    await h.clock.advance(2000);
    expect(h.runner.calls.map((c) => c.attempt.jobId).sort()).toEqual(["a", "b"]);
    expect((await h.store.getTrigger(ra.id))?.runId).toBeTruthy();
    expect((await h.store.getTrigger(rb.id))?.runId).toBeTruthy();
  });
});

describe("overlap", () => {
  it("skip: a trigger that arrives while a slot's claim is in flight does not run beside it", async () => {
    const h = track(harness());
    h.runner.outcome = () => "hang";
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *", overlap: "skip" }));
    const claimRuns = h.store.claimRuns.bind(h.store);
    const slow = deferred();
    h.store.claimRuns = async (runs) => {
      if (runs.some((r) => r.trigger === "schedule")) await slow.promise;
      return claimRuns(runs);
    };
    await h.scheduler.start();
    await h.clock.advance(MIN); // the slot's claim is now waiting on the store
    await h.clock.advance(5);
    await h.store.requestTrigger("a");
    const refreshing = h.scheduler.refresh();
    await h.clock.advance(10);
    slow.resolve();
    await h.clock.advance(10);
    await refreshing;
    expect(h.runner.hanging).toHaveLength(1);
    expect((await h.runs("a")).map((r) => r.status).sort()).toEqual(["running", "skipped"]);
  });

  it("a trigger requested at the very millisecond of a slot does not take the slot's place", async () => {
    const h = track(harness());
    // With jitter the slot's run starts 30 s after its slot (random() is 0.5).
    await h.store.createJob(
      makeJob({ id: "a", schedule: "0 * * * *", jitterMs: 60_000, overlap: "allow" }),
    );
    await h.scheduler.start();
    await h.clock.advanceTo(T0 + 60 * MIN);
    await h.store.requestTrigger("a"); // at the slot's instant
    await h.scheduler.refresh();
    await h.clock.advance(MIN);
    expect((await h.runs("a")).map((r) => [r.trigger, r.status]).sort()).toEqual([
      ["manual", "succeeded"],
      ["schedule", "succeeded"],
    ]);
  });

  it("queue: a slot due while the queued run is being started waits for it", async () => {
    const h = track(harness());
    h.runner.outcome = () => "hang";
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *", overlap: "queue" }));
    const updateRuns = h.store.updateRuns.bind(h.store);
    const slow = deferred();
    h.store.updateRuns = async (updates, count = updates.length) => {
      // The write that marks the queued run "running" is slow.
      if (updates.slice(0, count).some((u) => u.patch.status === "running")) await slow.promise;
      return updateRuns(updates, count);
    };
    await h.scheduler.start();
    await h.clock.advance(2 * MIN + 10);
    expect((await h.runs("a")).map((r) => r.status)).toEqual(["running", "queued"]);
    h.runner.finish(h.runner.hanging[0] as string);
    await h.clock.advance(MIN); // slot 3 falls due while the start of slot 2 is being written
    slow.resolve();
    await h.clock.advance(10);
    expect(h.runner.hanging).toHaveLength(1);
    expect((await h.runs("a")).map((r) => r.status)).toEqual(["succeeded", "running", "queued"]);
  });
});

describe("refresh", () => {
  it("a refresh() asked for while start() is under way is not dropped", async () => {
    const h = track(harness({ pollMs: null }));
    const listJobs = h.store.listJobs.bind(h.store);
    const slow = deferred();
    h.store.listJobs = async () => {
      const jobs = await listJobs();
      await slow.promise; // start() lists the jobs before the one added below
      return jobs;
    };
    const starting = h.scheduler.start();
    await h.clock.advance(10);
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }, h.clock.now()));
    const refreshing = h.scheduler.refresh();
    slow.resolve();
    await starting;
    await refreshing;
    await h.clock.advance(MIN);
    expect(h.runner.slots("a")).toEqual([iso(T0 + MIN)]);
  });
});

describe("run records", () => {
  it("a run that could not be replaced (overlap changed to replace while it ran) is not recorded as killed", async () => {
    const h = track(harness());
    h.runner.outcome = () => "hang";
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *", overlap: "skip" }));
    await h.scheduler.start();
    await h.clock.advance(MIN);
    const [first] = h.runner.hanging;
    await h.store.updateJob("a", { overlap: "replace" });
    await h.scheduler.refresh();
    await h.clock.advance(MIN);
    h.runner.finish(first as string, "failed"); // it ends by itself, later
    await h.clock.advance(10);
    const run = await h.store.getRun(first as string);
    expect([run?.status, run?.reason]).toEqual(["failed", "it failed"]);
  });

  it("a slot skipped for a run started in the same moment names that run", async () => {
    const h = track(harness());
    h.runner.outcome = (a) =>
      a.attempt === 1 && a.scheduledAt === T0 + 60 * MIN ? "fail" : "hang";
    // The retry falls due with the next slot: backoff 1 h, random() 0.5 (no jitter).
    await h.store.createJob(
      makeJob({ id: "a", schedule: "0 * * * *", retries: 1, retryBackoffMs: 60 * MIN }),
    );
    await h.scheduler.start();
    await h.clock.advance(120 * MIN + 10);
    const runs = await h.runs("a");
    const running = runs.find((r) => r.status === "running");
    const skipped = runs.find((r) => r.status === "skipped");
    expect(skipped?.reason).toBe(
      `the previous run (${running?.id}) was still going (overlap "skip")`,
    );
  });
});

describe("catch-up", () => {
  it.each(["replace", "allow"] as const)(
    '"all" runs every missed slot one after another also when overlap is "%s"',
    async (overlap) => {
      const h = track(harness({ start: T0 + 35 * MIN }));
      h.runner.outcome = () => "hang";
      await h.store.createJob(
        makeJob({ id: "a", schedule: "*/10 * * * *", catchUp: "all", overlap }, T0),
      );
      await h.scheduler.start();
      await h.clock.advance(10);
      expect((await h.runs("a")).map((r) => r.status)).toEqual(["running", "queued", "queued"]);
      for (let i = 0; i < 3; i++) {
        h.runner.finish(h.runner.hanging[0] as string);
        await h.clock.advance(10);
      }
      expect(h.runner.slots()).toEqual([
        iso(T0 + 10 * MIN),
        iso(T0 + 20 * MIN),
        iso(T0 + 30 * MIN),
      ]);
      expect((await h.runs("a")).map((r) => r.status)).toEqual([
        "succeeded",
        "succeeded",
        "succeeded",
      ]);
    },
  );
});

describe("stop", () => {
  it("a poll under way when stop() is called neither loses a trigger request nor acts after stopped", async () => {
    const h = harness({ pollMs: 500 });
    await h.store.createJob(makeJob({ id: "a", schedule: "0 0 1 1 *" }));
    await h.scheduler.start();
    const events: string[] = [];
    for (const e of ["scheduler:stopped", "run:started", "run:skipped", "error"] as const)
      h.scheduler.on(e, () => events.push(e));
    const changeToken = h.store.changeToken.bind(h.store);
    const slow = deferred();
    h.store.changeToken = async () => {
      await slow.promise;
      return changeToken();
    };
    const request = await h.store.requestTrigger("a");
    await h.clock.advance(600); // the poll now waits for the store
    const stopping = h.scheduler.stop();
    await h.clock.advance(10);
    slow.resolve();
    await h.clock.advance(60_000);
    await stopping;
    await h.clock.advance(1000);
    expect(events.at(-1)).toBe("scheduler:stopped");
    // Taken and run, or left for the next scheduler: not taken and dropped.
    const taken = await h.store.getTrigger(request.id);
    expect(taken?.takenAt === null || taken?.runId !== null).toBe(true);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it("a claim in flight when stop() is called starts nothing, and its run is closed before stop() resolves", async () => {
    const h = harness();
    h.runner.outcome = () => "hang";
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    const claimRuns = h.store.claimRuns.bind(h.store);
    const slow = deferred();
    let calls = 0;
    h.store.claimRuns = async (runs) => {
      calls++;
      if (calls === 1) throw new Error("database is locked");
      await slow.promise; // the claim tried again is slow
      return claimRuns(runs);
    };
    await h.scheduler.start();
    await h.clock.advance(MIN + 150);
    expect(calls).toBe(2);
    let stopped = false;
    const stopping = h.scheduler.stop().then(() => {
      stopped = true;
    });
    await h.clock.advance(10);
    slow.resolve();
    await h.clock.advance(60_000);
    await stopping;
    expect(stopped).toBe(true);
    expect(h.runner.calls).toHaveLength(0);
    const runs = await h.runs("a");
    expect(runs.map((r) => [r.status, r.reason])).toEqual([
      ["skipped", "the scheduler stopped before the run could start"],
    ]);
  });

  it("history pruning under way is finished before stop() resolves (the store may be closed next)", async () => {
    const h = harness({ keepRuns: 1 });
    const pruneRuns = h.store.pruneRuns.bind(h.store);
    const slow = deferred();
    let pruning = 0;
    h.store.pruneRuns = async (jobId, keep) => {
      pruning++;
      await slow.promise;
      return pruneRuns(jobId, keep);
    };
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advance(MIN + 10);
    expect(pruning).toBe(1);
    let stopped = false;
    const stopping = h.scheduler.stop().then(() => {
      stopped = true;
    });
    await h.clock.advance(10);
    expect(stopped).toBe(false);
    slow.resolve();
    await h.clock.advance(10);
    await stopping;
  });
});
