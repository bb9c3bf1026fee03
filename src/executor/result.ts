import type { OutputSink } from "./output.js";
import type { AttemptResult, AttemptStatus } from "./types.js";

/** Closes the sink and assembles the result from it. */
export async function finishWith(
  sink: OutputSink,
  fields: {
    status: AttemptStatus;
    exitCode?: number | null;
    signal?: string | null;
    startedAt: number;
    error?: string | null;
  },
  now: () => number,
): Promise<AttemptResult> {
  const finishedAt = now();
  await sink.close();
  return {
    status: fields.status,
    exitCode: fields.exitCode ?? null,
    signal: fields.signal ?? null,
    startedAt: fields.startedAt,
    finishedAt,
    outputTail: sink.tail(),
    outputBytes: sink.bytes,
    outputTruncated: sink.truncated,
    error: fields.error ?? null,
    outputError: sink.error,
  };
}

/** The result of an attempt that wrote no output. */
export function silentResult(
  status: AttemptStatus,
  startedAt: number,
  finishedAt: number,
  error: string | null,
): AttemptResult {
  return {
    status,
    exitCode: null,
    signal: null,
    startedAt,
    finishedAt,
    outputTail: "",
    outputBytes: 0,
    outputTruncated: false,
    error,
    outputError: null,
  };
}

/** An attempt stopped before it began: nothing ran, no output file. */
export function notStarted(status: AttemptStatus, error: string, now: number): AttemptResult {
  return silentResult(status, now, now, error);
}

/**
 * Whether a value is a promise or another thenable: a function's return
 * value, or a runner's outcome (which may also come without a promise).
 */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === "function";
}
