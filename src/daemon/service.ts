import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SchedulerError } from "../errors.js";
import { processStartTime } from "../executor/procfs.js";
import { ensureHome, homePaths } from "../home.js";
import { lockHolder } from "./lock.js";

// `cron-scheduler start | stop | status`: the foreground scheduler
// (`cron-scheduler run`) as a background process, found through its pid file.

const BIN = fileURLToPath(new URL("../../bin/cron-scheduler.js", import.meta.url));

export interface ServiceStatus {
  running: boolean;
  pid: number | null;
  home: string;
}

export function status(home: string): ServiceStatus {
  const holder = lockHolder(homePaths(home).pid);
  return { running: holder !== null, pid: holder?.pid ?? null, home };
}

/**
 * Starts `cron-scheduler run` detached from this terminal and waits until it
 * holds the home's lock. If it dies first, its error is reported.
 */
export async function start(home: string, args: string[], waitMs = 10_000): Promise<ServiceStatus> {
  const paths = ensureHome(home);
  const running = status(home);
  if (running.running) {
    throw new SchedulerError(
      "E_LOCKED",
      `the scheduler is already running on ${home} (pid ${running.pid})`,
    );
  }
  const errPath = join(paths.home, "daemon.err");
  const err = openSync(errPath, "w", 0o600);
  const child = spawn(process.execPath, [BIN, "run", "--home", home, ...args], {
    detached: true,
    stdio: ["ignore", "ignore", err],
    env: process.env,
  });
  closeSync(err);
  let exit: number | null | undefined;
  child.on("exit", (code) => {
    exit = code;
  });
  child.unref();
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      const why =
        readFileSync(errPath, "utf8").trim().split("\n").pop() || `it exited with code ${exit}`;
      throw new SchedulerError(
        "E_INTERNAL",
        `the scheduler did not start: ${why.replace(/^cron-scheduler: /, "")}`,
      );
    }
    const now = status(home);
    if (now.pid === child.pid) return now;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new SchedulerError(
    "E_INTERNAL",
    `the scheduler (pid ${child.pid}) did not take the lock within ${waitMs / 1000} s; see ${errPath}`,
  );
}

/** Sends SIGTERM and waits for the scheduler to finish its running jobs and exit. */
export async function stop(
  home: string,
  waitMs = 60_000,
): Promise<ServiceStatus & { wasRunning: boolean }> {
  const holder = lockHolder(homePaths(home).pid);
  if (holder === null) return { running: false, pid: null, home, wasRunning: false };
  process.kill(holder.pid, "SIGTERM");
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    // Gone means the process has exited, not only that it let go of its pid file.
    const exited = holder.startTime === null || processStartTime(holder.pid) !== holder.startTime;
    if (!status(home).running && exited) {
      return { running: false, pid: holder.pid, home, wasRunning: true };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new SchedulerError(
    "E_INTERNAL",
    `the scheduler (pid ${holder.pid}) is still running ${waitMs / 1000} s after SIGTERM; it may be waiting for jobs to finish`,
  );
}
