// One attempt as an in-process function. A function cannot be killed: on a
// timeout or a stop its AbortSignal is aborted and it gets the kill grace to
// settle; after that the attempt is reported and the function is left to
// itself (its late result or rejection is ignored). A function that blocks
// the event loop cannot be stopped at all; run such work as a command.

import { inspect } from "node:util";
import { OutputSink } from "./output.js";
import { finishWith, notStarted } from "./result.js";
import { after } from "./timers.js";
import {
  type Attempt,
  type AttemptResult,
  type AttemptStatus,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_TAIL_BYTES,
  type JobContext,
} from "./types.js";

export async function runFunction(a: Attempt, name: string): Promise<AttemptResult> {
  const now = a.now ?? Date.now;
  const fn = a.functions?.get(name);
  if (fn === undefined) {
    return notStarted("failed", `no function is registered under the name "${name}"`, now());
  }
  if (a.signal?.aborted) return notStarted("killed", "stopped before it started", now());
  const sink = new OutputSink(
    a.outputPath,
    a.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    a.tailBytes ?? DEFAULT_TAIL_BYTES,
  );
  const grace = a.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const controller = new AbortController();
  const ctx: JobContext = {
    signal: controller.signal,
    scheduledAt: new Date(a.scheduledAt),
    runId: a.runId,
    attempt: a.attempt,
    jobId: a.jobId,
  };
  const startedAt = now();
  let startError: string | null = null;
  try {
    a.onStart?.({ pid: null, pidStartTime: null, startedAt });
  } catch (err) {
    startError = `onStart failed: ${(err as Error).message}`;
  }

  return new Promise((resolve) => {
    let stopReason: "timed_out" | "killed" | null = null;
    let done = false;
    let cancelTimeout: (() => void) | null = null;
    let graceTimer: NodeJS.Timeout | null = null;

    const finish = (status: AttemptStatus, error: string | null) => {
      if (done) return;
      done = true;
      cancelTimeout?.();
      if (graceTimer !== null) clearTimeout(graceTimer);
      a.signal?.removeEventListener("abort", onAbort);
      resolve(finishWith(sink, { status, startedAt, error: error ?? startError }, now));
    };

    const stop = (reason: "timed_out" | "killed", message: string) => {
      if (done || stopReason !== null) return;
      stopReason = reason;
      sink.note(`${message}: aborted the function's signal`);
      controller.abort(
        new DOMException(message, reason === "timed_out" ? "TimeoutError" : "AbortError"),
      );
      graceTimer = setTimeout(() => {
        sink.note(
          `the function had not settled ${grace} ms after its signal was aborted; left running`,
        );
        finish(
          reason,
          `the function did not settle within ${grace} ms after its signal was aborted`,
        );
      }, grace);
    };

    if (a.timeoutMs !== null) {
      const ms = a.timeoutMs;
      cancelTimeout = after(ms, () => stop("timed_out", `timed out after ${ms} ms`));
    }
    const onAbort = () => stop("killed", "stopped by the scheduler");
    a.signal?.addEventListener("abort", onAbort, { once: true });

    const fail = (err: unknown) => {
      if (done) return;
      // The whole error (stack, cause, own properties) goes to the output; its message to the result.
      sink.write(Buffer.from(`${inspect(err)}\n`));
      finish(stopReason ?? "failed", err instanceof Error ? err.message : inspect(err));
    };
    try {
      Promise.resolve(fn(ctx)).then(() => finish(stopReason ?? "succeeded", null), fail);
    } catch (err) {
      fail(err);
    }
  });
}
