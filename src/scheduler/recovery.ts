import { groupAlive, killProcessGroupIfSame } from "../executor/procfs.js";
import { nodeIsDead, runIdTime, thisNode } from "../ids.js";
import type { Run } from "../model.js";
import type { Store } from "../store/store.js";

/**
 * After a crash: runs that a dead scheduler left "running" or "queued" are
 * closed as "abandoned", and what is left of their process groups is
 * stopped. A group is only signalled while its leader still has the start
 * time recorded for it, so an unrelated process that reused the pid is never
 * touched. Runs of schedulers that still live (or live on other hosts) are
 * left alone.
 *
 * A scheduler given a name of its own (the library's `node` option) keeps
 * it across restarts, so liveness cannot be told from the name: its runs
 * made before this start (run ids carry the time they were made) were left
 * by an earlier life of it. The default name is this process's, shared by
 * every scheduler in it: those runs are never touched.
 */
export async function recoverAbandoned(store: Store, node: string, now: number): Promise<Run[]> {
  const abandoned: Run[] = [];
  for (const run of await store.unfinishedRuns()) {
    if (run.node === node) {
      const made = runIdTime(run.id);
      if (node === thisNode() || made === null || made >= now) continue;
    } else if (!nodeIsDead(run.node)) continue;
    const stopped = run.pid !== null && (await stopOrphan(run.pid, run.pidStartTime));
    const reason = `the scheduler running it (${run.node}) stopped without finishing it${stopped ? "; its leftover processes were stopped" : ""}`;
    const patch = { status: "abandoned" as const, finishedAt: now, reason };
    await store.updateRun(run.id, patch);
    abandoned.push({ ...run, ...patch });
  }
  return abandoned;
}

/** SIGTERM to the group, SIGKILL after two seconds; true if anything was signalled. */
async function stopOrphan(pid: number, startTime: string | null): Promise<boolean> {
  if (!killProcessGroupIfSame(pid, startTime, "SIGTERM")) return false;
  for (let i = 0; i < 20 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pid)) killProcessGroupIfSame(pid, startTime, "SIGKILL");
  return true;
}
