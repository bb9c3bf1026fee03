import { randomBytes, randomFillSync } from "node:crypto";
import { hostname } from "node:os";
import { processStartTime } from "./executor/procfs.js";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));

/**
 * A run id: 10 characters of time (ms, base32) then 10 random: sortable by
 * creation, unique across processes and machines without coordination.
 *
 * Made on the path of every fire, so made in one piece: one flat string
 * from 20 character codes (a string grown a character at a time leaves a
 * string behind per character).
 */
export function newRunId(now = Date.now()): string {
  // Runs come in bursts within one millisecond: their time part is shared.
  if (now !== lastTime) {
    let t = now;
    for (let i = 9; i >= 0; i--) {
      TIME[i] = CODES[t % 32] as number;
      t = Math.floor(t / 32);
    }
    lastTime = now;
  }
  // Random characters come from a pool refilled 6,553 ids at a time: one
  // randomBytes call per run costs more than the rest of the id.
  if (poolAt + 10 > poolEnd) refillPool();
  const p = POOL;
  const t = TIME;
  const i = poolAt;
  poolAt += 10;
  return String.fromCharCode(
    t[0] as number,
    t[1] as number,
    t[2] as number,
    t[3] as number,
    t[4] as number,
    t[5] as number,
    t[6] as number,
    t[7] as number,
    t[8] as number,
    t[9] as number,
    p[i] as number,
    p[i + 1] as number,
    p[i + 2] as number,
    p[i + 3] as number,
    p[i + 4] as number,
    p[i + 5] as number,
    p[i + 6] as number,
    p[i + 7] as number,
    p[i + 8] as number,
    p[i + 9] as number,
  );
}

/** ALPHABET's digit of each character code, or -1. */
const DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;

/**
 * An id of newRunId's form as two numbers (its time and its random half,
 * 50 bits each, exact in a double): writes them to out[0] and out[1] and
 * returns true, or returns false for an id of another form. The memory store
 * keeps finished runs' ids so (see store/run-rows.ts).
 */
export function runIdParts(id: string, out: Float64Array): boolean {
  if (id.length !== 20) return false;
  let time = 0;
  let random = 0;
  for (let i = 0; i < 10; i++) {
    const a = id.charCodeAt(i);
    const b = id.charCodeAt(i + 10);
    const da = a < 128 ? (DIGITS[a] as number) : -1;
    const db = b < 128 ? (DIGITS[b] as number) : -1;
    if (da < 0 || db < 0) return false;
    time = time * 32 + da;
    random = random * 32 + db;
  }
  out[0] = time;
  out[1] = random;
  return true;
}

/** The id that runIdParts() took apart. */
export function runIdFromParts(time: number, random: number): string {
  const codes = ID_CODES;
  let t = time;
  let r = random;
  for (let i = 9; i >= 0; i--) {
    codes[i] = CODES[t % 32] as number;
    codes[i + 10] = CODES[r % 32] as number;
    t = Math.floor(t / 32);
    r = Math.floor(r / 32);
  }
  return String.fromCharCode(...codes);
}

const ID_CODES = new Uint8Array(20);

/** When a run id from newRunId() was made (epoch ms), or null for an id of another form. */
export function runIdTime(id: string): number | null {
  if (id.length !== 20) return null;
  let t = 0;
  for (let i = 0; i < 10; i++) {
    const digit = ALPHABET.indexOf(id[i] as string);
    if (digit < 0) return null;
    t = t * 32 + digit;
  }
  return t;
}

let lastTime = Number.NaN;
/** The character codes of lastTime. */
const TIME = new Uint8Array(10);
/** Random bytes, each turned into a character code of ALPHABET. */
const POOL = Buffer.alloc(65_536);
/** The end of the part of POOL filled by the last refill. */
let poolEnd = 0;
let poolAt = 0;

/**
 * Apart from newRunId, which runs at every fire, and called there from the
 * start: the first refills are small (10 ids, then 20, 40 …, up to 6,553),
 * so the call is made while newRunId still collects type feedback. A call
 * first made once the code inlining newRunId is optimised has no feedback:
 * V8 compiled it as a bailout, and threw away the optimised code of the
 * whole fire path (#decide) at the first refill, 6.5 s into a thousand
 * fires a second.
 */
function refillPool(): void {
  poolEnd = poolEnd === 0 ? 100 : Math.min(POOL.length, poolEnd * 2);
  const pool = POOL.subarray(0, poolEnd);
  randomFillSync(pool);
  for (let i = 0; i < poolEnd; i++) POOL[i] = CODES[(POOL[i] as number) & 31] as number;
  poolAt = 0;
}

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
