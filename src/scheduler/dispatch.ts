import { setMaxListeners } from "node:events";
import { join } from "node:path";
import type { SchedulerEvents } from "../events.js";
import { isThenable, silentResult } from "../executor/result.js";
import { newRunId } from "../ids.js";
import type { Job, Run, RunStatus, RunTrigger } from "../model.js";
import { latest } from "../shapes.js";
import type { Store, TriggerRequest } from "../store/store.js";
import { type Clock, type TimerHandle, untilInstant } from "./clock.js";
import { type OverlapDecision, overlapDecision, retryDelay, storeBackoff } from "./due.js";
import { Retention } from "./retention.js";
import { RunWriter, type WriteWaiter } from "./run-writer.js";
import type { Attempt, AttemptResult, JobFunction, Runner, StartInfo } from "./runner.js";
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

/** Firings claimed and started first in a batch; each next chunk is CHUNK_GROWTH times larger. */
export const FIRST_CHUNK = 16;
export const CHUNK_GROWTH = 4;
/**
 * A batch claimed ahead of its instant waits for the wall clock to reach it,
 * or at most this much longer by the timers' own time: the wall clock was
 * stepped back meanwhile, and the slot has come in real time.
 */
const STEPPED_BACK_MS = 1000;

/** What a running attempt tells its dispatcher; one object per dispatcher, not closures per run. */
interface RunHooks {
  now(): number;
  started(active: ActiveRun, info: StartInfo): void;
  recorded(active: ActiveRun): void;
}

/**
 * A run going on: the attempt handed to the runner (with onStart as a
 * method, so no closure per run), and what the dispatcher keeps of it. One
 * object per run on the hot path of every fire.
 */
class ActiveRun implements Attempt, WriteWaiter {
  readonly run: Run;
  readonly job: Job;
  readonly runs: JobRuns;
  /** Its own controller (overlap "replace"), or the dispatcher's shared one that shutdown aborts. */
  readonly controller: AbortController;
  /** The controller's signal, read once (its getter checks its receiver on every read). */
  readonly signal: AbortSignal;
  /** <runsDir>/<job>/<run>.log, made when first asked for (a function that writes nothing never does). */
  #outputPath: string | null | undefined = undefined;
  readonly #runsDir: string | null;
  readonly functions: ReadonlyMap<string, JobFunction>;
  /** Why it was stopped, when it was (overlap "replace", shutdown). */
  stopReason: string | null = null;
  /** Neighbours among its job's active runs (JobRuns). */
  previous: ActiveRun | null = null;
  next: ActiveRun | null = null;
  /** Its outcome is stored: it is no longer active. */
  #ended = false;
  #done: Promise<void> | null = null;
  #markDone: (() => void) | null = null;
  readonly #hooks: RunHooks;

  constructor(
    hooks: RunHooks,
    job: Job,
    run: Run,
    runs: JobRuns,
    controller: AbortController,
    signal: AbortSignal,
    runsDir: string | null,
    functions: ReadonlyMap<string, JobFunction>,
  ) {
    this.#hooks = hooks;
    this.run = run;
    this.job = job;
    this.runs = runs;
    this.controller = controller;
    this.signal = signal;
    this.#runsDir = runsDir;
    this.functions = functions;
  }

  // The rest of the attempt is read from the job and the run.
  get jobId(): string {
    return this.job.id;
  }
  get runId(): string {
    return this.run.id;
  }
  get attempt(): number {
    return this.run.attempt;
  }
  get scheduledAt(): number {
    return this.run.scheduledAt;
  }
  get target(): Job["target"] {
    return this.job.target;
  }
  get cwd(): string | null {
    return this.job.cwd;
  }
  get env(): Record<string, string> {
    return this.job.env;
  }
  get timeoutMs(): number | null {
    return this.job.timeoutMs;
  }
  get outputPath(): string | null {
    if (this.#outputPath === undefined) {
      this.#outputPath = this.#runsDir
        ? join(this.#runsDir, this.job.id, `${this.run.id}.log`)
        : null;
    }
    return this.#outputPath;
  }
  get now(): () => number {
    return this.#hooks.now;
  }

  onStart(info: StartInfo): void {
    this.#hooks.started(this, info);
  }

  /** The writer stored the outcome. */
  written(): void {
    this.#ended = true;
    this.#hooks.recorded(this);
    this.#markDone?.();
  }

  /** Resolves when the outcome is stored; made only when someone waits (shutdown). */
  done(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.#done ??= new Promise((resolve) => {
      this.#markDone = resolve;
    });
    return this.#done;
  }
}

/**
 * The runs of one job. Active runs are a list linked through the runs
 * themselves: a job usually has none or one, and an array emptied and filled
 * again each second would get a new backing store each time.
 */
export class JobRuns {
  #first: ActiveRun | null = null;
  #last: ActiveRun | null = null;
  /** How many runs are going on. */
  active = 0;
  /** Claimed runs waiting for the active one (overlap "queue", catch-up "all"). */
  readonly queue: Array<{ state: JobState; run: Run }> = [];
  /** Runs ahead of the next firing in the batch being decided (see #decideClaimStart). */
  busy = 0;
  /** The batch `busy` counts for. */
  batch = 0;
  /** Runs recorded since the job's history was last pruned. */
  recorded = 0;

  add(run: ActiveRun): void {
    run.previous = this.#last;
    run.next = null;
    if (this.#last) this.#last.next = run;
    else this.#first = run;
    this.#last = run;
    this.active++;
  }

  remove(run: ActiveRun): void {
    if (run.previous) run.previous.next = run.next;
    else if (this.#first === run) this.#first = run.next;
    else return; // not in the list
    if (run.next) run.next.previous = run.previous;
    else this.#last = run.previous;
    run.previous = null;
    run.next = null;
    this.active--;
  }

  /** The active runs, oldest first. */
  list(): ActiveRun[] {
    const out: ActiveRun[] = [];
    for (let r = this.#first; r !== null; r = r.next) out.push(r);
    return out;
  }
}

/** Why a slot is skipped: the runs in its way, active ones and those decided before it in its batch. */
function skipReason(
  jobId: string,
  active: ActiveRun[],
  runs: Run[],
  decisions: OverlapDecision[],
  before: number,
): string {
  const ahead = active.map((a) => a.run.id);
  for (let i = 0; i < before; i++) {
    const run = runs[i] as Run;
    if (run.jobId === jobId && decisions[i] !== "skip") ahead.push(run.id);
  }
  return `the previous run (${ahead.join(", ")}) was still going (overlap "skip")`;
}

/** The result of a runner that threw or rejected: the run failed. */
function crashed(error: unknown, startedAt: number | null, now: number): AttemptResult {
  const why = error instanceof Error ? error.message : String(error);
  return silentResult("failed", startedAt ?? now, now, why);
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
  readonly #shutdownSignal = this.#shutdownController.signal;
  /** Timers of work to try again after a store failure; cleared at shutdown. */
  readonly #retries = new Set<TimerHandle>();
  #failures = 0;
  readonly #retention: Retention;
  #stopping = false;
  /** The batch of firings being decided and claimed; the next one waits for it. */
  #firing: Promise<unknown> = Promise.resolve();
  /** Numbers the batches, for JobRuns.batch. */
  #batch = 0;
  readonly #hooks: RunHooks;

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
    this.#hooks = {
      now: () => deps.clock.now(),
      started: (active, info) => this.#started(active, info),
      recorded: (active) => this.#recorded(active),
    };
  }

  get activeCount(): number {
    let n = 0;
    for (const r of this.#byJob.values()) n += r.active;
    return n;
  }

  newRun(
    job: Job,
    slot: number,
    attempt: number,
    trigger: RunTrigger,
    status: RunStatus,
    reason: string | null,
    now = this.#deps.clock.now(),
  ): Run {
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
      this.#retention.recorded(run.jobId, this.#runs(run.jobId));
    });
  }

  /**
   * Claims the slots of one moment and starts, queues or skips each run, in
   * chunks of `chunk` firings, then four times as many at a time.
   */
  async fireAll(firings: Firing[], chunk = FIRST_CHUNK): Promise<Array<Run | null>> {
    const results = await this.#fireOnce(firings, chunk, null);
    if (results !== null) return results;
    // Nothing was claimed (the store failed): try these slots again soon, late rather than lost.
    this.#later(() => this.fireAll(firings));
    return firings.map(() => null);
  }

  /** fireAll without the retry: null when the store failed and nothing was claimed. */
  #fireOnce(
    firings: Firing[],
    chunk: number,
    startAt: number | null,
  ): Promise<Array<Run | null> | null> {
    if (this.#stopping || firings.length === 0) return Promise.resolve(firings.map(() => null));
    // One at a time: overlap is decided before the claim and acted on after it,
    // so a second batch meanwhile (a trigger, a retried claim) must not see the job idle.
    const turn = this.#firing.then(() => this.#decideClaimStart(firings, chunk, startAt));
    this.#firing = turn.catch(() => {});
    return turn;
  }

  /**
   * Fires slots due at `startAt`, a moment from now: their runs are decided
   * and claimed now, and start when the wall clock reaches it (as Quartz
   * acquires its triggers ahead of their time). The start of a thousand
   * runs due at once then waits for no claim, which on SQLite is most of the
   * work of a fire. Nothing else is decided or claimed meanwhile: the next
   * batch (a trigger request) waits for this one, and so do the scheduler's
   * reloads, so a batch claimed ahead starts as if it had been decided at
   * its instant. Except for one thing, which is why a job with runs going or
   * queued is decided only at the instant: those runs may have ended by then.
   */
  async fireAt(firings: Firing[], startAt: number): Promise<void> {
    const ahead: Firing[] = [];
    const atStart: Firing[] = [];
    for (const f of firings) {
      const runs = this.#runsOf(f.state);
      const busy = runs.active + runs.queue.length > 0 && f.state.job.overlap !== "allow";
      (busy ? atStart : ahead).push(f);
    }
    if (ahead.length > 0) {
      // In one transaction: the lead is there for the claims to be done in
      // time, and each commit writes the pages of the runs' indexes again
      // (four commits a second instead of one cost SQLite a fifth more CPU).
      if ((await this.#fireOnce(ahead, ahead.length, startAt)) === null)
        this.#later(() => this.fireAll(ahead));
    } else if (atStart.length > 0) {
      await untilInstant(this.#deps.clock, startAt, STEPPED_BACK_MS);
    }
    if (atStart.length > 0) await this.fireAll(atStart);
  }

  /** When the last batch claimed ahead of its instant had all its runs claimed (monotonic ms), for the scheduler's lead. */
  claimedAheadAt = 0;

  /** Decides the overlap of firings[from, to) into runs and decisions; a job's earlier firings in the batch count as active. */
  #decide(
    firings: Firing[],
    runs: Run[],
    decisions: OverlapDecision[],
    from: number,
    to: number,
    batch: number,
    startAt: number | null,
  ): void {
    // Runs claimed ahead are made as of their instant.
    const now =
      startAt === null ? this.#deps.clock.now() : Math.max(startAt, this.#deps.clock.now());
    for (let i = from; i < to; i++) {
      const f = firings[i] as Firing;
      const job = f.state.job;
      const jobRuns = this.#runsOf(f.state);
      if (jobRuns.batch !== batch) {
        jobRuns.batch = batch;
        jobRuns.busy = jobRuns.active + jobRuns.queue.length;
      }
      const before = jobRuns.busy;
      let decision = overlapDecision(job.overlap, before);
      // Catch-up "all" means every slot runs: one after another, whatever the overlap
      // policy (skip would drop them, replace kill them, allow run them all at once).
      if (before > 0 && f.trigger === "catch-up" && job.catchUp === "all") decision = "queue";
      if (decision !== "skip") jobRuns.busy = before + 1;
      const status: RunStatus =
        decision === "skip" ? "skipped" : decision === "queue" ? "queued" : "running";
      const reason =
        decision === "skip" ? skipReason(job.id, jobRuns.list(), runs, decisions, i) : null;
      decisions[i] = decision;
      runs[i] = this.newRun(job, f.slot, f.attempt, f.trigger, status, reason, now);
    }
  }

  async #decideClaimStart(
    firings: Firing[],
    chunk: number,
    startAt: number | null,
  ): Promise<Array<Run | null> | null> {
    if (this.#stopping) return firings.map(() => null);
    // Decided, claimed and started in chunks of 16, 64, 256 …: the first runs
    // of a thousand due at once start after 16 claims, not after a thousand (a
    // SQLite claim costs about 6 µs). One transaction per chunk, so few
    // chunks: each commit writes the pages of the runs' indexes again.
    // Overlap is decided chunk by chunk, in order: firings of one job in this
    // batch count as active (JobRuns.busy, counted per batch: no map per batch).
    // Claimed ahead of `startAt`, chunks are started once it has come: all
    // at once if the claims were done by then, else as they are done.
    const { clock } = this.#deps;
    const n = firings.length;
    const batch = ++this.#batch;
    const runs: Run[] = new Array(n);
    const decisions: OverlapDecision[] = new Array(n);
    const won: boolean[] = new Array(n);
    const results: Array<Run | null> = new Array(n).fill(null);
    /** Firings before these are claimed; started, queued or skipped. */
    let claimed = 0;
    let acted = 0;
    /** The store failed: these are tried again soon, late rather than lost. */
    let rest: Firing[] | null = null;
    for (let from = 0, size = chunk; from < n; from += size, size *= CHUNK_GROWTH) {
      const to = Math.min(n, from + size);
      this.#decide(firings, runs, decisions, from, to, batch, startAt);
      const chunkWon = await this.#claim(from === 0 && to === n ? runs : runs.slice(from, to));
      if (chunkWon === null) {
        if (from === 0) return null;
        rest = firings.slice(from);
        break;
      }
      for (let k = 0; k < chunkWon.length; k++) won[from + k] = chunkWon[k] as boolean;
      claimed = to;
      if (this.#stopping) break;
      if (startAt === null || clock.now() >= startAt) {
        this.#act(firings, runs, decisions, won, acted, to, results, startAt);
        acted = to;
      }
    }
    if (startAt !== null) {
      this.claimedAheadAt = clock.monotonic();
      if (acted < claimed && !this.#stopping) await untilInstant(clock, startAt, STEPPED_BACK_MS);
    }
    if (this.#stopping) {
      // Shutdown began during the claim (or the wait): what was won is
      // recorded, not started, and so is the rest of the batch, claimed now.
      if (rest === null && claimed < n) {
        this.#decide(firings, runs, decisions, claimed, n, batch, startAt);
        const more = await this.#claim(runs.slice(claimed));
        for (let k = 0; more !== null && k < more.length; k++)
          won[claimed + k] = more[k] as boolean;
        if (more !== null) claimed = n;
      }
      const closing: Array<Promise<void>> = [];
      for (let i = acted; i < claimed; i++) {
        if (!won[i]) continue;
        const run = runs[i] as Run;
        results[i] = run;
        if (decisions[i] === "skip") this.#emitRun("run:skipped", run);
        else closing.push(this.#notStarted(run));
      }
      await Promise.all(closing);
      return results;
    }
    if (acted < claimed) this.#act(firings, runs, decisions, won, acted, claimed, results, startAt);
    if (rest !== null) {
      const again = rest;
      this.#later(() => this.fireAll(again));
    }
    return results;
  }

  /**
   * Starts, queues or skips the claimed runs firings[from, to), as decided;
   * `won` says which were claimed. Runs claimed ahead of `startAt` start now.
   */
  #act(
    firings: Firing[],
    runs: Run[],
    decisions: OverlapDecision[],
    won: boolean[],
    from: number,
    to: number,
    results: Array<Run | null>,
    startAt: number | null,
  ): void {
    let queued = false;
    const now = startAt === null ? 0 : this.#deps.clock.now();
    for (let i = from; i < to; i++) {
      if (!won[i]) continue;
      const run = runs[i] as Run;
      results[i] = run;
      const f = firings[i] as Firing;
      const jobRuns = this.#runsOf(f.state);
      const decision = decisions[i];
      if (decision === "skip") {
        this.#emitRun("run:skipped", run);
        this.#retention.recorded(run.jobId, jobRuns);
      } else if (decision === "queue") {
        jobRuns.queue.push({ state: f.state, run });
        this.#emitRun("run:queued", run);
        queued = true;
      } else {
        if (decision === "replace") {
          const reason = `replaced by the run of ${new Date(f.slot).toISOString()} (overlap "replace")`;
          for (const a of jobRuns.list()) this.#stop(a, reason);
        }
        if (startAt !== null) run.startedAt = now;
        this.#launch(f.state, run);
      }
    }
    // A queued run whose predecessor lost its claim to another node starts now.
    if (queued) {
      for (let i = from; i < to; i++) {
        if (won[i] && decisions[i] === "queue") {
          this.#startQueued(this.#runsOf((firings[i] as Firing).state));
        }
      }
    }
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
      const fired = await this.#fireOnce(
        [{ state, slot, attempt: 1, trigger: "manual" }],
        FIRST_CHUNK,
        null,
      );
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
    const active = () => [...this.#byJob.values()].flatMap((r) => r.list());
    if (active().length === 0) {
      await this.#writer.drain();
      return this.#retention.settle();
    }
    let timer: ReturnType<Clock["setTimer"]> | null = null;
    const expired = new Promise<void>((resolve) => {
      timer = clock.setTimer(resolve, graceMs);
    });
    await Promise.race([Promise.all(active().map((a) => a.done())), expired]);
    if (timer) clock.clearTimer(timer);
    const left = active();
    for (const a of left) this.#stop(a, "the scheduler stopped");
    await Promise.all(left.map((a) => a.done()));
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
    await this.#writer.written(run.id, patch);
    this.#deps.emit("run:skipped", { ...run });
  }

  /** #runs(), kept on the job's state: one map lookup per version of a job, not two per fire. */
  #runsOf(state: JobState): JobRuns {
    let runs = state.runs;
    if (runs === undefined) {
      runs = this.#runs(state.job.id);
      state.runs = runs;
    }
    return runs;
  }

  #runs(jobId: string): JobRuns {
    let runs = this.#byJob.get(jobId);
    if (!runs) {
      runs = new JobRuns();
      this.#byJob.set(jobId, runs);
    }
    return runs;
  }

  /** Claims runs in one transaction; null when the store failed (reported; nothing was claimed). */
  async #claim(runs: Run[]): Promise<boolean[] | null> {
    if (runs.length === 0) return [];
    try {
      // Handed over: every change the dispatcher makes to a run it writes.
      const won = await this.#deps.store.claimRuns(runs, true);
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
    const deps = this.#deps;
    const job = state.job;
    const runs = this.#runsOf(state);
    // An AbortController per run costs more than the rest of a fire; only a job
    // whose runs may be replaced needs its own. The others share one.
    const own = job.overlap === "replace" ? new AbortController() : null;
    const active = new ActiveRun(
      this.#hooks,
      job,
      run,
      runs,
      own ?? this.#shutdownController,
      own?.signal ?? this.#shutdownSignal,
      deps.runsDir,
      deps.functions,
    );
    runs.add(active);
    latest.activeRun = active; // see shapes.ts
    let outcome: AttemptResult | Promise<AttemptResult>;
    try {
      outcome = deps.runner(active);
    } catch (error) {
      outcome = crashed(error, run.startedAt, deps.clock.now());
    }
    // A function that returned at once is recorded at once: no promise per run.
    if (!isThenable(outcome)) this.#ended(active, outcome);
    else {
      outcome.then(
        (result) => this.#ended(active, result),
        (error) => this.#ended(active, crashed(error, run.startedAt, deps.clock.now())),
      );
    }
  }

  /** An attempt started: a process adds its pid to the record, which crash recovery needs. */
  #started(active: ActiveRun, info: StartInfo): void {
    const run = active.run;
    run.pid = info.pid;
    run.pidStartTime = info.pidStartTime;
    run.startedAt = info.startedAt;
    // The claim recorded the start already; only a pid is news. The run is
    // its own patch: the memory store finds a handed-over run by its job.
    if (info.pid !== null) this.#writer.write(run.id, run);
    this.#emitRun("run:started", run);
  }

  /** An attempt ended: its outcome goes to the writer, and the run stays active until it is stored. */
  #ended(active: ActiveRun, result: AttemptResult): void {
    const run = active.run;
    const stopped = active.stopReason !== null && result.status !== "succeeded";
    run.status = stopped && result.status !== "timed_out" ? "killed" : result.status;
    run.reason = stopped ? active.stopReason : result.error;
    run.startedAt = run.startedAt ?? result.startedAt;
    run.finishedAt = result.finishedAt;
    run.exitCode = result.exitCode;
    run.signal = result.signal;
    run.outputTail = result.outputTail;
    run.outputBytes = result.outputBytes;
    run.outputTruncated = result.outputTruncated;
    // The run is its own patch (every field a patch may set, as they now
    // are): no copy per fire. Nothing changes it after this.
    this.#writer.write(run.id, run, active);
  }

  /** An outcome is stored: the run is over; tell, prune, retry, and start what waited for it. */
  #recorded(active: ActiveRun): void {
    const { run, runs, job } = active;
    runs.remove(active);
    this.#emitRun("run:finished", run);
    this.#retention.recorded(run.jobId, runs);
    if ((run.status === "failed" || run.status === "timed_out") && !this.#stopping) {
      const { clock, random, emit } = this.#deps;
      const at = clock.now() + retryDelay(run.attempt, job.retryBackoffMs, random);
      if (this.#deps.scheduleRetry(job.id, { ...run }, at)) {
        emit("run:retry-scheduled", { run: { ...run }, retryAt: at });
      }
    }
    this.#startQueued(runs);
  }

  #startQueued(runs: JobRuns): void {
    if (this.#stopping || runs.active > 0) return;
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
      this.#writer.write(next.run.id, patch);
      this.#emitRun("run:skipped", next.run);
      this.#retention.recorded(next.run.jobId, runs);
      this.#startQueued(runs);
      return;
    }
    next.run.status = "running";
    next.run.startedAt = now;
    // Active from this moment: a slot due while the write is under way must see it.
    // The writer keeps order, so this write lands before the run's outcome.
    // The run is its own patch: the memory store keeps this very object
    // (claimRuns' handOver), which may have ended by the time the write is
    // applied, and a patch of "running" would then undo its end.
    this.#writer.write(next.run.id, next.run);
    this.#launch(current, next.run);
  }
}
