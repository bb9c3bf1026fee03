import { appendFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatLine } from "../../src/log-format.js";
import { BIN, type Sandbox, sandbox } from "./helpers.js";

// The scheduler's log is pino's JSON lines; `logs` reads them back.
const T = Date.parse("2026-03-01T10:00:00Z");
const line = (i: number, event: string, jobId: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ level: event === "run.failed" ? 50 : 30, time: T + i * 1000, pid: 1, hostname: "h", event, jobId, runId: `r${i}`, msg: event.replace(".", " "), ...extra })}\n`;

describe("formatLine", () => {
  it("prints time, level, event, job, run, message and the other fields", () => {
    const text = formatLine(line(0, "run.failed", "backup", { exitCode: 3, err: { m: 1 } }));
    // The time is shown in the local zone, with its offset: the same instant.
    const [time, ...rest] = text.split(" ");
    expect(Date.parse(time!)).toBe(T);
    expect(rest.join(" ")).toBe(
      'ERROR run.failed job=backup run=r0 run failed exitCode=3 err={"m":1}',
    );
  });
  it("passes a line that is not JSON through", () => {
    expect(formatLine("plain text")).toBe("plain text");
  });
});

describe("cron-scheduler logs", () => {
  let box: Sandbox;
  let log: string;
  beforeEach(() => {
    box = sandbox();
    mkdirSync(box.home, { recursive: true });
    log = join(box.home, "scheduler.log");
  });
  afterEach(() => box.cleanup());

  it("says so when there is no log yet", () => {
    const r = box.cli(["logs"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^no log yet at .*scheduler\.log/);
  });

  it("prints the rotated file first, filters by job, limits to the last lines", () => {
    writeFileSync(`${log}.2`, line(0, "job.added", "a"));
    writeFileSync(`${log}.1`, line(1, "run.started", "a") + line(2, "run.started", "b"));
    writeFileSync(log, line(3, "run.succeeded", "a") + line(4, "run.failed", "b"));
    const all = box
      .cli(["logs"], { env: { TZ: "UTC" } })
      .stdout.trim()
      .split("\n");
    expect(all.map((l) => l.split(/ +/)[2])).toEqual([
      "job.added",
      "run.started",
      "run.started",
      "run.succeeded",
      "run.failed",
    ]);
    expect(all[0]).toBe("2026-03-01T10:00:00.000Z INFO  job.added job=a run=r0 job added");
    const a = box.cli(["logs", "--job", "a", "-n", "2"]).stdout.trim().split("\n");
    expect(a.map((l) => l.split(/ +/)[4])).toEqual(["run=r1", "run=r3"]);
    const json = box.cli(["logs", "--json", "-n", "1"]).stdout;
    expect(JSON.parse(json)).toMatchObject({ event: "run.failed", jobId: "b" });
  });

  it("--follow prints new lines, across a rotation", async () => {
    writeFileSync(log, line(0, "run.started", "a"));
    const follower = box.start(BIN.scheduler, ["logs", "--follow", "--json"]);
    const lines = (n: number) => (out: string) => out.split("\n").length > n;
    await follower.until(lines(1));
    appendFileSync(log, line(1, "run.succeeded", "a"));
    await follower.until(lines(2));
    // Rotation: the old file gets a last line after the rename, then a new file starts.
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, line(2, "run.late", "a"));
    writeFileSync(log, line(3, "run.started", "b"));
    await follower.until(lines(4));
    follower.child.kill("SIGTERM");
    const r = await follower.done;
    const events = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).event);
    expect(events).toEqual(["run.started", "run.succeeded", "run.late", "run.started"]);
  });
});
