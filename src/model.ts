// The domain: jobs and runs as the store keeps them, and the raw input a job
// is made from. Raw input (JobInput: strings from a command line, JSON from
// HTTP, objects from the library) and validated data (Job) are different
// types; only validateJob() turns one into the other (see jobs.ts).

export type OverlapPolicy = "skip" | "allow" | "queue" | "replace";
export type CatchUpPolicy = "skip" | "once" | "all";

export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ["skip", "allow", "queue", "replace"];
export const CATCH_UP_POLICIES: readonly CatchUpPolicy[] = ["skip", "once", "all"];

/**
 * Scripts with these extensions run with an interpreter ("node" is the node
 * running the scheduler); any other file must be executable.
 */
export const SCRIPT_INTERPRETERS: Readonly<Record<string, "python3" | "bash" | "node">> = {
  ".py": "python3",
  ".sh": "bash",
  ".js": "node",
  ".mjs": "node",
  ".cjs": "node",
};

/** What a job runs. Only "function" is not stored by value: it names a function registered in the process. */
export type JobTarget =
  | { type: "script"; path: string; args: string[] }
  | { type: "command"; argv: string[] }
  | { type: "shell"; command: string }
  | { type: "function"; name: string };

export interface Job {
  /** ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$, unique. */
  id: string;
  schedule: string;
  /** IANA zone the schedule is read in. */
  timezone: string;
  /** The longest a single run may take (the seed's --interval), or null for no limit. */
  timeoutMs: number | null;
  target: JobTarget;
  cwd: string | null;
  env: Record<string, string>;
  overlap: OverlapPolicy;
  /** Further attempts after a failed one. */
  retries: number;
  /** Delay before the first retry; doubles per attempt, with ±20% jitter, capped at an hour. */
  retryBackoffMs: number;
  catchUp: CatchUpPolicy;
  /** How late a missed slot may still run after downtime, or null for any age. */
  graceMs: number | null;
  /** Each run starts up to this much after its slot, at random. */
  jitterMs: number;
  paused: boolean;
  description: string | null;
  createdAt: number;
  updatedAt: number;
}

export type RunStatus =
  | "queued"
  | "running"
  | "succeeded"
  | "failed"
  | "timed_out"
  | "killed"
  | "abandoned"
  | "skipped"
  | "missed";

/** Every status, the two of unfinished runs first. */
export const RUN_STATUSES: readonly RunStatus[] = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "timed_out",
  "killed",
  "abandoned",
  "skipped",
  "missed",
];

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(RUN_STATUSES.slice(2));

/** Why a run exists. */
export type RunTrigger = "schedule" | "catch-up" | "manual" | "retry" | "reboot";

export interface Run {
  /** Time-ordered unique id (see ids.ts). */
  id: string;
  jobId: string;
  /** The slot (epoch ms). For a manual trigger, when it was requested. */
  scheduledAt: number;
  /** 1 for the first attempt at a slot; retries count up. (jobId, scheduledAt, attempt) is unique. */
  attempt: number;
  trigger: RunTrigger;
  status: RunStatus;
  /** For skipped, missed, abandoned, killed and failed-to-start runs: why. */
  reason: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  exitCode: number | null;
  signal: string | null;
  pid: number | null;
  /** The process start time of `pid` (from /proc), so that a reused pid is never mistaken for ours. */
  pidStartTime: string | null;
  /** The scheduler node that claimed the run. */
  node: string;
  /** The end of the output (at most a few KB); the whole of it is in the run's log file. */
  outputTail: string | null;
  /** Bytes of output seen (also those not kept). */
  outputBytes: number;
  outputTruncated: boolean;
}

/** Raw job input, before validation. Durations are text ("90s", "1h30m") or milliseconds. */
export interface JobInput {
  id: string;
  schedule: string;
  timezone?: string | undefined;
  /** Text with a unit, a bare number of minutes (the seed's --interval), milliseconds as a number, or null. */
  timeout?: string | number | null | undefined;
  script?: string | undefined;
  args?: string[] | undefined;
  command?: string[] | string | undefined;
  shell?: string | undefined;
  /** The name of a function registered with the scheduler (library use). */
  function?: string | undefined;
  cwd?: string | null | undefined;
  env?: Record<string, string> | undefined;
  overlap?: string | undefined;
  retries?: number | string | undefined;
  retryBackoff?: string | number | undefined;
  catchUp?: string | undefined;
  grace?: string | number | null | undefined;
  jitter?: string | number | undefined;
  paused?: boolean | undefined;
  description?: string | null | undefined;
}
