import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { SchedulerError } from "../errors.js";
import { processStartTime } from "../executor/procfs.js";
import { pidExists } from "../ids.js";

/** What the pid file says: the holder's pid and its process start time. */
export interface LockHolder {
  pid: number;
  startTime: string | null;
}

/**
 * The pid file is also the lock that keeps a second scheduler off a home.
 * It is created atomically (link(2) of a temporary file fails if the name
 * exists). A pid file whose process is gone — or whose pid now belongs to
 * another process, told apart by its start time — is stale and replaced.
 */
export function acquireLock(path: string, home: string): () => void {
  const mine = `${process.pid}\n${processStartTime(process.pid) ?? ""}\n`;
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, mine, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        linkSync(temp, path);
        return () => releaseLock(path, mine);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const text = readText(path);
      const holder = text === null ? null : parseHolder(text);
      if (holder && isAlive(holder)) {
        throw new SchedulerError(
          "E_LOCKED",
          `another scheduler (pid ${holder.pid}) is already running on ${home}; stop it with "cron-scheduler stop" or use another --home`,
          { pid: holder.pid },
        );
      }
      // Stale. Two starters may both see that; only the one holding the
      // takeover lock removes it, so the other then finds the winner's file.
      if (text !== null) removeStale(path, text, temp);
    }
    throw new SchedulerError(
      "E_LOCKED",
      `could not take the lock ${path}: other schedulers keep starting on ${home}`,
    );
  } finally {
    try {
      unlinkSync(temp);
    } catch {}
  }
}

/** A takeover lock older than this was left by a process that died while taking over. */
const TAKEOVER_STALE_MS = 10_000;

function removeStale(path: string, text: string, temp: string): void {
  const takeover = `${path}.takeover`;
  try {
    linkSync(temp, takeover);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    try {
      if (Date.now() - statSync(takeover).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(takeover);
    } catch {}
    sleepSync(25); // another starter is taking over: look again shortly
    return;
  }
  try {
    if (readText(path) === text) unlinkSync(path);
  } catch {
    // gone already
  } finally {
    try {
      unlinkSync(takeover);
    } catch {}
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function releaseLock(path: string, mine: string): void {
  if (readText(path) === mine) {
    try {
      unlinkSync(path);
    } catch {}
  }
}

/** The live holder of a lock file, or null if it is missing or stale. */
export function lockHolder(path: string): LockHolder | null {
  const text = readText(path);
  const holder = text === null ? null : parseHolder(text);
  return holder && isAlive(holder) ? holder : null;
}

function parseHolder(text: string): LockHolder | null {
  const [pidText, start] = text.split("\n");
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 ? { pid, startTime: start || null } : null;
}

function isAlive(holder: LockHolder): boolean {
  const now = processStartTime(holder.pid);
  if (now !== null) return holder.startTime === null || now === holder.startTime;
  return pidExists(holder.pid);
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
