import { randomBytes } from "node:crypto";
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

/** This process as a scheduler node: host, pid and a random suffix (pids are reused). */
export function thisNode(): string {
  nodeId ??= `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  return nodeId;
}
