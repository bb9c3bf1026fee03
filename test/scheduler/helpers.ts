import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Job, Run } from "../../src/model.js";
import { FakeClock } from "../../src/scheduler/fake-clock.js";
import type { Attempt, AttemptResult, Runner } from "../../src/scheduler/runner.js";
import { Scheduler, type SchedulerOptions } from "../../src/scheduler/scheduler.js";
import { MemoryStore } from "../../src/store/memory.js";

export const T0 = Date.parse("2026-03-02T10:00:00Z");

export function makeJob(partial: Partial<Job> & { id: string; schedule: string }, now = T0): Job {
  return {
    timezone: "UTC",
    timeoutMs: null,
    target: { type: "function", name: partial.id },
    cwd: null,
    env: {},
    overlap: "skip",
    retries: 0,
    retryBackoffMs: 10_000,
    catchUp: "once",
    graceMs: null,
    jitterMs: 0,
    paused: false,
    description: null,
    createdAt: now,
    updatedAt: now,
    ...partial,
  };
}

/** "now": succeeds with its result returned at once, no promise; "throw": the runner throws. */
type Outcome = "succeed" | "fail" | "hang" | "now" | "throw";

/**
 * A runner the test controls: each attempt succeeds at once, fails at once,
 * or hangs until the test finishes it or its signal is aborted.
 */
export class TestRunner {
  readonly calls: Array<{ attempt: Attempt; at: number }> = [];
  outcome: (a: Attempt) => Outcome = () => "succeed";
  readonly #hanging = new Map<string, (status: AttemptResult["status"]) => void>();

  constructor(readonly clock: FakeClock) {}

  readonly run: Runner = (a) => {
    const startedAt = this.clock.now();
    this.calls.push({ attempt: a, at: startedAt });
    if (a.outputPath) {
      mkdirSync(dirname(a.outputPath), { recursive: true });
      writeFileSync(a.outputPath, "output\n");
    }
    a.onStart?.({ pid: null, pidStartTime: null, startedAt });
    const result = (status: AttemptResult["status"]): AttemptResult => ({
      status,
      exitCode: status === "succeeded" ? 0 : status === "failed" ? 1 : null,
      signal: null,
      startedAt,
      finishedAt: this.clock.now(),
      outputTail: "",
      outputBytes: 0,
      outputTruncated: false,
      error: status === "failed" ? "it failed" : null,
      outputError: null,
    });
    const outcome = this.outcome(a);
    if (outcome === "now") return result("succeeded");
    if (outcome === "throw") throw new Error("the runner broke");
    if (outcome === "succeed") return Promise.resolve(result("succeeded"));
    if (outcome === "fail") return Promise.resolve(result("failed"));
    return new Promise((resolve) => {
      const finish = (status: AttemptResult["status"]) => {
        this.#hanging.delete(a.runId);
        resolve(result(status));
      };
      this.#hanging.set(a.runId, finish);
      a.signal?.addEventListener("abort", () => finish("killed"), { once: true });
    });
  };

  /** Ends a hanging attempt. */
  finish(runId: string, status: AttemptResult["status"] = "succeeded"): void {
    this.#hanging.get(runId)?.(status);
  }

  get hanging(): string[] {
    return [...this.#hanging.keys()];
  }

  slots(jobId?: string): string[] {
    return this.calls
      .filter((c) => jobId === undefined || c.attempt.jobId === jobId)
      .map((c) => new Date(c.attempt.scheduledAt).toISOString());
  }
}

export interface Harness {
  clock: FakeClock;
  store: MemoryStore;
  runner: TestRunner;
  scheduler: Scheduler;
  runs(jobId?: string): Promise<Run[]>;
}

export function harness(
  options: Partial<SchedulerOptions> & { start?: number; store?: MemoryStore } = {},
): Harness {
  const clock = new FakeClock(options.start ?? T0);
  const store = options.store ?? new MemoryStore({ now: () => clock.now() });
  const runner = new TestRunner(clock);
  const scheduler = new Scheduler({
    store,
    runner: runner.run,
    clock,
    node: "test-node",
    pollMs: null,
    random: () => 0.5,
    ...options,
  });
  return {
    clock,
    store,
    runner,
    scheduler,
    runs: async (jobId) =>
      (await store.listRuns({ ...(jobId ? { jobId } : {}), limit: 100_000 })).sort(
        (a, b) => a.scheduledAt - b.scheduledAt || a.attempt - b.attempt,
      ),
  };
}

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

type StoreCall = "claimRuns" | "updateRuns" | "takeTriggers" | "completeTrigger";

/** Makes the store's `method` reject its next `times` calls with `message`, as a busy or broken database would. */
export function failNext(
  store: MemoryStore,
  method: StoreCall,
  times = 1,
  message = "database is locked",
): void {
  const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
  let left = times;
  (store as unknown as Record<StoreCall, (...args: unknown[]) => Promise<unknown>>)[method] = (
    ...args
  ) => (left-- > 0 ? Promise.reject(new Error(message)) : original(...args));
}
