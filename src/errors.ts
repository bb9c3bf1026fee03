// The catalogue of error codes. Every layer throws these codes; the CLI maps
// them to exit codes and the HTTP API to statuses, from this one table.
// Never classify an error by matching its message.

import { CronError, type CronErrorCode } from "./cron/errors.js";

export { CronError };

export type ErrorCode =
  | CronErrorCode
  | "E_USAGE"
  | "E_INVALID_JOB"
  | "E_JOB_EXISTS"
  | "E_JOB_NOT_FOUND"
  | "E_RUN_NOT_FOUND"
  | "E_STORE_CORRUPT"
  | "E_STORE_TOO_NEW"
  | "E_STORE"
  | "E_LOCKED"
  | "E_NOT_RUNNING"
  | "E_TIMEOUT"
  | "E_INTERNAL";

interface ErrorInfo {
  /** Exit code of the CLI: 2 bad input, 1 runtime failure. */
  exit: 1 | 2;
  /** HTTP status of the API. */
  status: number;
  summary: string;
}

export const ERRORS: Readonly<Record<ErrorCode, ErrorInfo>> = {
  E_CRON_SYNTAX: { exit: 2, status: 400, summary: "the schedule is not a valid expression" },
  E_CRON_NEVER: { exit: 2, status: 400, summary: "the schedule can never fire" },
  E_TIMEZONE: { exit: 2, status: 400, summary: "unknown time zone" },
  E_DURATION: { exit: 2, status: 400, summary: "not a duration" },
  E_USAGE: { exit: 2, status: 400, summary: "wrong arguments or options" },
  E_INVALID_JOB: { exit: 2, status: 400, summary: "the job definition is invalid" },
  E_JOB_EXISTS: { exit: 2, status: 409, summary: "a job with this id exists" },
  E_JOB_NOT_FOUND: { exit: 2, status: 404, summary: "no job with this id" },
  E_RUN_NOT_FOUND: { exit: 2, status: 404, summary: "no run with this id" },
  E_STORE_CORRUPT: {
    exit: 1,
    status: 500,
    summary: "the store is not a database this program can read",
  },
  E_STORE_TOO_NEW: { exit: 1, status: 500, summary: "the store was written by a newer version" },
  E_STORE: { exit: 1, status: 500, summary: "the store failed" },
  E_LOCKED: { exit: 1, status: 409, summary: "another scheduler holds the lock" },
  E_NOT_RUNNING: { exit: 1, status: 503, summary: "the scheduler is not running" },
  E_TIMEOUT: { exit: 1, status: 504, summary: "gave up waiting" },
  E_INTERNAL: { exit: 1, status: 500, summary: "internal error" },
};

/** An error with a code from the catalogue. */
export class SchedulerError extends Error {
  override readonly name = "SchedulerError";
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

export function errorCodeOf(err: unknown): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code in ERRORS ? (code as ErrorCode) : "E_INTERNAL";
}

export function exitCodeOf(err: unknown): 1 | 2 {
  return ERRORS[errorCodeOf(err)].exit;
}

export function httpStatusOf(err: unknown): number {
  return ERRORS[errorCodeOf(err)].status;
}
