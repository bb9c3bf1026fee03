// The job store on SQLite: how fast slots are claimed and runs recorded, and
// whether reading the history stays fast with a million runs in the file.
//
// Wall-clock time here, not CPU time: a store's cost includes the file
// system. Every store is a file in a fresh temp dir, in WAL mode, opened by
// openStore() exactly as the daemon and the CLI open it.
//
// The claim rate is compared with a bare better-sqlite3 prepared INSERT of
// the same row on the same kind of file in the same run, so that the goal
// holds on any machine: it measures what the Store layer adds (async calls,
// row mapping, error mapping). The history goals compare a million runs with
// ten thousand: an index either keeps the queries flat or it does not.

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openStore } from "../dist/store/index.js";
import { table } from "./lib/markdown.js";
import { formatNs, formatRatio, median } from "./lib/measure.js";

const T0 = Date.UTC(2026, 0, 1);
const MILLION = 1_000_000;
const SMALL = 10_000;
const JOBS = 200; // a million runs: 5,000 per job, one a minute
const CLAIMS = 20_000;
const QUERIES = 2_000;

let serial = 0;
function run(jobId, scheduledAt, status = "succeeded") {
  serial++;
  return {
    id: `r${serial.toString(36).padStart(12, "0")}`,
    jobId,
    scheduledAt,
    attempt: 1,
    trigger: "schedule",
    status,
    reason: null,
    startedAt: scheduledAt + 3,
    finishedAt: status === "running" ? null : scheduledAt + 1200,
    exitCode: status === "running" ? null : 0,
    signal: null,
    pid: 12345,
    pidStartTime: "98765",
    node: "bench:1:0",
    outputTail: status === "running" ? null : "report written to /var/reports/daily.csv\n",
    outputBytes: 41,
    outputTruncated: false,
  };
}

/** Operations per second of `count` awaited calls of `op(i)`. */
async function rate(count, op) {
  const start = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return count / ((performance.now() - start) / 1000);
}

/** Latency of each awaited call, in ns: { p50, p99, max }. */
async function latencies(count, op) {
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await op(i);
    times[i] = Number(process.hrtime.bigint() - start);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50: median(sorted),
    p99: sorted[Math.floor(count * 0.99)],
    max: sorted[count - 1],
  };
}

const perSecond = (n) => `${Math.round(n).toLocaleString("en-US")}/s`;

export default async function storeBench() {
  const dir = mkdtempSync(join(tmpdir(), "store-bench-"));
  try {
    return await measureAll(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureAll(dir) {
  const writes = await measureWrites(dir);
  const history = await measureHistory(dir);
  const goals = [
    {
      name: "slot claims per second: claimRun() vs a bare better-sqlite3 INSERT … ON CONFLICT DO NOTHING",
      target: "≥ 0.7×",
      actual: `${formatRatio(writes.claim / writes.bareClaim)} (${perSecond(writes.claim)} vs ${perSecond(writes.bareClaim)})`,
      met: writes.claim / writes.bareClaim >= 0.7,
    },
    ...history.goals,
  ];
  const markdown = [
    "### Writes",
    "",
    `One store file in WAL mode (synchronous=NORMAL), each call awaited. ${CLAIMS.toLocaleString("en-US")} calls per row.`,
    "",
    table(
      ["Operation", "Rate"],
      [
        ["claimRun(): a new slot won", perSecond(writes.claim)],
        ["claimRun(): a slot already taken (lost)", perSecond(writes.lost)],
        ["updateRun(): a run finishes", perSecond(writes.update)],
        ["claimRuns(): runs inserted, 1,000 per call (one transaction)", perSecond(writes.batch)],
        ["bare better-sqlite3 INSERT, synchronous=NORMAL (baseline)", perSecond(writes.bareClaim)],
        [
          "bare better-sqlite3 INSERT, synchronous=FULL (for comparison)",
          perSecond(writes.bareFull),
        ],
        ["changeToken() (the scheduler polls it)", formatNs(1e9 / writes.token)],
      ],
      "lr",
    ),
    "",
    "### History with a million runs",
    "",
    history.markdown,
  ].join("\n");
  return { title: "Store: SQLite claims, writes and history", markdown, goals };
}

/** A bare better-sqlite3 connection on a store file (made by the store), and its claim INSERT. */
async function bareConnection(path, synchronous) {
  await (await openStore(path)).close();
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous}`);
  const insert = db.prepare(
    "INSERT INTO runs (id, job_id, scheduled_at, attempt, trigger_type, status, reason, " +
      "started_at, finished_at, exit_code, signal, pid, pid_start_time, node, output_tail, " +
      "output_bytes, output_truncated) VALUES (?, ?, ?, 1, 'schedule', 'running', NULL, ?, " +
      "NULL, NULL, NULL, 12345, '98765', 'bench:1:0', NULL, 0, 0) " +
      "ON CONFLICT (job_id, scheduled_at, attempt) DO NOTHING",
  );
  let n = 0;
  return {
    claim() {
      const slot = T0 + n++ * 60_000;
      insert.run(`b${n}`, "claims", slot, slot + 3);
    },
    close: () => db.close(),
  };
}

async function measureWrites(dir) {
  const store = await openStore(join(dir, "writes.db"));
  const bare = await bareConnection(join(dir, "bare.db"), "NORMAL");
  // Interleaved rounds, so that load elsewhere on the machine hits both alike.
  const rounds = 20;
  const perRound = CLAIMS / rounds;
  let oursMs = 0;
  let bareMs = 0;
  let slot = 0;
  for (let r = 0; r < rounds; r++) {
    let start = performance.now();
    for (let i = 0; i < perRound; i++) {
      await store.claimRun(run("claims", T0 + slot++ * 60_000));
    }
    oursMs += performance.now() - start;
    start = performance.now();
    for (let i = 0; i < perRound; i++) bare.claim();
    bareMs += performance.now() - start;
  }
  bare.close();
  const claim = CLAIMS / (oursMs / 1000);
  const bareClaim = CLAIMS / (bareMs / 1000);
  const lost = await rate(CLAIMS, (i) => store.claimRun(run("claims", T0 + i * 60_000)));
  const ids = (await store.listRuns({ jobId: "claims", limit: CLAIMS })).map((r) => r.id);
  const update = await rate(CLAIMS, (i) =>
    store.updateRun(ids[i], { status: "succeeded", finishedAt: T0 + i, exitCode: 0 }),
  );
  const batches = 20;
  const batchStart = performance.now();
  for (let b = 0; b < batches; b++) {
    const runs = [];
    for (let i = 0; i < 1000; i++) runs.push(run("batch", T0 + (b * 1000 + i) * 60_000));
    await store.claimRuns(runs);
  }
  const batch = (batches * 1000) / ((performance.now() - batchStart) / 1000);
  const token = await rate(CLAIMS, () => store.changeToken());
  await store.close();

  const full = await bareConnection(join(dir, "bare-full.db"), "FULL");
  const bareFull = await rate(CLAIMS / 10, () => full.claim());
  full.close();
  return { claim, lost, update, batch, token, bareClaim, bareFull };
}

/** A store with `total` runs over JOBS jobs (slots a minute apart), built with claimRuns. */
async function populate(path, total) {
  const store = await openStore(path);
  const perJob = total / JOBS;
  const start = performance.now();
  const chunk = 50_000;
  for (let from = 0; from < total; from += chunk) {
    const runs = [];
    for (let n = from; n < Math.min(total, from + chunk); n++) {
      const job = n % JOBS;
      const slot = Math.floor(n / JOBS);
      runs.push(run(`job-${job}`, T0 + slot * 60_000, slot === perJob - 1 ? "running" : undefined));
    }
    await store.claimRuns(runs);
  }
  const seconds = (performance.now() - start) / 1000;
  return { store, seconds, perJob };
}

async function measureHistory(dir) {
  const bigPath = join(dir, "million.db");
  const small = await populate(join(dir, "small.db"), SMALL);
  const big = await populate(bigPath, MILLION);
  const size = statSync(bigPath).size + statSync(`${bigPath}-wal`, { throwIfNoEntry: false })?.size;

  const queries = (perJob) => [
    {
      name: "listRuns({ jobId, limit: 20 }): a job's last 20 runs",
      short: "a job's last 20 runs",
      count: QUERIES,
      make: (i) => ({ jobId: `job-${(i * 7) % JOBS}`, limit: 20 }),
    },
    {
      name: "listRuns({ limit: 20 }): the last 20 runs of all jobs",
      short: "the last 20 runs of all jobs",
      count: QUERIES,
      make: () => ({ limit: 20 }),
    },
    {
      name: "listRuns({ from, to, limit: 100 }): runs in an hour (of 12,000)",
      short: "runs in a time range",
      count: QUERIES / 4,
      make: (i) => {
        const from = T0 + ((i * 37) % (perJob - 60)) * 60_000;
        return { from, to: from + 3_600_000, limit: 100 };
      },
    },
  ];
  const rows = [];
  const goals = [];
  const smallQueries = queries(small.perJob);
  for (const [i, query] of queries(big.perJob).entries()) {
    const onSmall = await latencies(query.count, (n) =>
      small.store.listRuns(smallQueries[i].make(n)),
    );
    const onBig = await latencies(query.count, (n) => big.store.listRuns(query.make(n)));
    rows.push([
      query.name,
      formatNs(onSmall.p50),
      formatNs(onBig.p50),
      formatNs(onBig.p99),
      formatNs(onBig.max),
    ]);
    if (i === 0) {
      goals.push({
        name: "`runs <id> --limit 20` with 1,000,000 runs: listRuns({ jobId, limit: 20 }), median",
        target: "≤ 1 ms",
        actual: formatNs(onBig.p50),
        met: onBig.p50 <= 1e6,
      });
    }
    goals.push({
      name: `${query.short}: median with 1,000,000 runs vs 10,000`,
      target: "≤ 2× (an index, not a scan)",
      actual: `${formatRatio(onBig.p50 / onSmall.p50)} (${formatNs(onBig.p50)} vs ${formatNs(onSmall.p50)})`,
      met: onBig.p50 / onSmall.p50 <= 2,
    });
  }
  // Deep paging: the 20 runs before one in the middle of a job's history.
  const middle = (await big.store.listRuns({ jobId: "job-3", limit: 2500 })).at(-1).id;
  const paging = await latencies(QUERIES, () =>
    big.store.listRuns({ jobId: "job-3", beforeId: middle, limit: 20 }),
  );
  rows.push([
    "listRuns({ jobId, beforeId, limit: 20 }): page 126 of a job",
    "",
    formatNs(paging.p50),
    formatNs(paging.p99),
    formatNs(paging.max),
  ]);
  const last = await latencies(QUERIES, (i) => big.store.lastSlot(`job-${i % JOBS}`));
  rows.push([
    "lastSlot(jobId) (the scheduler, at start)",
    "",
    formatNs(last.p50),
    formatNs(last.p99),
    formatNs(last.max),
  ]);
  const unfinished = await latencies(QUERIES, () => big.store.unfinishedRuns());
  rows.push([
    `unfinishedRuns() (crash recovery; ${JOBS} running)`,
    "",
    formatNs(unfinished.p50),
    formatNs(unfinished.p99),
    formatNs(unfinished.max),
  ]);
  await small.store.close();
  await big.store.close();

  const markdown = [
    `${MILLION.toLocaleString("en-US")} runs of ${JOBS} jobs (${big.perJob.toLocaleString("en-US")} each, a minute apart), ` +
      `inserted with claimRuns() in transactions of 50,000: ${big.seconds.toFixed(1)} s ` +
      `(${perSecond(MILLION / big.seconds)}); the file is ${(size / 1024 / 1024).toFixed(0)} MB. ` +
      `Each query ${QUERIES.toLocaleString("en-US")} times, awaited one after another.`,
    "",
    table(["Query", "10,000 runs: median", "1,000,000 runs: median", "p99", "max"], rows, "lrrrr"),
  ].join("\n");
  return { markdown, goals };
}
