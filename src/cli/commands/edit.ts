import { applyJobPatch } from "../../jobs.js";
import type { JobInput } from "../../model.js";
import type { JobPatch } from "../../store/store.js";
import { type GlobalOptions, withStore } from "../context.js";
import { cliLabels, inputFromOptions, type JobCliOptions } from "../job-options.js";
import { printJob } from "./add.js";
import { requireJob } from "./list.js";

interface EditOptions extends JobCliOptions, GlobalOptions {
  schedule?: string;
  script?: string;
  args?: string;
}

/** `cron-scheduler edit <id> [options]`: the options given replace the job's fields. */
export async function editJob(id: string, options: EditOptions): Promise<void> {
  const now = Date.now();
  const patch: Partial<JobInput> = await inputFromOptions(options);
  if (options.schedule !== undefined) patch.schedule = options.schedule;
  if (options.script !== undefined) patch.script = options.script;
  if (options.args !== undefined) {
    const { splitWords } = await import("../../jobs.js");
    patch.args = splitWords(options.args, "--args");
  }
  const labels = {
    ...cliLabels(options),
    schedule: "--schedule",
    script: "--script",
    args: "--args",
  };
  const job = await withStore(options, async ({ store }) => {
    const current = await requireJob(store, id);
    const next = applyJobPatch(current, patch, {
      now,
      labels,
      timeoutBareUnit: options.timeout !== undefined ? null : "m",
    });
    const { id: _id, createdAt: _created, ...fields } = next;
    return store.updateJob(id, fields satisfies JobPatch);
  });
  printJob("changed", job, now, options.json === true);
}
