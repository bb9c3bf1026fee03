import { SchedulerError } from "../../errors.js";
import type { Job, Run } from "../../model.js";
import type { Store } from "../../store/store.js";
import { type GlobalOptions, withStore } from "../context.js";
import { iso, jobJson, runJson, table, targetText, timeIn } from "../format.js";
import { printJson, println } from "../io.js";
import { nextRuns } from "./add.js";

/** `cron-scheduler list`: every job, its next run and its last outcome. */
export async function list(options: GlobalOptions & { json?: boolean }): Promise<void> {
  const now = Date.now();
  const rows = await withStore(options, async ({ store }) => {
    const jobs = await store.listJobs();
    return Promise.all(jobs.map(async (job) => ({ job, last: await lastRun(store, job.id) })));
  });
  if (options.json) {
    printJson(
      rows.map(({ job, last }) => ({
        ...jobJson(job),
        next: job.paused ? null : iso(nextRuns(job, now, 1)[0] ?? null),
        lastRun: last ? runJson(last) : null,
      })),
    );
    return;
  }
  if (rows.length === 0) {
    println('no jobs (add one: create_cron <id> "<schedule>" <script>)');
    return;
  }
  const body = rows.map(({ job, last }) => [
    job.id,
    job.schedule,
    job.paused ? "paused" : timeIn(nextRuns(job, now, 1)[0] ?? null, job.timezone),
    last ? last.status : "-",
    targetText(job.target),
  ]);
  for (const line of table(["ID", "SCHEDULE", "NEXT", "LAST", "RUNS"], body)) println(line);
}

export async function lastRun(store: Store, jobId: string): Promise<Run | null> {
  return (await store.listRuns({ jobId, limit: 1 }))[0] ?? null;
}

/** The job, or E_JOB_NOT_FOUND naming the id and how to see the ids. */
export async function requireJob(store: Store, id: string): Promise<Job> {
  const job = await store.getJob(id);
  if (!job) throw jobNotFound(id);
  return job;
}

export function jobNotFound(id: string): SchedulerError {
  return new SchedulerError(
    "E_JOB_NOT_FOUND",
    `no job "${id}" (see the ids with: cron-scheduler list)`,
    { id },
  );
}
