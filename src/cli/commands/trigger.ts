import { setTimeout as sleep } from "node:timers/promises";
import { parseDuration } from "../../cron/duration.js";
import { SchedulerError } from "../../errors.js";
import { FINAL_STATUSES, type Run } from "../../model.js";
import type { Store, TriggerRequest } from "../../store/store.js";
import { type GlobalOptions, withStore } from "../context.js";
import { runDuration, runJson } from "../format.js";
import { printJson, println } from "../io.js";
import { jobNotFound } from "./list.js";

interface TriggerOptions extends GlobalOptions {
  wait?: boolean;
  timeout: string;
  json?: boolean;
}

/** How long a scheduler has to take a request before we say none is running. */
const TAKE_WITHIN_MS = Number(process.env.CRON_SCHEDULER_TAKE_WITHIN_MS) || 5000;
const POLL_MS = 100;

/**
 * `cron-scheduler trigger <id> [--wait]`: records a request in the store;
 * a running scheduler (any node) takes it and starts a run. With --wait,
 * polls the request, then the run, until the run is final.
 */
export async function trigger(id: string, options: TriggerOptions): Promise<void> {
  const timeoutMs = parseDuration(options.timeout, { name: "--timeout" });
  const run = await withStore(options, async ({ store }) => {
    if (!(await store.getJob(id))) throw jobNotFound(id);
    const request = await store.requestTrigger(id);
    if (!options.wait) {
      println(`requested a run of ${id} (request ${request.id}); the running scheduler starts it`);
      return null;
    }
    return waitForRun(store, request, timeoutMs);
  });
  if (!run) return;
  if (options.json) printJson(runJson(run));
  else {
    const exit = run.exitCode !== null ? `, exit code ${run.exitCode}` : "";
    const signal = run.signal ? `, signal ${run.signal}` : "";
    const reason = run.reason ? ` (${run.reason})` : "";
    println(
      `run ${run.id} of ${id}: ${run.status}${exit}${signal}${reason} in ${runDuration(run)}`,
    );
    println(`  output: cron-scheduler output ${run.id}`);
  }
  if (run.status !== "succeeded") process.exitCode = 1;
}

/** How long a taken request may have no run before the job's existence is checked. */
const TAKEN_NO_RUN_MS = 1000;

async function waitForRun(store: Store, request: TriggerRequest, timeoutMs: number): Promise<Run> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let current: TriggerRequest | null = request;
  while (current && current.takenAt === null) {
    if (Date.now() - started > Math.min(TAKE_WITHIN_MS, timeoutMs)) {
      throw new SchedulerError(
        "E_NOT_RUNNING",
        `no scheduler took the request to run ${request.jobId} within ${Math.round(Math.min(TAKE_WITHIN_MS, timeoutMs) / 1000)}s: is the scheduler running? start it with \`cron-scheduler start\` (the request stays and runs when one starts)`,
      );
    }
    await sleep(POLL_MS);
    current = await store.getTrigger(request.id);
  }
  const takenAt = Date.now();
  while (true) {
    if (current?.runId) {
      const run = await store.getRun(current.runId);
      if (run && FINAL_STATUSES.has(run.status)) return run;
    } else if (Date.now() - takenAt > TAKEN_NO_RUN_MS && !(await store.getJob(request.jobId))) {
      // A scheduler took the request but found no such job: it was removed meanwhile.
      throw new SchedulerError(
        "E_JOB_NOT_FOUND",
        `job "${request.jobId}" was removed before the requested run could start`,
      );
    }
    if (Date.now() > deadline) {
      const what = current?.runId ? `run ${current.runId}` : "the run";
      throw new SchedulerError(
        "E_TIMEOUT",
        `gave up waiting for ${what} of ${request.jobId} after --timeout ${Math.round(timeoutMs / 1000)}s; it may still be going (see: cron-scheduler runs ${request.jobId})`,
      );
    }
    await sleep(POLL_MS);
    current = await store.getTrigger(request.id);
  }
}
