import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { processStartTime } from "../../src/executor/procfs.js";
import type { Run } from "../../src/model.js";
import { openStore } from "../../src/store/index.js";

// The scheduler as users run it: the real executables, real child
// processes, real signals. Waits are bounded polls, not sleeps.

const BIN = resolve("bin/cron-scheduler.js");
const CREATE = resolve("bin/create_cron.js");
const homes: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

function tempHome(): string {
  const h = mkdtempSync(join(tmpdir(), "cs-daemon-"));
  homes.push(h);
  return h;
}

function cli(home: string, ...args: string[]): string {
  return execFileSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, CRON_SCHEDULER_HOME: home },
    encoding: "utf8",
  });
}

function runScheduler(
  home: string,
  ...args: string[]
): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, [BIN, "run", ...args], {
    env: { ...process.env, CRON_SCHEDULER_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d;
  });
  return Object.assign(child, { stderrText: () => err });
}

function exited(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise, reject) => {
    const t = setTimeout(() => reject(new Error("the process did not exit in time")), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(t);
      resolvePromise(code);
    });
  });
}

async function until<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 8000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runsOf(home: string, jobId: string): Promise<Run[]> {
  const store = await openStore(`sqlite:${join(home, "scheduler.db")}`);
  try {
    return await store.listRuns({ jobId, limit: 1000 });
  } finally {
    await store.close();
  }
}

function script(home: string, name: string, text: string): string {
  const path = join(home, name);
  writeFileSync(path, text);
  return path;
}

/** Alive and not a zombie (PID 1 here may never reap orphans). */
function alive(pid: number): boolean {
  return processStartTime(pid) !== null;
}

describe("cron-scheduler run", () => {
  it("runs a job added with create_cron after it started, logs it, and exits 0 on SIGTERM", async () => {
    const home = tempHome();
    const out = join(home, "out.txt");
    const py = script(
      home,
      "hello.py",
      `import os\nopen(${JSON.stringify(out)}, "a").write(os.environ["CRON_SCHEDULER_JOB_ID"] + " " + os.environ["CRON_SCHEDULER_SCHEDULED_AT"] + "\\n")\n`,
    );
    const daemon = runScheduler(home);
    await until(() => existsSync(join(home, "scheduler.pid")));
    execFileSync(process.execPath, [CREATE, "hello", "--interval", "1", "* * * * * *", py], {
      env: { ...process.env, CRON_SCHEDULER_HOME: home },
    });
    const runs = await until(async () => {
      const r = (await runsOf(home, "hello")).filter((x) => x.status === "succeeded");
      return r.length >= 2 ? r : null;
    });
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines[0]).toMatch(/^hello \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    for (const run of runs) expect(run.startedAt).toBeGreaterThanOrEqual(run.scheduledAt);
    daemon.kill("SIGTERM");
    expect(await exited(daemon)).toBe(0);
    expect(existsSync(join(home, "scheduler.pid"))).toBe(false);
    const log = readFileSync(join(home, "scheduler.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const events = log.map((l) => l.event);
    expect(events[0]).toBe("scheduler.started");
    expect(events).toContain("job.added");
    expect(events).toContain("run.started");
    expect(events).toContain("run.succeeded");
    expect(events.at(-1)).toBe("scheduler.stopped");
    expect(log.find((l) => l.event === "run.started")).toMatchObject({
      jobId: "hello",
      childPid: expect.any(Number),
    });
  });

  it("--keep-runs bounds each job's history", async () => {
    const home = tempHome();
    cli(home, "add", "tick", "* * * * * *", "/bin/true");
    const daemon = runScheduler(home, "--keep-runs", "2");
    const succeeded = () =>
      existsSync(join(home, "scheduler.log")) &&
      readFileSync(join(home, "scheduler.log"), "utf8").split("run.succeeded").length - 1;
    await until(() => (succeeded() || 0) >= 5);
    // Pruned after every run (keep/10 rounds up to 1): the newest 2, and one running.
    expect((await runsOf(home, "tick")).length).toBeLessThanOrEqual(3);
    daemon.kill("SIGTERM");
    expect(await exited(daemon)).toBe(0);
  });

  it("refuses a second scheduler on the same home, and takes over a stale pid file", async () => {
    const home = tempHome();
    // A stale pid file: pid 2^22 + 1 cannot exist on Linux.
    writeFileSync(join(home, "scheduler.pid"), "4194305\n1\n");
    const first = runScheduler(home);
    await until(() =>
      readFileSync(join(home, "scheduler.pid"), "utf8").startsWith(`${first.pid}\n`),
    );
    const second = runScheduler(home);
    expect(await exited(second)).toBe(1);
    expect(second.stderrText()).toMatch(/another scheduler \(pid \d+\) is already running/);
    expect(second.stderrText().trim().split("\n")).toHaveLength(1);
    first.kill("SIGTERM");
    expect(await exited(first)).toBe(0);
  });

  it("on SIGTERM lets a running job finish within the grace, then stops it and records it killed", async () => {
    const home = tempHome();
    const sh = script(home, "long.sh", "sleep 30\n");
    cli(home, "add", "long", "@yearly", sh);
    const daemon = runScheduler(home, "--shutdown-grace", "300ms");
    await until(() => existsSync(join(home, "scheduler.pid")));
    cli(home, "trigger", "long");
    const run = await until(async () => (await runsOf(home, "long")).find((r) => r.pid !== null));
    daemon.kill("SIGTERM");
    expect(await exited(daemon)).toBe(0);
    const [after] = await runsOf(home, "long");
    expect(after?.status).toBe("killed");
    expect(after?.reason).toMatch(/scheduler stopped/);
    expect(alive(run.pid as number)).toBe(false);
  });

  it("after kill -9, the next start stops the orphaned job and marks its run abandoned", async () => {
    const home = tempHome();
    const sh = script(home, "long.sh", "sleep 30\n");
    cli(home, "add", "long", "@yearly", sh);
    const daemon = runScheduler(home);
    await until(() => existsSync(join(home, "scheduler.pid")));
    cli(home, "trigger", "long");
    const run = await until(async () => (await runsOf(home, "long")).find((r) => r.pid !== null));
    const pid = run.pid as number;
    expect(run.pidStartTime).toBe(processStartTime(pid));
    daemon.kill("SIGKILL");
    await exited(daemon);
    expect(alive(pid)).toBe(true); // its own process group: the crash did not take it along
    const next = runScheduler(home);
    const [after] = await until(async () => {
      const r = await runsOf(home, "long");
      return r[0]?.status === "abandoned" ? r : null;
    });
    expect(after?.reason).toMatch(
      /stopped without finishing it; its leftover processes were stopped/,
    );
    await until(() => !alive(pid));
    next.kill("SIGTERM");
    expect(await exited(next)).toBe(0);
  });
});

describe("cron-scheduler start | stop | status", () => {
  it("starts in the background, reports status, and stops", async () => {
    const home = tempHome();
    expect(() => cli(home, "status")).toThrow(); // exit 1: not running
    const started = JSON.parse(
      cli(home, "start", "--json", "--keep-runs", "5", "--shutdown-grace", "2s"),
    );
    expect(started).toMatchObject({ running: true, pid: expect.any(Number) });
    // The background scheduler got the options.
    const argv = readFileSync(`/proc/${started.pid}/cmdline`, "utf8").split("\0");
    expect(argv.slice(argv.indexOf("--keep-runs"), argv.indexOf("--keep-runs") + 2)).toEqual([
      "--keep-runs",
      "5",
    ]);
    expect(
      argv.slice(argv.indexOf("--shutdown-grace"), argv.indexOf("--shutdown-grace") + 2),
    ).toEqual(["--shutdown-grace", "2000ms"]);
    expect(JSON.parse(cli(home, "status", "--json"))).toMatchObject({
      running: true,
      pid: started.pid,
    });
    const stopped = JSON.parse(cli(home, "stop", "--json"));
    expect(stopped).toMatchObject({ running: false, wasRunning: true });
    expect(alive(started.pid)).toBe(false);
    expect(JSON.parse(cli(home, "stop", "--json"))).toMatchObject({ wasRunning: false });
  });
});
