import { randomBytes, randomFillSync } from "node:crypto";
import { hostname } from "node:os";
import { processStartTime } from "./executor/procfs.js";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

/**
 * A run id: 10 characters of time (ms, base32) then 10 random: sortable by
 * creation, unique across processes and machines without coordination.
 */
export function newRunId(now = Date.now()): string {
  // Runs come in bursts within one millisecond: their time part is shared.
  if (now !== lastTime) {
    let time = "";
    let t = now;
    for (let i = 0; i < 10; i++) {
      time = ALPHABET[t % 32] + time;
      t = Math.floor(t / 32);
    }
    lastTime = now;
    lastTimeText = time;
  }
  const time = lastTimeText;
  // Random bytes come from a pool refilled 400 ids at a time: one
  // randomBytes call per run costs more than the rest of the id.
  if (poolAt + 10 > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  let rand = "";
  for (let i = 0; i < 10; i++) rand += ALPHABET[(POOL[poolAt++] as number) & 31];
  return time + rand;
}

let lastTime = Number.NaN;
let lastTimeText = "";
const POOL = Buffer.alloc(4000);
let poolAt = POOL.length;

let nodeId: string | undefined;

/**
 * This process as a scheduler node: "host:pid:start", where start is the
 * process start time (from /proc), so that a later reader can tell whether
 * the node still lives or its pid was reused (see nodeIsDead). Where /proc
 * is missing, a random suffix stands in for it.
 */
export function thisNode(): string {
  nodeId ??= `${hostname()}:${process.pid}:${processStartTime(process.pid) ?? `r${randomBytes(4).toString("hex")}`}`;
  return nodeId;
}

/**
 * True when a node id names a process on this host that is gone (or whose
 * pid now belongs to another process); false when it lives or when it is on
 * another host (we cannot tell from here).
 */
export function nodeIsDead(node: string): boolean {
  const [host, pidText, ...rest] = node.split(":");
  const start = rest.join(":");
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  // Without /proc the node id carries a random token: only "no such pid" tells.
  if (start === "" || start.startsWith("r")) return !pidExists(pid);
  return processStartTime(pid) !== start;
}

/** Whether a process with this pid exists (no /proc needed; a zombie counts). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
