import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../tmp.js";
import { compiledSource, startWorker } from "./processes.js";
import { allReady, sharedStoreContract } from "./shared-contract.js";

beforeAll(() => {
  compiledSource();
});

sharedStoreContract("sqlite", async () => {
  const spec = `sqlite:${join(tempDir(), "scheduler.db")}`;
  await (await openStore(spec)).close();
  return spec;
});

describe("sqlite store file shared by processes", () => {
  it("opens a fresh file from many processes at once, losing no job", async () => {
    const spec = join(tempDir(), "home", "scheduler.db");
    const workers = Array.from({ length: 12 }, (_, i) =>
      startWorker("create", { spec, id: `j${i}` }),
    );
    await allReady(workers);
    for (const w of workers) w.send("go");
    const results = (await Promise.all(workers.map((w) => w.result))) as { ok?: boolean }[];
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const store = await openStore(spec);
    expect((await store.listJobs()).map((j) => j.id).sort()).toEqual(
      workers.map((_, i) => `j${i}`).sort(),
    );
    await store.close();
  });
});
