import { parseSchedule, primeRollovers, type Schedule } from "../cron/index.js";
import { type SchedulerEvents, TypedEmitter } from "../events.js";
import { refreshInheritedEnvironment } from "../executor/command.js";
import { thisNode } from "../ids.js";
import type { Job, Run, RunTrigger } from "../model.js";
import type { Store } from "../store/store.js";
import { type Clock, MAX_TIMER_MS, systemClock, type TimerHandle } from "./clock.js";
import { CHUNK_GROWTH, Dispatcher, FIRST_CHUNK, type JobRuns } from "./dispatch.js";
import { dueSlots, planCatchUp, retryDelay } from "./due.js";
import { DueQueue } from "./heap.js";
import { recoverAbandoned } from "./recovery.js";
import type { JobFunction, Runner } from "./runner.js";

/** How often a scheduler polls a store that also tells it of changes. */
const WATCHED_POLL_MS = 5000;
/** The lead (see SchedulerOptions.claimAheadMs) grows to at most this. */
const MAX_LEAD_MS = 1000;
/** Timers fire up to this much early: an instant this much beyond the lead is still claimed ahead, not re-armed for. */
const TIMER_SLACK_MS = 2;

export interface SchedulerOptions {
  store: Store;
  /** Runs one attempt; normally the executor. */
  runner: Runner;
  clock?: Clock;
  /** This scheduler's name in the runs it claims. Default: host:pid:start. */
  node?: string;
  /** Directory of run output files (<home>/runs), or null to keep only the tail in the store. */
  runsDir?: string | null;
  functions?: ReadonlyMap<string, JobFunction>;
  /** A schedule the caller already parsed for this job (same text and zone), to save parsing it again. */
  scheduleOf?: (job: Job) => Schedule | undefined;
  /** How often to look for jobs and trigger requests changed by other processes; null: never. Default 500 ms. */
  pollMs?: number | null;
  /** How long stop() lets running jobs finish before it stops them. Default 30 s. */
  shutdownGraceMs?: number;
  /** Runs kept per job in the store; older finished ones and their output files are pruned. Default 1000. */
  keepRuns?: number;
  /** At most this many missed slots of one job are recorded one by one. Default 1000. */
  maxCatchUp?: number;
  /**
   * How long before an instant the runs due at it are decided and claimed,
   * so that they start on the dot instead of after their claims: at least
   * this, and twice as long as claiming took the last times (up to 1 s).
   * 0: at the instant. Default 10 ms.
   */
  claimAheadMs?: number;
  /** A difference between wall and monotonic time larger than this is a clock step. Default 2 s. */
  jumpThresholdMs?: number;
  random?: () => number;
}

/** What the scheduler keeps per job: the job, its parsed schedule, and how far it has got. */
export interface JobState {
  job: Job;
  schedule: Schedule;
  /**
   * Unique to this version of the job in this scheduler (a job removed and
   * added again does not start over), so that stale heap entries are ignored.
   */
  gen: number;
  /** Slots at or before this instant have been handled (fired, skipped or missed). */
  watermark: number;
  /** The dispatcher's runs of this job, found once per version of the job (see Dispatcher). */
  runs?: JobRuns;
}

interface HeapEntry {
  jobId: string;
  gen: number;
  /** The random delay (jitter) this entry was pushed with. */
  jitter: number;
  /** A retry of this run, instead of the job's next slot. */
  retryOf?: Run;
}

/** A slot the loop decided to fire, before its claim. */
export interface Firing {
  state: JobState;
  slot: number;
  attempt: number;
  trigger: RunTrigger;
}

/**
 * The scheduling loop: one timer for all jobs, over a binary heap keyed by
 * the next instant each job is due. Each slot is claimed in the store before
 * anything runs, so a slot fires once across restarts, clock steps and
 * several processes.
 */
export class Scheduler extends TypedEmitter<SchedulerEvents> {
  readonly node: string;
  readonly store: Store;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #options: SchedulerOptions;
  readonly #jobs = new Map<string, JobState>();
  readonly #heap = new DueQueue<HeapEntry>();
  readonly #dispatch: Dispatcher;
  #timer: TimerHandle | null = null;
  /** Stops watching the store for changes (when it can be watched). */
  #unwatch: (() => Promise<void>) | null = null;
  #lookQueued = false;
  #pollTimer: TimerHandle | null = null;
  #state: "idle" | "starting" | "running" | "stopping" | "stopped" = "idle";
  #starting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  /** Serialises passes over the heap: one at a time, another queued if asked for meanwhile. */
  #pass: Promise<void> = Promise.resolve();
  #passQueued = false;
  #changeToken: string | null = null;
  #lastWall = 0;
  #lastMono = 0;
  #startedAt = 0;
  #lastGen = 0;
  /** How long before the next instant the loop wakes up to claim its runs (0: at it). */
  #lead: number;

  constructor(options: SchedulerOptions) {
    super();
    this.#options = options;
    this.store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.node = options.node ?? thisNode();
    this.#lead = options.claimAheadMs ?? 10;
    this.#dispatch = new Dispatcher({
      store: options.store,
      runner: options.runner,
      clock: this.#clock,
      node: this.node,
      runsDir: options.runsDir ?? null,
      keepRuns: options.keepRuns ?? 1000,
      functions: options.functions ?? new Map(),
      random: this.#random,
      emit: (event, payload) => this.emit(event, payload),
      listening: (event) => this.listening(event),
      scheduleRetry: (jobId, run, at) => this.#pushRetry(jobId, run, at),
      currentState: (jobId) => this.#jobs.get(jobId),
    });
  }

  get running(): boolean {
    return this.#state === "running";
  }

  /** Jobs the scheduler knows, with the next instant each fires. */
  jobs(): Array<{ job: Job; next: number | null }> {
    return [...this.#jobs.values()].map((s) => ({
      job: s.job,
      next: s.job.paused ? null : s.schedule.next(Math.max(s.watermark, this.#clock.now())),
    }));
  }

  /** Number of runs going on now. */
  get activeRuns(): number {
    return this.#dispatch.activeCount;
  }

  /** Idempotent; concurrent calls share one start. */
  start(): Promise<void> {
    if (this.#state === "running") return Promise.resolve();
    if (this.#starting) return this.#starting;
    if (this.#state !== "idle")
      return Promise.reject(new Error(`cannot start a scheduler that is ${this.#state}`));
    this.#state = "starting";
    this.#starting = this.#start().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    // Children inherit the environment as it is now, plus their job's (as with crond).
    refreshInheritedEnvironment();
    primeRollovers();
    const now = this.#clock.now();
    this.#startedAt = now;
    this.#lastWall = now;
    this.#lastMono = this.#clock.monotonic();
    for (const run of await recoverAbandoned(this.store, this.node, now))
      this.emit("run:abandoned", run);
    this.#changeToken = await this.store.changeToken();
    const firings: Firing[] = [];
    const missed: Run[] = [];
    const jobs = await this.store.listJobs();
    for (const job of jobs) {
      const state = this.#install(job);
      if (!state || job.paused) continue;
      if (state.schedule.kind === "reboot") {
        firings.push({ state, slot: now, attempt: 1, trigger: "reboot" });
        continue;
      }
      const last = await this.store.lastSlot(job.id);
      state.watermark = Math.max(last ?? Number.NEGATIVE_INFINITY, job.updatedAt);
      this.#collectDue(state, now, 0, firings, missed, "catch-up");
    }
    this.#state = "running";
    this.emit("scheduler:started", { node: this.node, jobs: this.#jobs.size, at: now });
    await this.#resumeRetries(firings, now);
    await this.#dispatch.recordMissed(missed);
    await this.#dispatch.fireAll(firings);
    // Running already: a store failure here is reported and left to the next poll.
    await this.#dispatch.takeTriggers(this.#jobs).catch((error) => {
      this.#changeToken = null;
      this.emit("error", { error: error as Error, context: "taking trigger requests" });
    });
    this.#arm();
    await this.#watchStore();
    this.#schedulePoll();
  }

  /**
   * Where the store can tell of changes (SQLite: inotify on its files), look
   * at it as soon as it changes, and poll only as a fallback, every 5 s:
   * an idle scheduler then wakes 12 times a minute instead of 120.
   */
  async #watchStore(): Promise<void> {
    if (!this.store.onChange || this.#options.pollMs === null) return;
    try {
      this.#unwatch = await this.store.onChange(() => {
        if (this.#state !== "running" || this.#lookQueued) return;
        this.#lookQueued = true;
        this.#exclusive(() => {
          this.#lookQueued = false;
          return this.#poll();
        }).catch((error) =>
          this.emit("error", { error: error as Error, context: "looking at the store" }),
        );
      });
    } catch (error) {
      this.emit("error", { error: error as Error, context: "watching the store; polling instead" });
    }
  }

  /**
   * Idempotent. Stops firing, lets running jobs finish for the grace period,
   * then stops them and records every final state.
   */
  stop(): Promise<void> {
    if (this.#state === "stopped" || this.#state === "idle") {
      this.#state = "stopped";
      return Promise.resolve();
    }
    if (this.#stopping) return this.#stopping;
    this.#stopping = (async () => {
      await this.#starting?.catch(() => {});
      this.#state = "stopping";
      this.#clearTimers();
      await this.#unwatch?.().catch(() => {});
      this.#unwatch = null;
      this.emit("scheduler:stopping", {
        node: this.node,
        at: this.#clock.now(),
        running: this.activeRuns,
      });
      await this.#pass.catch(() => {});
      await this.#dispatch.shutdown(this.#options.shutdownGraceMs ?? 30_000);
      this.#heap.clear();
      this.#state = "stopped";
      this.emit("scheduler:stopped", { node: this.node, at: this.#clock.now() });
    })();
    return this.#stopping;
  }

  /**
   * Looks at the store now for changed jobs and trigger requests, instead of
   * at the next poll. The library calls this after its own changes.
   */
  async refresh(): Promise<void> {
    // A start under way may have listed the jobs before this change: look again after it.
    if (this.#starting) await this.#starting.catch(() => {});
    if (this.#state !== "running") return;
    await this.#exclusive(() => this.#lookAtStore(true));
  }

  /**
   * Runs `work` after the pass or store work under way, never beside it, and
   * only while running; stop() waits for it before it shuts the dispatcher.
   */
  #exclusive(work: () => Promise<void>): Promise<void> {
    const turn = this.#pass.then(() => (this.#state === "running" ? work() : undefined));
    this.#pass = turn.catch(() => {});
    return turn;
  }

  /** Reloads changed jobs and takes trigger requests; `always`: also if the change token stayed. */
  async #lookAtStore(always: boolean): Promise<void> {
    const token = await this.store.changeToken();
    if (this.#state !== "running" || (!always && token === this.#changeToken)) return;
    this.#changeToken = token;
    try {
      await this.#reload();
      // Requests taken are run (stop() waits for this); none are taken once stopping.
      if (this.#state !== "running") return;
      await this.#dispatch.takeTriggers(this.#jobs);
    } catch (error) {
      // The token moved but the changes were not all taken in: look again at the next poll.
      this.#changeToken = null;
      throw error;
    }
  }

  /** Parses and registers a job; an unparsable one is reported, not fatal. */
  #install(job: Job): JobState | null {
    let schedule: Schedule;
    try {
      schedule =
        this.#options.scheduleOf?.(job) ??
        parseSchedule(job.schedule, { timezone: job.timezone, seed: job.id });
    } catch (error) {
      this.emit("error", {
        error: error as Error,
        context: `job ${job.id}: schedule "${job.schedule}"`,
      });
      // Not the previous version either: the store no longer says so.
      this.#jobs.delete(job.id);
      return null;
    }
    const previous = this.#jobs.get(job.id);
    const state: JobState = {
      job,
      schedule,
      gen: ++this.#lastGen,
      watermark: Math.max(previous?.watermark ?? Number.NEGATIVE_INFINITY, job.updatedAt),
      // Set by the dispatcher at the first fire; here so every state has one shape.
      runs: undefined,
    };
    this.#jobs.set(job.id, state);
    return state;
  }

  /**
   * Moves the job's watermark to `now`: the due slots in between are fired or
   * recorded as missed as the catch-up policy says, and the next slot is put
   * on the heap.
   */
  #collectDue(
    state: JobState,
    now: number,
    jitter: number,
    firings: Firing[],
    missed: Run[],
    trigger: RunTrigger,
    slot?: number,
    entry?: HeapEntry,
  ): void {
    const { job, schedule } = state;
    if (job.paused || schedule.kind === "reboot") return;
    // The usual case, on the hot path: the heap entry's slot is the only one
    // due and it is on time. One next() decides it, and is the next entry.
    if (slot !== undefined && slot > state.watermark && now - jitter - slot <= 1000) {
      const following = schedule.next(slot);
      if (following === null || following > now) {
        firings.push({ state, slot, attempt: 1, trigger });
        state.watermark = now;
        if (following !== null) this.#pushSlot(state, following, entry);
        return;
      }
    }
    if (state.watermark < now) {
      const cap = this.#options.maxCatchUp ?? 1000;
      const due = dueSlots(schedule, state.watermark, now, cap);
      const plan = planCatchUp(job, due.slots, now - jitter);
      const onTime = trigger === "schedule" && due.slots.length === 1 && plan.run.length === 1;
      for (const slot of plan.run) {
        firings.push({ state, slot, attempt: 1, trigger: onTime ? "schedule" : "catch-up" });
      }
      plan.missed.forEach((slot, i) => {
        const reason =
          i === 0 && due.more
            ? `not run in time (catch-up "${job.catchUp}"); earlier slots back to ${iso(state.watermark)} were missed too and are not listed`
            : `not run in time (catch-up "${job.catchUp}"${job.graceMs === null ? "" : `, grace ${job.graceMs} ms`})`;
        missed.push(this.#dispatch.newRun(job, slot, 1, "schedule", "missed", reason));
      });
      state.watermark = now;
    }
    this.#pushNext(state);
  }

  #pushNext(state: JobState): void {
    const next = state.schedule.next(state.watermark);
    if (next !== null) this.#pushSlot(state, next);
  }

  /** Puts the job's next slot on the heap, in `reuse` (the entry just taken off it) if given. */
  #pushSlot(state: JobState, next: number, reuse?: HeapEntry): void {
    const jitter = state.job.jitterMs > 0 ? Math.floor(this.#random() * state.job.jitterMs) : 0;
    let entry: HeapEntry;
    if (reuse) {
      entry = reuse;
      entry.jitter = jitter;
    } else entry = { jobId: state.job.id, gen: state.gen, jitter };
    this.#heap.push(next + jitter, entry);
  }

  /** Puts a retry on the heap, unless the job has gone or the scheduler is stopping. */
  #pushRetry(jobId: string, run: Run, at: number): boolean {
    const state = this.#jobs.get(jobId);
    if (!state || this.#state !== "running" || run.attempt > state.job.retries) return false;
    this.#heap.push(at, { jobId, gen: state.gen, jitter: 0, retryOf: run });
    this.#arm();
    return true;
  }

  /**
   * Retries are kept only in memory: after a restart, a job whose newest run
   * failed with attempts left gets its retry again (at the backoff after
   * that failure, or now), unless catch-up is about to run a newer slot.
   */
  async #resumeRetries(firings: Firing[], now: number): Promise<void> {
    const catchingUp = new Set(firings.map((f) => f.state.job.id));
    for (const state of this.#jobs.values()) {
      const { job } = state;
      if (job.retries === 0 || job.paused || catchingUp.has(job.id)) continue;
      const [latest] = await this.store.listRuns({ jobId: job.id, limit: 1 });
      if (!latest || (latest.status !== "failed" && latest.status !== "timed_out")) continue;
      const at = Math.max(
        now,
        (latest.finishedAt ?? now) + retryDelay(latest.attempt, job.retryBackoffMs, this.#random),
      );
      if (this.#pushRetry(job.id, latest, at))
        this.emit("run:retry-scheduled", { run: latest, retryAt: at });
    }
  }

  /** Runs one pass over the heap; passes never overlap. */
  #wake(): void {
    // Also called by the poll (a clock step) while the timer is still pending:
    // clear it, or it would outlive stop() unseen.
    if (this.#timer) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
    if (this.#passQueued) return;
    this.#passQueued = true;
    this.#pass = this.#pass
      .then(async () => {
        this.#passQueued = false;
        if (this.#state !== "running") return;
        this.#checkClock();
        await this.#processDue();
      })
      .catch((error) => this.emit("error", { error: error as Error, context: "scheduling pass" }))
      .finally(() => this.#arm());
  }

  async #processDue(): Promise<void> {
    const key = this.#heap.peekKey();
    if (key !== undefined && key <= this.#clock.now()) await this.#take(this.#clock.now(), null);
    // Then the next instant, if it is within the lead: claimed now, started on the dot.
    const next = this.#heap.peekKey();
    const now = this.#clock.now();
    if (
      this.#lead > 0 &&
      next !== undefined &&
      next > now &&
      next - now <= this.#lead + TIMER_SLACK_MS
    ) {
      const began = this.#clock.monotonic();
      await this.#take(next, next);
      // Twice what claiming took, so that the next batch of this size is claimed in time.
      const took = this.#dispatch.claimedAheadAt - began;
      const floor = this.#options.claimAheadMs ?? 10;
      this.#lead = Math.min(MAX_LEAD_MS, Math.max(floor, 2 * took, this.#lead * 0.9));
    }
  }

  /**
   * Takes the heap's entries due by `upTo` and fires them: at once when
   * `startAt` is null, else (they are due at `startAt`, a moment from now)
   * claimed now and started at that instant.
   */
  async #take(upTo: number, startAt: number | null): Promise<void> {
    // At once, they are handed on in chunks of 16, 64, 256 …, each fired
    // before the next is collected: the first of a thousand jobs due at once
    // start after 16 are taken off the heap, not after a thousand. Ahead of
    // their instant, all are collected first: none of them starts earlier.
    let firings: Firing[] = [];
    let missed: Run[] = [];
    let chunk = FIRST_CHUNK;
    for (
      let key = this.#heap.peekKey();
      key !== undefined && key <= upTo;
      key = this.#heap.peekKey()
    ) {
      if (startAt === null && firings.length >= chunk) {
        await this.#fire(missed, firings, chunk);
        firings = [];
        missed = [];
        chunk *= CHUNK_GROWTH;
      }
      const entry = this.#heap.pop() as HeapEntry;
      const state = this.#jobs.get(entry.jobId);
      if (!state) continue;
      if (entry.retryOf) {
        // A retry outlives edits of its job, unless they paused it or took its retries away.
        const run = entry.retryOf;
        if (state.job.paused || run.attempt > state.job.retries) continue;
        firings.push({ state, slot: run.scheduledAt, attempt: run.attempt + 1, trigger: "retry" });
      } else if (state.gen === entry.gen) {
        this.#collectDue(
          state,
          upTo,
          entry.jitter,
          firings,
          missed,
          "schedule",
          key - entry.jitter,
          entry,
        );
      }
    }
    if (startAt === null) await this.#fire(missed, firings, chunk);
    else {
      if (missed.length > 0) await this.#dispatch.recordMissed(missed);
      if (firings.length > 0) await this.#dispatch.fireAt(firings, startAt);
    }
  }

  /** Records the missed slots, then fires the due ones (claimed `chunk` at first, then more at a time). */
  async #fire(missed: Run[], firings: Firing[], chunk: number): Promise<void> {
    if (missed.length > 0) await this.#dispatch.recordMissed(missed);
    if (firings.length > 0) await this.#dispatch.fireAll(firings, chunk);
  }

  /**
   * One timer for everything: armed for the earliest heap entry. A timer can
   * fire a little early against the wall clock; the pass then finds nothing
   * due and re-arms, so no slot ever runs early.
   */
  #arm(): void {
    if (this.#state !== "running") return;
    if (this.#timer) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
    const key = this.#heap.peekKey();
    if (key === undefined) return;
    const wake = () => this.#wake();
    // With a lead, the wake-up need not be precise: the runs start at their
    // instant, which the dispatcher waits for after claiming them.
    const at = this.#lead > 0 ? null : this.#clock.setTimerAt?.(wake, key);
    this.#timer =
      at ??
      this.#clock.setTimer(
        wake,
        Math.min(Math.max(0, key - this.#lead - this.#clock.now()), MAX_TIMER_MS),
      );
  }

  #schedulePoll(): void {
    const base = this.#options.pollMs === undefined ? 500 : this.#options.pollMs;
    if (base === null || this.#state !== "running") return;
    const every = this.#unwatch ? Math.max(base, WATCHED_POLL_MS) : base;
    this.#pollTimer = this.#clock.setTimer(() => {
      this.#pollTimer = null;
      this.#exclusive(() => this.#poll())
        .catch((error) =>
          this.emit("error", { error: error as Error, context: "polling the store" }),
        )
        .finally(() => this.#schedulePoll());
    }, every);
  }

  async #poll(): Promise<void> {
    if (this.#checkClock()) this.#wake();
    await this.#lookAtStore(false);
  }

  /** Picks up jobs added, changed, paused or removed by another process. */
  async #reload(): Promise<void> {
    const jobs = await this.store.listJobs();
    if (this.#state !== "running") return;
    const seen = new Set<string>();
    const firings: Firing[] = [];
    const missed: Run[] = [];
    const now = this.#clock.now();
    for (const job of jobs) {
      seen.add(job.id);
      const previous = this.#jobs.get(job.id);
      if (previous && previous.job.updatedAt === job.updatedAt) continue;
      const state = this.#install(job);
      if (!state) continue;
      if (previous) this.emit("job:changed", { job, previous: previous.job });
      else this.emit("job:added", { job });
      this.#collectDue(state, now, 0, firings, missed, "schedule");
    }
    for (const [id, state] of this.#jobs) {
      if (seen.has(id)) continue;
      this.#jobs.delete(id);
      state.gen++;
      this.emit("job:removed", { jobId: id });
    }
    await this.#dispatch.recordMissed(missed);
    await this.#dispatch.fireAll(firings);
    this.#arm();
  }

  /**
   * Compares the wall clock with the monotonic one. A step forward makes
   * slots due at once (the catch-up policy decides); a step back needs
   * nothing, since watermarks and the store's claims never fire a slot twice.
   */
  #checkClock(): boolean {
    const wall = this.#clock.now();
    const mono = this.#clock.monotonic();
    const delta = wall - this.#lastWall - (mono - this.#lastMono);
    this.#lastWall = wall;
    this.#lastMono = mono;
    if (Math.abs(delta) < (this.#options.jumpThresholdMs ?? 2000)) return false;
    this.emit("clock:jump", { deltaMs: delta, at: wall });
    return true;
  }

  #clearTimers(): void {
    if (this.#timer) this.#clock.clearTimer(this.#timer);
    if (this.#pollTimer) this.#clock.clearTimer(this.#pollTimer);
    this.#timer = null;
    this.#pollTimer = null;
  }

  /** When start() ran (for @reboot and status). */
  get startedAt(): number {
    return this.#startedAt;
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
