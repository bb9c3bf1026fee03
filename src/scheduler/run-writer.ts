import type { RunPatch, Store } from "../store/store.js";
import { storeBackoff } from "./due.js";

/** Told when its write is stored (or given up after a minute of failures). */
export interface WriteWaiter {
  written(): void;
}

/**
 * Batches the updates of runs: everything written in one turn of the event
 * loop goes to the store in one transaction. On SQLite a commit costs about
 * 100 µs, so a thousand runs finishing in one second would otherwise keep
 * the event loop busy for a third of it. Updates keep their order.
 *
 * A write makes no promise of its own (a thousand a second add up): the
 * caller passes an object to tell, or awaits written() where it needs one.
 */
export class RunWriter {
  readonly #store: Store;
  readonly #onError: (error: Error) => void;
  #queue: Array<{ id: string; patch: RunPatch }> = [];
  #waiters: Array<WriteWaiter | null> = [];
  #scheduled = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(store: Store, onError: (error: Error) => void) {
    this.#store = store;
    this.#onError = onError;
  }

  /** Queues an update; `waiter.written()` is called once its batch is stored. */
  write(id: string, patch: RunPatch, waiter: WriteWaiter | null = null): void {
    this.#queue.push({ id, patch });
    this.#waiters.push(waiter);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#chain = this.#chain.then(() => this.#flush());
      });
    }
  }

  /** write(), resolving when the update is stored. */
  written(id: string, patch: RunPatch): Promise<void> {
    return new Promise((resolve) => this.write(id, patch, { written: resolve }));
  }

  /** Resolves when everything written so far is stored. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#scheduled) {
      await new Promise<void>((r) => setImmediate(r));
      await this.#chain;
    }
    await this.#chain;
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    const waiters = this.#waiters;
    this.#queue = [];
    this.#waiters = [];
    if (batch.length === 0) return;
    // A failed write is tried again (0.1 s doubling to 5 s) for about a
    // minute: a run must not stay "running" in the store because of a busy
    // moment. After that it is reported and given up.
    for (let attempt = 0, waited = 0; ; attempt++) {
      try {
        await this.#store.updateRuns(batch);
        break;
      } catch (error) {
        this.#onError(error as Error);
        if (waited >= 60_000) break;
        const delay = storeBackoff(attempt);
        waited += delay;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    for (const waiter of waiters) waiter?.written();
  }
}
