import { SchedulerError } from "../errors.js";
import type { Job, RunStatus } from "../model.js";
import type { JobPatch, RunQuery } from "./store.js";

// What every backend does the same way with a query before it runs it, so
// that memory, SQLite and PostgreSQL reject the same bad input with the same
// message.

export const DEFAULT_RUN_LIMIT = 50;

/** Taken trigger requests are forgotten after this long ("trigger --wait" has long given up). */
export const TRIGGER_RETENTION_MS = 7 * 24 * 3600_000;

export interface NormalizedRunQuery {
  jobId: string | undefined;
  statuses: RunStatus[] | undefined;
  from: number | undefined;
  to: number | undefined;
  limit: number;
  beforeId: string | undefined;
}

export function normalizeRunQuery(query: RunQuery = {}): NormalizedRunQuery {
  const limit = query.limit ?? DEFAULT_RUN_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new SchedulerError("E_USAGE", `run limit ${String(limit)} is not a positive integer`, {
      limit,
    });
  }
  for (const key of ["from", "to"] as const) {
    const value = query[key];
    if (value !== undefined && !Number.isFinite(value)) {
      throw new SchedulerError(
        "E_USAGE",
        `run query "${key}" must be an instant in epoch milliseconds, got ${String(value)}`,
      );
    }
  }
  const status = query.status;
  const statuses = status === undefined ? undefined : Array.isArray(status) ? status : [status];
  return {
    jobId: query.jobId,
    statuses,
    from: query.from,
    to: query.to,
    limit,
    beforeId: query.beforeId,
  };
}

export function checkKeep(keep: number): void {
  if (!Number.isSafeInteger(keep) || keep < 0) {
    throw new SchedulerError("E_USAGE", `runs to keep: ${String(keep)} is not an integer >= 0`, {
      keep,
    });
  }
}

export function jobExists(id: string): SchedulerError {
  return new SchedulerError(
    "E_JOB_EXISTS",
    `job "${id}" already exists; choose another id, or change it with "cron-scheduler edit ${id}"`,
    { id },
  );
}

export function jobNotFound(id: string): SchedulerError {
  return new SchedulerError(
    "E_JOB_NOT_FOUND",
    `no job "${id}"; "cron-scheduler list" shows the jobs`,
    { id },
  );
}

export function runNotFound(id: string): SchedulerError {
  return new SchedulerError("E_RUN_NOT_FOUND", `no run "${id}"`, { id });
}

export function storeClosed(): SchedulerError {
  return new SchedulerError("E_STORE", "the store is closed");
}

/** Applies a patch to a job; keys set to undefined mean "leave as it is". */
export function patchJob(job: Job, patch: JobPatch, now: number): Job {
  const out: Job = { ...job };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined && key !== "id" && key !== "createdAt") {
      (out as unknown as Record<string, unknown>)[key] = value;
    }
  }
  out.updatedAt = patch.updatedAt ?? now;
  return out;
}
