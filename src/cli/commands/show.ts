import { type GlobalOptions, withStore } from "../context.js";
import { iso, jobJson, jobLines, runHeader, runJson, runRow, table } from "../format.js";
import { printJson, println } from "../io.js";
import { nextRuns } from "./add.js";
import { requireJob } from "./list.js";

interface ShowOptions extends GlobalOptions {
  count: number;
  runs: number;
  json?: boolean;
}

/** `cron-scheduler show <id>`: the job, its next run times and its last runs. */
export async function show(id: string, options: ShowOptions): Promise<void> {
  const now = Date.now();
  const { job, runs } = await withStore(options, async ({ store }) => {
    const job = await requireJob(store, id);
    const runs = options.runs > 0 ? await store.listRuns({ jobId: id, limit: options.runs }) : [];
    return { job, runs };
  });
  const next = job.paused ? [] : nextRuns(job, now, options.count);
  if (options.json) {
    printJson({ ...jobJson(job), next: next.map(iso), runs: runs.map(runJson) });
    return;
  }
  println(job.id);
  for (const line of jobLines(job, next)) println(line);
  println();
  if (runs.length === 0) {
    println("no runs yet");
    return;
  }
  println(`last ${runs.length === 1 ? "run" : `${runs.length} runs`}:`);
  for (const line of table(
    runHeader(false),
    runs.map((r) => runRow(r, job.timezone, false)),
  ))
    println(`  ${line}`);
}
