// Registration: many no-op cron jobs with distinct expressions, none due while
// measured. Heap per job and CPU time per job, and whether the time per job
// stays flat as the count grows (the last tenth against the first).
//
// Each library runs in a process of its own with a bounded heap, so one that
// runs out of memory fails alone. croner and toad-scheduler keep about 83 KB
// per job and node-cron and cron take hundreds of µs to a millisecond per
// job, so peers get fewer jobs than we do: per-job numbers compare, and the
// count used is in the table.
import { PEERS } from "./lib/contenders.js";
import { table } from "./lib/markdown.js";
import { formatBytes, formatNs, formatRatio, median } from "./lib/measure.js";
import { versionOf } from "./lib/packages.js";
import { runWorker } from "./lib/subprocess.js";

const worker = new URL("./lib/scheduler-register-worker.js", import.meta.url).pathname;

const OURS = 100_000;
const ROWS = [
  { key: "ours", library: "ours", count: OURS, label: "ours (memory store)" },
  { key: "ours-small", library: "ours", count: 10_000, label: "ours (memory store)" },
  { key: "setTimeout", library: "setTimeout", count: OURS, label: "bare `setTimeout`" },
  { key: "croner", library: "croner", count: 5_000 },
  { key: "toad-scheduler", library: "toad-scheduler", count: 5_000 },
  { key: "node-cron", library: "node-cron", count: 5_000 },
  { key: "cron", library: "cron", count: 2_000 },
];

export default async function schedulerRegister() {
  const results = new Map();
  const failures = new Map();
  for (const row of ROWS) {
    process.stderr.write(`  ${row.key}: ${row.count} jobs…\n`);
    const outcome = await runWorker(
      worker,
      { library: row.library, count: row.count },
      // A bound well above what the count needs: running out of it is a result, not a crash.
      { heapMb: 4096, timeoutMs: 120_000 },
    );
    if (outcome.ok) results.set(row.key, outcome.result);
    else failures.set(row.key, outcome.error.split("\n")[0]);
  }
  return report(results, failures);
}

function label(row) {
  return row.label ?? `${row.library} ${versionOf(row.library)}`;
}

function report(results, failures) {
  const rows = ROWS.map((row) => {
    const r = results.get(row.key);
    if (!r) return [label(row), row.count, `failed: ${failures.get(row.key) ?? "no result"}`];
    const t = r.tenthsNsPerJob;
    return [
      label(row),
      r.count.toLocaleString("en-US"),
      r.startNsPerJob === null ? "–" : formatBytes(r.heapRegisteredPerJob),
      formatBytes(r.heapStartedPerJob),
      formatNs(r.addNsPerJob),
      r.startNsPerJob === null ? "–" : formatNs(r.startNsPerJob),
      formatNs(r.addNsPerJob + (r.startNsPerJob ?? 0)),
      formatNs(t[0]),
      formatNs(t[t.length - 1]),
      formatRatio(t[t.length - 1] / t[0]),
      formatRatio(t[t.length - 1] / median(t)),
    ];
  });

  const ours = results.get("ours");
  const goals = [];
  if (ours) {
    const total = ours.addNsPerJob + ours.startNsPerJob;
    const t = ours.tenthsNsPerJob;
    goals.push(
      {
        name: `heap per job, ${OURS.toLocaleString("en-US")} jobs added and started`,
        target: "< 1 KB",
        actual: `${formatBytes(ours.heapStartedPerJob)} (${formatBytes(ours.heapRegisteredPerJob)} after add, before start)`,
        met: ours.heapStartedPerJob < 1024,
      },
      {
        name: `CPU time per job, ${OURS.toLocaleString("en-US")} jobs: add() then start()`,
        target: "< 10 µs",
        actual: `${formatNs(total)} (add ${formatNs(ours.addNsPerJob)}, start ${formatNs(ours.startNsPerJob)})`,
        met: total < 10_000,
      },
      {
        name: "linear: CPU time per job of the last tenth of add() vs the first",
        target: "≤ 1.5×",
        actual: `${formatRatio(t[t.length - 1] / t[0])} (${formatNs(t[t.length - 1])} vs ${formatNs(t[0])}; vs the median tenth ${formatRatio(t[t.length - 1] / median(t))})`,
        met: t[t.length - 1] / t[0] <= 1.5,
      },
    );
  } else {
    goals.push({
      name: "heap and time per job",
      target: "< 1 KB, < 10 µs",
      actual: "no result",
      met: false,
    });
  }
  const peerRatios = PEERS.filter((p) => results.has(p) && ours).map((p) => {
    const r = results.get(p);
    return `${p} ${formatRatio(r.heapStartedPerJob / ours.heapStartedPerJob)} the heap, ${formatRatio(r.addNsPerJob / (ours.addNsPerJob + ours.startNsPerJob))} the time`;
  });

  const markdown = [
    "No-op jobs with distinct five-field expressions (`m h d M *`: minute, hour, day and month vary;",
    "the day of month skips today's and tomorrow's, so none fires while measured). Each library runs in a",
    "process of its own (`--expose-gc`, heap bounded at 4 GB). Heap: `heapUsed` growth after",
    "`global.gc()`, divided by the count; the ids and expressions are built before the first reading.",
    "Time: the process's CPU time (user + system, so GC threads count) per job. Jobs are added in ten",
    "equal batches, each awaited before the next, and the tenths are timed separately: the last tenth",
    "against the first shows whether the cost per job grows with the number of jobs (the first tenth",
    "also pays for warm-up, so the last one against the median tenth is given as well).",
    "",
    'Ours: `createScheduler({ store: "memory", pollMs: null })`, `add({ id, schedule, timezone, run })`',
    "for each job (awaited per tenth), then `start()`, which parses the stored jobs and builds the heap of",
    "next instants: *registered* is after the adds, *started* after `start()`. Peers arm a timer per job",
    "as they create it, so their one step is under *add*: croner `new Cron(expr, fn)`, toad-scheduler",
    "`addCronJob(new CronJob({ cronExpression }, new Task(…)))`, node-cron `schedule(expr, fn)`, cron",
    "`CronJob.from({ cronTime, onTick, start: true })`. Bare `setTimeout`: one timer per job, hours ahead.",
    "(croner's, and toad-scheduler's through croner 10, 80 KB and more per job is mostly the year table",
    "its pattern parser allocates for every expression: `Array(10000)` of numbers.) Our engine keeps the",
    "last 10,000 parsed schedules in a cache: with 10,000 jobs all of them are still there at the",
    "*registered* reading (hence its larger figure), and `start()`, which parses each stored job again,",
    "finds them; with 100,000, nine in ten are parsed twice.",
    "",
    table(
      [
        "Library",
        "jobs",
        "heap / job registered",
        "heap / job started",
        "add / job",
        "start / job",
        "total / job",
        "first tenth",
        "last tenth",
        "last / first",
        "last / median",
      ],
      rows,
      "lrrrrrrrrrr",
    ),
    "",
    peerRatios.length
      ? `Against ours at ${OURS.toLocaleString("en-US")} jobs (heap started, time add + start): ${peerRatios.join("; ")}.`
      : "",
  ].join("\n");
  return { title: "Scheduler: registering jobs", markdown, goals };
}
