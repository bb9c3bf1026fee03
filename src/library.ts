import { dirname, join } from "node:path";
import { type ParseOptions, parseSchedule, type Schedule } from "./cron/index.js";
import { SchedulerError } from "./errors.js";
import type { SchedulerEvents } from "./events.js";
import { runAttempt } from "./executor/index.js";
import { jobToInput, validateJobAndSchedule } from "./jobs.js";
import type { Job, JobInput, Run } from "./model.js";
import type { Clock } from "./scheduler/clock.js";
import { systemClock } from "./scheduler/clock.js";
import type { JobFunction, Runner } from "./scheduler/runner.js";
import { Scheduler } from "./scheduler/scheduler.js";
import { openStore } from "./store/index.js";
import type { JobPatch, RunQuery, Store, SyncJobStore } from "./store/store.js";

export interface CreateSchedulerOptions {
  /**
   * Where jobs and runs are kept: "memory" (the default), "sqlite:<path>" (or
   * a plain file path), or a Store you opened yourself.
   */
  store?: string | Store;
  /**
   * Directory for the output files of runs (`<runsDir>/<job>/<run>.log`).
   * Default: `runs/` beside a SQLite file; none for memory (the store keeps a tail).
   */
  runsDir?: string | null;
  /** The zone of jobs added without one. Default: this process's zone. */
  timezone?: string;
  clock?: Clock;
  /** How often to look for changes made by other processes (ms); null: never. Default 500. */
  pollMs?: number | null;
  /** How long stop() lets running jobs finish. Default 30 s. */
  shutdownGraceMs?: number;
  /** Runs kept per job; older finished ones and their output files are pruned. Default 1000. */
  keepRuns?: number;
  /** This scheduler's node name in the runs it records. */
  node?: string;
  /**
   * How long before an instant the runs due at it are claimed, so that they
   * start on the dot (at least this; longer when claiming took longer, up
   * to 1 s). 0: claimed at the instant. Default 10 ms.
   */
  claimAheadMs?: number;
  /** Replaces the executor (tests). */
  runner?: Runner;
}

/** A job as the library takes it: JobInput, plus `run` for an in-process function. */
export interface JobDefinition extends Omit<JobInput, "function"> {
  run?: JobFunction;
}

/**
 * An in-process scheduler with persistence.
 *
 * ```ts
 * const scheduler = await createScheduler({ store: "sqlite:./jobs.db" });
 * scheduler.add({ id: "report", schedule: "0 9 * * MON-FRI", timezone: "Europe/Berlin",
 *                 timeout: "30m", run: async ({ signal }) => { ... } });
 * scheduler.on("run:finished", (run) => console.log(run.jobId, run.status));
 * await scheduler.start();
 * ```
 */
export async function createScheduler(
  options: CreateSchedulerOptions = {},
): Promise<CronScheduler> {
  const clock = options.clock ?? systemClock;
  const spec = options.store ?? "memory";
  const store = typeof spec === "string" ? await openStore(spec, { now: () => clock.now() }) : spec;
  let runsDir = options.runsDir;
  if (runsDir === undefined) {
    const file = typeof spec === "string" ? sqlitePath(spec) : null;
    runsDir = file ? join(dirname(file), "runs") : null;
  }
  return new CronScheduler(store, typeof spec === "string", { ...options, clock, runsDir });
}

function noop(): void {}

/** #upsert on a store's synchronous job methods. */
function upsertNow(store: SyncJobStore, given: Job, pausedGiven: boolean): Job {
  const existing = store.getJob(given.id);
  // The stored copy, so that `given` is garbage at once (100,000 of them,
  // held by the promises of add() a while, are worth not keeping).
  if (!existing) return store.createJob(given);
  const patch = redefinition(existing, given, pausedGiven);
  return patch ? store.updateJob(given.id, patch) : existing;
}

/**
 * The change that redefining the stored job `existing` as `given` makes, or
 * null if there is none (the job keeps its history and catch-up position).
 * Unless the definition says whether the job is paused, the stored state stays.
 */
function redefinition(existing: Job, given: Job, pausedGiven: boolean): JobPatch | null {
  const job = pausedGiven ? given : { ...given, paused: existing.paused };
  if (JSON.stringify(jobToInput(existing)) === JSON.stringify(jobToInput(job))) return null;
  const { id: _id, createdAt: _created, updatedAt: _updated, ...patch } = job;
  return patch;
}

function sqlitePath(spec: string): string | null {
  if (spec === "memory" || /^postgres(ql)?:/i.test(spec)) return null;
  return spec.replace(/^sqlite:(\/\/(?=\/))?/i, "");
}

export class CronScheduler {
  readonly store: Store;
  readonly #scheduler: Scheduler;
  readonly #functions = new Map<string, JobFunction>();
  readonly #ownsStore: boolean;
  readonly #clock: Clock;
  readonly #timezone: string | undefined;
  /** Adds not yet written; start() waits for them. */
  #pending: Promise<unknown>[] = [];
  /** The latest add() of each id still being written. */
  readonly #writing = new Map<string, Promise<Job>>();
  /** Set by start(): from then on a change must also reach the running scheduler. */
  #started = false;
  /** Schedules parsed by add(), for the scheduler to reuse. */
  readonly #schedules = new Map<string, Schedule>();

  constructor(
    store: Store,
    ownsStore: boolean,
    options: CreateSchedulerOptions & { clock: Clock },
  ) {
    this.store = store;
    this.#ownsStore = ownsStore;
    this.#clock = options.clock;
    this.#timezone = options.timezone;
    this.#scheduler = new Scheduler({
      store,
      runner: options.runner ?? runAttempt,
      clock: options.clock,
      runsDir: options.runsDir ?? null,
      functions: this.#functions,
      scheduleOf: (job) => {
        const known = this.#schedules.get(job.id);
        return known && known.expression === job.schedule.trim() && known.timezone === job.timezone
          ? known
          : undefined;
      },
      ...(options.node === undefined ? {} : { node: options.node }),
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      ...(options.shutdownGraceMs === undefined
        ? {}
        : { shutdownGraceMs: options.shutdownGraceMs }),
      ...(options.keepRuns === undefined ? {} : { keepRuns: options.keepRuns }),
      ...(options.claimAheadMs === undefined ? {} : { claimAheadMs: options.claimAheadMs }),
    });
  }

  /** Typed events: "run:started", "run:finished", "run:skipped", "run:missed", "job:added", … */
  on<K extends keyof SchedulerEvents & string>(
    event: K,
    listener: (payload: SchedulerEvents[K]) => void,
  ): this {
    this.#scheduler.on(event, listener);
    return this;
  }

  off<K extends keyof SchedulerEvents & string>(
    event: K,
    listener: (payload: SchedulerEvents[K]) => void,
  ): this {
    this.#scheduler.off(event, listener);
    return this;
  }

  /**
   * Defines a job (or redefines it: a job that exists in the store with the
   * same id is updated to this definition). Bad input throws at once; the
   * returned promise settles when the job is stored. Jobs are declared in
   * code at each start, so a changed definition replaces the stored one, and
   * an unchanged one keeps its history and catch-up position.
   */
  add(definition: JobDefinition): Promise<Job> {
    const run = definition.run;
    // Object.assign, not a spread: V8 gives a spread copy that then gets more
    // keys a hidden class of its own, so that every read of it in validation
    // misses the inline caches (4-5 µs of each add, adding 100,000 jobs).
    // Validation ignores `run`.
    const input: JobInput = Object.assign({}, definition);
    if (run) input.function = definition.id;
    if (input.timezone === undefined && this.#timezone) input.timezone = this.#timezone;
    const { job, schedule } = validateJobAndSchedule(input, {
      now: this.#clock.now(),
      timeoutBareUnit: null,
    });
    if (run) this.#functions.set(job.id, run);
    // Validation just parsed the schedule: the scheduler takes it from here
    // instead of parsing it again (the parse cache does not hold 100,000).
    this.#schedules.set(job.id, schedule);
    const pausedGiven = definition.paused !== undefined;
    // Before start() there is no scheduler to tell, so a store that can write
    // at once (memory) is written now: no promise chain per job. Writes of one
    // id stay in order: until start() every add() to such a store comes here.
    const sync = this.store.sync;
    if (sync && !this.#started) {
      try {
        return Promise.resolve(upsertNow(sync, job, pausedGiven));
      } catch (error) {
        const failed = Promise.reject(error);
        // Handled here (the caller may not await add()); start() reports it.
        failed.catch(noop);
        this.#pending.push(failed);
        return failed;
      }
    }
    // Writes of one id go in the order they were asked for (two adds of one id
    // would otherwise both see no job and both create it).
    const previous = this.#writing.get(job.id);
    const write = previous
      ? previous.then(
          () => this.#upsert(job, pausedGiven),
          () => this.#upsert(job, pausedGiven),
        )
      : this.#upsert(job, pausedGiven);
    this.#writing.set(job.id, write);
    // Also marks the rejection handled (the caller may not await add()); start() reports it.
    const settled = () => {
      if (this.#writing.get(job.id) === write) this.#writing.delete(job.id);
    };
    write.then(settled, settled);
    this.#pending.push(write);
    return write;
  }

  /**
   * Creates or redefines a job. A definition that does not say whether the
   * job is paused keeps the stored job's state, so a job paused from the
   * command line stays paused when the program that defines it restarts.
   */
  async #upsert(given: Job, pausedGiven: boolean): Promise<Job> {
    const existing = await this.store.getJob(given.id);
    let stored = given;
    if (!existing) await this.store.createJob(given);
    else {
      const patch = redefinition(existing, given, pausedGiven);
      stored = patch ? await this.store.updateJob(given.id, patch) : existing;
    }
    await this.#scheduler.refresh();
    return stored;
  }

  async remove(id: string): Promise<boolean> {
    await this.#writing.get(id)?.catch(noop);
    const removed = await this.store.removeJob(id);
    this.#functions.delete(id);
    this.#schedules.delete(id);
    await this.#scheduler.refresh();
    return removed;
  }

  pause(id: string): Promise<Job> {
    return this.#update(id, { paused: true });
  }

  resume(id: string): Promise<Job> {
    return this.#update(id, { paused: false });
  }

  async #update(id: string, patch: Partial<Job>): Promise<Job> {
    const job = await this.store.updateJob(id, patch);
    await this.#scheduler.refresh();
    return job;
  }

  /** Runs a job now, whatever its schedule; resolves with the run once it has ended. */
  async trigger(id: string): Promise<Run> {
    if (!this.#scheduler.running) {
      throw new SchedulerError(
        "E_NOT_RUNNING",
        `cannot trigger "${id}": the scheduler is not started (call start() first)`,
      );
    }
    const request = await this.store.requestTrigger(id);
    const finished = new Map<string, Run>();
    const listener = (run: Run) => finished.set(run.id, run);
    for (const event of ["run:finished", "run:skipped"] as const)
      this.#scheduler.on(event, listener);
    try {
      await this.#scheduler.refresh();
      const runId = await this.#runOfTrigger(request.id, id);
      return await new Promise<Run>((resolve) => {
        const done = finished.get(runId);
        if (done) return resolve(done);
        const wait = (run: Run) => {
          if (run.id !== runId) return;
          for (const event of ["run:finished", "run:skipped"] as const)
            this.#scheduler.off(event, wait);
          resolve(run);
        };
        for (const event of ["run:finished", "run:skipped"] as const)
          this.#scheduler.on(event, wait);
      });
    } finally {
      for (const event of ["run:finished", "run:skipped"] as const)
        this.#scheduler.off(event, listener);
    }
  }

  /** The run a trigger request started; the poll loop may be the one that takes it, a moment later. */
  async #runOfTrigger(requestId: string, jobId: string): Promise<string> {
    for (let waited = 0; waited < 10_000; waited += 20) {
      const taken = await this.store.getTrigger(requestId);
      if (taken?.runId) return taken.runId;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new SchedulerError("E_INTERNAL", `the trigger of "${jobId}" was not taken within 10 s`);
  }

  job(id: string): Promise<Job | null> {
    return this.store.getJob(id);
  }

  jobs(): Promise<Job[]> {
    return this.store.listJobs();
  }

  runs(query?: RunQuery): Promise<Run[]> {
    return this.store.listRuns(query);
  }

  /** The next `count` instants a job fires at. */
  async nextRuns(id: string, count = 5): Promise<Date[]> {
    const job = await this.store.getJob(id);
    if (!job) throw new SchedulerError("E_JOB_NOT_FOUND", `no job "${id}"`);
    const options: ParseOptions = { timezone: job.timezone, seed: job.id };
    return parseSchedule(job.schedule, options)
      .nextN(this.#clock.now(), count)
      .map((t) => new Date(t));
  }

  get running(): boolean {
    return this.#scheduler.running;
  }

  async start(): Promise<void> {
    this.#started = true;
    const pending = this.#pending;
    this.#pending = [];
    await Promise.all(pending);
    await this.#scheduler.start();
  }

  /** Stops firing, lets running jobs finish (up to the shutdown grace), and closes a store it opened. */
  async stop(): Promise<void> {
    await this.#scheduler.stop();
    if (this.#ownsStore) await this.store.close();
  }
}
