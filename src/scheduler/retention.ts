import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Store } from "../store/store.js";

/**
 * Keeps each job's history bounded: the newest `keep` runs stay, older
 * finished ones go from the store, and their output files with them. Runs
 * are counted as they are recorded, and a job is pruned every keep/10 of
 * them, so the cost is spread thin.
 */
export class Retention {
  readonly #store: Store;
  readonly #keep: number;
  readonly #runsDir: string | null;
  readonly #onError: (error: Error) => void;
  /** Prunes under way, so that shutdown can wait for them before the store closes. */
  readonly #running = new Set<Promise<unknown>>();

  constructor(store: Store, keep: number, runsDir: string | null, onError: (error: Error) => void) {
    this.#store = store;
    this.#keep = keep;
    this.#runsDir = runsDir;
    this.#onError = onError;
  }

  /**
   * Notes that `n` runs of a job were recorded, counting them in `counter`
   * (one per job, kept by the caller: no lookup by job id per run); prunes
   * when enough have piled up.
   */
  recorded(jobId: string, counter: { recorded: number }, n = 1): void {
    if (this.#keep === Number.POSITIVE_INFINITY) return;
    counter.recorded += n;
    if (counter.recorded < Math.max(1, Math.ceil(this.#keep / 10))) return;
    counter.recorded = 0;
    const pruning = this.prune(jobId).catch(this.#onError);
    this.#running.add(pruning);
    void pruning.finally(() => this.#running.delete(pruning));
  }

  /** Resolves when the prunes under way have ended. */
  async settle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  async prune(jobId: string): Promise<number> {
    const removed = await this.#store.pruneRuns(jobId, this.#keep);
    if (removed > 0 && this.#runsDir) await this.#removeFiles(jobId);
    return removed;
  }

  /** Output files of runs that are no longer in the store (run ids sort by creation time). */
  async #removeFiles(jobId: string): Promise<void> {
    const dir = join(this.#runsDir as string, jobId);
    const names = await readdir(dir).catch(() => [] as string[]);
    if (names.length <= this.#keep) return;
    const kept = new Set(
      (await this.#store.listRuns({ jobId, limit: this.#keep })).map((r) => `${r.id}.log`),
    );
    const unfinished = new Set((await this.#store.unfinishedRuns()).map((r) => `${r.id}.log`));
    for (const name of names) {
      if (!kept.has(name) && !unfinished.has(name) && name.endsWith(".log")) {
        await unlink(join(dir, name)).catch(() => {});
      }
    }
  }
}
