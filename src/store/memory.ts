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
import { NodeNames, RunRows } from "./run-rows.js";
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
// Runs are kept per job as rows of numbers (RunRows), which the GC does not
// scan: a scheduler firing a thousand jobs a second keeps a million of them
// with the default history, and as objects they cost more GC time than the
// firing did. Unfinished runs are also known by id (they are patched as they
// end); a finished run is looked up by id by going through the jobs' rows.
// Run ids are unique by construction (newRunId); a claim checks its id
// against the unfinished runs and the rest of its batch, which is where a
// clash can come from (a run claimed twice).

/** Newest first: slot, then attempt, then job id, all descending. */
function newerFirst(a: Run, b: Run): number {
  if (a.scheduledAt !== b.scheduledAt) return b.scheduledAt - a.scheduledAt;
  if (a.attempt !== b.attempt) return b.attempt - a.attempt;
  return a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0;
}

const isUnfinished = (run: Run) => run.status === "running" || run.status === "queued";

/** A run of a listing, not yet made into an object: its job's rows and its row. */
interface Candidate {
  rows: RunRows;
  row: number;
  slot: number;
  attempt: number;
}

/** newerFirst on candidates. */
function newerCandidate(a: Candidate, b: Candidate): number {
  if (a.slot !== b.slot) return b.slot - a.slot;
  if (a.attempt !== b.attempt) return b.attempt - a.attempt;
  const x = a.rows.jobId;
  const y = b.rows.jobId;
  return x < y ? 1 : x > y ? -1 : 0;
}

/** Whether a run of (slot, attempt, jobId) comes after `cursor` in newerFirst order. */
function afterCursor(slot: number, attempt: number, jobId: string, cursor: Run): boolean {
  if (slot !== cursor.scheduledAt) return slot < cursor.scheduledAt;
  if (attempt !== cursor.attempt) return attempt < cursor.attempt;
  return jobId < cursor.jobId;
}

export class MemoryStore implements Store {
  readonly kind = "memory";
  readonly #now: () => number;
  readonly #jobs = new Map<string, Job>();
  /** The rows of each run not finished (running, queued), by id. */
  readonly #unfinished = new Map<string, RunRows>();
  readonly #runsOfJob = new Map<string, RunRows>();
  readonly #nodes = new NodeNames();
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
      const rows = this.#rows(run.jobId);
      // A slot is claimed once per attempt: the job's kept runs are its claims.
      const taken = rows.find(run.scheduledAt, run.attempt) >= 0;
      won[i] = !taken;
      if (taken) continue;
      rows.insert(run);
      if (isUnfinished(run)) this.#unfinished.set(run.id, rows);
      else {
        finishedIds ??= new Set();
        finishedIds.add(run.id);
      }
    }
    return won;
  }

  #rows(jobId: string): RunRows {
    let rows = this.#runsOfJob.get(jobId);
    if (rows === undefined) {
      rows = new RunRows(jobId, this.#nodes);
      this.#runsOfJob.set(jobId, rows);
    }
    return rows;
  }

  /** Takes back the first `count` claims of a batch. */
  #undoClaims(runs: Run[], won: boolean[], count: number): void {
    for (let i = 0; i < count; i++) {
      if (!won[i]) continue;
      const run = runs[i] as Run;
      this.#unfinished.delete(run.id);
      const rows = this.#runsOfJob.get(run.jobId);
      const at = rows?.find(run.scheduledAt, run.attempt) ?? -1;
      if (rows && at >= 0) rows.removeAt(at);
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
    let rows = this.#unfinished.get(id);
    let at = rows === undefined ? -1 : rows.indexOfId(id);
    if (rows === undefined || at < 0) {
      for (const candidate of this.#runsOfJob.values()) {
        at = candidate.indexOfId(id);
        if (at >= 0) {
          rows = candidate;
          break;
        }
      }
      if (rows === undefined || at < 0) return false;
    }
    rows.patch(at, patch);
    if (rows.unfinishedAt(at)) this.#unfinished.set(id, rows);
    else this.#unfinished.delete(id);
    return true;
  }

  /** The stored run with this id (a copy): an unfinished one at once, a finished one by going through the jobs' rows. */
  #find(id: string): Run | undefined {
    const rows = this.#unfinished.get(id);
    const at = rows?.indexOfId(id) ?? -1;
    if (rows !== undefined && at >= 0) return rows.get(at);
    for (const candidate of this.#runsOfJob.values()) {
      const row = candidate.indexOfId(id);
      if (row >= 0) return candidate.get(row);
    }
    return undefined;
  }

  async getRun(id: string): Promise<Run | null> {
    this.#open();
    return this.#find(id) ?? null;
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
    // A job's rows, read from the end, are in the query's order (newest
    // first). So the page is among each job's first `limit` matching runs:
    // those are gathered, sorted, and only the page made into objects.
    const jobs =
      q.jobId !== undefined
        ? [this.#runsOfJob.get(q.jobId)].filter((rows) => rows !== undefined)
        : this.#runsOfJob.values();
    const candidates: Candidate[] = [];
    for (const rows of jobs) {
      let taken = 0;
      for (let row = rows.length - 1; row >= 0 && taken < q.limit; row--) {
        const slot = rows.slotAt(row);
        // Slots only get earlier from here on.
        if (q.from !== undefined && slot < q.from) break;
        const attempt = rows.attemptAt(row);
        if (cursor && !afterCursor(slot, attempt, rows.jobId, cursor)) continue;
        if (statuses && !statuses.has(rows.statusAt(row))) continue;
        if (q.to !== undefined && slot >= q.to) continue;
        candidates.push({ rows, row, slot, attempt });
        taken++;
      }
    }
    if (q.jobId === undefined) candidates.sort(newerCandidate);
    return candidates.slice(0, q.limit).map((c) => c.rows.get(c.row));
  }

  async lastSlot(jobId: string): Promise<number | null> {
    this.#open();
    const rows = this.#runsOfJob.get(jobId);
    if (!rows) return null;
    for (let row = rows.length - 1; row >= 0; row--) {
      const trigger = rows.triggerAt(row);
      if (trigger === "schedule" || trigger === "catch-up") return rows.slotAt(row);
    }
    return null;
  }

  async unfinishedRuns(node?: string): Promise<Run[]> {
    this.#open();
    const runs: Run[] = [];
    for (const [id, rows] of this.#unfinished) {
      const run = rows.get(rows.indexOfId(id));
      if (node === undefined || run.node === node) runs.push(run);
    }
    return runs.sort(newerFirst).reverse();
  }

  async pruneRuns(jobId: string, keep: number): Promise<number> {
    this.#open();
    checkKeep(keep);
    const rows = this.#runsOfJob.get(jobId);
    if (!rows) return 0;
    // The oldest runs beyond `keep` go, except unfinished ones.
    return rows.pruneOldest(Math.max(0, rows.length - keep));
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
