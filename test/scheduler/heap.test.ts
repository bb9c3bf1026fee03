import { describe, expect, it } from "vitest";
import { DueQueue, MinHeap } from "../../src/scheduler/heap.js";

/** A small deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe("MinHeap", () => {
  it("pops keys in ascending order", () => {
    const heap = new MinHeap<number>();
    const random = lcg(1);
    const keys = Array.from({ length: 500 }, () => Math.floor(random() * 100));
    for (const k of keys) heap.push(k, k);
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop() as number);
    expect(out).toEqual([...keys].sort((a, b) => a - b));
  });
});

describe("DueQueue", () => {
  it("gives entries earliest first, every entry once", () => {
    const queue = new DueQueue<{ id: string }>();
    const put = (key: number, id: string) => queue.push(key, { id });
    put(2000, "c1");
    put(1000, "a1");
    put(3000, "d1");
    put(2000, "c2");
    put(1000, "a2");
    put(1500, "b1");
    put(2000, "c3");
    expect(queue.size).toBe(7);
    expect(queue.peekKey()).toBe(1000);
    const out: string[] = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) out.push(e.id);
    expect(out.map((id) => id[0])).toEqual(["a", "a", "b", "c", "c", "c", "d"]);
    expect([...out].sort()).toEqual(["a1", "a2", "b1", "c1", "c2", "c3", "d1"]);
    expect(queue.size).toBe(0);
    expect(queue.peekKey()).toBeUndefined();
  });

  it("takes every job each second when each one taken is put back for the next, as a pass does", () => {
    // A thousand jobs every second: each one taken is put back a second later.
    const queue = new DueQueue<{ job: number }>();
    for (let job = 0; job < 1000; job++) queue.push(1000, { job });
    for (let second = 1; second <= 5; second++) {
      const order: number[] = [];
      while (queue.peekKey() === second * 1000) {
        const e = queue.pop() as { job: number };
        order.push(e.job);
        queue.push((second + 1) * 1000, e);
      }
      expect(order.sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(queue.size).toBe(1000);
    }
  });

  it("matches a plain sort of random keys with many ties and runs of one key, and clear() empties it", () => {
    const queue = new DueQueue<{ key: number; n: number }>();
    const random = lcg(7);
    const entries = Array.from({ length: 2000 }, (_, n) => ({ key: Math.floor(random() * 50), n }));
    // Interleave pushes (runs of one key among them) and pops, checking each
    // pop's key against a reference list.
    const reference: Array<{ key: number; n: number }> = [];
    let popped = 0;
    for (const e of entries) {
      const run = e.n % 5 === 0 ? 4 : 1;
      for (let r = 0; r < run; r++) {
        const entry = r === 0 ? e : { key: e.key, n: e.n + r / 10 };
        queue.push(entry.key, entry);
        reference.push(entry);
      }
      if (e.n % 3 === 0) {
        reference.sort((a, b) => a.key - b.key);
        const got = queue.pop() as { key: number; n: number };
        expect(got.key).toBe(reference[0]?.key);
        reference.splice(reference.indexOf(got), 1);
        popped++;
      }
    }
    // What is left comes out in key order, exactly the entries not yet taken.
    const rest: Array<{ key: number; n: number }> = [];
    for (let i = 0; i < 100; i++) rest.push(queue.pop() as { key: number; n: number });
    expect(rest.map((e) => e.key)).toEqual([...rest.map((e) => e.key)].sort((a, b) => a - b));
    for (const e of rest) reference.splice(reference.indexOf(e), 1);
    popped += 100;
    expect(queue.size).toBe(reference.length);
    expect(popped).toBeGreaterThan(0);
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBeUndefined();
    queue.push(5, { key: 5, n: 0 });
    expect(queue.pop()).toEqual({ key: 5, n: 0 });
  });
});
