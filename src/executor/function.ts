// One attempt as an in-process function. A function cannot be killed: on a
// timeout or a stop its AbortSignal is aborted and it gets the kill grace to
// settle; after that the attempt is reported and the function is left to
// itself (its late result or rejection is ignored). A function that blocks
// the event loop cannot be stopped at all; run such work as a command.
//
// A function that returns without a promise has finished: its result is
// returned as it is, with no promise, timer or listener made for it (a
// scheduler firing a thousand such functions a second spends most of a fire
// on exactly those). Timers and listeners are set up only for a promise.

import { inspect } from "node:util";
import { latest } from "../shapes.js";
import { isAborted, whenAborted } from "./abort.js";
import { OutputSink } from "./output.js";
import { finishWith, isThenable, notStarted, silentResult } from "./result.js";
import { after } from "./timers.js";
import {
  type Attempt,
  type AttemptResult,
  type AttemptStatus,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_TAIL_BYTES,
  type JobContext,
  type JobFunction,
  type StartInfo,
} from "./types.js";

export function runFunction(a: Attempt, name: string): AttemptResult | Promise<AttemptResult> {
  const now = a.now ?? Date.now;
  const fn = a.functions?.get(name);
  if (fn === undefined) {
    return notStarted("failed", `no function is registered under the name "${name}"`, now());
  }
  if (isAborted(a.signal)) return notStarted("killed", "stopped before it started", now());
  const call = new FunctionCall(a, now);
  latest.functionCall = call; // see shapes.ts
  return call.run(fn);
}

/**
 * What every function's onStart is given, filled in for the call: an object
 * per call was 120 of the 1,900 bytes a fire allocated (StartInfo is read during
 * the call, not kept).
 */
const FUNCTION_START: StartInfo = { pid: null, pidStartTime: null, startedAt: 0 };

/** What only a call that returned a promise needs: made then, not for a function that returned at once. */
class Pending {
  stopReason: "timed_out" | "killed" | null = null;
  /** Given to a controller made after the stop (the function read ctx.signal late). */
  abortReason: DOMException | null = null;
  done = false;
  cancelTimeout: (() => void) | null = null;
  graceTimer: NodeJS.Timeout | null = null;
  stopWaiting: (() => void) | null = null;
  constructor(readonly resolve: (result: AttemptResult | Promise<AttemptResult>) => void) {}
}

/**
 * One call of a function, and the context it is given: the public fields
 * and getters are JobContext, the rest is private to the attempt.
 */
class FunctionCall implements JobContext {
  readonly runId: string;
  readonly attempt: number;
  readonly jobId: string;
  readonly #startedAt: number;
  #startError: string | null = null;
  readonly #a: Attempt;
  readonly #now: () => number;
  /** Made when the function reads ctx.signal: most never do, and a controller costs more than the rest of a call. */
  #controller: AbortController | null = null;
  #date: Date | null = null;
  /** The output of a function is only what it throws or what the attempt notes; made on the first note. */
  #sink: OutputSink | null = null;
  #pending: Pending | null = null;

  constructor(a: Attempt, now: () => number) {
    this.#a = a;
    this.#now = now;
    this.runId = a.runId;
    this.attempt = a.attempt;
    this.jobId = a.jobId;
    this.#startedAt = now();
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      const reason = this.#pending?.abortReason;
      if (reason) this.#controller.abort(reason);
    }
    return this.#controller.signal;
  }

  get scheduledAt(): Date {
    this.#date ??= new Date(this.#a.scheduledAt);
    return this.#date;
  }

  run(fn: JobFunction): AttemptResult | Promise<AttemptResult> {
    try {
      FUNCTION_START.startedAt = this.#startedAt;
      this.#a.onStart?.(FUNCTION_START);
    } catch (err) {
      this.#startError = `onStart failed: ${(err as Error).message}`;
    }
    const startedMono = this.#a.timeoutMs === null ? 0 : performance.now();
    let value: unknown;
    try {
      value = fn(this);
    } catch (err) {
      return this.#failed(err, "failed");
    }
    if (!isThenable(value)) {
      return this.#finish("succeeded", null);
    }
    return new Promise((resolve) => {
      const pending = new Pending(resolve);
      latest.pending = pending;
      this.#pending = pending;
      const { timeoutMs, signal } = this.#a;
      if (timeoutMs !== null) {
        // The timeout counts from the call, not from the promise it returned.
        const left = Math.max(0, timeoutMs - (performance.now() - startedMono));
        pending.cancelTimeout = after(left, () =>
          this.#stop(pending, "timed_out", `timed out after ${timeoutMs} ms`),
        );
      }
      // Aborted while the function ran (it stopped the scheduler itself): stop now.
      if (isAborted(signal)) this.#stop(pending, "killed", "stopped by the scheduler");
      else
        pending.stopWaiting = whenAborted(signal, () =>
          this.#stop(pending, "killed", "stopped by the scheduler"),
        );
      Promise.resolve(value).then(
        () => {
          if (!pending.done) resolve(this.#finish(pending.stopReason ?? "succeeded", null));
        },
        (err) => {
          if (!pending.done) resolve(this.#failed(err, pending.stopReason ?? "failed"));
        },
      );
    });
  }

  #output(): OutputSink {
    const a = this.#a;
    this.#sink ??= new OutputSink(
      a.outputPath,
      a.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      a.tailBytes ?? DEFAULT_TAIL_BYTES,
    );
    return this.#sink;
  }

  /** The attempt's result; called once (callers check Pending.done: a late settle of the function is ignored). */
  #finish(status: AttemptStatus, error: string | null): AttemptResult | Promise<AttemptResult> {
    const pending = this.#pending;
    if (pending !== null) {
      pending.done = true;
      pending.cancelTimeout?.();
      if (pending.graceTimer !== null) clearTimeout(pending.graceTimer);
      pending.stopWaiting?.();
    }
    const why = error ?? this.#startError;
    if (this.#sink)
      return finishWith(this.#sink, { status, startedAt: this.#startedAt, error: why }, this.#now);
    return silentResult(status, this.#startedAt, this.#now(), why);
  }

  #failed(err: unknown, status: AttemptStatus): AttemptResult | Promise<AttemptResult> {
    // The whole error (stack, cause, own properties) goes to the output; its message to the result.
    this.#output().write(Buffer.from(`${inspect(err)}\n`));
    return this.#finish(status, err instanceof Error ? err.message : inspect(err));
  }

  #stop(pending: Pending, reason: "timed_out" | "killed", message: string): void {
    if (pending.done || pending.stopReason !== null) return;
    pending.stopReason = reason;
    this.#output().note(`${message}: aborted the function's signal`);
    pending.abortReason = new DOMException(
      message,
      reason === "timed_out" ? "TimeoutError" : "AbortError",
    );
    this.#controller?.abort(pending.abortReason);
    const grace = this.#a.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    pending.graceTimer = setTimeout(() => {
      if (pending.done) return;
      this.#output().note(
        `the function had not settled ${grace} ms after its signal was aborted; left running`,
      );
      pending.resolve(
        this.#finish(
          reason,
          `the function did not settle within ${grace} ms after its signal was aborted`,
        ),
      );
    }, grace);
  }
}
