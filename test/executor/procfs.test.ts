// Process identity for crash recovery: a recorded (pid, start time) pair is
// signalled only while the pid still names the same process.

import { spawn } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { killProcessGroupIfSame, processStartTime } from "../../src/executor/index.js";
import { groupAlive, signalGroup } from "../../src/executor/procfs.js";
import { killQuietly, pidState, waitFor } from "./helpers.js";

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) killQuietly(-pid);
});

/** A detached `sleep` leading its own process group, with a `sleep` child in it. */
async function sleepingGroup() {
  const child = spawn("/bin/sh", ["-c", "sleep 30 & echo $!; wait"], {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const pid = child.pid as number;
  started.push(pid);
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  return { child, pid, grandchild: Number(line.toString().trim()) };
}

describe("processStartTime", () => {
  it("names a live process by boot id and start ticks, stably", () => {
    const t = processStartTime(process.pid);
    expect(t).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(processStartTime(process.pid)).toBe(t);
  });

  it("differs between processes and is null for no process", async () => {
    const { pid } = await sleepingGroup();
    expect(processStartTime(pid)).not.toBeNull();
    expect(processStartTime(pid)).not.toBe(processStartTime(process.pid));
    expect(processStartTime(2 ** 22 + 1)).toBeNull();
    expect(processStartTime(0)).toBeNull();
    expect(processStartTime(-5)).toBeNull();
  });
});

describe("killProcessGroupIfSame", () => {
  it("signals the whole group when the pid still has the recorded start time", async () => {
    const { child, pid, grandchild } = await sleepingGroup();
    const exited = once(child, "exit");
    expect(killProcessGroupIfSame(pid, processStartTime(pid), "SIGKILL")).toBe(true);
    await exited;
    expect(await waitFor(() => pidState(grandchild) !== "alive", 1000)).toBe(true);
  });

  it("leaves a process with another start time (a reused pid) alone", async () => {
    const { pid, grandchild } = await sleepingGroup();
    const real = processStartTime(pid) as string;
    const other = real.replace(/:(\d+)$/, (_, ticks) => `:${Number(ticks) - 1}`);
    expect(killProcessGroupIfSame(pid, other, "SIGKILL")).toBe(false);
    expect(killProcessGroupIfSame(pid, `another-boot:${real.split(":")[1]}`, "SIGKILL")).toBe(
      false,
    );
    expect(killProcessGroupIfSame(pid, null, "SIGKILL")).toBe(false);
    expect(pidState(pid)).toBe("alive");
    expect(pidState(grandchild)).toBe("alive");
  });

  it("does nothing for a pid that is gone", async () => {
    const { child, pid } = await sleepingGroup();
    const t = processStartTime(pid);
    child.kill("SIGKILL");
    await once(child, "exit");
    expect(killProcessGroupIfSame(pid, t, "SIGTERM")).toBe(false);
  });
});

describe("groupAlive", () => {
  it("is true while a member lives and false once all are dead, zombies included", async () => {
    const { child, pid, grandchild } = await sleepingGroup();
    expect(groupAlive(pid)).toBe(true);
    // Kill the leader first: the grandchild is orphaned, then killed; if PID 1 does not
    // reap, it stays a zombie in the group, which must not count as alive.
    child.kill("SIGKILL");
    await once(child, "exit");
    expect(groupAlive(pid)).toBe(true);
    process.kill(grandchild, "SIGKILL");
    expect(await waitFor(() => !groupAlive(pid), 1000)).toBe(true);
  });
});

describe("signalGroup", () => {
  it("is false for a group that is gone, and leaves Error.stackTraceLimit as it was", async () => {
    // A group of one: once its leader is reaped, the group is gone.
    const child = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
    const pid = child.pid as number;
    started.push(pid);
    expect(signalGroup(pid, 0)).toBe(true);
    const limit = Error.stackTraceLimit;
    child.kill("SIGKILL");
    await once(child, "exit");
    expect(signalGroup(pid, 0)).toBe(false);
    expect(signalGroup(pid, "SIGTERM")).toBe(false);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it("throws what is not ESRCH, with a stack trace", () => {
    let error: Error | undefined;
    try {
      signalGroup(process.pid, "SIGNOPE" as NodeJS.Signals);
    } catch (err) {
      error = err as Error;
    }
    expect((error as NodeJS.ErrnoException).code).toBe("ERR_UNKNOWN_SIGNAL");
    expect(error?.stack?.split("\n").length).toBeGreaterThan(1);
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
  });
});
