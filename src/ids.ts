import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

/**
 * A run id: 10 characters of time (ms, base32) then 10 random: sortable by
 * creation, unique across processes and machines without coordination.
 */
export function newRunId(now = Date.now()): string {
  let time = "";
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let rand = "";
  for (let i = 0; i < 10; i++) rand += ALPHABET[(bytes[i] as number) % 32];
  return time + rand;
}

let nodeId: string | undefined;

/**
 * This process as a scheduler node: "host:pid:start", where start is the
 * process start time (from /proc), so that a later reader can tell whether
 * the node still lives or its pid was reused (see nodeIsDead). Where /proc
 * is missing, a random suffix stands in for it.
 */
export function thisNode(): string {
  nodeId ??= `${hostname()}:${process.pid}:${procStartTime(process.pid) ?? `r${randomBytes(4).toString("hex")}`}`;
  return nodeId;
}

/** The start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
export function procStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * True when a node id names a process on this host that is gone (or whose
 * pid now belongs to another process); false when it lives or when it is on
 * another host (we cannot tell from here).
 */
export function nodeIsDead(node: string): boolean {
  const [host, pidText, start] = node.split(":");
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = procStartTime(pid);
  if (now === null) return !isAlive(pid);
  return start?.startsWith("r") ? false : now !== start;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
