import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectBadInput, type Sandbox, sandbox } from "./helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
});
afterEach(() => box.cleanup());

describe("create_cron, the seed's command", () => {
  it("adds a job exactly as the seed's README shows, and prints it with its next three runs", () => {
    const script = join(box.scripts, "task.py");
    const r = box.createCron(["job_id", "--interval", "30", "* * * * *", script]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^added job_id\n/);
    expect(r.stdout).toContain(script);
    expect(r.stdout).toMatch(/timeout\s+30m/);
    const next = r.stdout.match(/\d{4}-\d\d-\d\dT\d\d:\d\d:00Z/g) ?? [];
    expect(next).toHaveLength(3);
    const times = next.map((t) => Date.parse(t));
    expect(times[1]! - times[0]!).toBe(60_000);
    expect(times[0]!).toBeGreaterThan(Date.now() - 60_000);

    const [job] = box.jobs();
    expect(job).toMatchObject({
      id: "job_id",
      schedule: "* * * * *",
      timezone: "UTC",
      timeoutMs: 30 * 60_000,
      target: { type: "script", path: script, args: [] },
      paused: false,
    });
  });

  it("takes a duration for --interval, script arguments, and a relative script path", () => {
    const r = box.createCron(
      ["j2", "--interval", "1h30m", "0 3 * * *", "task.sh", "a", "--", "--flag"],
      { cwd: box.scripts },
    );
    expect(r.code).toBe(0);
    expect(box.jobs()[0]).toMatchObject({
      timeoutMs: 5_400_000,
      target: { type: "script", path: join(box.scripts, "task.sh"), args: ["a", "--flag"] },
    });
  });

  it("has no time limit without --interval, and prints JSON with --json", () => {
    const r = box.createCron(["j3", "@daily", join(box.scripts, "task.py"), "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ id: "j3", timeoutMs: null, schedule: "@daily" });
    expect(out.next).toHaveLength(3);
    expect(out.next[0]).toMatch(/T00:00:00\.000Z$/);
  });

  it("prints help with an example, exit 0", () => {
    const r = box.createCron(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('create_cron job_id --interval 30 "* * * * *" /path/script.py');
    expect(r.stdout).toContain("--interval");
  });

  it("cron-scheduler add is the same command, with every job option", () => {
    const r = box.cli([
      "add",
      "full",
      "--tz",
      "Europe/Berlin",
      "--timeout",
      "90s",
      "--overlap",
      "queue",
      "--retries",
      "3",
      "--retry-backoff",
      "30s",
      "--catch-up",
      "all",
      "--grace",
      "1h",
      "--jitter",
      "5s",
      "--cwd",
      box.scripts,
      "--env",
      "A=1",
      "--env",
      "B=two words",
      "--paused",
      "--description",
      "the works",
      "--command",
      "echo 'a b' c",
      "0 9 * * MON-FRI",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(box.jobs()[0]).toMatchObject({
      id: "full",
      timezone: "Europe/Berlin",
      timeoutMs: 90_000,
      overlap: "queue",
      retries: 3,
      retryBackoffMs: 30_000,
      catchUp: "all",
      graceMs: 3_600_000,
      jitterMs: 5_000,
      cwd: box.scripts,
      env: { A: "1", B: "two words" },
      paused: true,
      description: "the works",
      target: { type: "command", argv: ["echo", "a b", "c"] },
    });
    const shell = box.cli(["add", "sh", "--shell", "echo $HOME | wc -c", "@hourly"]);
    expect(shell.code).toBe(0);
    expect(box.jobs().find((j) => j.id === "sh")?.target).toEqual({
      type: "shell",
      command: "echo $HOME | wc -c",
    });
  });
});

describe("bad input: exit 2, one line, the store as it was", () => {
  const py = () => join(box.scripts, "task.py");
  let before: string;
  beforeEach(() => {
    expect(box.createCron(["existing", "--interval", "5", "*/5 * * * *", py()]).code).toBe(0);
    before = JSON.stringify(box.jobs());
  });
  afterEach(() => {
    expect(JSON.stringify(box.jobs())).toBe(before);
  });

  it("a duplicate id", () => {
    expectBadInput(
      box.createCron(["existing", "* * * * *", py()]),
      /^create_cron: job "existing" already exists/,
    );
  });
  it("an id with forbidden characters", () => {
    expectBadInput(
      box.createCron(["bad/id", "* * * * *", py()]),
      /^create_cron: <id>: "bad\/id" is not a valid job id \(use 1-128 letters/,
    );
  });
  it("an invalid expression: the engine's message with the column", () => {
    expectBadInput(
      box.createCron(["j", "61 * * * *", py()]),
      /^create_cron: minute field: 61 is out of range 0-59 \(column 1 of "61 \* \* \* \*"\)$/,
    );
    expectBadInput(box.cli(["add", "j", "* * * * * * * *", py()]), /^cron-scheduler: .*fields/);
  });
  it("an expression that never fires", () => {
    expectBadInput(box.createCron(["j", "0 0 30 2 *", py()]), /can never fire/);
    expectBadInput(
      box.createCron(["j", "@at 2001-01-01T00:00:00Z", py()]),
      /never fires after now/,
    );
  });
  it("a script that does not exist", () => {
    expectBadInput(
      box.createCron(["j", "* * * * *", "/no/such/script.py"]),
      /^create_cron: script "\/no\/such\/script.py" does not exist$/,
    );
  });
  it("a script with no known interpreter that is not executable", () => {
    expectBadInput(
      box.createCron(["j", "* * * * *", join(box.scripts, "plain.txt")]),
      /is not executable and has no known interpreter/,
    );
  });
  it("an unknown time zone", () => {
    expectBadInput(
      box.cli(["add", "j", "--tz", "Mars/Olympus", "* * * * *", py()]),
      /^cron-scheduler: --tz: unknown time zone "Mars\/Olympus"/,
    );
  });
  it("a malformed duration", () => {
    expectBadInput(
      box.createCron(["j", "--interval", "5 minutes", "* * * * *", py()]),
      /^create_cron: --interval: "5 minutes"/,
    );
    expectBadInput(
      box.cli(["add", "j", "--timeout", "30", "* * * * *", py()]),
      /^cron-scheduler: --timeout: "30" has no unit/,
    );
    expectBadInput(box.cli(["add", "j", "--jitter", "soon", "* * * * *", py()]), /--jitter/);
  });
  it("--interval 0 or negative", () => {
    expectBadInput(
      box.createCron(["j", "--interval", "0", "* * * * *", py()]),
      /--interval: "0" must be greater than zero/,
    );
    expectBadInput(
      box.createCron(["j", "--interval", "-5", "* * * * *", py()]),
      /--interval: "-5" must not be negative/,
    );
  });
  it("an unknown option", () => {
    expectBadInput(
      box.createCron(["j", "--intervall", "5", "* * * * *", py()]),
      /^create_cron: unknown option '--intervall'/,
    );
    expectBadInput(box.cli(["list", "--jsn"]), /^cron-scheduler: unknown option '--jsn'/);
  });
  it("missing arguments and unknown commands", () => {
    expectBadInput(box.createCron(["j"]), /missing required argument 'schedule'/);
    expectBadInput(box.cli(["lsit"]), /unknown command 'lsit'/);
    expectBadInput(box.createCron(["j", "* * * * *"]), /nothing to run/);
  });
  it("an invalid policy, retries, env or two targets", () => {
    expectBadInput(
      box.cli(["add", "j", "--overlap", "maybe", "* * * * *", py()]),
      /^cron-scheduler: --overlap: "maybe" is not one of skip, allow, queue, replace$/,
    );
    expectBadInput(box.cli(["add", "j", "--retries", "101", "* * * * *", py()]), /--retries/);
    expectBadInput(box.cli(["add", "j", "--env", "1X=2", "* * * * *", py()]), /--env: "1X=2"/);
    expectBadInput(
      box.cli(["add", "j", "--command", "ls", "* * * * *", py()]),
      /not <script> and --command/,
    );
    expectBadInput(box.cli(["add", "j", "--cwd", "/no/such/dir", "@daily", py()]), /--cwd/);
  });
  it("unknown job ids", () => {
    for (const args of [
      ["show", "nope"],
      ["remove", "nope"],
      ["pause", "nope"],
      ["resume", "nope"],
      ["edit", "nope", "--retries", "1"],
      ["trigger", "nope"],
      ["runs", "nope"],
      ["export", "nope"],
    ]) {
      expectBadInput(box.cli(args), /^cron-scheduler: no job "nope" \(see the ids with/);
    }
    expectBadInput(box.cli(["output", "nope"]), /^cron-scheduler: no run "nope"/);
  });
});

describe("a file at the database path that is not a SQLite database", () => {
  it("is a clear error, exit 1, and the file is left untouched", () => {
    const r0 = box.createCron(["a", "@daily", join(box.scripts, "task.py")]);
    expect(r0.code).toBe(0);
    const db = join(box.home, "scheduler.db");
    for (const content of [Buffer.from("hello, not a database\n"), corruptSqlite(db)]) {
      writeFileSync(db, content);
      const hash = md5(db);
      for (const r of [
        box.createCron(["b", "@daily", join(box.scripts, "task.py")]),
        box.cli(["list"]),
      ]) {
        expect(r.code).toBe(1);
        const lines = r.stderr.split("\n").filter(Boolean);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/scheduler\.db/);
      }
      expect(md5(db)).toBe(hash);
    }
  });
});

/** A real SQLite file with its pages overwritten after the header. */
function corruptSqlite(path: string): Buffer {
  const bytes = readFileSync(path);
  const out = Buffer.from(bytes);
  for (let i = 100; i < out.length; i++) out[i] = (i * 7) & 0xff;
  return out;
}

function md5(path: string): string {
  return createHash("md5").update(readFileSync(path)).digest("hex");
}
