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
// Runs are kept per job. Finished runs are rows of numbers (RunRows), which
// the GC does not scan: a scheduler firing a thousand jobs a second keeps a
// million of them with the default history, and as objects they cost more
// GC time than the firing did. Unfinished runs (running, queued) are objects,
// in a short list per job and by id, as they were claimed: a claim is on the
// path of every fire, before the job's function is called, and keeping it
// to objects leaves the row (into a buffer per job, cold a second after the
// last fire) to the patch that finishes the run, which the scheduler sends
// after the pass. (Measured in cold passes, rows written at the claim came
// out neither better nor worse, within the noise.) A finished run
// is looked up by id by going through the jobs' rows. Run ids are unique by
// construction (newRunId); a claim checks its id against the unfinished runs
// and the rest of its batch, which is where a clash can come from (a run
// claimed twice).

/** Newest first: slot, then attempt, then job id, all descending. */
function newerFirst(a: Run, b: Run): number {
  if (a.scheduledAt !== b.scheduledAt) return b.scheduledAt - a.scheduledAt;
  if (a.attempt !== b.attempt) return b.attempt - a.attempt;
  return a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0;
}

const isUnfinished = (run: Run) => run.status === "running" || run.status === "queued";

/** (slot, attempt) a before b. */
const earlier = (slotA: number, attemptA: number, slotB: number, attemptB: number) =>
  slotA < slotB || (slotA === slotB && attemptA < attemptB);

/** The runs of one job. */
class JobRuns {
  /**
   * Unfinished runs, oldest first: usually none or one, so the oldest is a
   * field and the others an array made only when there are any (an array
   * emptied and filled again each second gets a new backing store each time).
   */
  #first: Run | null = null;
  #rest: Run[] | null = null;
  readonly done: RunRows;

  constructor(jobId: string, nodes: NodeNames) {
    this.done = new RunRows(jobId, nodes);
  }

  /** The unfinished runs, oldest first. */
  get open(): Run[] {
    if (this.#first === null) return [];
    return this.#rest === null ? [this.#first] : [this.#first, ...this.#rest];
  }

  get length(): number {
    return (this.#first === null ? 0 : 1 + (this.#rest?.length ?? 0)) + this.done.length;
  }

  /** Whether a run of (slot, attempt) is kept. */
  has(slot: number, attempt: number): boolean {
    const first = this.#first;
    if (first !== null) {
      if (first.scheduledAt === slot && first.attempt === attempt) return true;
      const rest = this.#rest;
      if (rest !== null) {
        for (let i = 0; i < rest.length; i++) {
          const run = rest[i] as Run;
          if (run.scheduledAt === slot && run.attempt === attempt) return true;
        }
      }
    }
    return this.done.find(slot, attempt) >= 0;
  }

  addOpen(run: Run): void {
    if (this.#first === null) {
      this.#first = run;
      return;
    }
    const all = this.open;
    let at = all.length;
    while (at > 0) {
      const prev = all[at - 1] as Run;
      if (!earlier(run.scheduledAt, run.attempt, prev.scheduledAt, prev.attempt)) break;
      at--;
    }
    all.splice(at, 0, run);
    this.#first = all[0] as Run;
    this.#rest = all.slice(1);
  }

  /** The unfinished run with this id, if it is one of this job's. */
  openById(id: string): Run | undefined {
    const first = this.#first;
    if (first === null) return undefined;
    if (first.id === id) return first;
    const rest = this.#rest;
    if (rest !== null) {
      for (let i = 0; i < rest.length; i++) if ((rest[i] as Run).id === id) return rest[i];
    }
    return undefined;
  }

  removeOpen(run: Run): void {
    if (this.#first === run) {
      const rest = this.#rest;
      this.#first = rest === null ? null : (rest.shift() as Run);
      if (rest !== null && rest.length === 0) this.#rest = null;
      return;
    }
    const rest = this.#rest;
    const at = rest === null ? -1 : rest.indexOf(run);
    if (rest === null || at < 0) return;
    rest.splice(at, 1);
    if (rest.length === 0) this.#rest = null;
  }
}

/** A run of a listing, not yet made into an object: an unfinished run, or a job's row. */
interface Candidate {
  slot: number;
  attempt: number;
  open: Run | null;
  done: RunRows;
  row: number;
}

/** newerFirst on candidates. */
function newerCandidate(a: Candidate, b: Candidate): number {
  if (a.slot !== b.slot) return b.slot - a.slot;
  if (a.attempt !== b.attempt) return b.attempt - a.attempt;
  const x = a.done.jobId;
  const y = b.done.jobId;
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
  /**
   * Runs not finished (running, queued), by id, except those handed over
   * (claimRuns): a thousand entries added and deleted each second made the
   * map rehash into new tables over and over, which cost a fire more CPU
   * than anything else the store does. Every unfinished run is also in its
   * job's JobRuns; a handed-over one is found there, through the job a
   * patch names (the scheduler writes the run itself) or else by going
   * through the jobs.
   */
  readonly #unfinished = new Map<string, Run>();
  readonly #runsOfJob = new Map<string, JobRuns>();
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

  async claimRuns(runs: Run[], handOver = false): Promise<boolean[]> {
    this.#open();
    return this.#claimAll(runs, handOver);
  }

  /** `handOver`: the unfinished runs are kept as they are, not copied (see Store.claimRuns). */
  #claimAll(runs: Run[], handOver = false): boolean[] {
    // All or nothing, like the SQLite transaction: an id that is taken
    // (stored, or twice in this batch) undoes what the batch inserted.
    const won: boolean[] = new Array(runs.length);
    // Finished runs claimed in this batch (missed, skipped), made only for such a batch.
    let finishedIds: Set<string> | null = null;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as Run;
      const list = this.#runs(run.jobId);
      // Handed-over runs are not indexed by id: one of another job is not seen here (see Store.claimRuns).
      if (
        this.#unfinished.has(run.id) ||
        finishedIds?.has(run.id) ||
        list.openById(run.id) !== undefined
      ) {
        this.#undoClaims(runs, won, i);
        throw idTaken(run.id);
      }
      // A slot is claimed once per attempt: the job's kept runs are its claims.
      const taken = list.has(run.scheduledAt, run.attempt);
      won[i] = !taken;
      if (taken) continue;
      if (isUnfinished(run)) {
        const stored = handOver ? run : copyRun(run);
        if (!handOver) this.#unfinished.set(run.id, stored);
        list.addOpen(stored);
      } else {
        finishedIds ??= new Set();
        finishedIds.add(run.id);
        list.done.insert(run);
      }
    }
    return won;
  }

  #runs(jobId: string): JobRuns {
    let list = this.#runsOfJob.get(jobId);
    if (list === undefined) {
      list = new JobRuns(jobId, this.#nodes);
      this.#runsOfJob.set(jobId, list);
    }
    return list;
  }

  /** Takes back the first `count` claims of a batch. */
  #undoClaims(runs: Run[], won: boolean[], count: number): void {
    for (let i = 0; i < count; i++) {
      if (!won[i]) continue;
      const run = runs[i] as Run;
      const list = this.#runsOfJob.get(run.jobId);
      const stored = this.#unfinished.get(run.id) ?? list?.openById(run.id);
      if (stored !== undefined) {
        this.#unfinished.delete(run.id);
        list?.removeOpen(stored);
      } else if (list) {
        const at = list.done.find(run.scheduledAt, run.attempt);
        if (at >= 0) list.done.removeAt(at);
      }
    }
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    this.#open();
    if (!this.#update(id, patch)) throw runNotFound(id);
  }

  async updateRuns(
    updates: Array<{ id: string; patch: RunPatch }>,
    count = updates.length,
  ): Promise<number> {
    this.#open();
    let applied = 0;
    for (let i = 0; i < count; i++) {
      const update = updates[i] as { id: string; patch: RunPatch };
      if (this.#update(update.id, update.patch)) applied++;
    }
    return applied;
  }

  /** Patches a stored run, moving it between the unfinished and the finished; false if there is no such run. */
  #update(id: string, patch: RunPatch): boolean {
    const indexed = this.#unfinished.get(id);
    const open = indexed ?? this.#handedOver(id, (patch as Partial<Run>).jobId);
    if (open !== undefined) {
      if (patch !== open) applyPatch(open, patch);
      if (!isUnfinished(open)) {
        if (indexed !== undefined) this.#unfinished.delete(id);
        const list = this.#runsOfJob.get(open.jobId) as JobRuns;
        list.removeOpen(open);
        list.done.insert(open);
      }
      return true;
    }
    for (const list of this.#runsOfJob.values()) {
      const at = list.done.indexOfId(id);
      if (at < 0) continue;
      list.done.patch(at, patch);
      if (list.done.unfinishedAt(at)) {
        const run = list.done.get(at);
        list.done.removeAt(at);
        this.#unfinished.set(id, run);
        list.addOpen(run);
      }
      return true;
    }
    return false;
  }

  /**
   * The unfinished handed-over run with this id: among the runs of the job
   * `jobId` when a patch names one, else (or if not there) of every job.
   */
  #handedOver(id: string, jobId: unknown): Run | undefined {
    if (typeof jobId === "string") {
      const run = this.#runsOfJob.get(jobId)?.openById(id);
      if (run !== undefined) return run;
    }
    for (const list of this.#runsOfJob.values()) {
      const run = list.openById(id);
      if (run !== undefined) return run;
    }
    return undefined;
  }

  /** The stored run with this id (a copy): an unfinished one at once, a finished one by going through the jobs' rows. */
  #find(id: string): Run | undefined {
    const run = this.#unfinished.get(id) ?? this.#handedOver(id, undefined);
    if (run !== undefined) return copyRun(run);
    for (const list of this.#runsOfJob.values()) {
      const at = list.done.indexOfId(id);
      if (at >= 0) return list.done.get(at);
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
        ? [this.#runsOfJob.get(q.jobId)].filter((list) => list !== undefined)
        : this.#runsOfJob.values();
    const candidates: Candidate[] = [];
    for (const list of jobs) {
      const { open, done } = list;
      const jobId = done.jobId;
      let taken = 0;
      let o = open.length - 1;
      let d = done.length - 1;
      while ((o >= 0 || d >= 0) && taken < q.limit) {
        const run = o >= 0 ? (open[o] as Run) : null;
        const fromDone =
          d >= 0 &&
          (run === null ||
            earlier(run.scheduledAt, run.attempt, done.slotAt(d), done.attemptAt(d)));
        const slot = fromDone ? done.slotAt(d) : (run as Run).scheduledAt;
        const attempt = fromDone ? done.attemptAt(d) : (run as Run).attempt;
        const status = fromDone ? done.statusAt(d) : (run as Run).status;
        const row = d;
        if (fromDone) d--;
        else o--;
        // Slots only get earlier from here on.
        if (q.from !== undefined && slot < q.from) break;
        if (cursor && !afterCursor(slot, attempt, jobId, cursor)) continue;
        if (statuses && !statuses.has(status)) continue;
        if (q.to !== undefined && slot >= q.to) continue;
        candidates.push({ slot, attempt, open: fromDone ? null : run, done, row });
        taken++;
      }
    }
    if (q.jobId === undefined) candidates.sort(newerCandidate);
    return candidates
      .slice(0, q.limit)
      .map((c) => (c.open === null ? c.done.get(c.row) : copyRun(c.open)));
  }

  async lastSlot(jobId: string): Promise<number | null> {
    this.#open();
    const list = this.#runsOfJob.get(jobId);
    if (!list) return null;
    // The newest scheduled slot: of the unfinished runs, or of the rows, whichever is later.
    let last: number | null = null;
    for (const run of list.open) {
      if (run.trigger === "schedule" || run.trigger === "catch-up") last = run.scheduledAt;
    }
    const { done } = list;
    for (let row = done.length - 1; row >= 0; row--) {
      const trigger = done.triggerAt(row);
      if (trigger !== "schedule" && trigger !== "catch-up") continue;
      const slot = done.slotAt(row);
      return last === null || slot > last ? slot : last;
    }
    return last;
  }

  async unfinishedRuns(node?: string): Promise<Run[]> {
    this.#open();
    return [...this.#runsOfJob.values()]
      .flatMap((list) => list.open)
      .filter((run) => node === undefined || run.node === node)
      .sort(newerFirst)
      .reverse()
      .map(copyRun);
  }

  async pruneRuns(jobId: string, keep: number): Promise<number> {
    this.#open();
    checkKeep(keep);
    const list = this.#runsOfJob.get(jobId);
    if (!list) return 0;
    // The oldest runs beyond `keep` go, except unfinished ones: count the
    // finished among them, which are the oldest rows.
    const { open, done } = list;
    const cut = Math.max(0, list.length - keep);
    let o = 0;
    let d = 0;
    for (let i = 0; i < cut; i++) {
      const next = open[o];
      if (
        d < done.length &&
        (next === undefined ||
          earlier(done.slotAt(d), done.attemptAt(d), next.scheduledAt, next.attempt))
      )
        d++;
      else o++;
    }
    return done.pruneOldest(d);
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
 * Sets the fields of a patch on a stored unfinished run: only those a patch
 * may set (whatever else the object holds), and not those set to undefined,
 * which mean "leave as it is". Field by field: a loop over RUN_PATCH_KEYS
 * reads and writes by computed key, which cost most of an update (a test
 * checks this covers every key of the list; RunRows.patch does the same for
 * a finished run).
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
