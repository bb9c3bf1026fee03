import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { whenAborted } from "../../src/executor/abort.js";

describe("whenAborted", () => {
  it("puts one listener on a signal however many wait, and calls each waiter still waiting once", () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const stops = ["a", "b", "c"].map((name) =>
      whenAborted(controller.signal, () => calls.push(name)),
    );
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    stops[1]?.();
    controller.abort();
    controller.abort();
    expect(calls).toEqual(["a", "c"]);
  });

  it("does nothing for a missing or already aborted signal, like addEventListener", () => {
    const calls: number[] = [];
    whenAborted(undefined, () => calls.push(1))();
    whenAborted(AbortSignal.abort(), () => calls.push(2));
    expect(calls).toEqual([]);
  });
});
