import { SchedulerError } from "../errors.js";
import { newRunId } from "../ids.js";
import type { Job, JobTarget, Run } from "../model.js";
import {
  checkKeep,
  jobExists,
  jobNotFound,
  normalizeRunQuery,
  patchJob,
  runNotFound,
  storeClosed,
  TRIGGER_RETENTION_MS,
} from "./query.js";
import type {
  JobPatch,
  RunPatch,
  RunQuery,
  Store,
  StoreOptions,
  SyncJobStore,
  TriggerRequest,
} from "./store.js";

// The store of one process, with the semantics of the SQLite one (the same
// contract suite runs against both). Everything handed in or out is copied,
// as it would be by a database, so a caller can never change a stored value
// by mutating an object it holds.
//
// Runs are kept in a list per job, and those not finished also by id: a
// scheduler claims and then updates a thousand runs a second, all of them
// unfinished, and a map of every run by id (a million with the default
// history) cost more than the rest of a claim and an update together. A
// finished run is looked up by id by going through the lists. Run ids are
// unique by construction (newRunId); a claim checks its id against the
// unfinished runs and the rest of its batch, which is where a clash can come
// from (a run claimed twice).

/** Newest first: slot, then attempt, then job id, all descending. */
function newerFirst(a: Run, b: Run): number {
  if (a.scheduledAt !== b.scheduledAt) return b.scheduledAt - a.scheduledAt;
  if (a.attempt !== b.attempt) return b.attempt - a.attempt;
  return a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0;
}

const isUnfinished = (run: Run) => run.status === "running" || run.status === "queued";

export class MemoryStore implements Store {
  readonly kind = "memory";
  readonly #now: () => number;
  readonly #jobs = new Map<string, Job>();
  /** Runs not finished (running, queued), by id. */
  readonly #unfinished = new Map<string, Run>();
  /** Runs of each job, oldest first (by slot, then attempt). */
  readonly #runsOfJob = new Map<string, Run[]>();
  readonly #triggers = new Map<string, TriggerRequest>();
  #version = 0;
  #closed = false;

  constructor(options: StoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  #open(): void {
    if (this.#closed) throw storeClosed();
  }

  readonly sync: SyncJobStore = {
    createJob: (job) => {
      this.#open();
      if (this.#jobs.has(job.id)) throw jobExists(job.id);
      const stored = frozenCopy(job);
      this.#jobs.set(job.id, stored);
      this.#version++;
      return stored;
    },
    updateJob: (id, patch) => {
      this.#open();
      const job = this.#jobs.get(id);
      if (!job) throw jobNotFound(id);
      const updated = frozenCopy(patchJob(job, patch, this.#now()));
      this.#jobs.set(id, updated);
      this.#version++;
      return updated;
    },
    getJob: (id) => {
      this.#open();
      return this.#jobs.get(id) ?? null;
    },
  };

  async createJob(job: Job): Promise<void> {
    this.sync.createJob(job);
  }

  async updateJob(id: string, patch: JobPatch): Promise<Job> {
    return this.sync.updateJob(id, patch);
  }

  async removeJob(id: string): Promise<boolean> {
    this.#open();
    const had = this.#jobs.delete(id);
    if (had) this.#version++;
    return had;
  }

  async getJob(id: string): Promise<Job | null> {
    return this.sync.getJob(id);
  }

  async listJobs(): Promise<Job[]> {
    this.#open();
    return [...this.#jobs.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async claimRun(run: Run): Promise<boolean> {
    this.#open();
    return this.#claimAll([run])[0] === true;
  }

  async claimRuns(runs: Run[]): Promise<boolean[]> {
    this.#open();
    return this.#claimAll(runs);
  }

  #claimAll(runs: Run[]): boolean[] {
    // All or nothing, like the SQLite transaction: an id that is taken
    // (stored, or twice in this batch) undoes what the batch inserted.
    const won: boolean[] = new Array(runs.length);
    // Finished runs claimed in this batch (missed, skipped), made only for such a batch.
    let finishedIds: Set<string> | null = null;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as Run;
      if (this.#unfinished.has(run.id) || finishedIds?.has(run.id)) {
        this.#undoClaims(runs, won, i);
        throw idTaken(run.id);
      }
      let list = this.#runsOfJob.get(run.jobId);
      if (!list) {
        list = [];
        this.#runsOfJob.set(run.jobId, list);
      }
      // The job's runs are its claims, in slot order: the place a new one
      // goes is where a run of the same slot and attempt would be. Claims
      // nearly always come in slot order, so the search starts at the end.
      let at = list.length;
      let taken = false;
      while (at > 0) {
        const before = list[at - 1] as Run;
        if (before.scheduledAt < run.scheduledAt) break;
        if (before.scheduledAt === run.scheduledAt) {
          if (before.attempt < run.attempt) break;
          if (before.attempt === run.attempt) {
            taken = true;
            break;
          }
        }
        at--;
      }
      won[i] = !taken;
      if (taken) continue;
      const stored = copyRun(run);
      if (isUnfinished(stored)) this.#unfinished.set(run.id, stored);
      else {
        finishedIds ??= new Set();
        finishedIds.add(run.id);
      }
      if (at === list.length) list.push(stored);
      else list.splice(at, 0, stored);
    }
    return won;
  }

  /** Takes back the first `count` claims of a batch. */
  #undoClaims(runs: Run[], won: boolean[], count: number): void {
    for (let i = 0; i < count; i++) {
      if (!won[i]) continue;
      const run = runs[i] as Run;
      this.#unfinished.delete(run.id);
      const list = this.#runsOfJob.get(run.jobId);
      const at = list?.findIndex((r) => r.id === run.id) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
    }
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    this.#open();
    if (!this.#update(id, patch)) throw runNotFound(id);
  }

  async updateRuns(updates: Array<{ id: string; patch: RunPatch }>): Promise<number> {
    this.#open();
    let applied = 0;
    for (let i = 0; i < updates.length; i++) {
      const update = updates[i] as { id: string; patch: RunPatch };
      if (this.#update(update.id, update.patch)) applied++;
    }
    return applied;
  }

  /** Patches a stored run and keeps #unfinished up to date; false if there is no such run. */
  #update(id: string, patch: RunPatch): boolean {
    const run = this.#find(id);
    if (!run) return false;
    applyPatch(run, patch);
    if (isUnfinished(run)) this.#unfinished.set(id, run);
    else this.#unfinished.delete(id);
    return true;
  }

  /** The stored run with this id: an unfinished one at once, a finished one by going through the lists. */
  #find(id: string): Run | undefined {
    const run = this.#unfinished.get(id);
    if (run !== undefined) return run;
    for (const list of this.#runsOfJob.values()) {
      // Newest first: a run looked up is more often a recent one.
      for (let i = list.length - 1; i >= 0; i--) {
        if ((list[i] as Run).id === id) return list[i];
      }
    }
    return undefined;
  }

  async getRun(id: string): Promise<Run | null> {
    this.#open();
    const run = this.#find(id);
    return run ? { ...run } : null;
  }

  async listRuns(query?: RunQuery): Promise<Run[]> {
    this.#open();
    const q = normalizeRunQuery(query);
    let cursor: Run | undefined;
    if (q.beforeId !== undefined) {
      cursor = this.#find(q.beforeId);
      if (!cursor) throw runNotFound(q.beforeId);
    }
    const statuses = q.statuses ? new Set(q.statuses) : undefined;
    // A job's list, read from its end, is in the query's order (newest
    // first). So the page is among each job's first `limit` matching runs:
    // those are gathered and sorted, not every run of every job (a million
    // with the default history).
    const lists =
      q.jobId !== undefined ? [this.#runsOfJob.get(q.jobId) ?? []] : this.#runsOfJob.values();
    const candidates: Run[] = [];
    for (const list of lists) {
      let taken = 0;
      for (let i = list.length - 1; i >= 0 && taken < q.limit; i--) {
        const run = list[i] as Run;
        // Slots only get earlier from here on.
        if (q.from !== undefined && run.scheduledAt < q.from) break;
        if (cursor && newerFirst(run, cursor) <= 0) continue;
        if (statuses && !statuses.has(run.status)) continue;
        if (q.to !== undefined && run.scheduledAt >= q.to) continue;
        candidates.push(run);
        taken++;
      }
    }
    if (q.jobId === undefined) candidates.sort(newerFirst);
    return candidates.slice(0, q.limit).map((run) => ({ ...run }));
  }

  async lastSlot(jobId: string): Promise<number | null> {
    this.#open();
    const list = this.#runsOfJob.get(jobId) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const run = list[i] as Run;
      if (run.trigger === "schedule" || run.trigger === "catch-up") return run.scheduledAt;
    }
    return null;
  }

  async unfinishedRuns(node?: string): Promise<Run[]> {
    this.#open();
    return [...this.#unfinished.values()]
      .filter((run) => node === undefined || run.node === node)
      .sort(newerFirst)
      .reverse()
      .map((run) => ({ ...run }));
  }

  async pruneRuns(jobId: string, keep: number): Promise<number> {
    this.#open();
    checkKeep(keep);
    const list = this.#runsOfJob.get(jobId);
    if (!list) return 0;
    const cut = Math.max(0, list.length - keep);
    const kept: Run[] = [];
    let removed = 0;
    list.forEach((run, i) => {
      if (i < cut && !isUnfinished(run)) {
        removed++;
      } else {
        kept.push(run);
      }
    });
    this.#runsOfJob.set(jobId, kept);
    return removed;
  }

  async requestTrigger(jobId: string): Promise<TriggerRequest> {
    this.#open();
    if (!this.#jobs.has(jobId)) throw jobNotFound(jobId);
    const now = this.#now();
    const request: TriggerRequest = {
      id: newRunId(now),
      jobId,
      requestedAt: now,
      runId: null,
      takenAt: null,
      takenBy: null,
    };
    this.#triggers.set(request.id, request);
    this.#version++;
    return { ...request };
  }

  async takeTriggers(node: string): Promise<TriggerRequest[]> {
    this.#open();
    const now = this.#now();
    const taken: TriggerRequest[] = [];
    for (const request of this.#triggers.values()) {
      if (request.takenAt !== null) {
        if (request.takenAt < now - TRIGGER_RETENTION_MS) this.#triggers.delete(request.id);
        continue;
      }
      request.takenAt = now;
      request.takenBy = node;
      taken.push({ ...request });
    }
    return taken.sort((a, b) => a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : 1));
  }

  async completeTrigger(id: string, runId: string): Promise<void> {
    this.#open();
    const request = this.#triggers.get(id);
    if (request) request.runId = runId;
  }

  async getTrigger(id: string): Promise<TriggerRequest | null> {
    this.#open();
    const request = this.#triggers.get(id);
    return request ? { ...request } : null;
  }

  async changeToken(): Promise<string> {
    this.#open();
    return String(this.#version);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

function idTaken(id: string): SchedulerError {
  return new SchedulerError("E_STORE", `run id "${id}" is already taken`, { id });
}

/** Field by field: one shape for every stored run, and faster than a spread. */
function copyRun(run: Run): Run {
  return {
    id: run.id,
    jobId: run.jobId,
    scheduledAt: run.scheduledAt,
    attempt: run.attempt,
    trigger: run.trigger,
    status: run.status,
    reason: run.reason,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    exitCode: run.exitCode,
    signal: run.signal,
    pid: run.pid,
    pidStartTime: run.pidStartTime,
    node: run.node,
    outputTail: run.outputTail,
    outputBytes: run.outputBytes,
    outputTruncated: run.outputTruncated,
  };
}

const EMPTY_ENV: Record<string, string> = Object.freeze({});

/**
 * Jobs are kept deeply frozen and handed out as they are: no caller can
 * change a stored job through an object it holds, and reads cost no copy
 * (100,000 jobs would otherwise be cloned at every listJobs).
 */
function frozenCopy(job: Job): Job {
  // Field by field, one shape for every job: a spread of a Job into a frozen
  // object came out at about twice the size.
  return Object.freeze({
    id: job.id,
    schedule: job.schedule,
    timezone: job.timezone,
    timeoutMs: job.timeoutMs,
    target: frozenTarget(job.target),
    cwd: job.cwd,
    env: Object.keys(job.env).length === 0 ? EMPTY_ENV : Object.freeze(Object.assign({}, job.env)),
    overlap: job.overlap,
    retries: job.retries,
    retryBackoffMs: job.retryBackoffMs,
    catchUp: job.catchUp,
    graceMs: job.graceMs,
    jitterMs: job.jitterMs,
    paused: job.paused,
    description: job.description,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
  });
}

/**
 * Field by field, not a spread (nor a spread env): V8 gives each spread
 * copy, and then each frozen one, a hidden class of its own, which with
 * 100,000 jobs was 144 B per job and a good part of the time of storing one.
 */
function frozenTarget(t: JobTarget): JobTarget {
  switch (t.type) {
    case "script":
      return Object.freeze({
        type: t.type,
        path: t.path,
        args: Object.freeze([...t.args]) as string[],
      });
    case "command":
      return Object.freeze({ type: t.type, argv: Object.freeze([...t.argv]) as string[] });
    case "shell":
      return Object.freeze({ type: t.type, command: t.command });
    default:
      return Object.freeze({ type: t.type, name: t.name });
  }
}

/**
 * Sets the fields of a patch on a stored run: only those a patch may set
 * (whatever else the object holds), and not those set to undefined, which
 * mean "leave as it is". Field by field: a loop over RUN_PATCH_KEYS reads
 * and writes by computed key, which cost most of an update (a test checks
 * this covers every key of the list).
 */
export function applyPatch(run: Run, patch: RunPatch): void {
  if (patch.status !== undefined) run.status = patch.status;
  if (patch.reason !== undefined) run.reason = patch.reason;
  if (patch.startedAt !== undefined) run.startedAt = patch.startedAt;
  if (patch.finishedAt !== undefined) run.finishedAt = patch.finishedAt;
  if (patch.exitCode !== undefined) run.exitCode = patch.exitCode;
  if (patch.signal !== undefined) run.signal = patch.signal;
  if (patch.pid !== undefined) run.pid = patch.pid;
  if (patch.pidStartTime !== undefined) run.pidStartTime = patch.pidStartTime;
  if (patch.outputTail !== undefined) run.outputTail = patch.outputTail;
  if (patch.outputBytes !== undefined) run.outputBytes = patch.outputBytes;
  if (patch.outputTruncated !== undefined) run.outputTruncated = patch.outputTruncated;
}
