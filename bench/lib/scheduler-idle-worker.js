// Worker of bench/scheduler-idle.js: a scheduler with `jobs` jobs of which
// none is due within the hour, left alone; measures the CPU time the process
// uses over `seconds`.
//
// mode "daemon":  `cron-scheduler run` itself (runDaemon) on a fresh home:
//                 SQLite store, the default poll interval (500 ms), the log.
// mode "library": createScheduler on the memory store with polling off.
// mode "empty":   a Node process doing nothing: the floor of the others.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distinctSchedules, jobIds } from "./schedules.js";

const HOUR_MS = 3_600_000;
const SETTLE_MS = 2000;

export default async function idle({ mode, jobs, seconds }, control) {
  const { createScheduler, parseSchedule } = await import("../../dist/index.js");
  const texts = distinctSchedules(jobs);
  const ids = jobIds(jobs);
  // The premise, checked: nothing is due within the hour (plus the measurement).
  const now = Date.now();
  const horizon = now + HOUR_MS + seconds * 1000;
  const soonest = Math.min(...texts.map((t) => parseSchedule(t, { timezone: "UTC" }).next(now)));
  if (soonest <= horizon) throw new Error(`a job is due at ${new Date(soonest).toISOString()}`);

  let fired = 0;
  let stop = async () => {};
  if (mode === "daemon") {
    const home = mkdtempSync(join(tmpdir(), "cron-scheduler-bench-"));
    const setup = await createScheduler({ store: `sqlite:${join(home, "scheduler.db")}` });
    const adds = [];
    for (let i = 0; i < jobs; i++) {
      adds.push(
        setup.add({ id: ids[i], schedule: texts[i], timezone: "UTC", command: ["/bin/true"] }),
      );
    }
    await Promise.all(adds);
    await setup.stop();
    const { runDaemon } = await import("../../dist/daemon/run.js");
    runDaemon({ home }).catch((error) => {
      console.error(error);
    });
    await until(() => logHas(join(home, "scheduler.log"), "scheduler.started"));
    stop = async () => {
      if (logHas(join(home, "scheduler.log"), "run.started")) fired++;
      rmSync(home, { recursive: true, force: true });
    };
  } else if (mode === "library") {
    const scheduler = await createScheduler({ store: "memory", pollMs: null, timezone: "UTC" });
    const noop = () => {};
    for (let i = 0; i < jobs; i++) scheduler.add({ id: ids[i], schedule: texts[i], run: noop });
    scheduler.on("run:started", () => fired++);
    await scheduler.start();
    stop = () => scheduler.stop();
  }
  // Let the setup's garbage go now, not in the measured window (the scenario
  // also turns off V8's memory reducer, see there), and settle.
  for (let i = 0; i < 3; i++) global.gc();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  await control.ready();
  const start = process.cpuUsage();
  const wallStart = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const used = process.cpuUsage(start);
  const wallMs = performance.now() - wallStart;
  await stop();
  return {
    mode,
    jobs: mode === "empty" ? 0 : jobs,
    wallMs,
    userMs: used.user / 1000,
    systemMs: used.system / 1000,
    fired,
  };
}

function logHas(path, text) {
  return existsSync(path) && readFileSync(path, "utf8").includes(text);
}

async function until(condition, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("the daemon did not report its start in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
