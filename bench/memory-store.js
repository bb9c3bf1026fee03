// The memory store's history: a thousand jobs firing every second keep a
// million runs with the default history (keepRuns 1,000). What holding them
// costs the process: heap, and the pause of a full GC, which marks every
// object on the heap.
//
// Ours keeps each job's finished runs as rows of numbers in one Float64Array
// (src/store/run-rows.ts). The baseline is the same runs kept as plain
// objects in an array per job, which is what a store of objects holds (ours
// did, before): measured in the same process, and dropped before ours is.
import { newRunId } from "../dist/ids.js";
import { MemoryStore } from "../dist/store/memory.js";
import { table } from "./lib/markdown.js";
import { formatRatio, median } from "./lib/measure.js";

const JOBS = 1000;
const PER_JOB = 1000;
const RUNS = JOBS * PER_JOB;
const T0 = Date.UTC(2026, 0, 1);

function run(job, second) {
  const slot = T0 + second * 1000;
  return {
    id: newRunId(slot + 1),
    jobId: `job-${job}`,
    scheduledAt: slot,
    attempt: 1,
    trigger: "schedule",
    status: "running",
    reason: null,
    startedAt: slot + 1,
    finishedAt: null,
    exitCode: null,
    signal: null,
    pid: null,
    pidStartTime: null,
    node: "bench:1:0",
    outputTail: null,
    outputBytes: 0,
    outputTruncated: false,
  };
}

/**
 * Heap and memory outside it, after a full GC: twice, with a pause between,
 * for the ArrayBuffers that a GC frees on a background thread afterwards.
 */
async function memory() {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
  globalThis.gc();
  const m = process.memoryUsage();
  // external includes the ArrayBuffers.
  return { heap: m.heapUsed, outside: m.external };
}

/** Median pause of a full GC, ms. */
function fullGcMs() {
  const pauses = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    globalThis.gc();
    pauses.push(performance.now() - start);
  }
  return median(pauses);
}

async function ours() {
  const before = await memory();
  const emptyGc = fullGcMs();
  const store = new MemoryStore();
  const start = performance.now();
  // As the scheduler does: each second's runs claimed as running, then their outcomes in one batch.
  for (let s = 0; s < PER_JOB; s++) {
    const runs = [];
    for (let j = 0; j < JOBS; j++) runs.push(run(j, s));
    await store.claimRuns(runs);
    await store.updateRuns(
      runs.map((r) => ({ id: r.id, patch: { status: "succeeded", finishedAt: r.startedAt + 1 } })),
    );
  }
  const storeMs = performance.now() - start;
  const after = await memory();
  const gcMs = fullGcMs();
  const old = await store.listRuns({ jobId: "job-500", limit: 1, to: T0 + 10_000 });
  let getMs = 0;
  let listMs = 0;
  {
    const s0 = performance.now();
    await store.getRun(old[0].id);
    getMs = performance.now() - s0;
    const s1 = performance.now();
    await store.listRuns({ limit: 20 });
    listMs = performance.now() - s1;
  }
  const count = (await store.listRuns({ jobId: "job-0", limit: 10_000 })).length * JOBS;
  await store.close();
  return {
    count,
    heap: after.heap - before.heap,
    outside: after.outside - before.outside,
    gcMs,
    emptyGc,
    storeUs: (storeMs * 1000) / RUNS,
    getMs,
    listMs,
  };
}

async function objects() {
  const before = await memory();
  const lists = Array.from({ length: JOBS }, () => []);
  for (let s = 0; s < PER_JOB; s++) {
    for (let j = 0; j < JOBS; j++) {
      const r = run(j, s);
      r.status = "succeeded";
      r.finishedAt = r.startedAt + 1;
      lists[j].push(r);
    }
  }
  const after = await memory();
  const gcMs = fullGcMs();
  return { lists, heap: after.heap - before.heap, outside: after.outside - before.outside, gcMs };
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

export default async function memoryStore() {
  // The baseline first, and dropped before ours is measured.
  const b = await objects();
  const kept = b.lists.reduce((n, l) => n + l.length, 0);
  b.lists = null;
  const a = await ours();
  const ratio = a.gcMs / b.gcMs;
  const markdown = [
    `${JOBS.toLocaleString("en")} jobs × ${PER_JOB.toLocaleString("en")} finished runs each`,
    `(${RUNS.toLocaleString("en")}, the default history of a thousand jobs firing every second), claimed as`,
    "running and then finished through the store's API, as the scheduler does. Memory after a full GC;",
    "a full GC's pause is the median of five `gc()` calls.",
    "",
    table(
      ["", "runs kept", "heap", "outside the heap", "full GC pause"],
      [
        [
          "ours: rows of numbers (RunRows)",
          a.count.toLocaleString("en"),
          mb(a.heap),
          mb(a.outside),
          `${a.gcMs.toFixed(1)} ms`,
        ],
        [
          "the same runs as objects, an array per job",
          kept.toLocaleString("en"),
          mb(b.heap),
          mb(b.outside),
          `${b.gcMs.toFixed(1)} ms`,
        ],
        ["nothing kept (the process alone)", "0", "–", "–", `${a.emptyGc.toFixed(1)} ms`],
      ],
      "lrrrr",
    ),
    "",
    `Storing them cost ${a.storeUs.toFixed(2)} µs per run (claim and outcome). With all of them kept:`,
    `\`getRun\` of a run from the first second ${a.getMs.toFixed(1)} ms (it goes through the rows of`,
    `every job); \`listRuns({ limit: 20 })\`, the newest 20 of all jobs, ${a.listMs.toFixed(1)} ms.`,
  ].join("\n");
  const goals = [
    {
      name: "full GC pause with 1,000,000 runs kept, vs the same runs as objects",
      target: "≤ 0.1×",
      actual: `${formatRatio(ratio)} (${a.gcMs.toFixed(1)} ms vs ${b.gcMs.toFixed(1)} ms)`,
      met: ratio <= 0.1 && a.count === RUNS,
    },
    {
      name: "heap per kept run (the GC's share of the history)",
      target: "< 16 B",
      actual: `${(a.heap / RUNS).toFixed(1)} B (objects: ${(b.heap / kept).toFixed(0)} B)`,
      met: a.heap / RUNS < 16,
    },
  ];
  return { title: "Memory store: a million runs of history", markdown, goals };
}
