// Stopping a run's whole process tree: timeouts, aborts, and what a main
// process leaves behind when it exits. Pids are checked in /proc afterwards:
// "dead" is a zombie nobody reaped (PID 1 of a container may not reap).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runAttempt } from "../../src/executor/index.js";
import { attempt, killQuietly, pidState, readPids, script, tempDir, waitFor } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
const leaked: number[] = [];
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => {
  for (const pid of leaked.splice(0)) killQuietly(pid);
  tmp.cleanup();
});

/** Every pid is gone or a zombie; (SIGKILL is delivered asynchronously, so allow a moment.) */
async function allDead(pids: number[]): Promise<boolean> {
  return waitFor(() => pids.every((p) => pidState(p) !== "alive"), 1000);
}

describe("timeout", () => {
  it("stops a tree that ignores SIGTERM: SIGTERM, then SIGKILL to the group after the grace", async () => {
    const pidFile = join(tmp.dir, "pids");
    const log = join(tmp.dir, "run.log");
    let pids: number[] = [];
    const started = Date.now();
    const r = await runAttempt(
      attempt(script("stubborn-tree.sh", pidFile), {
        timeoutMs: 400,
        killGraceMs: 300,
        outputPath: log,
        onStart: () => {
          // Learn the pids as soon as the script wrote them, to check them afterwards.
          void waitFor(() => existsSync(pidFile)).then(() => {
            pids = readPids(pidFile);
            leaked.push(...pids);
          });
        },
      }),
    );
    const took = Date.now() - started;
    expect(pids).toHaveLength(2);
    // Both survived SIGTERM: only the SIGKILL after the grace ended them.
    expect(r).toMatchObject({ status: "timed_out", exitCode: null, signal: "SIGKILL" });
    expect(took).toBeGreaterThanOrEqual(700);
    expect(await allDead(pids)).toBe(true);
    const text = readFileSync(log, "utf8");
    expect(text).toContain("started\n");
    expect(text).toContain("timed out after 400 ms: sent SIGTERM to the process group");
    expect(text).toContain("sent SIGKILL to the process group: still running 300 ms after SIGTERM");
    expect(r.outputTail).toBe("started\n");
  });

  it("a run that obeys SIGTERM ends at once, still timed_out", async () => {
    const started = Date.now();
    const r = await runAttempt(
      attempt({ type: "command", argv: ["sleep", "30"] }, { timeoutMs: 100, killGraceMs: 5000 }),
    );
    expect(r).toMatchObject({ status: "timed_out", exitCode: null, signal: "SIGTERM" });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("a run that ends within its timeout is not touched", async () => {
    const r = await runAttempt(attempt(script("exit-with.sh", "0"), { timeoutMs: 5000 }));
    expect(r.status).toBe("succeeded");
  });
});

describe("abort signal", () => {
  it("stops the group the same way, status killed", async () => {
    const pidFile = join(tmp.dir, "pids");
    const controller = new AbortController();
    let pids: number[] = [];
    const r = await runAttempt(
      attempt(script("stubborn-tree.sh", pidFile), {
        signal: controller.signal,
        killGraceMs: 200,
        onStart: () => {
          void waitFor(() => existsSync(pidFile)).then(() => {
            pids = readPids(pidFile);
            leaked.push(...pids);
            controller.abort();
          });
        },
      }),
    );
    expect(r).toMatchObject({ status: "killed", signal: "SIGKILL" });
    expect(await allDead(pids)).toBe(true);
  });

  it("aborted before the start runs nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    let started = false;
    const log = join(tmp.dir, "run.log");
    const r = await runAttempt(
      attempt(script("exit-with.sh", "0"), {
        signal: controller.signal,
        outputPath: log,
        onStart: () => {
          started = true;
        },
      }),
    );
    expect(r).toMatchObject({ status: "killed", error: "stopped before it started" });
    expect(started).toBe(false);
    expect(existsSync(log)).toBe(false);
  });

  it("an abort after a timeout keeps timed_out", async () => {
    const controller = new AbortController();
    const p = runAttempt(
      attempt(
        { type: "command", argv: ["sleep", "30"] },
        {
          timeoutMs: 50,
          signal: controller.signal,
        },
      ),
    );
    setTimeout(() => controller.abort(), 100);
    expect((await p).status).toBe("timed_out");
  });
});

describe("what the main process leaves behind", () => {
  it("a grandchild holding stdout does not hold the run open; it is stopped", async () => {
    const pidFile = join(tmp.dir, "pid");
    const r = await runAttempt(attempt(script("leftover.sh", pidFile), { killGraceMs: 5000 }));
    const [pid] = readPids(pidFile) as [number];
    leaked.push(pid);
    // The status is the main process's; the leftover got SIGTERM and obeyed.
    expect(r).toMatchObject({ status: "succeeded", exitCode: 0 });
    expect(r.finishedAt - r.startedAt).toBeLessThan(3000);
    expect(await allDead([pid])).toBe(true);
  });

  it("a leftover that ignores SIGTERM gets SIGKILL after the grace", async () => {
    const pidFile = join(tmp.dir, "pid");
    const log = join(tmp.dir, "run.log");
    const r = await runAttempt(
      attempt(script("leftover.sh", pidFile, "stubborn"), { killGraceMs: 200, outputPath: log }),
    );
    const [pid] = readPids(pidFile) as [number];
    leaked.push(pid);
    expect(r.status).toBe("succeeded");
    expect(await allDead([pid])).toBe(true);
    expect(readFileSync(log, "utf8")).toMatch(
      /main done\n\[cron-scheduler\] the main process exited; stopping what it left running in its process group\n\[cron-scheduler\] sent SIGKILL/,
    );
  });

  it("a process that left the group and holds the pipes cannot keep the run open", async () => {
    const pidFile = join(tmp.dir, "pid");
    const r = await runAttempt(attempt(script("escape.sh", pidFile)));
    const [pid] = readPids(pidFile) as [number];
    leaked.push(pid);
    expect(r.status).toBe("succeeded");
    expect(r.outputTail).toBe("main done\n");
    expect(r.finishedAt - r.startedAt).toBeLessThan(3000);
    // Outside the group, it is out of reach (a documented limit): it still runs.
    expect(pidState(pid)).toBe("alive");
  });
});
