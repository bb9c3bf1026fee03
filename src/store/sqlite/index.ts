import { watch } from "node:fs";
import { basename, dirname } from "node:path";
import type Database from "better-sqlite3";
import { newRunId } from "../../ids.js";
import type { Job, Run } from "../../model.js";
import {
  checkKeep,
  jobExists,
  jobNotFound,
  type NormalizedRunQuery,
  normalizeRunQuery,
  patchJob,
  runNotFound,
  storeClosed,
  TRIGGER_RETENTION_MS,
} from "../query.js";
import {
  type JobPatch,
  RUN_PATCH_KEYS,
  type RunPatch,
  type RunQuery,
  type Store,
  type StoreOptions,
  type TriggerRequest,
} from "../store.js";
import { type OpenOptions, openDatabase, storeError } from "./open.js";
import {
  type JobRow,
  jobToRow,
  RUN_COLUMNS,
  RUN_PATCH_COLUMN,
  type RunRow,
  rowToJob,
  rowToRun,
  rowToTrigger,
  runValues,
  type TriggerRow,
} from "./rows.js";

// The embedded store: one SQLite file shared by the scheduler and every CLI
// process. better-sqlite3 is synchronous; the methods are async only to share
// the Store interface with PostgreSQL. Writes that read first run in
// BEGIN IMMEDIATE transactions (take the write lock up front), so two
// processes never interleave a read-modify-write; single statements are
// atomic on their own.

export type SqliteStoreOptions = StoreOptions & OpenOptions;

const JOB_COLUMNS =
  "id, schedule, timezone, timeout_ms, target, cwd, env, overlap, retries, retry_backoff_ms, " +
  "catch_up, grace_ms, jitter_ms, paused, description, created_at, updated_at";
const params = (columns: string) =>
  columns
    .split(", ")
    .map((c) => `@${c}`)
    .join(", ");
const UNFINISHED = "status IN ('running', 'queued')";
const NEWEST_FIRST = "ORDER BY scheduled_at DESC, attempt DESC, job_id DESC";
/** Positional parameters: binding by position costs less than by name, and every fire claims. */
const CLAIM_RUN = `INSERT INTO runs (${RUN_COLUMNS}) VALUES (${RUN_COLUMNS.replace(/\w+/g, "?")}) ON CONFLICT (job_id, scheduled_at, attempt) DO NOTHING`;
/** Exported for the query-plan tests. */
export const UNFINISHED_RUNS = `SELECT ${RUN_COLUMNS} FROM runs WHERE ${UNFINISHED}`;

export class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly path: string;
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #statements = new Map<string, Database.Statement>();
  /** UPDATE statements of run patches, by the set of columns they write (a bit per RUN_PATCH_KEYS entry). */
  readonly #patchStatements = new Map<number, Database.Statement>();
  #closed = false;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    this.#db = openDatabase(path, options);
    this.#now = options.now ?? Date.now;
  }

  /** A cached prepared statement: a CLI process prepares only what it uses. */
  #sql(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn`, mapping SQLite's errors to SchedulerErrors that name the file. */
  #do<T>(fn: () => T): T {
    if (this.#closed) throw storeClosed();
    try {
      return fn();
    } catch (err) {
      throw storeError(err, this.path);
    }
  }

  #immediate<T>(fn: () => T): T {
    return this.#do(() => this.#db.transaction(fn).immediate());
  }

  async createJob(job: Job): Promise<void> {
    const inserted = this.#do(
      () =>
        this.#sql(
          `INSERT INTO jobs (${JOB_COLUMNS}) VALUES (${params(JOB_COLUMNS)}) ON CONFLICT (id) DO NOTHING`,
        ).run(jobToRow(job)).changes,
    );
    if (inserted === 0) throw jobExists(job.id);
  }

  async updateJob(id: string, patch: JobPatch): Promise<Job> {
    return this.#immediate(() => {
      const row = this.#sql("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
      if (!row) throw jobNotFound(id);
      const updated = jobToRow(patchJob(rowToJob(row), patch, this.#now()));
      const set = JOB_COLUMNS.split(", ")
        .filter((c) => c !== "id")
        .map((c) => `${c} = @${c}`)
        .join(", ");
      this.#sql(`UPDATE jobs SET ${set} WHERE id = @id`).run(updated);
      return rowToJob(updated);
    });
  }

  async removeJob(id: string): Promise<boolean> {
    return this.#do(() => this.#sql("DELETE FROM jobs WHERE id = ?").run(id).changes > 0);
  }

  async getJob(id: string): Promise<Job | null> {
    const row = this.#do(() => this.#sql("SELECT * FROM jobs WHERE id = ?").get(id)) as
      | JobRow
      | undefined;
    return row ? rowToJob(row) : null;
  }

  async listJobs(): Promise<Job[]> {
    const rows = this.#do(() => this.#sql("SELECT * FROM jobs ORDER BY id").all()) as JobRow[];
    return rows.map(rowToJob);
  }

  #claimStatement(): Database.Statement {
    return this.#sql(CLAIM_RUN);
  }

  async claimRun(run: Run): Promise<boolean> {
    return this.#do(() => this.#claimStatement().run(runValues(run)).changes === 1);
  }

  /** `handOver` changes nothing here: the rows are written at once. */
  async claimRuns(runs: Run[], _handOver = false): Promise<boolean[]> {
    if (runs.length === 0) return this.#do(() => []);
    return this.#immediate(() => {
      const insert = this.#claimStatement();
      return runs.map((run) => insert.run(runValues(run)).changes === 1);
    });
  }

  async updateRun(id: string, patch: RunPatch): Promise<void> {
    const changes = this.#do(() => this.#applyRunPatch(id, patch));
    if (changes === 0) throw runNotFound(id);
  }

  async updateRuns(
    updates: Array<{ id: string; patch: RunPatch }>,
    count = updates.length,
  ): Promise<number> {
    if (count === 0) return this.#do(() => 0);
    return this.#immediate(() => {
      let applied = 0;
      for (let i = 0; i < count; i++) {
        const { id, patch } = updates[i] as { id: string; patch: RunPatch };
        applied += this.#applyRunPatch(id, patch) > 0 ? 1 : 0;
      }
      return applied;
    });
  }

  /** Writes the fields of a patch; returns 0 if there is no such run. */
  #applyRunPatch(id: string, patch: RunPatch): number {
    // Which columns the patch sets, as bits: one prepared statement per set,
    // found without building its SQL text (each fire writes its outcome).
    let bits = 0;
    const values: unknown[] = [];
    for (let i = 0; i < RUN_PATCH_KEYS.length; i++) {
      const value = patch[RUN_PATCH_KEYS[i] as keyof RunPatch];
      if (value === undefined) continue;
      bits |= 1 << i;
      values.push(typeof value === "boolean" ? (value ? 1 : 0) : value);
    }
    if (bits === 0) return this.#sql("SELECT 1 FROM runs WHERE id = ?").all(id).length;
    values.push(id);
    return this.#patchStatement(bits).run(values).changes;
  }

  #patchStatement(bits: number): Database.Statement {
    let statement = this.#patchStatements.get(bits);
    if (!statement) {
      const set = RUN_PATCH_KEYS.filter((_, i) => bits & (1 << i)).map(
        (key) => `${RUN_PATCH_COLUMN[key]} = ?`,
      );
      statement = this.#db.prepare(`UPDATE runs SET ${set.join(", ")} WHERE id = ?`);
      this.#patchStatements.set(bits, statement);
    }
    return statement;
  }

  async getRun(id: string): Promise<Run | null> {
    const row = this.#do(() => this.#sql(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`).get(id)) as
      | RunRow
      | undefined;
    return row ? rowToRun(row) : null;
  }

  async listRuns(query?: RunQuery): Promise<Run[]> {
    const q = normalizeRunQuery(query);
    return this.#do(() => {
      const { sql, values } = this.#listRunsSql(q);
      return (this.#sql(sql).all(values) as RunRow[]).map(rowToRun);
    });
  }

  /** The settings of the connection, as SQLite reports them (for tests and diagnostics). */
  connectionInfo(): {
    journalMode: string;
    foreignKeys: boolean;
    busyTimeoutMs: number;
    synchronous: string;
  } {
    return this.#do(() => ({
      journalMode: String(this.#db.pragma("journal_mode", { simple: true })),
      foreignKeys: this.#db.pragma("foreign_keys", { simple: true }) === 1,
      busyTimeoutMs: Number(this.#db.pragma("busy_timeout", { simple: true })),
      synchronous:
        ["off", "normal", "full", "extra"][
          Number(this.#db.pragma("synchronous", { simple: true }))
        ] ?? "unknown",
    }));
  }

  /** The query plan of listRuns (for tests that keep the indexes honest). */
  explainListRuns(query?: RunQuery): string[] {
    const q = normalizeRunQuery(query);
    return this.#do(() => {
      const { sql, values } = this.#listRunsSql(q);
      const plan = this.#db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(values) as {
        detail: string;
      }[];
      return plan.map((step) => step.detail);
    });
  }

  #listRunsSql(q: NormalizedRunQuery): { sql: string; values: Record<string, unknown> } {
    const where: string[] = [];
    const values: Record<string, unknown> = { limit: q.limit };
    if (q.jobId !== undefined) {
      where.push("job_id = @jobId");
      values.jobId = q.jobId;
    }
    if (q.statuses !== undefined) {
      if (q.statuses.length === 0) where.push("0");
      else where.push(`status IN (${q.statuses.map((_, i) => `@status${i}`).join(", ")})`);
      q.statuses.forEach((status, i) => {
        values[`status${i}`] = status;
      });
    }
    if (q.from !== undefined) {
      where.push("scheduled_at >= @from");
      values.from = q.from;
    }
    if (q.to !== undefined) {
      where.push("scheduled_at < @to");
      values.to = q.to;
    }
    if (q.beforeId !== undefined) {
      const cursor = this.#sql("SELECT scheduled_at, attempt, job_id FROM runs WHERE id = ?").get(
        q.beforeId,
      ) as Pick<RunRow, "scheduled_at" | "attempt" | "job_id"> | undefined;
      if (!cursor) throw runNotFound(q.beforeId);
      values.cursorSlot = cursor.scheduled_at;
      values.cursorAttempt = cursor.attempt;
      values.cursorJob = cursor.job_id;
      // Within one job the key is (slot, attempt), which the job's index serves.
      where.push(
        q.jobId === cursor.job_id
          ? "(scheduled_at, attempt) < (@cursorSlot, @cursorAttempt)"
          : "(scheduled_at, attempt, job_id) < (@cursorSlot, @cursorAttempt, @cursorJob)",
      );
    }
    const sql =
      `SELECT ${RUN_COLUMNS} FROM runs` +
      (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
      ` ${NEWEST_FIRST} LIMIT @limit`;
    return { sql, values };
  }

  async lastSlot(jobId: string): Promise<number | null> {
    const row = this.#do(() =>
      this.#sql(
        "SELECT scheduled_at FROM runs WHERE job_id = ? AND trigger_type IN ('schedule', 'catch-up') " +
          "ORDER BY scheduled_at DESC, attempt DESC LIMIT 1",
      ).get(jobId),
    ) as { scheduled_at: number } | undefined;
    return row ? row.scheduled_at : null;
  }

  async unfinishedRuns(node?: string): Promise<Run[]> {
    // No ORDER BY: the planner would rather walk runs_by_slot in order over a
    // million rows than sort the few rows of the partial index.
    const rows = this.#do(() =>
      node === undefined
        ? this.#sql(UNFINISHED_RUNS).all()
        : this.#sql(`${UNFINISHED_RUNS} AND node = ?`).all(node),
    ) as RunRow[];
    return rows
      .map(rowToRun)
      .sort(
        (a, b) =>
          a.scheduledAt - b.scheduledAt ||
          a.attempt - b.attempt ||
          (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0),
      );
  }

  /** The query plan of a statement (for tests that keep the indexes honest). */
  explain(sql: string, ...values: unknown[]): string[] {
    return this.#do(() =>
      (this.#db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values) as { detail: string }[]).map(
        (step) => step.detail,
      ),
    );
  }

  async pruneRuns(jobId: string, keep: number): Promise<number> {
    checkKeep(keep);
    return this.#immediate(() => {
      if (keep === 0) {
        return this.#sql(`DELETE FROM runs WHERE job_id = ? AND NOT ${UNFINISHED}`).run(jobId)
          .changes;
      }
      const oldestKept = this.#sql(
        "SELECT scheduled_at, attempt FROM runs WHERE job_id = ? " +
          "ORDER BY scheduled_at DESC, attempt DESC LIMIT 1 OFFSET ?",
      ).get(jobId, keep - 1) as { scheduled_at: number; attempt: number } | undefined;
      if (!oldestKept) return 0;
      return this.#sql(
        "DELETE FROM runs WHERE job_id = ? AND (scheduled_at, attempt) < (?, ?) " +
          `AND NOT ${UNFINISHED}`,
      ).run(jobId, oldestKept.scheduled_at, oldestKept.attempt).changes;
    });
  }

  async requestTrigger(jobId: string): Promise<TriggerRequest> {
    const now = this.#now();
    const row: TriggerRow = {
      id: newRunId(now),
      job_id: jobId,
      requested_at: now,
      run_id: null,
      taken_at: null,
      taken_by: null,
    };
    // One statement: the check that the job exists and the insert are atomic.
    const inserted = this.#do(
      () =>
        this.#sql(
          "INSERT INTO trigger_requests (id, job_id, requested_at) " +
            "SELECT @id, @job_id, @requested_at WHERE EXISTS (SELECT 1 FROM jobs WHERE id = @job_id)",
        ).run(row).changes,
    );
    if (inserted === 0) throw jobNotFound(jobId);
    return rowToTrigger(row);
  }

  async takeTriggers(node: string): Promise<TriggerRequest[]> {
    // A read first, so that polling an idle store never writes.
    const pending = this.#do(() =>
      this.#sql("SELECT 1 FROM trigger_requests WHERE taken_at IS NULL LIMIT 1").get(),
    );
    if (pending === undefined) return [];
    const now = this.#now();
    const rows = this.#immediate(() => {
      this.#sql("DELETE FROM trigger_requests WHERE taken_at < ?").run(now - TRIGGER_RETENTION_MS);
      // One UPDATE … RETURNING: a request is taken by exactly one caller.
      return this.#sql(
        "UPDATE trigger_requests SET taken_at = ?, taken_by = ? WHERE taken_at IS NULL RETURNING *",
      ).all(now, node) as TriggerRow[];
    });
    return rows
      .map(rowToTrigger)
      .sort((a, b) => a.requestedAt - b.requestedAt || (a.id < b.id ? -1 : 1));
  }

  async completeTrigger(id: string, runId: string): Promise<void> {
    this.#do(() => this.#sql("UPDATE trigger_requests SET run_id = ? WHERE id = ?").run(runId, id));
  }

  async getTrigger(id: string): Promise<TriggerRequest | null> {
    const row = this.#do(() => this.#sql("SELECT * FROM trigger_requests WHERE id = ?").get(id)) as
      | TriggerRow
      | undefined;
    return row ? rowToTrigger(row) : null;
  }

  async changeToken(): Promise<string> {
    // Bumped by SQL triggers on jobs and trigger_requests, whichever
    // connection wrote. (PRAGMA data_version would miss this connection's own
    // writes and fire on every run another process records.)
    const row = this.#do(() =>
      this.#sql("SELECT value FROM store_meta WHERE key = 'changes'").get(),
    ) as { value: number };
    return String(row.value);
  }

  /**
   * Calls `listener` soon after the database files change, whoever wrote
   * (inotify on their directory): a scheduler then checks changeToken() at
   * once instead of polling often. Writes come in bursts, so calls are
   * coalesced to one per 25 ms. Any write counts, also this connection's:
   * the listener must be cheap and check the token.
   */
  async onChange(listener: () => void): Promise<() => Promise<void>> {
    const dir = dirname(this.path);
    const base = basename(this.path);
    let timer: NodeJS.Timeout | null = null;
    const watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (timer !== null || (name !== null && !String(name).startsWith(base))) return;
      timer = setTimeout(() => {
        timer = null;
        listener();
      }, 25);
    });
    watcher.on("error", () => {});
    return async () => {
      if (timer !== null) clearTimeout(timer);
      watcher.close();
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#db.close();
  }
}
