import type { Job, Run, RunStatus } from "../model.js";

// The one interface every layer above uses. No SQL outside src/store/; each
// backend (memory, sqlite, postgres) adapts its quirks behind this.
// All methods are async so that SQLite (synchronous underneath) and
// PostgreSQL share callers.

export type JobPatch = Partial<Omit<Job, "id" | "createdAt">>;

export type RunPatch = Partial<
  Pick<
    Run,
    | "status"
    | "reason"
    | "startedAt"
    | "finishedAt"
    | "exitCode"
    | "signal"
    | "pid"
    | "pidStartTime"
    | "outputTail"
    | "outputBytes"
    | "outputTruncated"
  >
>;

/** The fields a RunPatch may set, in a fixed order (the compiler checks the list is whole). */
export const RUN_PATCH_KEYS = Object.keys({
  status: true,
  reason: true,
  startedAt: true,
  finishedAt: true,
  exitCode: true,
  signal: true,
  pid: true,
  pidStartTime: true,
  outputTail: true,
  outputBytes: true,
  outputTruncated: true,
} satisfies Record<keyof RunPatch, true>) as ReadonlyArray<keyof RunPatch>;

/**
 * Runs come newest first: by slot (scheduledAt), then attempt, then job id,
 * all descending — a total order, so paging with `beforeId` neither skips
 * nor repeats a run.
 */
export interface RunQuery {
  jobId?: string;
  status?: RunStatus | RunStatus[];
  /** Runs whose slot is at or after this instant. */
  from?: number;
  /** Runs whose slot is before this instant. */
  to?: number;
  /** At most this many (a positive integer); default 50. */
  limit?: number;
  /**
   * For paging: the runs after this one in the order above (pass the id of
   * the last run of the previous page). E_RUN_NOT_FOUND if there is no such run.
   */
  beforeId?: string;
}

export interface StoreOptions {
  /** The clock for the instants the store itself stamps (updatedAt, trigger times). Default Date.now. */
  now?: () => number;
}

/** A request from another process ("cron-scheduler trigger") to run a job now. */
export interface TriggerRequest {
  id: string;
  jobId: string;
  requestedAt: number;
  /** Set when a scheduler took the request: the run it started. */
  runId: string | null;
  takenAt: number | null;
  takenBy: string | null;
}

/** Store's job methods, synchronous (see Store.sync). */
export interface SyncJobStore {
  /** Also returns the job as stored. */
  createJob(job: Job): Job;
  updateJob(id: string, patch: JobPatch): Job;
  getJob(id: string): Job | null;
}

export interface Store {
  readonly kind: "memory" | "sqlite" | "postgres";

  /**
   * Adds a job; throws SchedulerError E_JOB_EXISTS if the id is taken. Leaves the store unchanged on error.
   * Jobs handed out by any method may be frozen (the memory store shares them): copy before changing.
   */
  createJob(job: Job): Promise<void>;
  /**
   * Changes a job; throws E_JOB_NOT_FOUND. Returns the job as stored.
   * Sets updatedAt to patch.updatedAt if given, else to now.
   */
  updateJob(id: string, patch: JobPatch): Promise<Job>;
  /** Removes a job and keeps its runs. Returns false if there was none. */
  removeJob(id: string): Promise<boolean>;
  getJob(id: string): Promise<Job | null>;
  /** All jobs, ordered by id. */
  listJobs(): Promise<Job[]>;

  /**
   * Claims a slot: inserts the run unless a run with the same (jobId,
   * scheduledAt, attempt) exists — one conditional write, so that each slot
   * fires once across processes, restarts and nodes. True if this caller won.
   */
  claimRun(run: Run): Promise<boolean>;
  /**
   * claimRun for many runs in one transaction (the slots due at one instant,
   * the missed slots of a downtime): one commit instead of one per run.
   * Returns, per run in order, whether this caller won it.
   *
   * `handOver`: the caller gives the run objects to the store, which may keep
   * them rather than copies (the memory store does, until a run finishes).
   * The caller then writes (updateRuns) every change it makes to such a run,
   * and each patch it writes must agree with the object as it is when the
   * patch is applied: the run itself, or fields that no longer change (the
   * scheduler: each fire's run was otherwise copied once more). Their ids
   * must be unique by their making (newRunId): the memory store does not
   * index handed-over runs by id, and finds them fastest when the patch
   * names the job (is the run itself).
   */
  claimRuns(runs: Run[], handOver?: boolean): Promise<boolean[]>;
  /** Throws E_RUN_NOT_FOUND if there is no such run. */
  updateRun(id: string, patch: RunPatch): Promise<void>;
  /**
   * Several updates in one transaction, applied in order (the scheduler
   * batches the writes of one moment). Runs that no longer exist (pruned)
   * are passed over; returns how many updates applied. Only the first
   * `count` (default all) are applied: the scheduler's writer reuses its arrays.
   */
  updateRuns(updates: Array<{ id: string; patch: RunPatch }>, count?: number): Promise<number>;
  getRun(id: string): Promise<Run | null>;
  listRuns(query?: RunQuery): Promise<Run[]>;
  /** The latest slot (scheduledAt) of any run of the job with trigger "schedule" or "catch-up", or null. */
  lastSlot(jobId: string): Promise<number | null>;
  /** Runs in status "running" or "queued" (optionally of one node): crash recovery looks at these. */
  unfinishedRuns(node?: string): Promise<Run[]>;
  /**
   * Keeps the newest `keep` runs of a job and deletes the older ones that are
   * finished (a queued or running run is never deleted); returns how many went.
   */
  pruneRuns(jobId: string, keep: number): Promise<number>;

  /** Records a request to run a job now; returns it. Throws E_JOB_NOT_FOUND if there is no such job. */
  requestTrigger(jobId: string): Promise<TriggerRequest>;
  /**
   * Takes the pending requests, oldest first, marking them taken by `node`:
   * each request is taken by exactly one caller, across processes. The job
   * of a request may have been removed since it was made.
   */
  takeTriggers(node: string): Promise<TriggerRequest[]>;
  /** Links a taken request to the run it started (no-op for an unknown id). */
  completeTrigger(id: string, runId: string): Promise<void>;
  getTrigger(id: string): Promise<TriggerRequest | null>;

  /**
   * A value that changes whenever jobs or trigger requests change, also when
   * another process changed them. Cheap enough to poll a few times a second
   * (a few µs on SQLite). Runs, and taking a trigger request, do not change it.
   */
  changeToken(): Promise<string>;
  /**
   * Optional: the job methods without a promise, for a store that works
   * inside this process (memory). The library registers jobs through them
   * before start(), so that adding 100,000 jobs costs no promise chain per
   * store call. Same semantics and errors as the methods of the same names.
   */
  readonly sync?: SyncJobStore;
  /** Optional push notification of changes (PostgreSQL LISTEN). Returns an unsubscribe function. */
  onChange?(listener: () => void): Promise<() => Promise<void>>;

  /** Idempotent. Any other call after close throws E_STORE. */
  close(): Promise<void>;
}
