// Worker of bench/scheduler-lateness.js: `jobs` jobs firing every second in
// one library (or bare setTimeout timers aimed at the same instants); records
// when each call starts and measures the process's CPU time while they fire.
//
// Times: the wall clock is read as performance.now() plus an offset taken
// when Date.now() ticks over (so to a few µs, where Date.now() has 1 ms
// steps); the offset is taken again at the end and the drift reported.
// "Early" is judged by Date.now() itself, the clock the schedulers read:
// a call is early when Date.now() is still before its slot.
import { CONTENDERS } from "./contenders.js";

const EVERY_SECOND = "* * * * * *";
/**
 * A library that does not say which slot it is running gets the call
 * attributed by time: to the whole second at or before it, unless it comes
 * less than this before the next one (timers fire up to ~1.5 ms early). So
 * lateness from -50 ms to +950 ms is attributed right; a call later than
 * that counts for the next slot (a missed slot and a duplicate show it).
 */
const EARLY_TOLERANCE_MS = 50;
/** Calls are waited for this long after the last slot of the window. */
const LATE_MS = 1500;

export default async function lateness({ library, jobs, seconds, store, warmupS = 0 }) {
  // node-cron and cron warn on the console at every late fire: count instead of print.
  let warnings = 0;
  console.warn = () => {
    warnings++;
  };
  const capacity = jobs * (seconds + warmupS + 8);
  const callJob = new Int32Array(capacity);
  const callAt = new Float64Array(capacity);
  const callNow = new Float64Array(capacity);
  const callSlot = new Float64Array(capacity);
  let calls = 0;
  let offset = calibrate();
  const record = (job, slot) => {
    const at = performance.now();
    if (calls >= capacity) return;
    callJob[calls] = job;
    callAt[calls] = at;
    callNow[calls] = Date.now();
    callSlot[calls] = slot ?? Number.NaN;
    calls++;
  };

  let stop;
  if (library === "setTimeout") {
    stop = bareTimers(jobs, record);
  } else if (library === "setTimeout+sqlite") {
    stop = await bareTimersWritingSqlite(jobs, record);
  } else {
    const contender = await CONTENDERS[library]({ store });
    for (let j = 0; j < jobs; j++)
      contender.add(`job-${j}`, EVERY_SECOND, (slot) => record(j, slot));
    await contender.settle?.();
    await contender.start?.();
    stop = () => contender.stop();
  }

  // One whole slot to settle in, then `warmupS` seconds of slots measured
  // apart (cold: the JIT compiles the hot path meanwhile), then the window
  // [first, last].
  const coldFrom = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  const first = coldFrom + warmupS * 1000;
  const last = first + (seconds - 1) * 1000;
  await sleepUntil(first - 500);
  const cpuStart = process.cpuUsage();
  await sleepUntil(last + 500);
  const cpu = process.cpuUsage(cpuStart);
  await sleepUntil(last + LATE_MS);
  const drift = calibrate() - offset;
  await stop();
  offset += drift / 2;

  // Count calls per (job, slot); lateness of those in the window.
  const slots = seconds;
  const counts = new Uint16Array(jobs * slots);
  const late = [];
  const cold = [];
  let early = 0;
  let reportedMismatch = 0;
  for (let i = 0; i < calls; i++) {
    const wall = callAt[i] + offset;
    const byTime = Math.floor((wall + EARLY_TOLERANCE_MS) / 1000) * 1000;
    const reported = callSlot[i];
    const slot = Number.isNaN(reported) ? byTime : reported;
    if (!Number.isNaN(reported) && reported !== byTime) reportedMismatch++;
    if (slot >= coldFrom && slot < first) cold.push(wall - slot);
    if (slot < first || slot > last) continue;
    counts[callJob[i] * slots + (slot - first) / 1000]++;
    late.push(wall - slot);
    if (callNow[i] < slot) early++;
  }
  let missed = 0;
  let duplicates = 0;
  for (const c of counts) {
    if (c === 0) missed++;
    else duplicates += c - 1;
  }
  return {
    library,
    store: store ?? null,
    jobs,
    seconds,
    expected: jobs * slots,
    lateMs: Float64Array.from(late),
    coldLateMs: Float64Array.from(cold),
    early,
    missed,
    duplicates,
    reportedMismatch,
    cpuMs: (cpu.user + cpu.system) / 1000,
    driftMs: drift,
    warnings,
  };
}

/** One timer per job per second, each aimed at the next whole second after its last one. */
function bareTimers(jobs, record, firstSlot = Math.floor(Date.now() / 1000) * 1000 + 1000) {
  const timers = new Array(jobs);
  let stopped = false;
  const arm = (job, slot) => {
    timers[job] = setTimeout(() => {
      if (stopped) return;
      record(job, slot);
      arm(job, slot + 1000);
    }, slot - Date.now());
  };
  for (let j = 0; j < jobs; j++) arm(j, firstSlot);
  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
  };
}

/**
 * The floor of the SQLite store's work: bare timers as above, and the rows
 * a fire must write, written with better-sqlite3 itself into the same
 * schema (WAL, synchronous NORMAL, as the store opens it): 20 ms before each
 * second, its 1,000 claims in one transaction; after the calls, their
 * outcomes in another.
 */
async function bareTimersWritingSqlite(jobs, record) {
  const { default: Database } = await import("better-sqlite3");
  const { MIGRATIONS } = await import("../../dist/store/sqlite/migrations.js");
  const { newRunId } = await import("../../dist/ids.js");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "cron-scheduler-bench-floor-"));
  const db = new Database(join(dir, "floor.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  for (const m of MIGRATIONS) db.exec(m.sql);
  const claim = db.prepare(
    "INSERT INTO runs (id, job_id, scheduled_at, attempt, trigger_type, status, reason, started_at, " +
      "finished_at, exit_code, signal, pid, pid_start_time, node, output_tail, output_bytes, output_truncated) " +
      "VALUES (?, ?, ?, 1, 'schedule', 'running', NULL, ?, NULL, NULL, NULL, NULL, NULL, 'bench', NULL, 0, 0) " +
      "ON CONFLICT (job_id, scheduled_at, attempt) DO NOTHING",
  );
  const finish = db.prepare(
    "UPDATE runs SET status = 'succeeded', finished_at = ?, exit_code = NULL, output_tail = '', output_bytes = 0 WHERE id = ?",
  );
  const ids = new Array(jobs);
  const done = [];
  let flushing = false;
  const claimAll = db.transaction((slot) => {
    for (let j = 0; j < jobs; j++) {
      ids[j] = newRunId(slot);
      claim.run(ids[j], `job-${j}`, slot, slot);
    }
  });
  const finishAll = db.transaction((now) => {
    for (const id of done) finish.run(now, id);
  });
  let stopped = false;
  let claimer = null;
  const armClaims = (slot) => {
    claimer = setTimeout(
      () => {
        if (stopped) return;
        claimAll(slot);
        armClaims(slot + 1000);
      },
      slot - 20 - Date.now(),
    );
  };
  const firstSlot = Math.floor(Date.now() / 1000) * 1000 + 1000;
  armClaims(firstSlot);
  const stopTimers = bareTimers(
    jobs,
    (job, slot) => {
      record(job, slot);
      done.push(ids[job]);
      if (flushing) return;
      flushing = true;
      setImmediate(() => {
        finishAll(Date.now());
        done.length = 0;
        flushing = false;
      });
    },
    firstSlot,
  );
  return () => {
    stopped = true;
    clearTimeout(claimer);
    stopTimers();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  };
}

/** performance.now() → wall-clock offset, read where Date.now() ticks over. */
function calibrate() {
  const d0 = Date.now();
  let d = d0;
  let p = 0;
  while (d === d0) {
    p = performance.now();
    d = Date.now();
  }
  return d - p;
}

function sleepUntil(wallMs) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, wallMs - Date.now())));
}
