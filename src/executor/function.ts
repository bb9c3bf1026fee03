// One attempt as an in-process function. A function cannot be killed: on a
// timeout or a stop its AbortSignal is aborted and it gets the kill grace to
// settle; after that the attempt is reported and the function is left to
// itself (its late result or rejection is ignored). A function that blocks
// the event loop cannot be stopped at all; run such work as a command.

import { inspect } from "node:util";
import { whenAborted } from "./abort.js";
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
  const grace = a.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  // The output of a function is only what it throws; most runs print
  // nothing, so the sink (and its file) is made on the first note.
  let sink: OutputSink | null = null;
  const output = () => {
    sink ??= new OutputSink(
      a.outputPath,
      a.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      a.tailBytes ?? DEFAULT_TAIL_BYTES,
    );
    return sink;
  };
  // The function's own signal is made when it first reads ctx.signal: most
  // never do, and an AbortController costs more than the rest of a call.
  let controller: AbortController | null = null;
  let abortReason: DOMException | null = null;
  const ctx = new Context(() => {
    if (!controller) {
      controller = new AbortController();
      if (abortReason) controller.abort(abortReason);
    }
    return controller.signal;
  }, a);
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
      stopWaiting();
      const fields = { status, startedAt, error: error ?? startError };
      if (sink) resolve(finishWith(sink, fields, now));
      else resolve(silentResult(fields, now()));
    };

    const stop = (reason: "timed_out" | "killed", message: string) => {
      if (done || stopReason !== null) return;
      stopReason = reason;
      output().note(`${message}: aborted the function's signal`);
      abortReason = new DOMException(
        message,
        reason === "timed_out" ? "TimeoutError" : "AbortError",
      );
      controller?.abort(abortReason);
      graceTimer = setTimeout(() => {
        output().note(
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
    const stopWaiting = whenAborted(a.signal, onAbort);

    const fail = (err: unknown) => {
      if (done) return;
      // The whole error (stack, cause, own properties) goes to the output; its message to the result.
      output().write(Buffer.from(`${inspect(err)}\n`));
      finish(stopReason ?? "failed", err instanceof Error ? err.message : inspect(err));
    };
    try {
      const value = fn(ctx);
      // A function that returns no promise has finished: no need to wait a turn.
      if (value !== null && typeof (value as PromiseLike<unknown>)?.then === "function") {
        Promise.resolve(value).then(() => finish(stopReason ?? "succeeded", null), fail);
      } else {
        finish(stopReason ?? "succeeded", null);
      }
    } catch (err) {
      fail(err);
    }
  });
}

/** The context a function gets; its signal and Date are made only if read. */
class Context implements JobContext {
  readonly runId: string;
  readonly attempt: number;
  readonly jobId: string;
  readonly #signal: () => AbortSignal;
  readonly #scheduledAt: number;
  #date: Date | null = null;

  constructor(signal: () => AbortSignal, a: Attempt) {
    this.#signal = signal;
    this.runId = a.runId;
    this.attempt = a.attempt;
    this.jobId = a.jobId;
    this.#scheduledAt = a.scheduledAt;
  }

  get signal(): AbortSignal {
    return this.#signal();
  }

  get scheduledAt(): Date {
    this.#date ??= new Date(this.#scheduledAt);
    return this.#date;
  }
}

function silentResult(
  fields: { status: AttemptStatus; startedAt: number; error: string | null },
  finishedAt: number,
): AttemptResult {
  return {
    status: fields.status,
    exitCode: null,
    signal: null,
    startedAt: fields.startedAt,
    finishedAt,
    outputTail: "",
    outputBytes: 0,
    outputTruncated: false,
    error: fields.error,
    outputError: null,
  };
}
