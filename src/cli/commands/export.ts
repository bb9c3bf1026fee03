import { jobToInput } from "../../jobs.js";
import { type GlobalOptions, withStore } from "../context.js";
import { printJson } from "../io.js";
import { requireJob } from "./list.js";

/** The format `export` writes and `import` reads back. */
export const EXPORT_FORMAT = "cron-scheduler/jobs";
export const EXPORT_VERSION = 1;

/** `cron-scheduler export [ids...]`: the jobs as JSON that `import` reads back to the same jobs. */
export async function exportJobs(ids: string[], options: GlobalOptions): Promise<void> {
  const jobs = await withStore(options, async ({ store }) =>
    ids.length === 0 ? store.listJobs() : Promise.all(ids.map((id) => requireJob(store, id))),
  );
  printJson({
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: new Date().toISOString(),
    jobs: jobs.map(jobToInput),
  });
}
