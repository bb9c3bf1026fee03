import pino, { type Logger } from "pino";
import { formatLine } from "../log-format.js";
import type { Run } from "../model.js";
import type { Scheduler } from "../scheduler/scheduler.js";
import { RotatingFile } from "./log-file.js";

export interface SchedulerLog {
  logger: Logger;
  close(): void;
}

/**
 * The log the seed promised: <home>/scheduler.log, one JSON line per event
 * (time in epoch ms, level, event, jobId, runId, msg, …), rotated by size.
 * With `echo`, each line is also printed readably on stderr (a terminal).
 */
export function openSchedulerLog(
  path: string,
  options: { echo?: boolean; maxBytes?: number; keep?: number } = {},
): SchedulerLog {
  const file = new RotatingFile(path, options);
  const streams: pino.StreamEntry[] = [{ stream: file }];
  if (options.echo)
    streams.push({
      stream: { write: (line: string) => process.stderr.write(`${formatLine(line.trimEnd())}\n`) },
    });
  const logger = pino({ base: { pid: process.pid } }, pino.multistream(streams));
  return { logger, close: () => file.close() };
}

const seconds = (run: Run) =>
  run.startedAt !== null && run.finishedAt !== null
    ? (run.finishedAt - run.startedAt) / 1000
    : null;
const slot = (run: Run) => new Date(run.scheduledAt).toISOString();

/** Writes a log line for every transition of the scheduler. */
export function logSchedulerEvents(scheduler: Scheduler, logger: Logger): void {
  scheduler.on("scheduler:started", (e) =>
    logger.info(
      { event: "scheduler.started", node: e.node, jobs: e.jobs },
      `scheduler started with ${e.jobs} jobs`,
    ),
  );
  scheduler.on("scheduler:stopping", (e) =>
    logger.info(
      { event: "scheduler.stopping", running: e.running },
      `scheduler stopping; ${e.running} runs still going`,
    ),
  );
  scheduler.on("scheduler:stopped", () =>
    logger.info({ event: "scheduler.stopped" }, "scheduler stopped"),
  );
  scheduler.on("job:added", ({ job }) =>
    logger.info(
      { event: "job.added", jobId: job.id, schedule: job.schedule, timezone: job.timezone },
      "job added",
    ),
  );
  scheduler.on("job:changed", ({ job }) =>
    logger.info(
      { event: "job.changed", jobId: job.id, schedule: job.schedule, paused: job.paused },
      "job changed",
    ),
  );
  scheduler.on("job:removed", ({ jobId }) =>
    logger.info({ event: "job.removed", jobId }, "job removed"),
  );
  scheduler.on("run:queued", (run) =>
    logger.info(
      { event: "run.queued", jobId: run.jobId, runId: run.id, slot: slot(run) },
      "run queued behind the previous one",
    ),
  );
  scheduler.on("run:started", (run) =>
    logger.info(
      {
        event: "run.started",
        jobId: run.jobId,
        runId: run.id,
        slot: slot(run),
        attempt: run.attempt,
        trigger: run.trigger,
        childPid: run.pid,
      },
      "run started",
    ),
  );
  scheduler.on("run:finished", (run) => {
    const base = {
      jobId: run.jobId,
      runId: run.id,
      slot: slot(run),
      attempt: run.attempt,
      seconds: seconds(run),
    };
    if (run.status === "succeeded")
      logger.info({ event: "run.succeeded", ...base }, "run succeeded");
    else if (run.status === "timed_out")
      logger.warn(
        { event: "run.timed_out", ...base, signal: run.signal },
        "run timed out and was stopped",
      );
    else if (run.status === "killed")
      logger.warn({ event: "run.killed", ...base, reason: run.reason }, "run was stopped");
    else
      logger.error(
        {
          event: "run.failed",
          ...base,
          exitCode: run.exitCode,
          signal: run.signal,
          reason: run.reason,
        },
        run.exitCode !== null
          ? `run failed with exit code ${run.exitCode}`
          : `run failed${run.signal ? ` (${run.signal})` : ""}`,
      );
  });
  scheduler.on("run:skipped", (run) =>
    logger.warn(
      {
        event: "run.skipped",
        jobId: run.jobId,
        runId: run.id,
        slot: slot(run),
        reason: run.reason,
      },
      "slot skipped",
    ),
  );
  scheduler.on("run:missed", (run) =>
    logger.warn(
      { event: "run.missed", jobId: run.jobId, runId: run.id, slot: slot(run), reason: run.reason },
      "slot missed",
    ),
  );
  scheduler.on("run:abandoned", (run) =>
    logger.warn(
      {
        event: "run.abandoned",
        jobId: run.jobId,
        runId: run.id,
        slot: slot(run),
        reason: run.reason,
      },
      "run abandoned",
    ),
  );
  scheduler.on("run:retry-scheduled", ({ run, retryAt }) =>
    logger.info(
      {
        event: "run.retry_scheduled",
        jobId: run.jobId,
        runId: run.id,
        attempt: run.attempt + 1,
        retryAt: new Date(retryAt).toISOString(),
      },
      "retry scheduled",
    ),
  );
  scheduler.on("clock:jump", (e) =>
    logger.warn(
      { event: "clock.jump", deltaMs: e.deltaMs },
      `the wall clock stepped by ${Math.round(e.deltaMs / 1000)} s`,
    ),
  );
  scheduler.on("error", (e) =>
    logger.error({ event: "scheduler.error", context: e.context, err: e.error }, e.error.message),
  );
}
