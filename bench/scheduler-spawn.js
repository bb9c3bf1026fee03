// Child-process throughput: runs of /bin/true through our whole path against
// a bare spawn loop, both with 16 runs in flight.
//
// Driving ours: 16 jobs `* * * * * *` running ["/bin/true"] with catch-up
// "all", added on a fake clock seconds before the scheduler starts; start()
// then finds the segment's due slots, claims every one in the SQLite store
// (the first of each job starts, the rest are recorded queued), and each job
// runs its slots one after another: 16 in flight, each run claimed, spawned
// by the executor (own process group, pipes read, exit and group checked),
// its start and its outcome written to the store, "run:finished" emitted.
// The fake clock only stands still: no slot falls due while we measure, and
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
import { formatNs, formatRatio } from "./lib/measure.js";

const RUNS = 1000;
const SEGMENTS = 4;
const PER_SEGMENT = RUNS / SEGMENTS;
const WIDTH = 16;
const TRUE = "/bin/true";

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
  const totals = new Map(
    CONTENDERS.map((c) => [c.key, { runs: 0, wallMs: 0, cpuUs: 0, maxInFlight: 0, rates: [] }]),
  );
  // Short segments in a rotating order: load from elsewhere on the machine
  // comes and goes within seconds, and this spreads it over every contender.
  for (let segment = 0; segment < SEGMENTS; segment++) {
    const shift = segment % CONTENDERS.length;
    const order = [...CONTENDERS.slice(shift), ...CONTENDERS.slice(0, shift)];
    if (segment % 2) order.reverse();
    for (const c of order) {
      const dir = mkdtempSync(join(tmpdir(), "cron-scheduler-bench-"));
      try {
        global.gc?.();
        // Each contender sets itself up, then calls measure(work) around the timed part.
        const done = await c.run(dir, measured);
        if (done.succeeded !== PER_SEGMENT) {
          throw new Error(`${c.key}: ${done.succeeded} of ${PER_SEGMENT} runs succeeded`);
        }
        const t = totals.get(c.key);
        t.runs += PER_SEGMENT;
        t.wallMs += done.wallMs;
        t.cpuUs += done.cpuUs;
        t.maxInFlight = Math.max(t.maxInFlight, done.maxInFlight);
        t.rates.push((PER_SEGMENT * 1000) / done.wallMs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  for (const [key, t] of totals) {
    process.stderr.write(`  ${key}: ${((t.runs * 1000) / t.wallMs).toFixed(0)} runs/s\n`);
  }
  return report(totals);
}

/** Times `work()` (wall and this process's CPU) and adds both to its result. */
async function measured(work) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const done = await work();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ...done, wallMs, cpuUs: used.user + used.system };
}

/** A pool of `WIDTH` loops over the segment's tasks; tracks how many were in flight at most. */
async function pool(task) {
  let next = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let succeeded = 0;
  const loop = async () => {
    while (next < PER_SEGMENT) {
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

function bareLoop(_dir, measure) {
  return measure(() =>
    pool(
      () =>
        new Promise((resolve) => {
          const child = spawn(TRUE);
          child.on("error", () => resolve(false));
          child.on("close", (code) => resolve(code === 0));
        }),
    ),
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

// onStart as the scheduler passes it: without one, the executor skips reading the start time.
function executorOnly(_dir, measure) {
  const onStart = () => {};
  return measure(() =>
    pool(
      async (i) => (await runAttempt(attempt(i, newRunId(), { onStart }))).status === "succeeded",
    ),
  );
}

async function pieces(dir, measure) {
  const store = await openStore(`sqlite:${join(dir, "jobs.db")}`);
  try {
    return await measure(() =>
      pool(async (i) => {
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
      }),
    );
  } finally {
    await store.close();
  }
}

async function oursFull(dir, measure) {
  const now = Math.ceil(Date.now() / 1000) * 1000;
  // Job j has slotsOf(j) slots due at start: PER_SEGMENT in all, as even as can be.
  const slotsOf = (j) => Math.floor(PER_SEGMENT / WIDTH) + (j < PER_SEGMENT % WIDTH ? 1 : 0);
  const clock = new FakeClock(now - slotsOf(0) * 1000);
  const scheduler = await createScheduler({
    store: `sqlite:${join(dir, "jobs.db")}`,
    clock,
    pollMs: null,
    timezone: "UTC",
  });
  // A job's first slot is the first whole second after it was added (its watermark).
  for (let j = 0; j < WIDTH; j++) {
    await clock.advanceTo(now - slotsOf(j) * 1000);
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
  scheduler.on("run:started", () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
  });
  const all = new Promise((resolve) => {
    scheduler.on("run:finished", (run) => {
      inFlight--;
      if (run.status === "succeeded") succeeded++;
      if (++finished === PER_SEGMENT) resolve();
    });
  });
  const done = await measure(async () => {
    await scheduler.start();
    await all;
    return { succeeded, maxInFlight };
  });
  await scheduler.stop();
  return done;
}

function report(totals) {
  const rate = (t) => (t.runs * 1000) / t.wallMs;
  const bare = totals.get("bare");
  const ours = totals.get("ours");
  const rows = CONTENDERS.map((c) => {
    const t = totals.get(c.key);
    return [
      c.label,
      t.runs,
      `${rate(t).toFixed(0)} /s`,
      `${Math.min(...t.rates).toFixed(0)}–${Math.max(...t.rates).toFixed(0)} /s`,
      formatRatio(rate(t) / rate(bare)),
      formatNs((t.cpuUs * 1000) / t.runs),
      formatRatio(t.cpuUs / t.runs / (bare.cpuUs / bare.runs)),
      t.maxInFlight,
    ];
  });
  const ratio = rate(ours) / rate(bare);
  const goals = [
    {
      name: `throughput of ${RUNS} \`/bin/true\` runs through the full path (SQLite) vs a bare spawn loop, ${WIDTH} in flight`,
      target: "≥ 0.7×",
      actual: `${formatRatio(ratio)} (${rate(ours).toFixed(0)} vs ${rate(bare).toFixed(0)} runs/s)`,
      met: ratio >= 0.7,
    },
  ];
  const markdown = [
    `${RUNS} runs of \`${TRUE}\` per contender, ${WIDTH} in flight, all in this one process, in`,
    `${SEGMENTS} segments of ${PER_SEGMENT} runs; the contenders take turns segment by segment, in a rotating`,
    "order, so that load from elsewhere on the machine (which comes and goes within seconds) is spread over",
    "all of them. Throughput is all runs over the wall time of all segments (setup, such as opening the",
    "store and adding the jobs, is outside the timed part); the range is that of single segments. CPU is",
    "this process's user + system time per run (forking is in it; the children's own CPU is not). Node",
    "forks on its main thread, so where that thread is the bottleneck (an idle machine with cores to",
    "spare) throughput follows CPU per run; on a busy machine the children's own start-up weighs more.",
    "",
    "- **bare**: 16 loops, each `spawn('/bin/true')` (default stdio: three pipes) and wait for `close`.",
    '- **ours**: the whole path. 16 jobs `* * * * * *` running `["/bin/true"]` with catch-up `all`, added',
    `  on a fake clock so that ${PER_SEGMENT} slots in all are due at \`start()\`: each is claimed in a fresh SQLite`,
    "  store (WAL, in a temp dir), each job runs its slots one after another (16 in flight), every run is",
    "  spawned by the executor (own process group, stdout and stderr read, exit and process group",
    "  checked), its pid and outcome are written to the store, and we count `run:finished`. The fake clock",
    "  only stands still so that no new slot falls due while we measure.",
    "- **pieces**: what the scheduler does around the executor, without the scheduler: `claimRun`, then",
    "  `runAttempt` (its `onStart` writes the pid), then `updateRun` with the outcome, in a 16-wide pool.",
    "- **executor**: `runAttempt` alone, 16 wide, nothing stored (an empty `onStart`, as the scheduler passes one).",
    "",
    table(
      [
        "Path",
        "runs",
        "runs / s",
        "segments",
        "vs bare",
        "CPU / run",
        "CPU vs bare",
        "max in flight",
      ],
      rows,
      "lrrrrrrr",
    ),
  ].join("\n");
  return { title: "Scheduler: child-process throughput", markdown, goals };
}
