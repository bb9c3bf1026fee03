// Child-process throughput: runs of /bin/true through our whole path against
// a bare spawn loop, both with 16 runs in flight.
//
// Driving ours: 16 jobs `* * * * * *` running ["/bin/true"] with catch-up
// "all", added on a fake clock 62-63 s before the scheduler starts; start()
// then finds 1,000 due slots, claims every one in the SQLite store (the first
// of each job starts, the rest are recorded queued), and each job runs its
// slots one after another: 16 in flight, each run claimed, spawned by the
// executor (own process group, pipes read, exit and group checked), its
// start and its outcome written to the store, "run:finished" emitted. The
// fake clock only stands still: no slot falls due while we measure, and
// nothing waits on it (the executor's own timers are real).
//
// Two more rows split the cost: the executor alone (runAttempt, 16 wide) and
// the store steps the scheduler adds around it (claimRun, runAttempt,
// updateRun ×2) in a 16-wide pool without the scheduler.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAttempt } from "../dist/executor/index.js";
import { newRunId } from "../dist/ids.js";
import { createScheduler, FakeClock, openStore } from "../dist/index.js";
import { table } from "./lib/markdown.js";
import { formatNs, formatRatio, median } from "./lib/measure.js";

const RUNS = 1000;
const WIDTH = 16;
const ROUNDS = 3;
const TRUE = "/bin/true";
const GOAL_PAIR = new Set(["bare", "ours"]);

const CONTENDERS = [
  { key: "bare", label: "bare `spawn('/bin/true')`, wait for `close`", run: bareLoop },
  { key: "ours", label: "ours: scheduler + executor + SQLite store", run: oursFull },
  {
    key: "pieces",
    label: "claimRun → runAttempt → updateRun ×2 (SQLite), no scheduler",
    run: pieces,
  },
  { key: "executor", label: "runAttempt alone (no store)", run: executorOnly },
];

export default async function schedulerSpawn() {
  const samples = new Map(CONTENDERS.map((c) => [c.key, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // The goal's pair runs every round, in alternating order; the rows that
    // only split the cost run in the first.
    const each = round === 0 ? CONTENDERS : CONTENDERS.filter((c) => GOAL_PAIR.has(c.key));
    const order = round % 2 ? [...each].reverse() : each;
    for (const c of order) {
      const dir = mkdtempSync(join(tmpdir(), "cron-scheduler-bench-"));
      try {
        global.gc?.();
        const cpu = process.cpuUsage();
        const started = performance.now();
        const done = await c.run(dir);
        const wallMs = performance.now() - started;
        const used = process.cpuUsage(cpu);
        if (done.succeeded !== RUNS) {
          throw new Error(`${c.key}: ${done.succeeded} of ${RUNS} runs succeeded`);
        }
        samples.get(c.key).push({
          perSecond: (RUNS * 1000) / wallMs,
          cpuNsPerRun: ((used.user + used.system) * 1000) / RUNS,
          maxInFlight: done.maxInFlight,
        });
        process.stderr.write(`  ${c.key}: ${((RUNS * 1000) / wallMs).toFixed(0)} runs/s\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  return report(samples);
}

/** A pool of `WIDTH` loops over `RUNS` tasks; tracks how many were in flight at most. */
async function pool(task) {
  let next = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let succeeded = 0;
  const loop = async () => {
    while (next < RUNS) {
      const i = next++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (await task(i)) succeeded++;
      inFlight--;
    }
  };
  await Promise.all(Array.from({ length: WIDTH }, loop));
  return { succeeded, maxInFlight };
}

function bareLoop() {
  return pool(
    () =>
      new Promise((resolve) => {
        const child = spawn(TRUE);
        child.on("error", () => resolve(false));
        child.on("close", (code) => resolve(code === 0));
      }),
  );
}

function attempt(i, runId, extra = {}) {
  return {
    jobId: `job-${i % WIDTH}`,
    runId,
    attempt: 1,
    scheduledAt: 1_000_000_000_000 + i * 1000,
    target: { type: "command", argv: [TRUE] },
    cwd: null,
    env: {},
    timeoutMs: null,
    outputPath: null,
    ...extra,
  };
}

async function executorOnly() {
  return pool(async (i) => (await runAttempt(attempt(i, newRunId()))).status === "succeeded");
}

async function pieces(dir) {
  const store = await openStore(`sqlite:${join(dir, "jobs.db")}`);
  try {
    return await pool(async (i) => {
      const now = Date.now();
      const a = attempt(i, newRunId(now), { outputPath: join(dir, "runs", `${i}.log`) });
      const won = await store.claimRun({
        id: a.runId,
        jobId: a.jobId,
        scheduledAt: a.scheduledAt,
        attempt: 1,
        trigger: "schedule",
        status: "running",
        reason: null,
        startedAt: now,
        finishedAt: null,
        exitCode: null,
        signal: null,
        pid: null,
        pidStartTime: null,
        node: "bench",
        outputTail: null,
        outputBytes: 0,
        outputTruncated: false,
      });
      if (!won) return false;
      let started = Promise.resolve();
      const result = await runAttempt({
        ...a,
        onStart: (info) => {
          started = store.updateRun(a.runId, {
            pid: info.pid,
            pidStartTime: info.pidStartTime,
            startedAt: info.startedAt,
          });
        },
      });
      await started;
      const { error: _e, outputError: _o, ...final } = result;
      await store.updateRun(a.runId, final);
      return result.status === "succeeded";
    });
  } finally {
    await store.close();
  }
}

async function oursFull(dir) {
  const now = Math.ceil(Date.now() / 1000) * 1000;
  const clock = new FakeClock(now - 63_000);
  const scheduler = await createScheduler({
    store: `sqlite:${join(dir, "jobs.db")}`,
    clock,
    pollMs: null,
    timezone: "UTC",
  });
  // Jobs added 63 s (the first eight) or 62 s before start: 8 × 63 + 8 × 62 = 1,000 slots due.
  for (let j = 0; j < WIDTH; j++) {
    if (j === WIDTH / 2) await clock.advance(1000);
    await scheduler.add({
      id: `job-${j}`,
      schedule: "* * * * * *",
      command: [TRUE],
      catchUp: "all",
    });
  }
  await clock.advanceTo(now);
  let finished = 0;
  let succeeded = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const all = new Promise((resolve) => {
    scheduler.on("run:started", () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
    });
    scheduler.on("run:finished", (run) => {
      inFlight--;
      if (run.status === "succeeded") succeeded++;
      if (++finished === RUNS) resolve();
    });
  });
  await scheduler.start();
  await all;
  await scheduler.stop();
  return { succeeded, maxInFlight };
}

function report(samples) {
  const summary = new Map(
    [...samples].map(([key, list]) => [
      key,
      {
        perSecond: median(list.map((s) => s.perSecond)),
        all: list.map((s) => s.perSecond),
        cpuNsPerRun: median(list.map((s) => s.cpuNsPerRun)),
        maxInFlight: Math.max(...list.map((s) => s.maxInFlight)),
      },
    ]),
  );
  const bare = summary.get("bare");
  const ours = summary.get("ours");
  const rows = CONTENDERS.map((c) => {
    const s = summary.get(c.key);
    return [
      c.label,
      `${s.perSecond.toFixed(0)} /s`,
      s.all.map((v) => v.toFixed(0)).join(", "),
      formatRatio(s.perSecond / bare.perSecond),
      formatNs(s.cpuNsPerRun),
      s.maxInFlight,
    ];
  });
  const ratio = ours.perSecond / bare.perSecond;
  const goals = [
    {
      name: `throughput of ${RUNS} \`/bin/true\` runs through the full path (SQLite) vs a bare spawn loop, ${WIDTH} in flight`,
      target: "≥ 0.7×",
      actual: `${formatRatio(ratio)} (${ours.perSecond.toFixed(0)} vs ${bare.perSecond.toFixed(0)} runs/s)`,
      met: ratio >= 0.7,
    },
  ];
  const markdown = [
    `${RUNS} runs of \`${TRUE}\` per round, ${WIDTH} in flight, all in this one process. The goal's pair`,
    `(bare and ours) runs ${ROUNDS} rounds in alternating order, the two rows that split the cost one; the`,
    "table gives the median round (each round beside it). Throughput is runs per second of wall time; CPU",
    "is this process's user + system time per run (the children's own CPU is not in it; forking is).",
    "",
    "- **bare**: 16 loops, each `spawn('/bin/true')` (default stdio: three pipes) and wait for `close`.",
    '- **ours**: the whole path. 16 jobs `* * * * * *` running `["/bin/true"]` with catch-up `all`, added',
    "  on a fake clock 62 or 63 s before `start()`, so 1,000 slots are due at start: each is claimed in a",
    "  fresh SQLite store (WAL, in a temp dir), each job runs its slots one after another (16 in flight),",
    "  every run is spawned by the executor (own process group, stdout and stderr read, exit and process",
    "  group checked), its pid and outcome are written to the store, and we count `run:finished`. The",
    "  fake clock only stands still so that no new slot falls due during the measurement.",
    "- **pieces**: what the scheduler does around the executor, without the scheduler: `claimRun`, then",
    "  `runAttempt` (its `onStart` writes the pid), then `updateRun` with the outcome, in a 16-wide pool.",
    "- **executor**: `runAttempt` alone, 16 wide, nothing stored.",
    "",
    table(
      ["Path", "runs / s (median)", "each round", "vs bare", "CPU / run", "max in flight"],
      rows,
      "lrrrrr",
    ),
  ].join("\n");
  return { title: "Scheduler: child-process throughput", markdown, goals };
}
