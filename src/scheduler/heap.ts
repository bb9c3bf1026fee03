/** A binary min-heap keyed by a number (the instant an entry is due). */
export class MinHeap<T> {
  readonly #keys: number[] = [];
  readonly #items: T[] = [];

  get size(): number {
    return this.#keys.length;
  }

  peekKey(): number | undefined {
    return this.#keys[0];
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(key: number, item: T): void {
    const keys = this.#keys;
    const items = this.#items;
    let i = keys.length;
    keys.push(key);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((keys[parent] as number) <= key) break;
      keys[i] = keys[parent] as number;
      items[i] = items[parent] as T;
      i = parent;
    }
    keys[i] = key;
    items[i] = item;
  }

  pop(): T | undefined {
    const keys = this.#keys;
    const items = this.#items;
    if (keys.length === 0) return undefined;
    const top = items[0];
    const lastKey = keys.pop() as number;
    const lastItem = items.pop() as T;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && (keys[child + 1] as number) < (keys[child] as number)) child++;
        if ((keys[child] as number) >= lastKey) break;
        keys[i] = keys[child] as number;
        items[i] = items[child] as T;
        i = child;
      }
      keys[i] = lastKey;
      items[i] = lastItem;
    }
    return top;
  }

  clear(): void {
    this.#keys.length = 0;
    this.#items.length = 0;
  }
}

/** Entries due at one instant, taken in the order they were put in. */
class Bucket<T> {
  /** The next to take. */
  next = 0;
  constructor(readonly items: T[]) {}
}

/**
 * Entries keyed by the instant they are due, earliest first. Entries put in
 * one after another for the same instant share one place in the heap: a
 * thousand jobs firing every second are taken off and put back in one pass,
 * each job's next entry right after the last, so they cost one heap
 * operation a second instead of two per job. An entry put in alone (100,000
 * jobs with distinct schedules) is a plain heap entry, with no bucket and
 * no map. Entries of one instant come in no promised order.
 */
export class DueQueue<T extends object> {
  readonly #heap = new MinHeap<T | Bucket<T>>();
  /** The heap entry last put in, and its key: the next entry of that key joins it. */
  #last: T | Bucket<T> | null = null;
  #lastKey = Number.NaN;
  /** An emptied bucket's array, kept for the next bucket. */
  #spare: T[] | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  peekKey(): number | undefined {
    return this.#heap.peekKey();
  }

  push(key: number, item: T): void {
    this.#size++;
    const last = this.#last;
    if (key === this.#lastKey && last !== null) {
      if (last instanceof Bucket) {
        last.items.push(item);
        return;
      }
      // The second entry in a row for this instant: the rest join it in a bucket.
      const items = this.#spare ?? [];
      this.#spare = null;
      items.push(item);
      const bucket = new Bucket(items);
      this.#heap.push(key, bucket);
      this.#last = bucket;
      return;
    }
    this.#heap.push(key, item);
    this.#last = item;
    this.#lastKey = key;
  }

  /** The earliest entry. */
  pop(): T | undefined {
    const top = this.#heap.peek();
    if (top === undefined) return undefined;
    this.#size--;
    if (!(top instanceof Bucket)) {
      this.#take(top);
      return top;
    }
    const item = top.items[top.next] as T;
    top.items[top.next++] = undefined as unknown as T;
    if (top.next === top.items.length) {
      this.#take(top);
      top.items.length = 0;
      this.#spare = top.items;
    }
    return item;
  }

  clear(): void {
    this.#heap.clear();
    this.#last = null;
    this.#lastKey = Number.NaN;
    this.#size = 0;
  }

  /** Takes the top entry off the heap; later entries of its key start a new one. */
  #take(top: T | Bucket<T>): void {
    this.#heap.pop();
    if (top === this.#last) {
      this.#last = null;
      this.#lastKey = Number.NaN;
    }
  }
}
