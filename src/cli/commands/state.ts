import { type GlobalOptions, withStore } from "../context.js";
import { println } from "../io.js";
import { jobNotFound, requireJob } from "./list.js";

/** `cron-scheduler remove <id>`. */
export async function remove(id: string, options: GlobalOptions): Promise<void> {
  const removed = await withStore(options, ({ store }) => store.removeJob(id));
  if (!removed) throw jobNotFound(id);
  println(`removed ${id}`);
}

/** `cron-scheduler pause <id>` / `resume <id>`. Saying it twice is not an error. */
export async function setPaused(
  id: string,
  paused: boolean,
  options: GlobalOptions,
): Promise<void> {
  const changed = await withStore(options, async ({ store }) => {
    const job = await requireJob(store, id);
    if (job.paused === paused) return false;
    await store.updateJob(id, { paused });
    return true;
  });
  const state = paused ? "paused" : "resumed";
  println(changed ? `${state} ${id}` : `${id} was already ${state}`);
}
