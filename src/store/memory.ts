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
import {
  type JobPatch,
  RUN_PATCH_KEYS,
  type RunPatch,
  type RunQuery,
  type Store,
  type StoreOptions,
  type SyncJobStore,
  type TriggerRequest,
} from "./store.js";

// The store of one process, with the semantics of the SQLite one (the same
// contract suite runs against both). Everything handed in or out is copied,
// as it would be by a database, so a caller can never change a stored value
// by mutating an object it holds.

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
  readonly #runs = new Map<string, Run>();
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
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as Run;
      if (this.#runs.has(run.id)) {
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
      this.#runs.set(run.id, stored);
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
      this.#runs.delete(run.id);
      const list = this.#runsOfJob.get(run.jobId);
      const at = list?.findIndex((r) => r.id === run.id) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
    }
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    this.#open();
    const run = this.#runs.get(id);
    if (!run) throw runNotFound(id);
    applyPatch(run, patch);
  }

  async updateRuns(updates: Array<{ id: string; patch: RunPatch }>): Promise<number> {
    this.#open();
    let applied = 0;
    for (const { id, patch } of updates) {
      const run = this.#runs.get(id);
      if (!run) continue;
      applyPatch(run, patch);
      applied++;
    }
    return applied;
  }

  async getRun(id: string): Promise<Run | null> {
    this.#open();
    const run = this.#runs.get(id);
    return run ? { ...run } : null;
  }

  async listRuns(query?: RunQuery): Promise<Run[]> {
    this.#open();
    const q = normalizeRunQuery(query);
    let cursor: Run | undefined;
    if (q.beforeId !== undefined) {
      cursor = this.#runs.get(q.beforeId);
      if (!cursor) throw runNotFound(q.beforeId);
    }
    let candidates: Run[];
    if (q.jobId !== undefined) {
      candidates = [...(this.#runsOfJob.get(q.jobId) ?? [])].reverse();
    } else {
      candidates = [...this.#runs.values()].sort(newerFirst);
    }
    const statuses = q.statuses ? new Set(q.statuses) : undefined;
    const out: Run[] = [];
    for (const run of candidates) {
      if (out.length >= q.limit) break;
      if (cursor && newerFirst(run, cursor) <= 0) continue;
      if (statuses && !statuses.has(run.status)) continue;
      if (q.from !== undefined && run.scheduledAt < q.from) continue;
      if (q.to !== undefined && run.scheduledAt >= q.to) continue;
      out.push({ ...run });
    }
    return out;
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
    return [...this.#runs.values()]
      .filter((run) => isUnfinished(run) && (node === undefined || run.node === node))
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
        this.#runs.delete(run.id);
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
 * mean "leave as it is".
 */
function applyPatch(run: Run, patch: RunPatch): void {
  const target = run as unknown as Record<string, unknown>;
  for (const key of RUN_PATCH_KEYS) {
    const value = patch[key];
    if (value !== undefined) target[key] = value;
  }
}
