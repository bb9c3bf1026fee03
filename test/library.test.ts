import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CronScheduler,
  createScheduler,
  type Job,
  type JobContext,
  type Run,
} from "../src/index.js";
import { FakeClock } from "../src/scheduler/fake-clock.js";
import { MemoryStore } from "../src/store/memory.js";
import type { Store } from "../src/store/store.js";
import { tempDir } from "./tmp.js";

const open: CronScheduler[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.stop();
});

async function make(options: Parameters<typeof createScheduler>[0] = {}): Promise<CronScheduler> {
  const s = await createScheduler({ shutdownGraceMs: 1000, ...options });
  open.push(s);
  return s;
}

describe("createScheduler (library)", () => {
  it("runs an in-process function on its schedule with the context it promises", async () => {
    const s = await make();
    const contexts: JobContext[] = [];
    const finished: Run[] = [];
    s.add({
      id: "tick",
      schedule: "* * * * * *",
      timezone: "UTC",
      run: (ctx) => void contexts.push(ctx),
    });
    s.on("run:finished", (run) => finished.push(run));
    await s.start();
    await waitFor(() => finished.length >= 2, 3500);
    const [first, second] = contexts;
    expect(first?.jobId).toBe("tick");
    expect(first?.attempt).toBe(1);
    expect(first?.signal).toBeInstanceOf(AbortSignal);
    expect((first?.scheduledAt.getTime() ?? 1) % 1000).toBe(0);
    expect((second?.scheduledAt.getTime() ?? 0) - (first?.scheduledAt.getTime() ?? 0)).toBe(1000);
    expect(finished[0]?.status).toBe("succeeded");
    // Never early: a run starts at or after its slot.
    for (const run of finished) expect(run.startedAt).toBeGreaterThanOrEqual(run.scheduledAt);
  });

  it("rejects bad input at once, naming it", () => {
    return make().then((s) => {
      expect(() => s.add({ id: "bad id", schedule: "* * * * *", run: () => {} })).toThrow(/id/);
      expect(() => s.add({ id: "x", schedule: "61 * * * *", run: () => {} })).toThrow(
        'minute field: 61 is out of range 0-59 (column 1 of "61 * * * *")',
      );
    });
  });

  it("trigger runs a job now and resolves with its finished run; a thrown error fails it", async () => {
    const s = await make();
    s.add({
      id: "boom",
      schedule: "@yearly",
      run: () => {
        throw new Error("kaput");
      },
    });
    s.add({ id: "fine", schedule: "@yearly", run: async () => "ok" });
    await s.start();
    const fine = await s.trigger("fine");
    expect(fine.status).toBe("succeeded");
    expect(fine.trigger).toBe("manual");
    const boom = await s.trigger("boom");
    expect(boom.status).toBe("failed");
    expect(boom.reason).toMatch(/kaput/);
  });

  it("a job paused from outside stays paused when the program re-adds its definition", async () => {
    const db = join(tempDir(), "jobs.db");
    const first = await make({ store: `sqlite:${db}` });
    await first.add({ id: "report", schedule: "@daily", command: ["/bin/true"] });
    await first.pause("report");
    await first.stop();
    open.splice(open.indexOf(first), 1);
    const second = await make({ store: `sqlite:${db}` });
    expect(
      (await second.add({ id: "report", schedule: "@daily", command: ["/bin/true"] })).paused,
    ).toBe(true);
    // Saying it in the definition wins.
    expect(
      (
        await second.add({
          id: "report",
          schedule: "@daily",
          command: ["/bin/true"],
          paused: false,
        })
      ).paused,
    ).toBe(false);
  });

  it("keeps jobs in SQLite across restarts; an unchanged definition keeps its catch-up position", async () => {
    const db = join(tempDir(), "jobs.db");
    const first = await make({ store: `sqlite:${db}` });
    const added = await first.add({
      id: "report",
      schedule: "0 9 * * MON-FRI",
      timezone: "Europe/Berlin",
      command: ["/bin/true"],
    });
    await first.stop();
    open.splice(open.indexOf(first), 1);
    const second = await make({ store: `sqlite:${db}` });
    const again = await second.add({
      id: "report",
      schedule: "0 9 * * MON-FRI",
      timezone: "Europe/Berlin",
      command: ["/bin/true"],
    });
    expect(again.updatedAt).toBe(added.updatedAt);
    const changed = await second.add({
      id: "report",
      schedule: "0 10 * * MON-FRI",
      timezone: "Europe/Berlin",
      command: ["/bin/true"],
    });
    expect(changed.schedule).toBe("0 10 * * MON-FRI");
    expect(changed.createdAt).toBe(added.createdAt);
    expect((await second.jobs()).map((j) => j.id)).toEqual(["report"]);
    const next = await second.nextRuns("report", 1);
    expect(next[0]?.getUTCHours()).toBe(next[0] && isSummer(next[0]) ? 8 : 9);
  });

  it("add() twice with one id in a row: the later definition wins, and start() does not fail", async () => {
    const s = await make({ pollMs: null });
    const first = s.add({ id: "job", schedule: "0 9 * * *", timezone: "UTC", run: () => {} });
    const second = s.add({ id: "job", schedule: "0 10 * * *", timezone: "UTC", run: () => {} });
    await s.start();
    await expect(first).resolves.toMatchObject({ schedule: "0 9 * * *" });
    await expect(second).resolves.toMatchObject({ schedule: "0 10 * * *" });
    expect((await s.job("job"))?.schedule).toBe("0 10 * * *");
    // add() then remove() without waiting: removed.
    s.add({ id: "other", schedule: "0 9 * * *", timezone: "UTC", run: () => {} });
    await s.remove("other");
    expect(await s.job("other")).toBeNull();
  });

  it("run:finished comes once the store has the outcome, also for a function that returns at once", async () => {
    const clock = new FakeClock(Date.parse("2026-03-02T10:00:00Z"));
    const s = await make({ clock, pollMs: null });
    s.add({ id: "sync", schedule: "* * * * * *", timezone: "UTC", run: () => {} });
    s.add({
      id: "fails",
      schedule: "* * * * * *",
      timezone: "UTC",
      run: () => {
        throw new Error("no luck");
      },
    });
    const seen: Array<Promise<Run | null>> = [];
    s.on("run:finished", (run) => seen.push(s.store.getRun(run.id)));
    await s.start();
    await clock.advance(3000);
    const stored = await Promise.all(seen);
    expect(stored.length).toBeGreaterThanOrEqual(4);
    for (const run of stored) {
      expect(run?.status).toBe(run?.jobId === "sync" ? "succeeded" : "failed");
      expect(run?.finishedAt).not.toBeNull();
    }
    expect(stored.find((r) => r?.jobId === "fails")?.reason).toBe("no luck");
  });

  it("keepRuns bounds each job's history", async () => {
    const clock = new FakeClock(Date.parse("2026-03-02T10:00:00Z"));
    const s = await make({ clock, keepRuns: 3, pollMs: null });
    s.add({ id: "tick", schedule: "* * * * * *", timezone: "UTC", run: () => {} });
    await s.start();
    await clock.advance(20_000);
    const runs = await s.runs({ jobId: "tick", limit: 100 });
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThanOrEqual(4);
    const stopping = s.stop();
    await clock.advance(1000);
    await stopping;
  });
});

describe("add() before start() into a store that writes at once (memory)", () => {
  const T0 = Date.parse("2026-03-02T10:00:00Z");
  const report = { id: "report", schedule: "0 9 * * *", timezone: "UTC", command: ["/bin/true"] };

  it("has the job stored when add() returns", async () => {
    const s = await make({ pollMs: null });
    const added = s.add({ ...report });
    expect(s.store.sync?.getJob("report")?.schedule).toBe("0 9 * * *");
    expect(await added).toEqual(await s.job("report"));
  });

  /** Redefines jobs the ways a program does; returns what add() and the store said. */
  async function redefinitions(store: Store, clock: FakeClock): Promise<unknown[]> {
    const s = await make({ store, clock, pollMs: null });
    const seen: unknown[] = [await s.add({ ...report })];
    await clock.advance(1000);
    await s.pause("report");
    await clock.advance(1000);
    // Unchanged: the stored job as it is, still paused.
    seen.push(await s.add({ ...report }));
    await clock.advance(1000);
    // Changed, without saying whether paused: still paused.
    seen.push(await s.add({ ...report, schedule: "0 10 * * *" }));
    seen.push(await s.add({ ...report, schedule: "0 10 * * *", paused: false }));
    // Two adds of one id in a row: the later one wins.
    const first = s.add({ id: "twice", schedule: "0 9 * * *", run: () => {} });
    const second = s.add({ id: "twice", schedule: "0 11 * * *", run: () => {} });
    seen.push(await first, await second, await s.jobs());
    return seen;
  }

  it("redefines jobs as every other store does: upsert, pause kept, the later add wins", async () => {
    const clock = new FakeClock(T0);
    const fast = await redefinitions(new MemoryStore({ now: () => clock.now() }), clock);
    const other = new FakeClock(T0);
    const slow = await redefinitions(
      withoutSync(new MemoryStore({ now: () => other.now() })),
      other,
    );
    expect(fast).toEqual(slow);
    const [created, unchanged, changed, resumed, , , jobs] = fast as Job[];
    expect(created).toMatchObject({ paused: false, createdAt: T0, updatedAt: T0 });
    expect(unchanged).toMatchObject({ paused: true, updatedAt: T0 + 1000 });
    expect(changed).toMatchObject({ paused: true, schedule: "0 10 * * *", createdAt: T0 });
    expect(resumed).toMatchObject({ paused: false, schedule: "0 10 * * *" });
    expect((jobs as unknown as Job[]).map((j) => [j.id, j.schedule])).toEqual([
      ["report", "0 10 * * *"],
      ["twice", "0 11 * * *"],
    ]);
  });

  it("throws bad input at once, and rejects a failed write, which start() reports", async () => {
    for (const store of [new MemoryStore(), withoutSync(new MemoryStore())]) {
      const s = await make({ store, pollMs: null });
      expect(() => s.add({ ...report, schedule: "61 * * * *" })).toThrow(/minute field/);
      await store.close();
      const failed = s.add({ ...report });
      await expect(failed).rejects.toMatchObject({ code: "E_STORE" });
      await expect(s.start()).rejects.toMatchObject({ code: "E_STORE" });
    }
  });

  it("after start(), tells the running scheduler of a job it adds", async () => {
    const clock = new FakeClock(T0);
    const s = await make({ clock, pollMs: null });
    await s.start();
    const finished: Run[] = [];
    s.on("run:finished", (run) => finished.push(run));
    await s.add({ id: "tick", schedule: "* * * * * *", timezone: "UTC", run: () => {} });
    await clock.advance(3000);
    expect(finished.map((r) => r.jobId)).toContain("tick");
    const stopping = s.stop();
    await clock.advance(1000);
    await stopping;
  });
});

/** A store without its synchronous job methods: add() goes the way of SQLite and PostgreSQL. */
function withoutSync(store: Store): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key === "sync") return undefined;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function isSummer(d: Date): boolean {
  return new Intl.DateTimeFormat("en", { timeZone: "Europe/Berlin", timeZoneName: "short" })
    .format(d)
    .includes("GMT+2");
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
