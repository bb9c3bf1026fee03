import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseImport } from "../../src/cli/import-formats.js";
import { expectBadInput, type Sandbox, sandbox } from "./helpers.js";

describe("parseImport (file formats)", () => {
  it("reads the seed's schedule.json: interval in minutes, frequency the expression", () => {
    const parsed = parseImport(
      JSON.stringify([{ id: "job1", interval: 30, frequency: "* * * * *", script: "/s.py" }]),
      "schedule.json",
    );
    expect(parsed.format).toBe("schedule.json");
    expect(parsed.entries[0]).toMatchObject({
      input: { id: "job1", schedule: "* * * * *", timeout: "30", script: "/s.py" },
      where: "schedule.json entry 1",
      labels: { timeout: "interval", schedule: "frequency" },
      timeoutBareUnit: "m",
    });
  });

  it("reads a crontab: comments, environment, CRON_TZ, SHELL, macros, ids", () => {
    const parsed = parseImport(
      [
        "# m h dom mon dow command",
        "MAILTO=me@example.com",
        'PATH="/usr/local/bin:/usr/bin:/bin"',
        "",
        "*/5 * * * * /usr/bin/check --quiet > /dev/null 2>&1",
        "CRON_TZ=Europe/Berlin",
        "# id: nightly-backup",
        "30   2 * * 1-5   tar czf /backup/$(date +\\%F).tgz /home",
        "@reboot echo started",
        "SHELL=/bin/bash",
        "@every 90s echo tick",
        "   ",
      ].join("\n"),
      "my.crontab",
      "mine",
    );
    expect(parsed.format).toBe("crontab");
    expect(parsed.notes).toEqual([expect.stringMatching(/^my.crontab line 2: MAILTO is ignored/)]);
    const inputs = parsed.entries.map((e) => e.input);
    const path = { PATH: "/usr/local/bin:/usr/bin:/bin" };
    expect(inputs).toEqual([
      {
        id: "mine-1",
        schedule: "*/5 * * * *",
        env: path,
        shell: "/usr/bin/check --quiet > /dev/null 2>&1",
      },
      {
        id: "nightly-backup",
        schedule: "30 2 * * 1-5",
        timezone: "Europe/Berlin",
        env: path,
        shell: "tar czf /backup/$(date +%F).tgz /home",
      },
      {
        id: "mine-3",
        schedule: "@reboot",
        timezone: "Europe/Berlin",
        env: path,
        shell: "echo started",
      },
      {
        id: "mine-4",
        schedule: "@every 90s",
        timezone: "Europe/Berlin",
        env: path,
        command: ["/bin/bash", "-c", "echo tick"],
      },
    ]);
    expect(parsed.entries[1]!.where).toBe("my.crontab line 8");
  });

  it("refuses a crontab line without a command, and an unescaped %", () => {
    expect(() => parseImport("* * * * *\n", "c")).toThrow(
      /c line 1: expected five schedule fields/,
    );
    expect(() => parseImport("@daily\n", "c")).toThrow(/expected "@daily" and then a command/);
    expect(() => parseImport("0 0 * * * mail -s hi me%body\n", "c")).toThrow(/"%"/);
  });

  it("reads an export, and refuses unknown fields and versions", () => {
    const job = { id: "a", schedule: "@daily", shell: "true" };
    expect(parseImport(JSON.stringify({ version: 1, jobs: [job] }), "e").entries[0]!.input).toEqual(
      job,
    );
    expect(parseImport(JSON.stringify([job]), "e").format).toBe("export");
    expect(() => parseImport(JSON.stringify({ jobs: [{ ...job, sched: 1 }] }), "e")).toThrow(
      /e job 1: unknown field "sched"/,
    );
    expect(() => parseImport(JSON.stringify({ version: 2, jobs: [] }), "e")).toThrow(/version 2/);
    expect(() => parseImport("{ nope", "e")).toThrow(/e: not valid JSON/);
  });
});

describe("import and export (subprocess)", () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => box.cleanup());

  const seedFile = () => {
    const file = join(box.scripts, "schedule.json");
    writeFileSync(
      file,
      JSON.stringify([
        { id: "job1", interval: 30, frequency: "* * * * *", script: "task.py" },
        {
          id: "job2",
          interval: 5,
          frequency: "0 9 * * MON-FRI",
          script: join(box.scripts, "tool"),
        },
      ]),
    );
    return file;
  };

  it("imports the seed's schedule.json (scripts relative to the file)", () => {
    const r = box.cli(["import", seedFile()]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "2 added, 0 replaced, 0 unchanged (schedule.json, read as the seed's schedule.json)",
    );
    expect(box.jobs()).toMatchObject([
      { id: "job1", timeoutMs: 1_800_000, target: { path: join(box.scripts, "task.py") } },
      { id: "job2", timeoutMs: 300_000, schedule: "0 9 * * MON-FRI" },
    ]);
  });

  it("--dry-run changes nothing; an existing id is an error unless --replace", () => {
    const file = seedFile();
    const dry = box.cli(["import", file, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would add\s+job1/);
    expect(box.jobs()).toEqual([]);

    expect(box.cli(["add", "job1", "--shell", "echo old", "@daily"]).code).toBe(0);
    const before = JSON.stringify(box.jobs());
    expectBadInput(
      box.cli(["import", file]),
      /^cron-scheduler: a job with id "job1" already exists; nothing was imported \(use --replace/,
    );
    expect(JSON.stringify(box.jobs())).toBe(before);

    const dryReplace = box.cli(["import", file, "--replace", "--dry-run"]);
    expect(dryReplace.stdout).toMatch(/would replace\s+job1/);
    expect(dryReplace.stdout).toMatch(/would add\s+job2/);
    expect(JSON.stringify(box.jobs())).toBe(before);

    expect(box.cli(["import", file, "--replace"]).code).toBe(0);
    expect(box.jobs().map((j) => [j.id, j.schedule])).toEqual([
      ["job1", "* * * * *"],
      ["job2", "0 9 * * MON-FRI"],
    ]);
  });

  it("is all or nothing: one bad entry and no job is added", () => {
    const file = join(box.scripts, "schedule.json");
    writeFileSync(
      file,
      JSON.stringify([
        { id: "good", interval: 30, frequency: "* * * * *", script: "task.py" },
        { id: "bad", interval: 0, frequency: "* * * * *", script: "task.py" },
      ]),
    );
    expectBadInput(
      box.cli(["import", file]),
      /^cron-scheduler: schedule.json entry 2: interval: "0" must be greater than zero/,
    );
    writeFileSync(
      file,
      JSON.stringify([
        { id: "good", interval: 30, frequency: "* * * * *", script: "task.py" },
        { id: "good", interval: 30, frequency: "61 * * * *", script: "task.py" },
      ]),
    );
    expectBadInput(box.cli(["import", file]), /entry 2: minute field: 61 is out of range/);
    expect(box.jobs()).toEqual([]);
  });

  it("imports a crontab from stdin as shell jobs", () => {
    const r = box.cli(["import", "-"], {
      input: "CRON_TZ=Asia/Tokyo\n# id: hello\n0 8 * * * echo 'good morning'\n@hourly date\n",
    });
    expect(r.code).toBe(0);
    expect(box.jobs()).toMatchObject([
      { id: "crontab-2", schedule: "@hourly", target: { type: "shell", command: "date" } },
      {
        id: "hello",
        timezone: "Asia/Tokyo",
        target: { type: "shell", command: "echo 'good morning'" },
      },
    ]);
  });

  it("export writes JSON that import reads back to the same jobs", () => {
    const py = join(box.scripts, "task.py");
    expect(box.createCron(["a", "--interval", "90s", "*/10 * * * *", py, "x", "y z"]).code).toBe(0);
    expect(
      box.cli([
        "add",
        "b",
        "--tz",
        "Europe/Berlin",
        "--overlap",
        "replace",
        "--retries",
        "4",
        "--retry-backoff",
        "1m30s",
        "--catch-up",
        "skip",
        "--grace",
        "2h",
        "--jitter",
        "250ms",
        "--cwd",
        box.scripts,
        "--env",
        "K=v",
        "--paused",
        "--description",
        "round trip",
        "--command",
        "ls -l '/a b'",
        "0 0 L * *",
      ]).code,
    ).toBe(0);
    expect(box.cli(["add", "c", "--shell", "echo $((1+1)) | cat", "@weekly"]).code).toBe(0);
    const original = box.jobs();
    const exported = box.cli(["export"]);
    expect(exported.code).toBe(0);
    const file = join(box.scripts, "jobs.json");
    writeFileSync(file, exported.stdout);

    for (const id of ["a", "b", "c"]) expect(box.cli(["remove", id]).code).toBe(0);
    const r = box.cli(["import", file]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const strip = (jobs: Record<string, unknown>[]) =>
      jobs.map(({ createdAt: _c, updatedAt: _u, next: _n, ...rest }) => rest);
    expect(strip(box.jobs())).toEqual(strip(original));

    // Importing the export over the same jobs changes nothing.
    const again = box.cli(["import", file, "--replace"]);
    expect(again.stdout).toContain("0 added, 0 replaced, 3 unchanged");
  });

  it("export of named jobs", () => {
    expect(box.cli(["add", "a", "--shell", "true", "@daily"]).code).toBe(0);
    expect(box.cli(["add", "b", "--shell", "true", "@daily"]).code).toBe(0);
    const out = JSON.parse(box.cli(["export", "b"]).stdout);
    expect(out).toMatchObject({ format: "cron-scheduler/jobs", version: 1 });
    expect(out.jobs.map((j: { id: string }) => j.id)).toEqual(["b"]);
  });
});
