import { afterEach, describe, expect, it } from "vitest";
import type { Job, Run } from "../../src/model.js";
import type { Store, StoreOptions } from "../../src/store/store.js";
import { errorOf, MINUTE, makeJob, makeRun, T0 } from "./fixtures.js";

// The store contract: what every backend must do, run against each of them
// (memory.test.ts, sqlite.test.ts; PostgreSQL later) so that they cannot
// drift apart. Each test gets a store of its own.

export interface StoreHarness {
  /** A new, empty store of its own. */
  open(options?: StoreOptions): Promise<Store>;
  /** Another connection to the same store (for SQLite: a second handle on the file). */
  connect(store: Store, options?: StoreOptions): Promise<Store>;
}

export function storeContract(name: string, harness: StoreHarness): void {
  describe(`store contract: ${name}`, () => {
    const opened: Store[] = [];
    let clock = T0;
    const now = () => clock;
    async function open(): Promise<Store> {
      clock = T0;
      const store = await harness.open({ now });
      opened.push(store);
      return store;
    }
    async function connect(store: Store): Promise<Store> {
      const other = await harness.connect(store, { now });
      opened.push(other);
      return other;
    }
    afterEach(async () => {
      for (const store of opened.splice(0).reverse()) await store.close();
    });

    describe("jobs", () => {
      it("stores every field of a job and gives it back unchanged", async () => {
        const store = await open();
        const jobs: Job[] = [
          makeJob("script"),
          makeJob("command", {
            target: { type: "command", argv: ["/bin/echo", "it's", "ünïcode ✓"] },
            timeoutMs: null,
            cwd: null,
            env: {},
            graceMs: 90_000,
            description: null,
          }),
          makeJob("shell", {
            target: { type: "shell", command: "echo $HOME | wc -c" },
            overlap: "replace",
            catchUp: "all",
            jitterMs: 1500,
            paused: true,
          }),
          makeJob("fn", { target: { type: "function", name: "report" }, retries: 0 }),
        ];
        for (const job of jobs) await store.createJob(job);
        for (const job of jobs) expect(await store.getJob(job.id)).toEqual(job);
        expect(await store.getJob("nope")).toBeNull();
      });

      it("refuses a duplicate id with E_JOB_EXISTS and keeps the first job", async () => {
        const store = await open();
        await store.createJob(makeJob("backup"));
        const err = await errorOf(store.createJob(makeJob("backup", { schedule: "@daily" })));
        expect(err.code).toBe("E_JOB_EXISTS");
        expect(err.message).toContain('job "backup" already exists');
        expect((await store.getJob("backup"))?.schedule).toBe("*/5 * * * *");
        expect(await store.listJobs()).toHaveLength(1);
      });

      it("lists jobs ordered by id, byte-wise", async () => {
        const store = await open();
        for (const id of ["b", "a.2", "B", "a-1", "a", "9"]) await store.createJob(makeJob(id));
        expect((await store.listJobs()).map((j) => j.id)).toEqual([
          "9",
          "B",
          "a",
          "a-1",
          "a.2",
          "b",
        ]);
      });

      it("cannot be changed through a job passed in or handed out", async () => {
        const store = await open();
        const job = makeJob("copy");
        await store.createJob(job);
        job.env.ADDED = "1"; // the caller's object after the call
        const got = (await store.getJob("copy")) as Job;
        // A backend may hand out frozen jobs (memory does, to share them): then the change throws.
        const attempt = (change: () => void) => {
          try {
            change();
          } catch (err) {
            expect(err).toBeInstanceOf(TypeError);
          }
        };
        attempt(() => {
          got.env.MUTATED = "1";
        });
        attempt(() => (got.target as { args: string[] }).args.push("x"));
        const listed = (await store.listJobs())[0] as Job;
        expect(listed.env).toEqual({ REPORT: "daily", EMPTY: "" });
        expect(listed.target).toEqual(makeJob("copy").target);
      });

      it("updates the fields in a patch, stamps updatedAt and keeps id and createdAt", async () => {
        const store = await open();
        await store.createJob(makeJob("report"));
        clock = T0 + 5000;
        const updated = await store.updateJob("report", {
          schedule: "0 9 * * MON-FRI",
          paused: true,
          env: { A: "1" },
          target: { type: "command", argv: ["/bin/true"] },
          description: undefined, // undefined: leave as it is
          // Not part of JobPatch, but a careless caller could send them.
          ...({ id: "other", createdAt: 1 } as object),
        });
        const expected = makeJob("report", {
          schedule: "0 9 * * MON-FRI",
          paused: true,
          env: { A: "1" },
          target: { type: "command", argv: ["/bin/true"] },
          updatedAt: T0 + 5000,
        });
        expect(updated).toEqual(expected);
        expect(await store.getJob("report")).toEqual(expected);
        expect(await store.getJob("other")).toBeNull();
        const explicit = await store.updateJob("report", { updatedAt: T0 + 1, paused: false });
        expect(explicit.updatedAt).toBe(T0 + 1);
      });

      it("refuses to update or trigger a job that does not exist", async () => {
        const store = await open();
        const err = await errorOf(store.updateJob("ghost", { paused: true }));
        expect(err.code).toBe("E_JOB_NOT_FOUND");
        expect(err.message).toContain('"ghost"');
        expect((await errorOf(store.requestTrigger("ghost"))).code).toBe("E_JOB_NOT_FOUND");
        expect(await store.listJobs()).toEqual([]);
      });

      it("removes a job and keeps its runs as history", async () => {
        const store = await open();
        await store.createJob(makeJob("gone"));
        const run = makeRun("gone", T0);
        await store.claimRun(run);
        expect(await store.removeJob("gone")).toBe(true);
        expect(await store.removeJob("gone")).toBe(false);
        expect(await store.getJob("gone")).toBeNull();
        expect(await store.getRun(run.id)).toEqual(run);
        expect(await store.listRuns({ jobId: "gone" })).toHaveLength(1);
        // The id can be used again; the old slot stays claimed.
        await store.createJob(makeJob("gone"));
        expect(await store.claimRun(makeRun("gone", T0))).toBe(false);
      });
    });

    describe("claiming slots", () => {
      it("claims a (job, slot, attempt) once", async () => {
        const store = await open();
        const first = makeRun("a", T0);
        expect(await store.claimRun(first)).toBe(true);
        expect(await store.claimRun(makeRun("a", T0, { node: "other:2:x" }))).toBe(false);
        expect(await store.claimRun(makeRun("a", T0, { attempt: 2, trigger: "retry" }))).toBe(true);
        expect(await store.claimRun(makeRun("a", T0 + MINUTE))).toBe(true);
        expect(await store.claimRun(makeRun("b", T0))).toBe(true);
        expect(await store.getRun(first.id)).toEqual(first);
        expect(await store.listRuns({ jobId: "a" })).toHaveLength(3);
      });

      it("a second connection loses a slot the first one won", async () => {
        const store = await open();
        const other = await connect(store);
        expect(await store.claimRun(makeRun("a", T0))).toBe(true);
        expect(await other.claimRun(makeRun("a", T0))).toBe(false);
        expect(await other.claimRun(makeRun("a", T0 + MINUTE))).toBe(true);
        expect(await store.claimRun(makeRun("a", T0 + MINUTE))).toBe(false);
      });

      it("never loses a slot silently to a clash of run ids", async () => {
        const store = await open();
        const run = makeRun("a", T0);
        await store.claimRun(run);
        const err = await errorOf(store.claimRun({ ...run, scheduledAt: T0 + MINUTE }));
        expect(err.code).toBe("E_STORE");
        expect(await store.listRuns()).toHaveLength(1);
      });

      it("claims many slots at once and counts those it won", async () => {
        const store = await open();
        await store.claimRun(makeRun("a", T0 + MINUTE));
        const slots = [0, 1, 2, 3].map((i) => makeRun("a", T0 + i * MINUTE, { status: "missed" }));
        expect(await store.claimRuns(slots)).toEqual([true, false, true, true]);
        expect(await store.claimRuns(slots.map((r) => ({ ...r, id: `${r.id}x` })))).toEqual([
          false,
          false,
          false,
          false,
        ]);
        expect(await store.claimRuns([])).toEqual([]);
        expect((await store.listRuns({ jobId: "a" })).map((r) => r.scheduledAt)).toEqual([
          T0 + 3 * MINUTE,
          T0 + 2 * MINUTE,
          T0 + MINUTE,
          T0,
        ]);
      });

      it("claims slots that come out of order once each, and lists them in slot order", async () => {
        const store = await open();
        const order: Array<[number, number]> = [
          [2, 1],
          [0, 1],
          [0, 3],
          [1, 1],
          [0, 2],
        ];
        const runs = order.map(([m, attempt]) =>
          makeRun("a", T0 + m * MINUTE, { attempt, trigger: attempt > 1 ? "retry" : "schedule" }),
        );
        expect(await store.claimRuns(runs)).toEqual([true, true, true, true, true]);
        const again = [...order]
          .reverse()
          .map(([m, attempt]) =>
            makeRun("a", T0 + m * MINUTE, { attempt, trigger: attempt > 1 ? "retry" : "schedule" }),
          );
        expect(await store.claimRuns(again)).toEqual([false, false, false, false, false]);
        expect(
          (await store.listRuns({ jobId: "a" })).map((r) => [
            (r.scheduledAt - T0) / MINUTE,
            r.attempt,
          ]),
        ).toEqual([
          [2, 1],
          [1, 1],
          [0, 3],
          [0, 2],
          [0, 1],
        ]);
      });

      it("claims all or nothing when one run of a batch is bad", async () => {
        const store = await open();
        const taken = makeRun("a", T0);
        await store.claimRun(taken);
        const fresh = makeRun("a", T0 + MINUTE);
        const clash = { ...makeRun("a", T0 + 2 * MINUTE), id: taken.id };
        expect((await errorOf(store.claimRuns([fresh, clash]))).code).toBe("E_STORE");
        expect(await store.getRun(fresh.id)).toBeNull();
        expect(await store.claimRun(makeRun("a", T0 + MINUTE))).toBe(true);
      });

      it("claims nothing of a batch that holds one run id twice", async () => {
        const store = await open();
        const first = makeRun("a", T0);
        const second = makeRun("b", T0);
        const again = { ...makeRun("c", T0), id: first.id };
        expect((await errorOf(store.claimRuns([first, second, again]))).code).toBe("E_STORE");
        expect(await store.getRun(first.id)).toBeNull();
        expect(await store.getRun(second.id)).toBeNull();
        expect(await store.listRuns({})).toEqual([]);
        expect(await store.claimRuns([first, second])).toEqual([true, true]);
      });
    });

    describe("runs", () => {
      it("updates the fields in a patch and nothing else", async () => {
        const store = await open();
        const run = makeRun("a", T0);
        await store.claimRun(run);
        await store.updateRun(run.id, {
          status: "failed",
          finishedAt: T0 + 900,
          exitCode: 3,
          signal: null,
          outputTail: "Traceback…\nValueError: x\n",
          outputBytes: 12_345_678,
          outputTruncated: true,
          reason: undefined,
        });
        expect(await store.getRun(run.id)).toEqual({
          ...run,
          status: "failed",
          finishedAt: T0 + 900,
          exitCode: 3,
          outputTail: "Traceback…\nValueError: x\n",
          outputBytes: 12_345_678,
          outputTruncated: true,
        });
        await store.updateRun(run.id, {});
        const err = await errorOf(store.updateRun("no-such-run", { status: "killed" }));
        expect(err.code).toBe("E_RUN_NOT_FOUND");
        expect((await errorOf(store.updateRun("no-such-run", {}))).code).toBe("E_RUN_NOT_FOUND");
        expect(await store.getRun("no-such-run")).toBeNull();
      });

      it("applies a batch of updates in order, passing over runs that are gone", async () => {
        const store = await open();
        const a = makeRun("a", T0);
        const b = makeRun("b", T0);
        await store.claimRuns([a, b]);
        const applied = await store.updateRuns([
          { id: a.id, patch: { pid: 42, startedAt: T0 + 1 } },
          { id: "no-such-run", patch: { status: "killed" } },
          { id: a.id, patch: { status: "succeeded", finishedAt: T0 + 5, exitCode: 0 } },
          { id: b.id, patch: { status: "failed", exitCode: 1 } },
        ]);
        expect(applied).toBe(3);
        expect(await store.getRun(a.id)).toEqual({
          ...a,
          pid: 42,
          startedAt: T0 + 1,
          status: "succeeded",
          finishedAt: T0 + 5,
          exitCode: 0,
        });
        expect(await store.getRun(b.id)).toEqual({ ...b, status: "failed", exitCode: 1 });
        expect(await store.updateRuns([])).toBe(0);
      });

      it("applies only the first `count` updates of a batch", async () => {
        const store = await open();
        const a = makeRun("a", T0);
        const b = makeRun("b", T0);
        await store.claimRuns([a, b]);
        const updates = [
          { id: a.id, patch: { status: "succeeded" as const, finishedAt: T0 + 5 } },
          { id: b.id, patch: { status: "failed" as const, finishedAt: T0 + 5 } },
        ];
        expect(await store.updateRuns(updates, 1)).toBe(1);
        expect((await store.getRun(a.id))?.status).toBe("succeeded");
        expect(await store.getRun(b.id)).toEqual(b);
        expect(await store.updateRuns(updates, 0)).toBe(0);
        expect(await store.getRun(b.id)).toEqual(b);
      });

      async function history(store: Store): Promise<Run[]> {
        // Three jobs, slots every minute, some sharing slots, retries, statuses.
        const runs: Run[] = [];
        for (let i = 0; i < 10; i++) {
          for (const jobId of ["a", "b", "c"]) {
            if (jobId === "c" && i % 2 === 1) continue;
            const status = i % 3 === 0 ? "failed" : i === 9 ? "running" : "succeeded";
            runs.push(makeRun(jobId, T0 + i * MINUTE, { status }));
            if (jobId === "a" && status === "failed") {
              runs.push(makeRun(jobId, T0 + i * MINUTE, { attempt: 2, trigger: "retry" }));
            }
          }
        }
        // Claimed out of order, as two schedulers might.
        for (const run of [...runs].reverse()) await store.claimRun(run);
        return runs;
      }

      const order = (a: Run, b: Run) =>
        b.scheduledAt - a.scheduledAt || b.attempt - a.attempt || (a.jobId < b.jobId ? 1 : -1);

      it("lists runs newest first: slot, attempt, then job id", async () => {
        const store = await open();
        const runs = await history(store);
        const all = await store.listRuns({ limit: 1000 });
        expect(all).toEqual([...runs].sort(order));
        expect(await store.listRuns()).toHaveLength(Math.min(50, runs.length));
        const a = await store.listRuns({ jobId: "a", limit: 3 });
        expect(a.map((r) => [r.scheduledAt - T0, r.attempt])).toEqual([
          [9 * MINUTE, 2],
          [9 * MINUTE, 1],
          [8 * MINUTE, 1],
        ]);
        expect(await store.listRuns({ jobId: "zzz" })).toEqual([]);
      });

      it("filters runs by status, job and a half-open range of slots", async () => {
        const store = await open();
        const runs = await history(store);
        const failed = await store.listRuns({ status: "failed", limit: 1000 });
        expect(failed).toEqual(runs.filter((r) => r.status === "failed").sort(order));
        const some = await store.listRuns({ jobId: "b", status: ["running", "failed"] });
        expect(some.map((r) => r.scheduledAt - T0)).toEqual([9, 6, 3, 0].map((m) => m * MINUTE));
        expect(await store.listRuns({ status: [] })).toEqual([]);
        const range = await store.listRuns({ from: T0 + 2 * MINUTE, to: T0 + 4 * MINUTE });
        expect(range).toEqual(
          runs
            .filter((r) => r.scheduledAt >= T0 + 2 * MINUTE && r.scheduledAt < T0 + 4 * MINUTE)
            .sort(order),
        );
        const combined = await store.listRuns({ jobId: "c", from: T0 + 4 * MINUTE, limit: 2 });
        expect(combined.map((r) => r.scheduledAt - T0)).toEqual([8 * MINUTE, 6 * MINUTE]);
      });

      it("pages through all runs with beforeId, without gaps or repeats", async () => {
        const store = await open();
        const runs = await history(store);
        for (const query of [{}, { jobId: "a" }, { status: "succeeded" as const }]) {
          const seen: Run[] = [];
          let beforeId: string | undefined;
          for (;;) {
            const page = await store.listRuns({ ...query, limit: 4, beforeId });
            seen.push(...page);
            if (page.length < 4) break;
            beforeId = page[3]?.id;
          }
          const expected = (await store.listRuns({ ...query, limit: 1000 })).map((r) => r.id);
          expect(seen.map((r) => r.id)).toEqual(expected);
        }
        // A cursor from another job: the runs of this job after it in the order.
        const cursor = runs.find((r) => r.jobId === "b" && r.scheduledAt === T0 + 4 * MINUTE);
        const after = await store.listRuns({ jobId: "a", beforeId: cursor?.id, limit: 2 });
        expect(after.map((r) => [r.jobId, r.scheduledAt - T0])).toEqual([
          ["a", 4 * MINUTE],
          ["a", 3 * MINUTE],
        ]);
        expect((await errorOf(store.listRuns({ beforeId: "gone" }))).code).toBe("E_RUN_NOT_FOUND");
      });

      it("rejects a limit that is not a positive integer", async () => {
        const store = await open();
        for (const limit of [0, -1, 1.5, Number.NaN]) {
          const err = await errorOf(store.listRuns({ limit }));
          expect(err.code).toBe("E_USAGE");
          expect(err.message).toContain("limit");
        }
      });

      it("knows the last scheduled slot of a job, ignoring manual and reboot runs", async () => {
        const store = await open();
        expect(await store.lastSlot("a")).toBeNull();
        await store.claimRun(makeRun("a", T0, { trigger: "catch-up" }));
        expect(await store.lastSlot("a")).toBe(T0);
        await store.claimRun(makeRun("a", T0 + 2 * MINUTE));
        await store.claimRun(makeRun("a", T0 + MINUTE));
        await store.claimRun(makeRun("a", T0 + 3 * MINUTE, { trigger: "manual" }));
        await store.claimRun(makeRun("a", T0 + 4 * MINUTE, { trigger: "reboot" }));
        await store.claimRun(makeRun("b", T0 + 9 * MINUTE));
        expect(await store.lastSlot("a")).toBe(T0 + 2 * MINUTE);
      });

      it("finds unfinished runs, oldest first, of every node or of one", async () => {
        const store = await open();
        const r1 = makeRun("a", T0 + MINUTE, { status: "running", node: "n1" });
        const r2 = makeRun("b", T0, { status: "queued", node: "n2" });
        const r3 = makeRun("c", T0 + 2 * MINUTE, { status: "running", node: "n1" });
        await store.claimRuns([r1, r2, r3, makeRun("a", T0, { status: "succeeded", node: "n1" })]);
        await store.claimRun(makeRun("d", T0, { status: "abandoned" }));
        expect(await store.unfinishedRuns()).toEqual([r2, r1, r3]);
        expect(await store.unfinishedRuns("n1")).toEqual([r1, r3]);
        expect(await store.unfinishedRuns("n3")).toEqual([]);
        await store.updateRun(r1.id, { status: "killed" });
        expect(await store.unfinishedRuns("n1")).toEqual([r3]);
      });

      it("prunes the older finished runs of a job and keeps running ones", async () => {
        const store = await open();
        const runs = [0, 1, 2, 3, 4, 5].map((i) =>
          makeRun("a", T0 + i * MINUTE, { status: i === 1 ? "running" : "succeeded" }),
        );
        await store.claimRuns(runs);
        await store.claimRun(makeRun("b", T0));
        expect(await store.pruneRuns("a", 3)).toBe(2); // slots 0 and 2; 1 is running
        expect((await store.listRuns({ jobId: "a" })).map((r) => r.scheduledAt - T0)).toEqual(
          [5, 4, 3, 1].map((m) => m * MINUTE),
        );
        expect(await store.pruneRuns("a", 10)).toBe(0);
        expect(await store.pruneRuns("a", 0)).toBe(3);
        expect((await store.listRuns({ jobId: "a" })).map((r) => r.id)).toEqual([runs[1]?.id]);
        expect(await store.listRuns({ jobId: "b" })).toHaveLength(1);
        expect(await store.pruneRuns("nobody", 1)).toBe(0);
        expect((await errorOf(store.pruneRuns("a", -1))).code).toBe("E_USAGE");
      });
    });

    describe("trigger requests", () => {
      it("records a request, hands it to one taker, and links it to its run", async () => {
        const store = await open();
        await store.createJob(makeJob("a"));
        await store.createJob(makeJob("b"));
        const first = await store.requestTrigger("b");
        clock += 10;
        const second = await store.requestTrigger("a");
        expect(first).toMatchObject({ jobId: "b", requestedAt: T0, takenAt: null, runId: null });
        expect(await store.getTrigger(first.id)).toEqual(first);
        clock += 10;
        const taken = await store.takeTriggers("n1");
        expect(taken.map((t) => t.id)).toEqual([first.id, second.id]);
        expect(taken[0]).toEqual({ ...first, takenAt: T0 + 20, takenBy: "n1" });
        expect(await store.takeTriggers("n1")).toEqual([]);
        await store.completeTrigger(first.id, "run-1");
        await store.completeTrigger("unknown", "run-2");
        expect(await store.getTrigger(first.id)).toMatchObject({ runId: "run-1", takenBy: "n1" });
        expect(await store.getTrigger("unknown")).toBeNull();
      });

      it("gives each request to exactly one of two connections", async () => {
        const store = await open();
        const other = await connect(store);
        await store.createJob(makeJob("a"));
        const ids: string[] = [];
        const took = { n1: [] as string[], n2: [] as string[] };
        for (let i = 0; i < 20; i++) {
          ids.push((await (i % 2 ? store : other).requestTrigger("a")).id);
          if (i % 3 === 0) took.n1.push(...(await store.takeTriggers("n1")).map((t) => t.id));
          if (i % 4 === 0) took.n2.push(...(await other.takeTriggers("n2")).map((t) => t.id));
        }
        took.n2.push(...(await other.takeTriggers("n2")).map((t) => t.id));
        took.n1.push(...(await store.takeTriggers("n1")).map((t) => t.id));
        expect([...took.n1, ...took.n2].sort()).toEqual([...ids].sort());
        expect(took.n1.length).toBeGreaterThan(0);
        expect(took.n2.length).toBeGreaterThan(0);
      });

      it("forgets taken requests after a week, never pending ones", async () => {
        const store = await open();
        await store.createJob(makeJob("a"));
        const old = await store.requestTrigger("a");
        await store.takeTriggers("n1");
        const pending = await store.requestTrigger("a");
        clock += 8 * 24 * 3600_000;
        await store.requestTrigger("a");
        expect(await store.takeTriggers("n1")).toHaveLength(2);
        expect(await store.getTrigger(old.id)).toBeNull();
        expect(await store.getTrigger(pending.id)).not.toBeNull();
      });

      it("keeps a request for a job removed before it was taken", async () => {
        const store = await open();
        await store.createJob(makeJob("a"));
        const request = await store.requestTrigger("a");
        await store.removeJob("a");
        expect((await store.takeTriggers("n1")).map((t) => t.id)).toEqual([request.id]);
      });
    });

    describe("change token", () => {
      it("changes with every change to jobs and every trigger request, seen from any connection", async () => {
        const store = await open();
        const other = await connect(store);
        const tokens = new Set<string>();
        const step = async (change: () => Promise<unknown>) => {
          const before = await other.changeToken();
          await change();
          const after = await other.changeToken();
          expect(after).not.toBe(before);
          expect(await store.changeToken()).toBe(after);
          expect(tokens.has(after)).toBe(false);
          tokens.add(after);
        };
        tokens.add(await store.changeToken());
        await step(() => store.createJob(makeJob("a")));
        await step(() => store.updateJob("a", { paused: true }));
        await step(() => store.requestTrigger("a"));
        await step(() => other.createJob(makeJob("b")));
        await step(() => store.removeJob("a"));
      });

      it("stays put for runs, reads, failed writes and taking triggers", async () => {
        const store = await open();
        const other = await connect(store);
        await store.createJob(makeJob("a"));
        const token = await store.changeToken();
        const run = makeRun("a", T0);
        await other.claimRun(run);
        await other.claimRuns([makeRun("a", T0 + MINUTE)]);
        await other.updateRun(run.id, { status: "succeeded" });
        await other.pruneRuns("a", 1);
        await store.listJobs();
        await store.listRuns({ jobId: "a" });
        await errorOf(store.createJob(makeJob("a")));
        await errorOf(store.updateJob("zz", {}));
        await store.removeJob("zz");
        expect(await store.changeToken()).toBe(token);
        await store.requestTrigger("a");
        const afterRequest = await store.changeToken();
        await other.takeTriggers("n2");
        expect(await store.changeToken()).toBe(afterRequest);
      });
    });

    describe("closing", () => {
      it("closes once, and refuses calls afterwards with E_STORE", async () => {
        const store = await open();
        await store.close();
        await store.close();
        const err = await errorOf(store.listJobs());
        expect(err.code).toBe("E_STORE");
        expect(err.message).toContain("closed");
        expect((await errorOf(store.claimRun(makeRun("a", T0)))).code).toBe("E_STORE");
      });
    });
  });
}
