import { afterEach, describe, expect, it } from "vitest";
import { failNext, type Harness, harness, makeJob, T0 } from "./helpers.js";

// The runs due at an instant are decided and claimed a lead before it
// (claimAheadMs, 10 ms by default), and start when the wall clock reaches it.

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

describe("claiming ahead of the instant", () => {
  it("claims every run of the instant before it, and starts each at the instant, never before", async () => {
    const h = track(harness());
    for (let i = 0; i < 40; i++) {
      await h.store.createJob(
        makeJob({ id: `j${String(i).padStart(2, "0")}`, schedule: "* * * * *" }),
      );
    }
    await h.scheduler.start();
    await h.clock.advanceTo(T0 + MIN - 5);
    // Claimed, as running (from the instant they are due), and not called yet.
    const claimed = await h.runs();
    expect(claimed).toHaveLength(40);
    expect(claimed.every((r) => r.status === "running" && r.startedAt === T0 + MIN)).toBe(true);
    expect(h.runner.calls).toHaveLength(0);
    await h.clock.advanceTo(T0 + MIN);
    expect(h.runner.calls).toHaveLength(40);
    for (const c of h.runner.calls) expect(c.at).toBe(T0 + MIN);
    const runs = await h.runs();
    expect(runs.map((r) => [r.status, r.startedAt])).toEqual(
      Array(40).fill(["succeeded", T0 + MIN]),
    );
  });

  it("a timer that fires early does not start the runs early", async () => {
    const h = track(harness());
    const setTimer = h.clock.setTimer.bind(h.clock);
    h.clock.setTimer = (cb, delay) => setTimer(cb, delay > 3 ? delay - 3 : delay);
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advance(3 * MIN);
    expect(h.runner.calls.map((c) => c.attempt.scheduledAt)).toEqual([
      T0 + MIN,
      T0 + 2 * MIN,
      T0 + 3 * MIN,
    ]);
    for (const c of h.runner.calls) expect(c.at).toBe(c.attempt.scheduledAt);
  });

  it("a job whose run ends between the claim ahead and the instant is not skipped: it is decided at the instant", async () => {
    const h = track(harness({ claimAheadMs: 50 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" })); // overlap "skip"
    await h.store.createJob(makeJob({ id: "b", schedule: "* * * * *" }));
    h.runner.outcome = (a) => (a.jobId === "a" && a.scheduledAt === T0 + MIN ? "hang" : "now");
    await h.scheduler.start();
    await h.clock.advanceTo(T0 + MIN);
    const [first] = h.runner.hanging;
    // The lead is 50 ms: the next batch is claimed at 2 min - 50 ms; the run
    // of "a" ends 20 ms before the instant, after that claim.
    await h.clock.advanceTo(T0 + 2 * MIN - 40);
    expect((await h.runs("b")).map((r) => r.status)).toEqual(["succeeded", "running"]);
    expect(await h.runs("a")).toHaveLength(1);
    await h.clock.advanceTo(T0 + 2 * MIN - 20);
    h.runner.finish(first as string);
    await h.clock.advanceTo(T0 + 2 * MIN);
    expect((await h.runs("a")).map((r) => [r.scheduledAt, r.status])).toEqual([
      [T0 + MIN, "succeeded"],
      [T0 + 2 * MIN, "succeeded"],
    ]);
    const calls = h.runner.calls.filter((c) => c.attempt.jobId === "a");
    expect(calls.map((c) => c.at)).toEqual([T0 + MIN, T0 + 2 * MIN]);
  });

  it("a job still running at the instant is skipped as before, with the run in its way named", async () => {
    const h = track(harness());
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    h.runner.outcome = (a) => (a.scheduledAt === T0 + MIN ? "hang" : "now");
    await h.scheduler.start();
    await h.clock.advanceTo(T0 + 2 * MIN);
    const runs = await h.runs("a");
    expect(runs.map((r) => r.status)).toEqual(["running", "skipped"]);
    expect(runs[1]?.reason).toContain(runs[0]?.id);
  });

  it("a wall clock stepped back during the wait holds the runs up by at most a second, not by the step", async () => {
    const h = track(harness({ claimAheadMs: 50 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advanceTo(T0 + MIN - 30);
    expect(await h.runs("a")).toHaveLength(1); // claimed ahead
    await h.clock.jump(-3_600_000);
    await h.clock.advance(500);
    expect(h.runner.calls).toHaveLength(0);
    await h.clock.advance(600);
    expect(h.runner.calls.map((c) => c.attempt.scheduledAt)).toEqual([T0 + MIN]);
    expect((await h.runs("a")).map((r) => r.status)).toEqual(["succeeded"]);
  });

  it("with claimAheadMs 0, nothing is claimed before the instant", async () => {
    const h = track(harness({ claimAheadMs: 0 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advanceTo(T0 + MIN - 1);
    expect(await h.runs("a")).toHaveLength(0);
    await h.clock.advanceTo(T0 + MIN);
    expect((await h.runs("a")).map((r) => r.status)).toEqual(["succeeded"]);
  });

  it("a job paused just before its instant is left alone if the claim had not been made yet", async () => {
    const h = track(harness({ claimAheadMs: 50 }));
    await h.store.createJob(makeJob({ id: "a", schedule: "* * * * *" }));
    await h.scheduler.start();
    await h.clock.advanceTo(T0 + MIN - 60);
    await h.store.updateJob("a", { paused: true });
    await h.scheduler.refresh();
    await h.clock.advanceTo(T0 + 2 * MIN);
    expect(await h.runs("a")).toHaveLength(0);
    expect(h.runner.calls).toHaveLength(0);
  });

  it("claims the whole instant in one transaction; if it fails, every slot runs a moment late, once", async () => {
    const h = track(harness());
    for (let i = 0; i < 40; i++)
      await h.store.createJob(makeJob({ id: `j${i}`, schedule: "* * * * *" }));
    await h.scheduler.start();
    const claimRuns = h.store.claimRuns.bind(h.store);
    const sizes: number[] = [];
    h.store.claimRuns = (runs) => {
      sizes.push(runs.length);
      return claimRuns(runs);
    };
    failNext(h.store, "claimRuns");
    await h.clock.advanceTo(T0 + MIN);
    expect(h.runner.calls).toHaveLength(0);
    await h.clock.advance(1000);
    expect(h.runner.calls).toHaveLength(40);
    expect(new Set(h.runner.calls.map((c) => c.attempt.jobId)).size).toBe(40);
    expect(
      (await h.runs()).every((r) => r.scheduledAt === T0 + MIN && r.status === "succeeded"),
    ).toBe(true);
    await h.clock.advanceTo(T0 + 2 * MIN);
    expect(sizes.slice(-1)).toEqual([40]);
    expect(h.runner.calls).toHaveLength(80);
  });
});
