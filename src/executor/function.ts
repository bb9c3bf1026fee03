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
} from "./types.js";

export function runFunction(a: Attempt, name: string): AttemptResult | Promise<AttemptResult> {
  const now = a.now ?? Date.now;
  const fn = a.functions?.get(name);
  if (fn === undefined) {
    return notStarted("failed", `no function is registered under the name "${name}"`, now());
  }
  if (isAborted(a.signal)) return notStarted("killed", "stopped before it started", now());
  return new FunctionCall(a, now).run(fn);
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
  #abortReason: DOMException | null = null;
  #date: Date | null = null;
  /** The output of a function is only what it throws or what the attempt notes; made on the first note. */
  #sink: OutputSink | null = null;
  #stopReason: "timed_out" | "killed" | null = null;
  #done = false;
  #resolve: ((result: AttemptResult | Promise<AttemptResult>) => void) | null = null;
  #cancelTimeout: (() => void) | null = null;
  #graceTimer: NodeJS.Timeout | null = null;
  #stopWaiting: (() => void) | null = null;

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
      if (this.#abortReason) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get scheduledAt(): Date {
    this.#date ??= new Date(this.#a.scheduledAt);
    return this.#date;
  }

  run(fn: JobFunction): AttemptResult | Promise<AttemptResult> {
    try {
      this.#a.onStart?.({ pid: null, pidStartTime: null, startedAt: this.#startedAt });
    } catch (err) {
      this.#startError = `onStart failed: ${(err as Error).message}`;
    }
    const startedMono = this.#a.timeoutMs === null ? 0 : performance.now();
    let value: unknown;
    try {
      value = fn(this);
    } catch (err) {
      return this.#failed(err);
    }
    if (!isThenable(value)) {
      return this.#finish("succeeded", null);
    }
    return new Promise((resolve) => {
      this.#resolve = resolve;
      const { timeoutMs, signal } = this.#a;
      if (timeoutMs !== null) {
        // The timeout counts from the call, not from the promise it returned.
        const left = Math.max(0, timeoutMs - (performance.now() - startedMono));
        this.#cancelTimeout = after(left, () =>
          this.#stop("timed_out", `timed out after ${timeoutMs} ms`),
        );
      }
      // Aborted while the function ran (it stopped the scheduler itself): stop now.
      if (isAborted(signal)) this.#stop("killed", "stopped by the scheduler");
      else
        this.#stopWaiting = whenAborted(signal, () =>
          this.#stop("killed", "stopped by the scheduler"),
        );
      Promise.resolve(value).then(
        () => {
          if (!this.#done) resolve(this.#finish(this.#stopReason ?? "succeeded", null));
        },
        (err) => {
          if (!this.#done) resolve(this.#failed(err));
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

  /** The attempt's result; called once (callers check #done: a late settle of the function is ignored). */
  #finish(status: AttemptStatus, error: string | null): AttemptResult | Promise<AttemptResult> {
    this.#done = true;
    this.#cancelTimeout?.();
    if (this.#graceTimer !== null) clearTimeout(this.#graceTimer);
    this.#stopWaiting?.();
    const why = error ?? this.#startError;
    if (this.#sink)
      return finishWith(this.#sink, { status, startedAt: this.#startedAt, error: why }, this.#now);
    return silentResult(status, this.#startedAt, this.#now(), why);
  }

  #failed(err: unknown): AttemptResult | Promise<AttemptResult> {
    // The whole error (stack, cause, own properties) goes to the output; its message to the result.
    this.#output().write(Buffer.from(`${inspect(err)}\n`));
    return this.#finish(
      this.#stopReason ?? "failed",
      err instanceof Error ? err.message : inspect(err),
    );
  }

  #stop(reason: "timed_out" | "killed", message: string): void {
    if (this.#done || this.#stopReason !== null) return;
    this.#stopReason = reason;
    this.#output().note(`${message}: aborted the function's signal`);
    this.#abortReason = new DOMException(
      message,
      reason === "timed_out" ? "TimeoutError" : "AbortError",
    );
    this.#controller?.abort(this.#abortReason);
    const grace = this.#a.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    this.#graceTimer = setTimeout(() => {
      if (this.#done) return;
      this.#output().note(
        `the function had not settled ${grace} ms after its signal was aborted; left running`,
      );
      this.#resolve?.(
        this.#finish(
          reason,
          `the function did not settle within ${grace} ms after its signal was aborted`,
        ),
      );
    }, grace);
  }
}
