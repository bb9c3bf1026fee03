import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Attempt } from "../../src/executor/index.js";
import type { JobTarget } from "../../src/model.js";

export const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "scripts");

export function script(name: string, ...args: string[]): JobTarget {
  return { type: "script", path: join(SCRIPTS, name), args };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "cron-exec-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function attempt(target: JobTarget, over: Partial<Attempt> = {}): Attempt {
  return {
    jobId: "job-1",
    runId: "run-1",
    attempt: 1,
    scheduledAt: Date.parse("2026-11-26T15:00:00.000Z"),
    target,
    cwd: null,
    env: {},
    timeoutMs: null,
    outputPath: null,
    killGraceMs: 300,
    ...over,
  };
}

/** "alive", "dead" (a zombie nobody reaped) or "gone", from /proc. */
export function pidState(pid: number): "alive" | "dead" | "gone" {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return "gone";
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  return state === "Z" || state === "X" ? "dead" : "alive";
}

/** Waits (bounded) until `cond` holds; returns whether it did. */
export async function waitFor(cond: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/** Pids written by a fixture, one a line. */
export function readPids(path: string): number[] {
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => Number(l));
}

/** Kills what a test left behind, ignoring what is gone. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {}
}
