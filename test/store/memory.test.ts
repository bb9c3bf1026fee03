import { describe, expect, it } from "vitest";
import type { Job, Run } from "../../src/model.js";
import { applyPatch, MemoryStore } from "../../src/store/memory.js";
import { NodeNames, RunRows } from "../../src/store/run-rows.js";
import { RUN_PATCH_KEYS, type Store } from "../../src/store/store.js";
import { storeContract } from "./contract.js";
import { makeJob, makeRun, T0 } from "./fixtures.js";

storeContract("memory", {
  open: async (options) => new MemoryStore(options),
  // One process, one store: a second "connection" is the same store, whose
  // close must not close the first.
  connect: async (store) =>
    new Proxy(store, {
      get(target, key) {
        if (key === "close") return async () => {};
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Store,
});

describe("memory store: the synchronous job methods", () => {
  it("write at once, with the errors of the async methods, and hand out the frozen stored job", async () => {
    const store = new MemoryStore({ now: () => T0 + 1000 });
    const given = makeJob("a");
    const stored = store.sync.createJob(given);
    expect(stored).toEqual(given);
    expect(stored).not.toBe(given);
    expect(Object.isFrozen(stored) && Object.isFrozen(stored.target)).toBe(true);
    expect(store.sync.getJob("a")).toBe(stored);
    expect(await store.getJob("a")).toBe(stored);
    expect(() => store.sync.createJob(makeJob("a"))).toThrow(
      expect.objectContaining({ code: "E_JOB_EXISTS" }),
    );
    expect(store.sync.updateJob("a", { paused: true })).toMatchObject({
      paused: true,
      updatedAt: T0 + 1000,
    });
    expect(() => store.sync.updateJob("b", { paused: true })).toThrow(
      expect.objectContaining({ code: "E_JOB_NOT_FOUND" }),
    );
    expect(store.sync.getJob("b")).toBeNull();
    await store.close();
    expect(() => store.sync.getJob("a")).toThrow(expect.objectContaining({ code: "E_STORE" }));
  });
});

describe("memory store: stored jobs", () => {
  it("keeps a deeply frozen copy of every kind of target", async () => {
    const store = new MemoryStore();
    const targets: Job["target"][] = [
      { type: "script", path: "/opt/a.sh", args: ["x"] },
      { type: "command", argv: ["/bin/echo", "hi"] },
      { type: "shell", command: "echo hi | wc" },
      { type: "function", name: "fn" },
    ];
    for (const [i, target] of targets.entries()) {
      const given = makeJob(`j${i}`, { target });
      const stored = store.sync.createJob(given);
      expect(stored.target).toEqual(target);
      expect(stored.target).not.toBe(target);
      expect(Object.isFrozen(stored.target)).toBe(true);
      const givenLists = listsOf(target);
      listsOf(stored.target).forEach((list, k) => {
        expect(list).not.toBe(givenLists[k]);
        expect(Object.isFrozen(list)).toBe(true);
      });
      expect(Object.isFrozen(stored.env)).toBe(true);
      expect(stored.env).toEqual(given.env);
    }
  });
});

function listsOf(target: Job["target"]): string[][] {
  return target.type === "script" ? [target.args] : target.type === "command" ? [target.argv] : [];
}

describe("memory store: runs", () => {
  it("a patch sets every field RUN_PATCH_KEYS lists, each on its own, and leaves undefined ones", () => {
    for (const key of RUN_PATCH_KEYS) {
      const rows = new RunRows("a", new NodeNames());
      const run = makeRun("a", T0);
      rows.insert(run);
      const value =
        key === "status"
          ? "failed"
          : key === "outputTruncated"
            ? true
            : ["reason", "signal", "pidStartTime", "outputTail"].includes(key)
              ? "text"
              : 7;
      const patch = { [key]: value, ...(key === "reason" ? {} : { reason: undefined }) };
      // On a finished run's row, and on an unfinished run's object.
      rows.patch(0, patch);
      expect(rows.get(0)).toEqual({ ...run, [key]: value });
      const object = { ...run };
      applyPatch(object, patch);
      expect(object).toEqual({ ...run, [key]: value });
    }
  });

  it("finds finished runs by id as well as unfinished ones, and lists as unfinished only those still going", async () => {
    const store = new MemoryStore({ now: () => T0 });
    const runs = ["a", "b", "c"].map((job, i) => makeRun(job, T0 + i * 60_000));
    await store.claimRuns(runs);
    await store.updateRuns([
      { id: (runs[1] as Run).id, patch: { status: "succeeded", finishedAt: T0 + 1 } },
    ]);
    expect((await store.getRun((runs[1] as Run).id))?.status).toBe("succeeded");
    expect((await store.unfinishedRuns()).map((r) => r.jobId)).toEqual(["a", "c"]);
    // A finished run patched again (as recovery or a test may) is found and changed.
    await store.updateRun((runs[1] as Run).id, { reason: "later note" });
    expect((await store.getRun((runs[1] as Run).id))?.reason).toBe("later note");
    // And one patched back to running is unfinished again.
    await store.updateRun((runs[1] as Run).id, { status: "running" });
    expect((await store.unfinishedRuns()).map((r) => r.jobId)).toEqual(["a", "b", "c"]);
  });

  it("copies claimed runs, unless they are handed over: then it keeps the object until the run finishes", async () => {
    const store = new MemoryStore({ now: () => T0 });
    const copied = makeRun("a", T0);
    const kept = makeRun("b", T0);
    await store.claimRuns([copied], false);
    await store.claimRuns([kept], true);
    const pid = copied.pid;
    copied.pid = 7;
    kept.pid = 7;
    expect((await store.getRun(copied.id))?.pid).toBe(pid);
    expect((await store.getRun(kept.id))?.pid).toBe(7);
    // What getRun hands out is a copy all the same.
    const got = (await store.getRun(kept.id)) as Run;
    got.reason = "changed by a reader";
    expect((await store.getRun(kept.id))?.reason).toBe(kept.reason);
    // The run written as its own patch finishes it; later changes to the object no longer reach the store.
    kept.status = "succeeded";
    kept.finishedAt = T0 + 5;
    expect(await store.updateRuns([{ id: kept.id, patch: kept }])).toBe(1);
    const reason = kept.reason;
    kept.reason = "after it finished";
    expect(await store.getRun(kept.id)).toEqual({ ...kept, reason });
    expect((await store.unfinishedRuns()).map((r) => r.jobId)).toEqual(["a"]);
  });
});
