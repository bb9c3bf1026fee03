import type { JobTarget } from "../model.js";

/** What an in-process function receives. */
export interface JobContext {
  /** Aborted when the attempt times out or is stopped (scheduler shutdown, `replace` overlap). */
  signal: AbortSignal;
  scheduledAt: Date;
  runId: string;
  attempt: number;
  jobId: string;
}

/** A registered in-process job: resolve to succeed, throw or reject to fail. */
export type JobFunction = (ctx: JobContext) => unknown;

/** Given to onStart, and valid during that call only (one object may be filled in for every call): copy what is kept. */
export interface StartInfo {
  /** null for an in-process function. */
  pid: number | null;
  /** See processStartTime(); null for a function or where /proc is unavailable. */
  pidStartTime: string | null;
  startedAt: number;
}

/** One attempt of one job at one slot. */
export interface Attempt {
  jobId: string;
  runId: string;
  attempt: number;
  /** The slot, epoch ms. */
  scheduledAt: number;
  target: JobTarget;
  cwd: string | null;
  /** Added to the scheduler's own environment. */
  env: Record<string, string>;
  timeoutMs: number | null;
  /**
   * <home>/runs/<job>/<run>.log, created with its directories on the first
   * byte of output (a run that prints nothing has no file); null keeps only the tail.
   */
  outputPath: string | null;
  /** Bytes of output kept in the file; default 10 MB. */
  maxOutputBytes?: number;
  /** Bytes of the end of the output kept in memory for the store; default 4 KB. */
  tailBytes?: number;
  /** Between SIGTERM and SIGKILL (and a function's grace after its signal is aborted); default 5 s. */
  killGraceMs?: number;
  /**
   * Aborting it stops the attempt like a timeout does, with status "killed".
   * Each running attempt adds one listener: a signal shared by many attempts
   * (a scheduler-wide stop) needs `events.setMaxListeners(0, signal)`, or Node
   * warns of a leak past 10.
   */
  signal?: AbortSignal;
  /**
   * Called once the attempt has started: for a process, in the same event-loop
   * iteration as its spawn, after the poll phase (pidStartTime is null if it
   * has already ended by then); always before the attempt's result. Called
   * as a method of the attempt (`this` is the attempt). Must not throw.
   */
  onStart?(info: StartInfo): void;
  /** Where `{type: "function"}` targets are looked up by name (a Map will do). */
  functions?: { get(name: string): JobFunction | undefined };
  /** The clock for startedAt and finishedAt; default Date.now. Timeouts always run on real time. */
  now?: () => number;
}

export type AttemptStatus = "succeeded" | "failed" | "timed_out" | "killed";

export interface AttemptResult {
  status: AttemptStatus;
  /** The main process's exit code; null if it was ended by a signal, never started, or is a function. */
  exitCode: number | null;
  /** The signal that ended the main process, e.g. "SIGKILL". */
  signal: string | null;
  startedAt: number;
  finishedAt: number;
  /** The last tailBytes of the output, cut at a character boundary. */
  outputTail: string;
  /** All bytes of output seen, also those not kept in the file. */
  outputBytes: number;
  /** outputBytes > maxOutputBytes: the file holds the start and a marker, the tail the end. */
  outputTruncated: boolean;
  /** Why the job failed where no exit status says it: a spawn error, a function's error, a missing function. */
  error: string | null;
  /** The output file could not be written (the job still ran); null when all went well. */
  outputError: string | null;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
export const DEFAULT_TAIL_BYTES = 4096;
export const DEFAULT_KILL_GRACE_MS = 5000;
