import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { isAborted, whenAborted } from "../../src/executor/abort.js";

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

  it("isAborted says what signal.aborted says, before and after the abort", () => {
    const controller = new AbortController();
    expect(isAborted(undefined)).toBe(false);
    expect(isAborted(controller.signal)).toBe(false);
    controller.abort();
    expect(isAborted(controller.signal)).toBe(true);
    expect(isAborted(AbortSignal.abort())).toBe(true);
    const waited: number[] = [];
    whenAborted(controller.signal, () => waited.push(1));
    expect(waited).toEqual([]);
  });
});
