import type { Job, Run, RunStatus, RunTrigger } from "../../model.js";
import type { RunPatch, TriggerRequest } from "../store.js";

// Rows ↔ objects. Column names are snake_case; booleans are 0/1; a job's
// target and env are JSON text.

export interface JobRow {
  id: string;
  schedule: string;
  timezone: string;
  timeout_ms: number | null;
  target: string;
  cwd: string | null;
  env: string;
  overlap: string;
  retries: number;
  retry_backoff_ms: number;
  catch_up: string;
  grace_ms: number | null;
  jitter_ms: number;
  paused: number;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export function jobToRow(job: Job): JobRow {
  return {
    id: job.id,
    schedule: job.schedule,
    timezone: job.timezone,
    timeout_ms: job.timeoutMs,
    target: JSON.stringify(job.target),
    cwd: job.cwd,
    env: JSON.stringify(job.env),
    overlap: job.overlap,
    retries: job.retries,
    retry_backoff_ms: job.retryBackoffMs,
    catch_up: job.catchUp,
    grace_ms: job.graceMs,
    jitter_ms: job.jitterMs,
    paused: job.paused ? 1 : 0,
    description: job.description,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
  };
}

export function rowToJob(row: JobRow): Job {
  return {
    id: row.id,
    schedule: row.schedule,
    timezone: row.timezone,
    timeoutMs: row.timeout_ms,
    target: JSON.parse(row.target),
    cwd: row.cwd,
    env: JSON.parse(row.env),
    overlap: row.overlap as Job["overlap"],
    retries: row.retries,
    retryBackoffMs: row.retry_backoff_ms,
    catchUp: row.catch_up as Job["catchUp"],
    graceMs: row.grace_ms,
    jitterMs: row.jitter_ms,
    paused: row.paused === 1,
    description: row.description,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface RunRow {
  id: string;
  job_id: string;
  scheduled_at: number;
  attempt: number;
  trigger_type: string;
  status: string;
  reason: string | null;
  started_at: number | null;
  finished_at: number | null;
  exit_code: number | null;
  signal: string | null;
  pid: number | null;
  pid_start_time: string | null;
  node: string;
  output_tail: string | null;
  output_bytes: number;
  output_truncated: number;
}

export const RUN_COLUMNS =
  "id, job_id, scheduled_at, attempt, trigger_type, status, reason, started_at, finished_at, " +
  "exit_code, signal, pid, pid_start_time, node, output_tail, output_bytes, output_truncated";

/**
 * A run's values in RUN_COLUMNS order, for a statement with positional
 * parameters: binding by position costs less than by name, and every fire
 * inserts a run.
 */
export function runValues(run: Run): unknown[] {
  return [
    run.id,
    run.jobId,
    run.scheduledAt,
    run.attempt,
    run.trigger,
    run.status,
    run.reason,
    run.startedAt,
    run.finishedAt,
    run.exitCode,
    run.signal,
    run.pid,
    run.pidStartTime,
    run.node,
    run.outputTail,
    run.outputBytes,
    run.outputTruncated ? 1 : 0,
  ];
}

export function rowToRun(row: RunRow): Run {
  return {
    id: row.id,
    jobId: row.job_id,
    scheduledAt: row.scheduled_at,
    attempt: row.attempt,
    trigger: row.trigger_type as RunTrigger,
    status: row.status as RunStatus,
    reason: row.reason,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    exitCode: row.exit_code,
    signal: row.signal,
    pid: row.pid,
    pidStartTime: row.pid_start_time,
    node: row.node,
    outputTail: row.output_tail,
    outputBytes: row.output_bytes,
    outputTruncated: row.output_truncated === 1,
  };
}

/** The column of each field a RunPatch may set. */
export const RUN_PATCH_COLUMN: Readonly<Record<keyof RunPatch, string>> = {
  status: "status",
  reason: "reason",
  startedAt: "started_at",
  finishedAt: "finished_at",
  exitCode: "exit_code",
  signal: "signal",
  pid: "pid",
  pidStartTime: "pid_start_time",
  outputTail: "output_tail",
  outputBytes: "output_bytes",
  outputTruncated: "output_truncated",
};

export interface TriggerRow {
  id: string;
  job_id: string;
  requested_at: number;
  run_id: string | null;
  taken_at: number | null;
  taken_by: string | null;
}

export function rowToTrigger(row: TriggerRow): TriggerRequest {
  return {
    id: row.id,
    jobId: row.job_id,
    requestedAt: row.requested_at,
    runId: row.run_id,
    takenAt: row.taken_at,
    takenBy: row.taken_by,
  };
}
