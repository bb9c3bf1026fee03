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
  // Double-buffered, and the entries reused: a fresh array and entry object
  // per write were 130 of the 1,900 bytes each fire allocated. One buffer is
  // filled while the other is written; a flush starts only once the one
  // before it has ended, so the buffer it hands back is free.
  #queue = new Batch();
  #spare = new Batch();
  #scheduled = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(store: Store, onError: (error: Error) => void) {
    this.#store = store;
    this.#onError = onError;
  }

  /** Queues an update; `waiter.written()` is called once its batch is stored. */
  write(id: string, patch: RunPatch, waiter: WriteWaiter | null = null): void {
    this.#queue.add(id, patch, waiter);
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
    while (this.#queue.count > 0 || this.#scheduled) {
      await new Promise<void>((r) => setImmediate(r));
      await this.#chain;
    }
    await this.#chain;
  }

  async #flush(): Promise<void> {
    const batch = this.#queue;
    if (batch.count === 0) return;
    this.#queue = this.#spare;
    this.#spare = batch;
    // A failed write is tried again (0.1 s doubling to 5 s) for about a
    // minute: a run must not stay "running" in the store because of a busy
    // moment. After that it is reported and given up.
    for (let attempt = 0, waited = 0; ; attempt++) {
      try {
        await this.#store.updateRuns(batch.updates, batch.count);
        break;
      } catch (error) {
        this.#onError(error as Error);
        if (waited >= 60_000) break;
        const delay = storeBackoff(attempt);
        waited += delay;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    batch.settle();
  }
}

const NO_PATCH: RunPatch = {};

/** Updates to write, in entries kept from one batch to the next. */
class Batch {
  readonly updates: Array<{ id: string; patch: RunPatch }> = [];
  readonly #waiters: Array<WriteWaiter | null> = [];
  count = 0;

  add(id: string, patch: RunPatch, waiter: WriteWaiter | null): void {
    const i = this.count++;
    const entry = this.updates[i];
    if (entry === undefined) {
      this.updates.push({ id, patch });
      this.#waiters.push(waiter);
    } else {
      entry.id = id;
      entry.patch = patch;
      this.#waiters[i] = waiter;
    }
  }

  /** Tells the waiters, and lets go of the patches (runs) and waiters for the next batch. */
  settle(): void {
    const n = this.count;
    this.count = 0;
    for (let i = 0; i < n; i++) {
      const entry = this.updates[i] as { id: string; patch: RunPatch };
      entry.id = "";
      entry.patch = NO_PATCH;
      const waiter = this.#waiters[i] as WriteWaiter | null;
      this.#waiters[i] = null;
      waiter?.written();
    }
  }
}
