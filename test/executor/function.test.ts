// In-process function attempts: same signature and statuses as processes.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type JobContext, type JobFunction, runAttempt } from "../../src/executor/index.js";
import { attempt, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

function withFn(fn: JobFunction, over: Parameters<typeof attempt>[1] = {}) {
  return attempt(
    { type: "function", name: "work" },
    { functions: new Map([["work", fn]]), ...over },
  );
}

const never = () => new Promise<never>(() => {});

describe("functions", () => {
  it("get their context and succeed when they resolve", async () => {
    let ctx: JobContext | undefined;
    const r = await runAttempt(
      withFn(
        async (c) => {
          ctx = c;
          await new Promise((res) => setTimeout(res, 10));
          return 42;
        },
        { jobId: "report", runId: "r9", attempt: 2 },
      ),
    );
    expect(r).toMatchObject({ status: "succeeded", exitCode: null, signal: null, error: null });
    expect(ctx?.jobId).toBe("report");
    expect(ctx?.runId).toBe("r9");
    expect(ctx?.attempt).toBe(2);
    expect(ctx?.scheduledAt.toISOString()).toBe("2026-11-26T15:00:00.000Z");
    expect(ctx?.signal.aborted).toBe(false);
  });

  it("a synchronous function works too, and its result comes at once, without a promise", async () => {
    expect((await runAttempt(withFn(() => "done"))).status).toBe("succeeded");
    const starts: Array<number | null> = [];
    const r = runAttempt(
      withFn(() => "done", {
        timeoutMs: 50,
        onStart: (info) => starts.push(info.pid),
      }),
    );
    expect(r).not.toBeInstanceOf(Promise);
    expect(r).toMatchObject({ status: "succeeded", error: null, outputTail: "" });
    expect(starts).toEqual([null]);
  });

  it("the timeout counts from the call, also the part the function spends before its promise", async () => {
    const started = Date.now();
    const r = await runAttempt(
      withFn(
        () => {
          // Busy for 150 ms, then a promise that never settles.
          while (Date.now() - started < 150) {}
          return never();
        },
        { timeoutMs: 200, killGraceMs: 10 },
      ),
    );
    expect(r.status).toBe("timed_out");
    // 200 ms after the call, not 200 ms after the promise (that would be 350 ms and more).
    expect(r.finishedAt - r.startedAt).toBeLessThan(340);
  });

  it("fail when they throw or reject: the message in the result, the stack in the output", async () => {
    const path = join(tmp.dir, "runs", "report", "r.log");
    const r = await runAttempt(
      withFn(
        async () => {
          throw new Error("database unreachable", { cause: new Error("ECONNREFUSED") });
        },
        { outputPath: path },
      ),
    );
    expect(r).toMatchObject({ status: "failed", error: "database unreachable" });
    const file = readFileSync(path, "utf8");
    expect(file).toMatch(/^Error: database unreachable\n\s+at /);
    expect(file).toContain("ECONNREFUSED");
    expect(r.outputTail).toBe(file);
    expect(r.outputBytes).toBe(Buffer.byteLength(file));

    const sync = await runAttempt(
      withFn(() => {
        throw "a string";
      }),
    );
    expect(sync).toMatchObject({ status: "failed", error: "'a string'" });
  });

  it("an unknown name fails without running anything", async () => {
    const r = await runAttempt(
      attempt({ type: "function", name: "nope" }, { functions: new Map() }),
    );
    expect(r).toMatchObject({
      status: "failed",
      error: 'no function is registered under the name "nope"',
    });
  });

  it("on timeout the signal is aborted; a function that obeys ends timed_out", async () => {
    let reason: unknown;
    const r = await runAttempt(
      withFn(
        ({ signal }) =>
          new Promise((_, reject) => {
            signal.addEventListener("abort", () => {
              reason = signal.reason;
              reject(signal.reason);
            });
          }),
        { timeoutMs: 50, killGraceMs: 5000 },
      ),
    );
    expect(r.status).toBe("timed_out");
    expect((reason as DOMException).name).toBe("TimeoutError");
    expect(r.finishedAt - r.startedAt).toBeLessThan(2000);
  });

  it("a function that ignores its signal is reported timed_out after the grace, not awaited forever", async () => {
    const path = join(tmp.dir, "r.log");
    const r = await runAttempt(
      withFn(never, { timeoutMs: 50, killGraceMs: 100, outputPath: path }),
    );
    expect(r.status).toBe("timed_out");
    expect(r.error).toBe("the function did not settle within 100 ms after its signal was aborted");
    expect(r.finishedAt - r.startedAt).toBeGreaterThanOrEqual(140);
    expect(readFileSync(path, "utf8")).toContain(
      "timed out after 50 ms: aborted the function's signal",
    );
  });

  it("a signal first read after the timeout is already aborted, with the timeout as reason", async () => {
    let seen: { aborted: boolean; name: string } | undefined;
    const r = await runAttempt(
      withFn(
        (ctx) =>
          new Promise<void>((res, rej) =>
            setTimeout(() => {
              seen = {
                aborted: ctx.signal.aborted,
                name: (ctx.signal.reason as DOMException).name,
              };
              rej(ctx.signal.reason);
              res();
            }, 60),
          ),
        { timeoutMs: 20, killGraceMs: 1000 },
      ),
    );
    expect(seen).toEqual({ aborted: true, name: "TimeoutError" });
    expect(r.status).toBe("timed_out");
  });

  it("a function that returns at once, without a promise, succeeds in the same turn", async () => {
    let calls = 0;
    const r = await runAttempt(withFn(() => void calls++));
    expect(calls).toBe(1);
    expect(r).toMatchObject({ status: "succeeded", outputTail: "", outputBytes: 0, error: null });
  });

  it("a result after the timeout does not make it a success", async () => {
    const r = await runAttempt(
      withFn(() => new Promise((res) => setTimeout(res, 80)), { timeoutMs: 20, killGraceMs: 1000 }),
    );
    expect(r.status).toBe("timed_out");
  });

  it("the abort signal stops it with status killed", async () => {
    const controller = new AbortController();
    let seen: string | undefined;
    const p = runAttempt(
      withFn(
        ({ signal }) =>
          new Promise((res) =>
            signal.addEventListener("abort", () => {
              seen = (signal.reason as DOMException).name;
              res(undefined);
            }),
          ),
        { signal: controller.signal },
      ),
    );
    setTimeout(() => controller.abort(), 20);
    expect((await p).status).toBe("killed");
    expect(seen).toBe("AbortError");
  });

  it("a late rejection after the attempt was reported is swallowed", async () => {
    const r = await runAttempt(
      withFn(() => new Promise((_, rej) => setTimeout(() => rej(new Error("late")), 100)), {
        timeoutMs: 10,
        killGraceMs: 20,
      }),
    );
    expect(r.status).toBe("timed_out");
    // An unhandled rejection would fail the test run.
    await new Promise((res) => setTimeout(res, 150));
  });
});
