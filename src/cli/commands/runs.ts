import { localZoneName } from "../../cron/zone.js";
import { SchedulerError } from "../../errors.js";
import { FINAL_STATUSES, type RunStatus } from "../../model.js";
import { type GlobalOptions, withStore } from "../context.js";
import { runHeader, runJson, runRow, table } from "../format.js";
import { printJson, println } from "../io.js";
import { jobNotFound } from "./list.js";

const STATUSES: RunStatus[] = ["queued", "running", ...FINAL_STATUSES];

interface RunsOptions extends GlobalOptions {
  limit: number;
  status?: string;
  json?: boolean;
}

/** `cron-scheduler runs [<id>]`: runs, newest first (also of removed jobs). */
export async function runs(id: string | undefined, options: RunsOptions): Promise<void> {
  if (options.status !== undefined && !STATUSES.includes(options.status as RunStatus)) {
    throw new SchedulerError(
      "E_USAGE",
      `--status: "${options.status}" is not a run status (use one of ${STATUSES.join(", ")})`,
    );
  }
  const status = options.status as RunStatus | undefined;
  const { list, timezone } = await withStore(options, async ({ store }) => {
    const list = await store.listRuns({
      limit: options.limit,
      ...(id !== undefined ? { jobId: id } : {}),
      ...(status !== undefined ? { status } : {}),
    });
    const job = id === undefined ? null : await store.getJob(id);
    // A removed job keeps its runs; only an id that never ran is unknown.
    if (id !== undefined && !job && list.length === 0) {
      const any = await store.listRuns({ jobId: id, limit: 1 });
      if (any.length === 0) throw jobNotFound(id);
    }
    return { list, timezone: job?.timezone ?? localZoneName() };
  });
  if (options.json) {
    printJson(list.map(runJson));
    return;
  }
  if (list.length === 0) {
    println("no runs");
    return;
  }
  const withJob = id === undefined;
  for (const line of table(
    runHeader(withJob),
    list.map((r) => runRow(r, timezone, withJob)),
  ))
    println(line);
}
