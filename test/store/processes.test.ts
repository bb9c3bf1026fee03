import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/store/sqlite/index.js";
import { makeJob, T0 } from "./fixtures.js";
import { compiledSource, startWorker, type Worker } from "./processes.js";
import { tempDir } from "./tmp.js";

// Several real processes on one SQLite file: what the CLI (50 processes at
// once), a daemon, and a second daemon started by mistake do to the store.

beforeAll(() => {
  compiledSource();
});

async function allReady(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.ready));
}

describe("sqlite store shared by processes", () => {
  it("lets exactly one of two processes claim each slot", async () => {
    const path = join(tempDir(), "scheduler.db");
    await new SqliteStore(path).close();
    const slots = Array.from({ length: 2000 }, (_, i) => T0 + i * 1000);
    const workers = ["n1", "n2"].map((node) =>
      startWorker("claim", { path, jobId: "race", slots, node }),
    );
    await allReady(workers);
    for (const w of workers) w.send("go");
    const [a, b] = (await Promise.all(workers.map((w) => w.result))) as { won: number[] }[];
    const wonA = new Set(a?.won);
    const both = (b?.won ?? []).filter((slot) => wonA.has(slot));
    expect(both).toEqual([]);
    expect((a?.won.length ?? 0) + (b?.won.length ?? 0)).toBe(slots.length);
    const store = new SqliteStore(path);
    const runs = await store.listRuns({ jobId: "race", limit: 10_000 });
    expect(runs).toHaveLength(slots.length);
    expect(new Set(runs.map((r) => r.scheduledAt)).size).toBe(slots.length);
    // Each run row is the claim of the process that won it.
    const byNode = runs.filter((r) => r.node === "n1").map((r) => r.scheduledAt);
    expect(byNode.sort()).toEqual([...(a?.won ?? [])].sort());
    await store.close();
  });

  it("opens a fresh file from many processes at once, losing no job", async () => {
    const dir = tempDir();
    const path = join(dir, "home", "scheduler.db");
    const workers = Array.from({ length: 12 }, (_, i) =>
      startWorker("create", { path, id: `j${i}` }),
    );
    await allReady(workers);
    for (const w of workers) w.send("go");
    const results = (await Promise.all(workers.map((w) => w.result))) as { ok?: boolean }[];
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const store = new SqliteStore(path);
    expect((await store.listJobs()).map((j) => j.id).sort()).toEqual(
      workers.map((_, i) => `j${i}`).sort(),
    );
    await store.close();
  });

  it("creates a job once when many processes add the same id", async () => {
    const path = join(tempDir(), "scheduler.db");
    await new SqliteStore(path).close();
    const workers = Array.from({ length: 10 }, () => startWorker("create", { path, id: "same" }));
    await allReady(workers);
    for (const w of workers) w.send("go");
    const results = (await Promise.all(workers.map((w) => w.result))) as {
      ok?: boolean;
      error?: string;
      message?: string;
    }[];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(9);
    for (const r of refused) {
      expect(r.error).toBe("E_JOB_EXISTS");
      expect(r.message).toContain('job "same" already exists');
    }
  });

  it("hands each trigger request to exactly one of two taking processes", async () => {
    const path = join(tempDir(), "scheduler.db");
    const store = new SqliteStore(path);
    await store.createJob(makeJob("t"));
    const takers = ["n1", "n2"].map((node) => startWorker("take", { path, node }));
    await allReady(takers);
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      ids.push((await store.requestTrigger("t")).id);
      if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    for (const w of takers) w.send("stop");
    const [a, b] = (await Promise.all(takers.map((w) => w.result))) as { ids: string[] }[];
    const taken = [...(a?.ids ?? []), ...(b?.ids ?? [])];
    expect(taken.length).toBe(ids.length);
    expect(new Set(taken)).toEqual(new Set(ids));
    for (const id of ids) expect((await store.getTrigger(id))?.takenBy).toMatch(/^n[12]$/);
    await store.close();
  });

  it("changes the change token when another process changes jobs or asks for a run", async () => {
    const path = join(tempDir(), "scheduler.db");
    const store = new SqliteStore(path);
    const mutate = async (op: string, id: string) => {
      const worker = startWorker("mutate", { path, ops: [{ op, id }] });
      await worker.result;
    };
    let token = await store.changeToken();
    const expectChange = async (changed: boolean) => {
      const next = await store.changeToken();
      if (changed) expect(next).not.toBe(token);
      else expect(next).toBe(token);
      token = next;
    };
    await mutate("create", "cli-job");
    await expectChange(true);
    expect((await store.getJob("cli-job"))?.id).toBe("cli-job");
    await mutate("claim", "cli-job");
    await expectChange(false);
    await mutate("pause", "cli-job");
    await expectChange(true);
    expect((await store.getJob("cli-job"))?.paused).toBe(true);
    await mutate("trigger", "cli-job");
    await expectChange(true);
    await mutate("remove", "cli-job");
    await expectChange(true);
    expect(await store.listJobs()).toEqual([]);
    await store.close();
  });
});
