// Process identity and process-group liveness from Linux's /proc.
//
// A pid alone does not name a process: after the scheduler crashes, the pid
// of one of its runs may belong to an unrelated process by the time the next
// scheduler starts. So a run records the process start time next to its pid,
// and crash recovery signals the group only if the pid still has that start
// time. Where /proc is missing (macOS, BSD), no start time can be read, and
// nothing is ever signalled on the strength of a pid alone.

import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";

// A stat line is at most ~1 KB (52 numeric fields and a 15-byte name).
const statBuf = Buffer.alloc(4096);

let bootId: string | null | undefined;

/** The kernel's boot id: start times count clock ticks since boot, so they only compare within one boot. */
function currentBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync("/proc/sys/kernel/random/boot_id", "latin1").trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

interface ProcStat {
  state: string;
  pgrp: number;
  startTicks: string;
}

/**
 * Fields of /proc/<pid>/stat (proc(5)). The command name (field 2) may hold
 * spaces and parentheses, so fields are counted from its closing parenthesis.
 * One open, read and close (readFileSync would stat and read twice): this
 * runs on the spawn of every run that is still alive a moment later.
 */
function readStat(pid: number | string): ProcStat | null {
  let text: string;
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, "r");
  } catch {
    return null;
  }
  try {
    text = statBuf.toString("latin1", 0, readSync(fd, statBuf, 0, statBuf.length, null));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ", 20);
  // rest[0] is field 3 (state), rest[2] field 5 (pgrp), rest[19] field 22 (starttime).
  const state = rest[0];
  const pgrp = Number(rest[2]);
  const startTicks = rest[19];
  if (state === undefined || startTicks === undefined || !Number.isInteger(pgrp)) return null;
  return { state, pgrp, startTicks };
}

/**
 * An opaque token that names the process `pid` is now: the boot id and the
 * start time in clock ticks (field 22 of /proc/<pid>/stat). null when the
 * process does not exist, is already dead (a zombie), or /proc is unavailable.
 */
export function processStartTime(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const boot = currentBootId();
  const stat = readStat(pid);
  if (boot === null || stat === null || isDead(stat.state)) return null;
  return `${boot}:${stat.startTicks}`;
}

/**
 * Signals the process group led by `pid`, but only if `pid` is still the
 * process that had `startTime` (from processStartTime). Returns true when the
 * signal was sent. The group is left alone when its leader has exited, as
 * then nothing proves the group is still the run's (a documented limit).
 */
export function killProcessGroupIfSame(
  pid: number,
  startTime: string | null,
  signal: NodeJS.Signals = "SIGTERM",
): boolean {
  if (startTime === null || processStartTime(pid) !== startTime) return false;
  return signalGroup(pid, signal);
}

/** Sends `signal` to the process group `pgid`; false if the group no longer exists or may not be signalled. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  // ESRCH is the usual answer (every run's exit asks whether its group is
  // gone), and process.kill throws it: the stack trace was two thirds of the
  // cost of that. An unexpected error gets its stack back before it is thrown.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // EPERM: what is left of the group is not ours to signal (it changed its
    // user); we cannot stop or wait for it, so it counts as gone — throwing
    // here, in an exit handler or a timer, would bring the scheduler down.
    if (code === "ESRCH" || code === "EPERM") return false;
    Error.stackTraceLimit = limit;
    if (err instanceof Error) Error.captureStackTrace(err, signalGroup);
    throw err;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function isDead(state: string): boolean {
  return state === "Z" || state === "X" || state === "x";
}

/**
 * Whether any process of group `pgid` is still alive. kill(-pgid, 0) alone
 * would count zombies, and where PID 1 does not reap orphans (containers
 * without an init) a killed grandchild stays a zombie for good; so when the
 * group exists, /proc is scanned for a member that is not dead.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const entry of entries) {
    const c = entry.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const stat = readStat(entry);
    if (stat !== null && stat.pgrp === pgid && !isDead(stat.state)) return true;
  }
  return false;
}
