import type { Attempt, AttemptResult } from "../executor/types.js";

export type {
  Attempt,
  AttemptResult,
  JobContext,
  JobFunction,
  StartInfo,
} from "../executor/types.js";

/**
 * Runs one attempt of a job; normally the executor's runAttempt. Tests may
 * pass their own. The result may come without a promise (an attempt that
 * finished at once). A runner that throws fails the run.
 */
export type Runner = (attempt: Attempt) => AttemptResult | Promise<AttemptResult>;
