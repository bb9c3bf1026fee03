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

/** An attempt stopped before it began: nothing ran, no output file. */
export function notStarted(status: AttemptStatus, error: string, now: number): AttemptResult {
  return {
    status,
    exitCode: null,
    signal: null,
    startedAt: now,
    finishedAt: now,
    outputTail: "",
    outputBytes: 0,
    outputTruncated: false,
    error,
    outputError: null,
  };
}
