import { EventEmitter } from "node:events";
import type { Job, Run } from "./model.js";

/** Every transition the scheduler goes through, with its payload. */
export interface SchedulerEvents {
  "scheduler:started": { node: string; jobs: number; at: number };
  "scheduler:stopping": { node: string; at: number; running: number };
  "scheduler:stopped": { node: string; at: number };
  "job:added": { job: Job };
  "job:changed": { job: Job; previous: Job };
  "job:removed": { jobId: string };
  /** A run was claimed and is waiting for an earlier run of its job (overlap "queue"). */
  "run:queued": Run;
  /** A run's process or function started (pid is known for processes). */
  "run:started": Run;
  /** A run ended: succeeded, failed, timed_out or killed. */
  "run:finished": Run;
  /** A slot did not run because an earlier run was still going (overlap "skip"). */
  "run:skipped": Run;
  /** A slot was not run because the scheduler could not fire it in time (catch-up policy). */
  "run:missed": Run;
  /** A run a dead scheduler left behind was found at start and closed. */
  "run:abandoned": Run;
  "run:retry-scheduled": { run: Run; retryAt: number };
  /** The wall clock stepped (NTP, suspend/resume, manual change) by deltaMs. */
  "clock:jump": { deltaMs: number; at: number };
  /** The scheduler itself hit an error (the store failed, …); it keeps going. */
  error: { error: Error; context: string };
}

export type SchedulerEventName = keyof SchedulerEvents;

/** An EventEmitter whose event names and payloads are checked by the compiler. */
export class TypedEmitter<E extends { [K in keyof E]: unknown }> {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  on<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): this {
    this.#emitter.on(event, listener);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): this {
    this.#emitter.once(event, listener);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (payload: E[K]) => void): this {
    this.#emitter.off(event, listener);
    return this;
  }

  /** Whether anyone listens: lets a hot path skip building a payload nobody reads. */
  listening(event: keyof E & string): boolean {
    return this.#emitter.listenerCount(event) > 0;
  }

  protected emit<K extends keyof E & string>(event: K, payload: E[K]): void {
    if (this.#emitter.listenerCount(event) === 0) return;
    // A listener that throws must not break the scheduler.
    for (const listener of this.#emitter.listeners(event)) {
      try {
        (listener as (p: E[K]) => void)(payload);
      } catch (error) {
        if (event !== "error")
          this.emit("error" as K & string, { error, context: `listener of ${event}` } as E[K]);
      }
    }
  }
}
