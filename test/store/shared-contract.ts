import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { makeJob, T0 } from "./fixtures.js";
import { startWorker, type Worker } from "./processes.js";

// Several real processes on one store: what the CLI (50 processes at once),
// a daemon, and a second daemon started by mistake do to it. The workers open
// the store by its spec (openStore), so PostgreSQL can run the same suite.

export async function allReady(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.ready));
}

/** `newSpec` gives the spec of a new, empty store (a file, a schema…) that all processes share. */
export function sharedStoreContract(name: string, newSpec: () => Promise<string>): void {
  describe(`store shared by processes: ${name}`, () => {
    it("lets exactly one of two processes claim each slot", async () => {
      const spec = await newSpec();
      const slots = Array.from({ length: 2000 }, (_, i) => T0 + i * 1000);
      const workers = ["n1", "n2"].map((node) =>
        startWorker("claim", { spec, jobId: "race", slots, node }),
      );
      await allReady(workers);
      for (const w of workers) w.send("go");
      const [a, b] = (await Promise.all(workers.map((w) => w.result))) as { won: number[] }[];
      const wonA = new Set(a?.won);
      const both = (b?.won ?? []).filter((slot) => wonA.has(slot));
      expect(both).toEqual([]);
      expect((a?.won.length ?? 0) + (b?.won.length ?? 0)).toBe(slots.length);
      const store = await openStore(spec);
      const runs = await store.listRuns({ jobId: "race", limit: 10_000 });
      expect(runs).toHaveLength(slots.length);
      expect(new Set(runs.map((r) => r.scheduledAt)).size).toBe(slots.length);
      // Each run row is the claim of the process that won it.
      const byNode = runs.filter((r) => r.node === "n1").map((r) => r.scheduledAt);
      expect(byNode.sort()).toEqual([...(a?.won ?? [])].sort());
      await store.close();
    });

    it("creates a job once when many processes add the same id", async () => {
      const spec = await newSpec();
      const workers = Array.from({ length: 10 }, () => startWorker("create", { spec, id: "same" }));
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
      const spec = await newSpec();
      const store = await openStore(spec);
      await store.createJob(makeJob("t"));
      const takers = ["n1", "n2"].map((node) => startWorker("take", { spec, node }));
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
      const spec = await newSpec();
      const store = await openStore(spec);
      const mutate = async (op: string, id: string) => {
        await startWorker("mutate", { spec, ops: [{ op, id }] }).result;
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
}
