import { runIdFromParts, runIdParts } from "../ids.js";
import { RUN_STATUSES, type Run, type RunStatus, type RunTrigger } from "../model.js";
import type { RunPatch } from "./store.js";

// The finished runs of one job in the memory store, as rows of numbers in one
// Float64Array rather than as objects.
//
// A scheduler keeps up to 1,000 runs per job (a million for a thousand jobs
// firing every second). As objects, every one of them was copied by the
// young-generation GC and then promoted, and marked again by every full GC
// (about 400 ms for a million runs, in a heap of 282 MB: see bench/memory-store.js). Numbers in an
// ArrayBuffer are not scanned by the GC at all. A run is 96 bytes here; the
// id is kept as its two 50-bit halves (see runIdParts), and the strings that
// only some runs have (a reason, a signal, a pid's start time, the output's
// tail, an id of another form) in a side table.
//
// The memory store keeps its finished runs here (unfinished ones stay
// objects until they finish, see memory.ts). Rows are kept in (scheduledAt,
// attempt) order, between #start and #end: runs finish nearly in slot order,
// so a new row nearly always goes last, and pruning drops rows from the
// front by moving #start.

/** The rarer fields, for the runs that have any of them. */
interface Extras {
  /** An id that is not of newRunId's form (runIdParts refused it). */
  id: string | null;
  reason: string | null;
  signal: string | null;
  pidStartTime: string | null;
  outputTail: string | null;
}

const STATUSES = RUN_STATUSES;
const TRIGGERS: readonly RunTrigger[] = ["schedule", "catch-up", "manual", "retry", "reboot"];
/** Index in STATUSES (RUN_STATUSES): a switch, cheaper than a Map on the path of every run. */
function statusCode(status: RunStatus): number {
  switch (status) {
    case "queued":
      return 0;
    case "running":
      return 1;
    case "succeeded":
      return 2;
    case "failed":
      return 3;
    case "timed_out":
      return 4;
    case "killed":
      return 5;
    case "abandoned":
      return 6;
    case "skipped":
      return 7;
    default:
      return 8;
  }
}
const QUEUED = 0;
const RUNNING = 1;
function triggerCode(trigger: RunTrigger): number {
  switch (trigger) {
    case "schedule":
      return 0;
    case "catch-up":
      return 1;
    case "manual":
      return 2;
    case "retry":
      return 3;
    default:
      return 4;
  }
}

// Columns of a row.
const SLOT = 0;
const ATTEMPT = 1;
const ID_TIME = 2;
const ID_RANDOM = 3;
/** status | trigger << 4 | outputTruncated << 8 | (outputTail is "") << 9 */
const CODES = 4;
const STARTED = 5;
const FINISHED = 6;
const EXIT_CODE = 7;
const PID = 8;
const OUTPUT_BYTES = 9;
const NODE = 10;
/** Index into #extras, or -1. */
const EXTRAS = 11;
const STRIDE = 12;
const TRUNCATED = 256;
/**
 * The output tail is "" (a function's run, a command that printed nothing):
 * most runs, so it is a bit, not an entry in the side table, which would
 * otherwise hold an object for every run, live for as long as the run is kept.
 */
const EMPTY_TAIL = 512;

const FIRST_ROWS = 8;
/** runIdParts' output. */
const PARTS = new Float64Array(2);

/** null as NaN, and back: no number a run holds is NaN. */
const num = (v: number | null): number => (v === null ? Number.NaN : v);
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** Node ids, shared by every job of a store: a run keeps the index of its node's. */
export class NodeNames {
  readonly #names: string[] = [];
  readonly #index = new Map<string, number>();
  #last: string | null = null;
  #lastIndex = -1;

  indexOf(node: string): number {
    if (node === this.#last) return this.#lastIndex;
    let i = this.#index.get(node);
    if (i === undefined) {
      i = this.#names.length;
      this.#names.push(node);
      this.#index.set(node, i);
    }
    this.#last = node;
    this.#lastIndex = i;
    return i;
  }

  name(index: number): string {
    return this.#names[index] as string;
  }
}

export class RunRows {
  readonly jobId: string;
  readonly #nodes: NodeNames;
  #rows: Float64Array = new Float64Array(0);
  #start = 0;
  #end = 0;
  /** The newest row's slot and attempt, kept here: a claim checks them without reading the rows. */
  #lastSlot = Number.NEGATIVE_INFINITY;
  #lastAttempt = 0;
  readonly #extras: Array<Extras | null> = [];
  readonly #freeExtras: number[] = [];

  constructor(jobId: string, nodes: NodeNames) {
    this.jobId = jobId;
    this.#nodes = nodes;
  }

  get length(): number {
    return this.#end - this.#start;
  }

  /** Row i, 0 the oldest: its slot. */
  slotAt(i: number): number {
    return this.#rows[(this.#start + i) * STRIDE + SLOT] as number;
  }

  attemptAt(i: number): number {
    return this.#rows[(this.#start + i) * STRIDE + ATTEMPT] as number;
  }

  statusAt(i: number): RunStatus {
    return STATUSES[(this.#rows[(this.#start + i) * STRIDE + CODES] as number) & 15] as RunStatus;
  }

  triggerAt(i: number): RunTrigger {
    const codes = this.#rows[(this.#start + i) * STRIDE + CODES] as number;
    return TRIGGERS[(codes >> 4) & 15] as RunTrigger;
  }

  /** The row of (slot, attempt), or -1. */
  find(slot: number, attempt: number): number {
    if (slot > this.#lastSlot || (slot === this.#lastSlot && attempt > this.#lastAttempt))
      return -1;
    const at = this.#lowerBound(slot, attempt);
    return at < this.length && this.slotAt(at) === slot && this.attemptAt(at) === attempt ? at : -1;
  }

  /** The row of the run with this id, or -1; newest first (a run looked up is more often a recent one). */
  indexOfId(id: string): number {
    const canonical = runIdParts(id, PARTS);
    const time = PARTS[0] as number;
    const random = PARTS[1] as number;
    const rows = this.#rows;
    for (let i = this.#end - 1; i >= this.#start; i--) {
      const r = i * STRIDE;
      if (canonical) {
        if (rows[r + ID_TIME] === time && rows[r + ID_RANDOM] === random) return i - this.#start;
      } else if (Number.isNaN(rows[r + ID_TIME])) {
        if (this.#extras[rows[r + EXTRAS] as number]?.id === id) return i - this.#start;
      }
    }
    return -1;
  }

  /** Row i as a new Run object. */
  get(i: number): Run {
    const rows = this.#rows;
    const r = (this.#start + i) * STRIDE;
    const codes = rows[r + CODES] as number;
    const extrasAt = rows[r + EXTRAS] as number;
    const extras = extrasAt < 0 ? null : (this.#extras[extrasAt] as Extras);
    return {
      id: extras?.id ?? runIdFromParts(rows[r + ID_TIME] as number, rows[r + ID_RANDOM] as number),
      jobId: this.jobId,
      scheduledAt: rows[r + SLOT] as number,
      attempt: rows[r + ATTEMPT] as number,
      trigger: TRIGGERS[(codes >> 4) & 15] as RunTrigger,
      status: STATUSES[codes & 15] as RunStatus,
      reason: extras?.reason ?? null,
      startedAt: orNull(rows[r + STARTED] as number),
      finishedAt: orNull(rows[r + FINISHED] as number),
      exitCode: orNull(rows[r + EXIT_CODE] as number),
      signal: extras?.signal ?? null,
      pid: orNull(rows[r + PID] as number),
      pidStartTime: extras?.pidStartTime ?? null,
      node: this.#nodes.name(rows[r + NODE] as number),
      outputTail: extras?.outputTail ?? ((codes & EMPTY_TAIL) !== 0 ? "" : null),
      outputBytes: rows[r + OUTPUT_BYTES] as number,
      outputTruncated: (codes & TRUNCATED) !== 0,
    };
  }

  /** Adds a run in its place by (slot, attempt); the caller has checked the place is free. */
  insert(run: Run): void {
    const at = this.#lowerBound(run.scheduledAt, run.attempt);
    this.#open(at);
    this.#write(this.#start + at, run);
    if (this.#start + at === this.#end - 1) {
      this.#lastSlot = run.scheduledAt;
      this.#lastAttempt = run.attempt;
    }
  }

  /** Reads the newest row's slot and attempt again, after rows went. */
  #refreshLast(): void {
    const n = this.length;
    this.#lastSlot = n === 0 ? Number.NEGATIVE_INFINITY : this.slotAt(n - 1);
    this.#lastAttempt = n === 0 ? 0 : this.attemptAt(n - 1);
  }

  /** Sets the fields of a patch on row i; undefined ones are left as they are. */
  patch(i: number, patch: RunPatch): void {
    const rows = this.#rows;
    const r = (this.#start + i) * STRIDE;
    let codes = rows[r + CODES] as number;
    if (patch.status !== undefined) codes = (codes & ~15) | statusCode(patch.status);
    if (patch.outputTruncated !== undefined)
      codes = patch.outputTruncated ? codes | TRUNCATED : codes & ~TRUNCATED;
    const { reason, signal, pidStartTime } = patch;
    let { outputTail } = patch;
    if (outputTail !== undefined) {
      codes = outputTail === "" ? codes | EMPTY_TAIL : codes & ~EMPTY_TAIL;
      if (outputTail === "") outputTail = null;
    }
    rows[r + CODES] = codes;
    if (patch.startedAt !== undefined) rows[r + STARTED] = num(patch.startedAt);
    if (patch.finishedAt !== undefined) rows[r + FINISHED] = num(patch.finishedAt);
    if (patch.exitCode !== undefined) rows[r + EXIT_CODE] = num(patch.exitCode);
    if (patch.pid !== undefined) rows[r + PID] = num(patch.pid);
    if (patch.outputBytes !== undefined) rows[r + OUTPUT_BYTES] = patch.outputBytes;
    let extras = this.#extrasOf(r);
    if (
      extras === null &&
      (reason ?? null) === null &&
      (signal ?? null) === null &&
      (pidStartTime ?? null) === null &&
      (outputTail ?? null) === null
    )
      return;
    extras ??= this.#newExtras(r, null);
    if (reason !== undefined) extras.reason = reason;
    if (signal !== undefined) extras.signal = signal;
    if (pidStartTime !== undefined) extras.pidStartTime = pidStartTime;
    if (outputTail !== undefined) extras.outputTail = outputTail;
  }

  /** Whether row i is a run not finished (running, queued). */
  unfinishedAt(i: number): boolean {
    return this.#unfinished(this.#start + i);
  }

  /**
   * Drops the finished runs among the oldest `n` rows, keeping the unfinished
   * ones in their order; returns how many were dropped.
   */
  pruneOldest(n: number): number {
    const rows = this.#rows;
    let keepAt = this.#start + n;
    for (let row = this.#start + n - 1; row >= this.#start; row--) {
      if (this.#unfinished(row)) {
        keepAt--;
        if (keepAt !== row) rows.copyWithin(keepAt * STRIDE, row * STRIDE, (row + 1) * STRIDE);
      } else this.#freeExtrasAt(rows[row * STRIDE + EXTRAS] as number);
    }
    const dropped = keepAt - this.#start;
    this.#start = keepAt;
    if (this.#start === this.#end) this.#start = this.#end = 0;
    this.#refreshLast();
    return dropped;
  }

  #unfinished(row: number): boolean {
    const status = (this.#rows[row * STRIDE + CODES] as number) & 15;
    return status === QUEUED || status === RUNNING;
  }

  /** How many rows have an entry in the side table. */
  get withExtras(): number {
    return this.#extras.length - this.#freeExtras.length;
  }

  #extrasOf(r: number): Extras | null {
    const at = this.#rows[r + EXTRAS] as number;
    return at < 0 ? null : (this.#extras[at] as Extras);
  }

  #newExtras(r: number, id: string | null): Extras {
    const extras: Extras = { id, reason: null, signal: null, pidStartTime: null, outputTail: null };
    const free = this.#freeExtras.pop();
    const at = free ?? this.#extras.length;
    this.#extras[at] = extras;
    this.#rows[r + EXTRAS] = at;
    return extras;
  }

  removeAt(i: number): void {
    const rows = this.#rows;
    const row = this.#start + i;
    this.#freeExtrasAt(rows[row * STRIDE + EXTRAS] as number);
    rows.copyWithin(row * STRIDE, (row + 1) * STRIDE, this.#end * STRIDE);
    this.#end--;
    this.#refreshLast();
  }

  /** The first row not before (slot, attempt); rows are in that order. */
  #lowerBound(slot: number, attempt: number): number {
    // New rows nearly always go last: look there first.
    const n = this.length;
    if (slot > this.#lastSlot || (slot === this.#lastSlot && attempt > this.#lastAttempt)) return n;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.slotAt(mid);
      if (s < slot || (s === slot && this.attemptAt(mid) < attempt)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Makes room for a row at position `at` (0 = the oldest). */
  #open(at: number): void {
    const capacity = this.#rows.length / STRIDE;
    if (this.#end === capacity) {
      const n = this.length;
      // Room left at the front by pruning is used first; more room when over three quarters full.
      if (n + 1 > capacity * 0.75) {
        const rows = new Float64Array(Math.max(FIRST_ROWS, Math.ceil(capacity * 1.5)) * STRIDE);
        rows.set(this.#rows.subarray(this.#start * STRIDE, this.#end * STRIDE));
        this.#rows = rows;
      } else this.#rows.copyWithin(0, this.#start * STRIDE, this.#end * STRIDE);
      this.#start = 0;
      this.#end = n;
    }
    const row = this.#start + at;
    if (row < this.#end) {
      this.#rows.copyWithin((row + 1) * STRIDE, row * STRIDE, this.#end * STRIDE);
    }
    this.#end++;
  }

  #write(row: number, run: Run): void {
    const rows = this.#rows;
    const r = row * STRIDE;
    rows[r + SLOT] = run.scheduledAt;
    rows[r + ATTEMPT] = run.attempt;
    const canonical = runIdParts(run.id, PARTS);
    rows[r + ID_TIME] = canonical ? (PARTS[0] as number) : Number.NaN;
    rows[r + ID_RANDOM] = canonical ? (PARTS[1] as number) : Number.NaN;
    rows[r + CODES] =
      statusCode(run.status) |
      (triggerCode(run.trigger) << 4) |
      (run.outputTruncated ? TRUNCATED : 0) |
      (run.outputTail === "" ? EMPTY_TAIL : 0);
    const outputTail = run.outputTail === "" ? null : run.outputTail;
    rows[r + STARTED] = num(run.startedAt);
    rows[r + FINISHED] = num(run.finishedAt);
    rows[r + EXIT_CODE] = num(run.exitCode);
    rows[r + PID] = num(run.pid);
    rows[r + OUTPUT_BYTES] = run.outputBytes;
    rows[r + NODE] = this.#nodes.indexOf(run.node);
    rows[r + EXTRAS] = -1;
    if (
      !canonical ||
      run.reason !== null ||
      run.signal !== null ||
      run.pidStartTime !== null ||
      outputTail !== null
    ) {
      const extras = this.#newExtras(r, canonical ? null : run.id);
      extras.reason = run.reason;
      extras.signal = run.signal;
      extras.pidStartTime = run.pidStartTime;
      extras.outputTail = outputTail;
    }
  }

  #freeExtrasAt(index: number): void {
    if (index < 0) return;
    this.#extras[index] = null;
    this.#freeExtras.push(index);
  }
}
