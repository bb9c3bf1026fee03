import type { Attempt, AttemptResult } from "../executor/types.js";

export type { Attempt, AttemptResult, JobContext, JobFunction } from "../executor/types.js";

/** Runs one attempt of a job; normally the executor's runAttempt. Tests may pass their own. */
export type Runner = (attempt: Attempt) => Promise<AttemptResult>;
