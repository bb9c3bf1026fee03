import { setMaxListeners } from "node:events";
import { join } from "node:path";
import type { SchedulerEvents } from "../events.js";
import { newRunId } from "../ids.js";
import type { Job, Run, RunStatus, RunTrigger } from "../model.js";
import type { Store, TriggerRequest } from "../store/store.js";
import type { Clock, TimerHandle } from "./clock.js";
import { type OverlapDecision, overlapDecision, retryDelay, storeBackoff } from "./due.js";
import { Retention } from "./retention.js";
import { RunWriter } from "./run-writer.js";
import type { AttemptResult, JobFunction, Runner } from "./runner.js";
import type { Firing, JobState } from "./scheduler.js";

export interface DispatcherDeps {
  store: Store;
  runner: Runner;
  clock: Clock;
  node: string;
  runsDir: string | null;
  /** Runs kept per job; older finished ones (and their output files) are pruned. */
  keepRuns: number;
  functions: ReadonlyMap<string, JobFunction>;
  random: () => number;
  emit<K extends keyof SchedulerEvents>(event: K, payload: SchedulerEvents[K]): void;
  listening(event: keyof SchedulerEvents): boolean;
  /** Puts a retry of `run` on the scheduler's heap; false if the job went or retries are used up. */
  scheduleRetry(jobId: string, run: Run, at: number): boolean;
  /** The job as the scheduler knows it now, or undefined if it was removed. */
  currentState(jobId: string): JobState | undefined;
}

interface ActiveRun {
  run: Run;
  /** Its own controller (overlap "replace"), or the dispatcher's shared one that shutdown aborts. */
  controller: AbortController;
  /** Why it was stopped, when it was (overlap "replace", shutdown). */
  stopReason: string | null;
  done: Promise<void>;
}

interface JobRuns {
  active: Map<string, ActiveRun>;
  /** Claimed runs waiting for the active one (overlap "queue", catch-up "all"). */
  queue: Array<{ state: JobState; run: Run }>;
}

interface Decided {
  f: Firing;
  decision: OverlapDecision;
  run: Run;
}

/** Why a slot is skipped: the runs in its way, active ones and those decided before it in its batch. */
function skipReason(jobId: string, active: Iterable<string>, decided: Decided[]): string {
  const ahead = [...active];
  for (const d of decided) if (d.run.jobId === jobId && d.decision !== "skip") ahead.push(d.run.id);
  return `the previous run (${ahead.join(", ")}) was still going (overlap "skip")`;
}

/**
 * Turns a decided firing into a run: the overlap policy, the claim in the
 * store, the attempt through the runner, the record of how it ended, and
 * retries. Keyed by job id, so a job edited while it runs keeps its runs.
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #byJob = new Map<string, JobRuns>();
  readonly #writer: RunWriter;
  readonly #shutdownController = new AbortController();
  /** Timers of work to try again after a store failure; cleared at shutdown. */
  readonly #retries = new Set<TimerHandle>();
  #failures = 0;
  readonly #retention: Retention;
  #stopping = false;
  /** The batch of firings being decided and claimed; the next one waits for it. */
  #firing: Promise<unknown> = Promise.resolve();

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#retention = new Retention(deps.store, deps.keepRuns, deps.runsDir, (error) =>
      deps.emit("error", { error, context: "pruning old runs" }),
    );
    // Every running attempt listens on the shared signal.
    setMaxListeners(0, this.#shutdownController.signal);
    this.#writer = new RunWriter(deps.store, (error) =>
      deps.emit("error", { error, context: "recording runs" }),
    );
  }

  get activeCount(): number {
    let n = 0;
    for (const r of this.#byJob.values()) n += r.active.size;
    return n;
  }

  newRun(
    job: Job,
    slot: number,
    attempt: number,
    trigger: RunTrigger,
    status: RunStatus,
    reason: string | null,
  ): Run {
    const now = this.#deps.clock.now();
    const final = status !== "running" && status !== "queued";
    return {
      id: newRunId(now),
      jobId: job.id,
      scheduledAt: slot,
      attempt,
      trigger,
      status,
      reason,
      startedAt: status === "running" ? now : null,
      finishedAt: final ? now : null,
      exitCode: null,
      signal: null,
      pid: null,
      pidStartTime: null,
      node: this.#deps.node,
      outputTail: null,
      outputBytes: 0,
      outputTruncated: false,
    };
  }

  /** Records missed slots (claimed, so another node's record is not doubled), in one transaction. */
  async recordMissed(runs: Run[]): Promise<void> {
    const won = await this.#claim(runs);
    if (won === null) {
      this.#later(() => this.recordMissed(runs));
      return;
    }
    runs.forEach((run, i) => {
      if (!won[i]) return;
      this.#emitRun("run:missed", run);
      this.#retention.recorded(run.jobId);
    });
  }

  /** Claims the slots of one moment in one transaction and starts, queues or skips each run. */
  async fireAll(firings: Firing[]): Promise<Array<Run | null>> {
    const results = await this.#fireOnce(firings);
    if (results !== null) return results;
    // Nothing was claimed (the store failed): try these slots again soon, late rather than lost.
    this.#later(() => this.fireAll(firings));
    return firings.map(() => null);
  }

  /** fireAll without the retry: null when the store failed and nothing was claimed. */
  #fireOnce(firings: Firing[]): Promise<Array<Run | null> | null> {
    if (this.#stopping || firings.length === 0) return Promise.resolve(firings.map(() => null));
    // One at a time: overlap is decided before the claim and acted on after it,
    // so a second batch meanwhile (a trigger, a retried claim) must not see the job idle.
    const turn = this.#firing.then(() => this.#decideClaimStart(firings));
    this.#firing = turn.catch(() => {});
    return turn;
  }

  async #decideClaimStart(firings: Firing[]): Promise<Array<Run | null> | null> {
    if (this.#stopping) return firings.map(() => null);
    // Decide every overlap first: firings of one job in this batch count as active.
    const busy = new Map<string, number>();
    const decided: Decided[] = [];
    for (const f of firings) {
      const job = f.state.job;
      const runs = this.#runs(job.id);
      const before = busy.get(job.id) ?? runs.active.size + runs.queue.length;
      let decision = overlapDecision(job.overlap, before);
      // Catch-up "all" means every slot runs: one after another, whatever the overlap
      // policy (skip would drop them, replace kill them, allow run them all at once).
      if (before > 0 && f.trigger === "catch-up" && job.catchUp === "all") decision = "queue";
      if (decision !== "skip") busy.set(job.id, before + 1);
      const status: RunStatus =
        decision === "skip" ? "skipped" : decision === "queue" ? "queued" : "running";
      const reason = decision === "skip" ? skipReason(job.id, runs.active.keys(), decided) : null;
      decided.push({
        f,
        decision,
        run: this.newRun(job, f.slot, f.attempt, f.trigger, status, reason),
      });
    }
    const won = await this.#claim(decided.map((d) => d.run));
    if (won === null) return null;
    if (this.#stopping) {
      // Shutdown began during the claim: what was won is recorded, not started.
      const closed = decided.map(async ({ decision, run }, i) => {
        if (!won[i]) return null;
        if (decision === "skip") this.#emitRun("run:skipped", run);
        else await this.#notStarted(run);
        return run;
      });
      return Promise.all(closed);
    }
    const touched = new Set<string>();
    const results = decided.map(({ f, decision, run }, i) => {
      if (!won[i]) return null;
      const runs = this.#runs(run.jobId);
      touched.add(run.jobId);
      if (decision === "skip") {
        this.#emitRun("run:skipped", run);
        this.#retention.recorded(run.jobId);
      } else if (decision === "queue") {
        runs.queue.push({ state: f.state, run });
        this.#emitRun("run:queued", run);
      } else {
        if (decision === "replace") {
          const reason = `replaced by the run of ${new Date(f.slot).toISOString()} (overlap "replace")`;
          for (const a of runs.active.values()) this.#stop(a, reason);
        }
        this.#launch(f.state, run);
      }
      return run;
    });
    // A queued run whose predecessor lost its claim to another node starts now.
    for (const jobId of touched) await this.#startQueued(this.#runs(jobId));
    return results;
  }

  /** Starts the runs that other processes asked for (cron-scheduler trigger). */
  async takeTriggers(jobs: ReadonlyMap<string, JobState>): Promise<void> {
    const { store } = this.#deps;
    const requests = await store.takeTriggers(this.#deps.node);
    for (const request of requests) await this.#runTrigger(request, jobs);
  }

  async #runTrigger(request: TriggerRequest, jobs: ReadonlyMap<string, JobState>): Promise<void> {
    const state = jobs.get(request.jobId);
    if (!state) return;
    // Two requests in one millisecond would share a slot: take the next free one.
    // Never an instant the schedule fires at: that claim belongs to the scheduled run.
    for (let i = 0, tries = 0; i < 20 && tries < 10 && !this.#stopping; i++) {
      const slot = request.requestedAt + i;
      if (state.schedule.match(slot)) continue;
      tries++;
      const fired = await this.#fireOnce([{ state, slot, attempt: 1, trigger: "manual" }]);
      if (fired === null) {
        // The store failed: this request again later (not the next slot, which would run it twice).
        this.#later(() => this.#runTrigger(request, jobs));
        return;
      }
      const run = fired[0];
      if (run) {
        await this.#link(request.id, run.id);
        return;
      }
    }
  }

  /** Links a request to its run; a store failure is reported and tried again, not thrown (the next request is taken already). */
  async #link(requestId: string, runId: string): Promise<void> {
    try {
      await this.#deps.store.completeTrigger(requestId, runId);
    } catch (error) {
      this.#deps.emit("error", {
        error: error as Error,
        context: `linking trigger request ${requestId} to run ${runId}; trying again`,
      });
      this.#later(() => this.#link(requestId, runId));
    }
  }

  /**
   * Stops taking new work; lets running attempts finish for `graceMs`, then
   * stops them; runs still queued are recorded as skipped.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#stopping = true;
    for (const handle of this.#retries) this.#deps.clock.clearTimer(handle);
    this.#retries.clear();
    const { clock } = this.#deps;
    // A batch being claimed now settles first (and starts nothing).
    await this.#firing;
    for (const runs of this.#byJob.values()) {
      for (const { run } of runs.queue.splice(0)) await this.#notStarted(run);
    }
    const active = () => [...this.#byJob.values()].flatMap((r) => [...r.active.values()]);
    if (active().length === 0) {
      await this.#writer.drain();
      return this.#retention.settle();
    }
    let timer: ReturnType<Clock["setTimer"]> | null = null;
    const expired = new Promise<void>((resolve) => {
      timer = clock.setTimer(resolve, graceMs);
    });
    await Promise.race([Promise.all(active().map((a) => a.done)), expired]);
    if (timer) clock.clearTimer(timer);
    const left = active();
    for (const a of left) this.#stop(a, "the scheduler stopped");
    await Promise.all(left.map((a) => a.done));
    await this.#writer.drain();
    await this.#retention.settle();
  }

  /** A claimed run that will not start: the scheduler is stopping. */
  async #notStarted(run: Run): Promise<void> {
    const patch = {
      status: "skipped" as const,
      reason: "the scheduler stopped before the run could start",
      startedAt: null,
      finishedAt: this.#deps.clock.now(),
    };
    Object.assign(run, patch);
    await this.#writer.write(run.id, patch);
    this.#deps.emit("run:skipped", { ...run });
  }

  #runs(jobId: string): JobRuns {
    let runs = this.#byJob.get(jobId);
    if (!runs) {
      runs = { active: new Map(), queue: [] };
      this.#byJob.set(jobId, runs);
    }
    return runs;
  }

  /** Claims runs in one transaction; null when the store failed (reported; nothing was claimed). */
  async #claim(runs: Run[]): Promise<boolean[] | null> {
    if (runs.length === 0) return [];
    try {
      const won = await this.#deps.store.claimRuns(runs);
      this.#failures = 0;
      return won;
    } catch (error) {
      const first = runs[0] as Run;
      this.#deps.emit("error", {
        error: error as Error,
        context: `claiming ${runs.length} run(s) from ${first.jobId} at ${new Date(first.scheduledAt).toISOString()}; trying again`,
      });
      return null;
    }
  }

  /** Runs `fn` again after a backoff (0.1 s doubling to 5 s) while the store keeps failing. */
  #later(fn: () => Promise<unknown>): void {
    if (this.#stopping) return;
    const delay = storeBackoff(this.#failures++);
    const handle = this.#deps.clock.setTimer(() => {
      this.#retries.delete(handle);
      void fn();
    }, delay);
    this.#retries.add(handle);
  }

  /** Emits a copy of the run (it changes later), and builds none when nobody listens. */
  #emitRun(
    event: "run:started" | "run:finished" | "run:skipped" | "run:missed" | "run:queued",
    run: Run,
  ): void {
    if (this.#deps.listening(event)) this.#deps.emit(event, { ...run });
  }

  #stop(active: ActiveRun, reason: string): void {
    // A shared controller is only ever aborted by shutdown, which stops every run.
    // A run on it (launched before its job became "replace") cannot be stopped
    // alone: it goes on, and must not be recorded as stopped.
    if (active.controller === this.#shutdownController && !this.#stopping) return;
    active.stopReason ??= reason;
    active.controller.abort(new DOMException(reason, "AbortError"));
  }

  #launch(state: JobState, run: Run): void {
    const { clock, emit } = this.#deps;
    const job = state.job;
    const runs = this.#runs(job.id);
    // An AbortController per run costs more than the rest of a fire; only a job
    // whose runs may be replaced needs its own. The others share one.
    const controller = job.overlap === "replace" ? new AbortController() : this.#shutdownController;
    const active: ActiveRun = { run, controller, stopReason: null, done: Promise.resolve() };
    runs.active.set(run.id, active);
    active.done = (async () => {
      let result: AttemptResult;
      try {
        result = await this.#deps.runner({
          jobId: job.id,
          runId: run.id,
          attempt: run.attempt,
          scheduledAt: run.scheduledAt,
          target: job.target,
          cwd: job.cwd,
          env: job.env,
          timeoutMs: job.timeoutMs,
          outputPath: this.#deps.runsDir ? join(this.#deps.runsDir, job.id, `${run.id}.log`) : null,
          signal: controller.signal,
          functions: this.#deps.functions,
          now: () => clock.now(),
          onStart: (info) => {
            run.pid = info.pid;
            run.pidStartTime = info.pidStartTime;
            run.startedAt = info.startedAt;
            // The claim recorded the start; a process adds its pid, which crash recovery needs.
            if (info.pid !== null) {
              void this.#writer.write(run.id, {
                pid: info.pid,
                pidStartTime: info.pidStartTime,
                startedAt: info.startedAt,
              });
            }
            this.#emitRun("run:started", run);
          },
        });
      } catch (error) {
        const now = clock.now();
        result = {
          status: "failed",
          exitCode: null,
          signal: null,
          startedAt: run.startedAt ?? now,
          finishedAt: now,
          outputTail: "",
          outputBytes: 0,
          outputTruncated: false,
          error: (error as Error).message,
          outputError: null,
        };
      }
      const stopped = active.stopReason !== null && result.status !== "succeeded";
      const final: Partial<Run> = {
        status: stopped && result.status !== "timed_out" ? "killed" : result.status,
        reason: stopped ? active.stopReason : result.error,
        startedAt: run.startedAt ?? result.startedAt,
        finishedAt: result.finishedAt,
        exitCode: result.exitCode,
        signal: result.signal,
        outputTail: result.outputTail,
        outputBytes: result.outputBytes,
        outputTruncated: result.outputTruncated,
      };
      Object.assign(run, final);
      await this.#writer.write(run.id, final);
      runs.active.delete(run.id);
      this.#emitRun("run:finished", run);
      this.#retention.recorded(run.jobId);
      if ((run.status === "failed" || run.status === "timed_out") && !this.#stopping) {
        const at = clock.now() + retryDelay(run.attempt, job.retryBackoffMs, this.#deps.random);
        if (this.#deps.scheduleRetry(job.id, { ...run }, at)) {
          emit("run:retry-scheduled", { run: { ...run }, retryAt: at });
        }
      }
      await this.#startQueued(runs);
    })();
  }

  async #startQueued(runs: JobRuns): Promise<void> {
    if (this.#stopping || runs.active.size > 0) return;
    const next = runs.queue.shift();
    if (!next) return;
    const now = this.#deps.clock.now();
    // It waited: run what the job is now, and not at all if it is gone.
    const current = this.#deps.currentState(next.run.jobId);
    if (!current) {
      const patch = {
        status: "skipped" as const,
        reason: "the job was removed while the run waited in its queue",
        finishedAt: now,
      };
      Object.assign(next.run, patch);
      void this.#writer.write(next.run.id, patch);
      this.#emitRun("run:skipped", next.run);
      this.#retention.recorded(next.run.jobId);
      return this.#startQueued(runs);
    }
    next.state = current;
    next.run.status = "running";
    next.run.startedAt = now;
    // Active from this moment: a slot due while the write is under way must see it.
    // The writer keeps order, so this write lands before the run's outcome.
    void this.#writer.write(next.run.id, { status: "running", startedAt: now });
    this.#launch(next.state, next.run);
  }
}
