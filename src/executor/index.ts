// The executor runs ONE attempt of a job and reports how it ended. It knows
// nothing of schedules, policies or the store: the scheduler calls it, records
// the result, and builds overlap and retry policies around it.
//
//   runAttempt(attempt: Attempt): AttemptResult | Promise<AttemptResult>
//
// The result comes without a promise when the attempt finished before
// runAttempt returned (a function that returned no promise); `await` takes
// both.
//
// One signature for every kind of target (script, command, shell string,
// registered function). It never rejects for anything the job does: a job
// that cannot start, fails, hangs or floods its output still resolves, with
//   status  "succeeded" (exit 0 / resolved) | "failed" (non-zero exit, killed
//           by a signal of its own, spawn error, thrown error) | "timed_out"
//           (ran past timeoutMs) | "killed" (attempt.signal aborted)
//   exitCode / signal of the main process, startedAt / finishedAt,
//   outputTail (last tailBytes), outputBytes (all), outputTruncated,
//   error (why, where no exit status says it), outputError (log file trouble).
//
// Processes: spawned without a shell (unless the target is {type:"shell"},
// then /bin/sh -c), stdin empty, in their own process group, with the
// environment the scheduler had when it called refreshInheritedEnvironment()
// (at its start; like crond, not process.env as changed since), then the
// job's env, then CRON_SCHEDULER_JOB_ID, _RUN_ID, _ATTEMPT and _SCHEDULED_AT.
// A timeout or an abort sends SIGTERM to the whole group and SIGKILL after
// killGraceMs. The run ends when its main process has exited and nothing of
// its group is left (leftovers are stopped the same way), see process.ts.
// stdout and stderr, interleaved, go to outputPath, bounded by
// maxOutputBytes with a marker.
//
// Functions: called with { signal, scheduledAt, runId, attempt, jobId }; on a
// timeout or an abort the signal is aborted, and after killGraceMs the
// attempt is reported even if the function never settles, see function.ts.
//
// For crash recovery: processStartTime(pid) and killProcessGroupIfSame(pid,
// startTime, signal) signal a recorded run's group only if its pid was not
// reused since (Linux /proc; elsewhere they refuse to act).

import { argvOf } from "./command.js";
import { runFunction } from "./function.js";
import { runProcess } from "./process.js";
import type { Attempt, AttemptResult } from "./types.js";

export { refreshInheritedEnvironment } from "./command.js";
export { killProcessGroupIfSame, processStartTime } from "./procfs.js";
export {
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

export function runAttempt(a: Attempt): AttemptResult | Promise<AttemptResult> {
  if (a.target.type === "function") return runFunction(a, a.target.name);
  // argvOf returns null only for functions.
  return runProcess(a, argvOf(a.target)!);
}
