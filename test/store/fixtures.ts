import { newRunId } from "../../src/ids.js";
import type { Job, Run } from "../../src/model.js";

export const T0 = Date.parse("2026-11-26T15:00:00.000Z");
export const MINUTE = 60_000;

export function makeJob(id: string, overrides: Partial<Job> = {}): Job {
  return {
    id,
    schedule: "*/5 * * * *",
    timezone: "Europe/Berlin",
    timeoutMs: 30 * MINUTE,
    target: { type: "script", path: "/opt/jobs/report.py", args: ["--full", "a b"] },
    cwd: "/tmp",
    env: { REPORT: "daily", EMPTY: "" },
    overlap: "skip",
    retries: 2,
    retryBackoffMs: 10_000,
    catchUp: "once",
    graceMs: null,
    jitterMs: 0,
    paused: false,
    description: "the daily report",
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

let sequence = 0;

export function makeRun(jobId: string, scheduledAt: number, overrides: Partial<Run> = {}): Run {
  // Distinct ids even within one millisecond, in creation order.
  return {
    id: `${newRunId(T0)}${String(sequence++).padStart(6, "0")}`,
    jobId,
    scheduledAt,
    attempt: 1,
    trigger: "schedule",
    status: "running",
    reason: null,
    startedAt: scheduledAt + 5,
    finishedAt: null,
    exitCode: null,
    signal: null,
    pid: 4242,
    pidStartTime: "123456",
    node: "host:1:abcdef",
    outputTail: null,
    outputBytes: 0,
    outputTruncated: false,
    ...overrides,
  };
}

/** A promise that rejects with a SchedulerError of this code. */
export async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error("expected the call to fail, and it succeeded");
}
