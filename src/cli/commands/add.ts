import { parseSchedule } from "../../cron/parse.js";
import { validateJob } from "../../jobs.js";
import type { Job } from "../../model.js";
import { type GlobalOptions, withStore } from "../context.js";
import { iso, jobJson, jobLines } from "../format.js";
import { printJson, println } from "../io.js";
import { cliLabels, inputFromOptions, type JobCliOptions } from "../job-options.js";

/**
 * `create_cron <id> [--interval N] "<schedule>" <script> [args...]` and
 * `cron-scheduler add`: validate, then one insert. The store refuses a
 * duplicate id atomically, so concurrent adds of one id leave one job.
 */
export async function add(
  id: string,
  schedule: string,
  script: string | undefined,
  args: string[],
  options: JobCliOptions & GlobalOptions,
): Promise<void> {
  const now = Date.now();
  const fields = await inputFromOptions(options);
  const job = validateJob(
    { ...fields, id, schedule, script, args },
    {
      now,
      labels: cliLabels(options),
      timeoutBareUnit: options.timeout !== undefined ? null : "m",
    },
  );
  await withStore(options, (context) => context.store.createJob(job));
  printJob("added", job, now, options.json === true);
}

/** Prints a job and its next three run times (or the job as JSON). */
export function printJob(verb: string, job: Job, now: number, json: boolean): void {
  const next = job.paused ? [] : nextRuns(job, now, 3);
  if (json) {
    printJson({ ...jobJson(job), next: next.map(iso) });
    return;
  }
  println(`${verb} ${job.id}`);
  for (const line of jobLines(job, next)) println(line);
}

export function nextRuns(job: Job, now: number, count: number): number[] {
  return parseSchedule(job.schedule, { timezone: job.timezone, seed: job.id }).nextN(now, count);
}
