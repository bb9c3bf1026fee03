import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyJobPatch,
  jobToInput,
  parseEnvPairs,
  splitWords,
  type ValidateOptions,
  validateJob,
} from "../src/jobs.js";
import type { JobInput } from "../src/model.js";

const NOW = Date.parse("2026-06-01T12:00:00Z");
let dir: string;
let opts: ValidateOptions;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jobs-test-"));
  writeFileSync(join(dir, "task.py"), "print('hi')\n");
  writeFileSync(join(dir, "task.sh"), "echo hi\n");
  writeFileSync(join(dir, "plain.txt"), "not a program\n");
  writeFileSync(join(dir, "tool"), "#!/bin/sh\necho hi\n");
  chmodSync(join(dir, "tool"), 0o755);
  mkdirSync(join(dir, "work"));
  opts = { now: NOW, cwd: dir };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (extra: Partial<JobInput> = {}): JobInput => ({
  id: "job1",
  schedule: "*/5 * * * *",
  timezone: "UTC",
  script: "task.py",
  ...extra,
});

/** The code and message of what fn throws. */
function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    const e = err as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error("expected an error");
}

describe("validateJob: defaults", () => {
  it("fills every field of a minimal job", () => {
    const job = validateJob(base(), opts);
    expect(job).toEqual({
      id: "job1",
      schedule: "*/5 * * * *",
      timezone: "UTC",
      timeoutMs: null,
      target: { type: "script", path: join(dir, "task.py"), args: [] },
      cwd: null,
      env: {},
      overlap: "skip",
      retries: 0,
      retryBackoffMs: 10_000,
      catchUp: "once",
      graceMs: null,
      jitterMs: 0,
      paused: false,
      description: null,
      createdAt: NOW,
      updatedAt: NOW,
    });
  });

  it("defaults the zone to the process zone", () => {
    const job = validateJob(base({ timezone: undefined }), opts);
    expect(job.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});

describe("validateJob: id", () => {
  it.each(["a", "A.b_c-1", "9", "x".repeat(128)])("accepts %s", (id) => {
    expect(validateJob(base({ id }), opts).id).toBe(id);
  });
  it.each(["", "-a", ".a", "a b", "a/b", "é", "x".repeat(129)])("refuses %j", (id) => {
    const f = failure(() => validateJob(base({ id }), { ...opts, labels: { id: "<id>" } }));
    expect(f.code).toBe("E_INVALID_JOB");
    expect(f.message).toContain("<id>");
    expect(f.message).toContain("not a valid job id");
  });
});

describe("validateJob: schedule", () => {
  it("keeps the engine's message with the column", () => {
    const f = failure(() => validateJob(base({ schedule: "61 * * * *" }), opts));
    expect(f.code).toBe("E_CRON_SYNTAX");
    expect(f.message).toContain("column 1");
  });
  it("refuses an impossible date", () => {
    expect(failure(() => validateJob(base({ schedule: "0 0 30 2 *" }), opts)).code).toBe(
      "E_CRON_NEVER",
    );
  });
  it("refuses a schedule whose instants are all in the past", () => {
    const f = failure(() => validateJob(base({ schedule: "@at 2020-01-01T00:00:00Z" }), opts));
    expect(f.code).toBe("E_CRON_NEVER");
    expect(f.message).toContain("never fires after now");
    expect(failure(() => validateJob(base({ schedule: "0 0 0 1 1 * 2025" }), opts)).code).toBe(
      "E_CRON_NEVER",
    );
  });
  it("accepts a one-shot in the future and @reboot", () => {
    expect(validateJob(base({ schedule: "@at 2027-01-01T00:00:00Z" }), opts).schedule).toBe(
      "@at 2027-01-01T00:00:00Z",
    );
    expect(validateJob(base({ schedule: "@reboot" }), opts).schedule).toBe("@reboot");
  });
});

describe("validateJob: timezone", () => {
  it("refuses an unknown zone, naming the input", () => {
    const f = failure(() =>
      validateJob(base({ timezone: "Mars/Olympus" }), { ...opts, labels: { timezone: "--tz" } }),
    );
    expect(f.code).toBe("E_TIMEZONE");
    expect(f.message).toMatch(/^--tz: unknown time zone "Mars\/Olympus"/);
  });
  it("keeps an alias as given", () => {
    expect(validateJob(base({ timezone: "US/Eastern" }), opts).timezone).toBe("US/Eastern");
  });
});

describe("validateJob: timeout (the seed's --interval)", () => {
  const labels = { timeout: "--interval" };
  it("reads a bare number as minutes", () => {
    expect(validateJob(base({ timeout: "30" }), opts).timeoutMs).toBe(30 * 60_000);
  });
  it("reads a duration", () => {
    expect(validateJob(base({ timeout: "1h30m" }), opts).timeoutMs).toBe(5_400_000);
    expect(validateJob(base({ timeout: "90s" }), opts).timeoutMs).toBe(90_000);
  });
  it("reads a number as milliseconds", () => {
    expect(validateJob(base({ timeout: 1500 }), opts).timeoutMs).toBe(1500);
  });
  it.each(["0", "-5", "-5m", "abc", "5x", "", "1.5"])("refuses %j", (timeout) => {
    const f = failure(() => validateJob(base({ timeout }), { ...opts, labels }));
    expect(f.code).toBe("E_DURATION");
    expect(f.message).toMatch(/^--interval: /);
  });
  it("refuses 0 and negative milliseconds", () => {
    expect(failure(() => validateJob(base({ timeout: 0 }), opts)).code).toBe("E_DURATION");
    expect(failure(() => validateJob(base({ timeout: -1 }), opts)).code).toBe("E_DURATION");
  });
  it("requires a unit when asked to", () => {
    const f = failure(() =>
      validateJob(base({ timeout: "30" }), {
        ...opts,
        timeoutBareUnit: null,
        labels: { timeout: "--timeout" },
      }),
    );
    expect(f.message).toContain("--timeout");
    expect(f.message).toContain("has no unit");
  });
});

describe("validateJob: what to run", () => {
  it("resolves a script to an absolute path and keeps its arguments", () => {
    const job = validateJob(base({ script: "./task.sh", args: ["-v", "x y"] }), opts);
    expect(job.target).toEqual({ type: "script", path: join(dir, "task.sh"), args: ["-v", "x y"] });
  });
  it("accepts an executable without a known extension", () => {
    expect(validateJob(base({ script: join(dir, "tool") }), opts).target).toMatchObject({
      path: join(dir, "tool"),
    });
  });
  it("refuses a missing script, naming it", () => {
    const f = failure(() => validateJob(base({ script: "missing.py" }), opts));
    expect(f.code).toBe("E_INVALID_JOB");
    expect(f.message).toContain('script "missing.py" does not exist');
  });
  it("refuses a directory as a script", () => {
    expect(failure(() => validateJob(base({ script: "work" }), opts)).message).toContain(
      "is not a file",
    );
  });
  it("refuses a non-executable file with no known interpreter", () => {
    const f = failure(() => validateJob(base({ script: "plain.txt" }), opts));
    expect(f.code).toBe("E_INVALID_JOB");
    expect(f.message).toContain("not executable");
    expect(f.message).toContain(".py");
  });
  it("splits a command string into words", () => {
    const job = validateJob(base({ script: undefined, command: `echo "a b" 'c d' e\\ f` }), opts);
    expect(job.target).toEqual({ type: "command", argv: ["echo", "a b", "c d", "e f"] });
  });
  it("keeps a command array", () => {
    expect(validateJob(base({ script: undefined, command: ["ls", "-l"] }), opts).target).toEqual({
      type: "command",
      argv: ["ls", "-l"],
    });
  });
  it("keeps a shell string", () => {
    expect(
      validateJob(base({ script: undefined, shell: "echo $HOME | wc -c" }), opts).target,
    ).toEqual({ type: "shell", command: "echo $HOME | wc -c" });
  });
  it("accepts a function name", () => {
    expect(validateJob(base({ script: undefined, function: "report" }), opts).target).toEqual({
      type: "function",
      name: "report",
    });
  });
  it("requires exactly one target", () => {
    expect(failure(() => validateJob(base({ script: undefined }), opts)).message).toContain(
      "nothing to run",
    );
    expect(failure(() => validateJob(base({ shell: "true" }), opts)).message).toContain(
      "exactly one",
    );
  });
  it("refuses empty commands and arguments without a script", () => {
    expect(failure(() => validateJob(base({ script: undefined, command: "  " }), opts)).code).toBe(
      "E_INVALID_JOB",
    );
    expect(failure(() => validateJob(base({ script: undefined, shell: "" }), opts)).code).toBe(
      "E_INVALID_JOB",
    );
    expect(
      failure(() => validateJob(base({ script: undefined, shell: "true", args: ["x"] }), opts))
        .message,
    ).toContain("arguments go with a script");
  });
});

describe("validateJob: cwd, env, policies", () => {
  it("resolves cwd and requires it to exist", () => {
    expect(validateJob(base({ cwd: "work" }), opts).cwd).toBe(join(dir, "work"));
    expect(failure(() => validateJob(base({ cwd: "nope" }), opts)).message).toContain(
      "does not exist",
    );
    expect(failure(() => validateJob(base({ cwd: "task.py" }), opts)).message).toContain(
      "not a directory",
    );
  });
  it("checks env names", () => {
    expect(validateJob(base({ env: { A_1: "x=y" } }), opts).env).toEqual({ A_1: "x=y" });
    expect(failure(() => validateJob(base({ env: { "1A": "x" } }), opts)).code).toBe(
      "E_INVALID_JOB",
    );
    expect(failure(() => validateJob(base({ env: { "A-B": "x" } }), opts)).code).toBe(
      "E_INVALID_JOB",
    );
  });
  it("parses K=V pairs", () => {
    expect(parseEnvPairs(["A=1", "B=x=y", "C="])).toEqual({ A: "1", B: "x=y", C: "" });
    expect(failure(() => parseEnvPairs(["novalue"])).message).toMatch(/^--env: "novalue"/);
    expect(failure(() => parseEnvPairs(["=1"])).code).toBe("E_INVALID_JOB");
  });
  it("checks the policy enums", () => {
    const job = validateJob(base({ overlap: "queue", catchUp: "all" }), opts);
    expect([job.overlap, job.catchUp]).toEqual(["queue", "all"]);
    const f = failure(() =>
      validateJob(base({ overlap: "sometimes" }), { ...opts, labels: { overlap: "--overlap" } }),
    );
    expect(f.message).toBe('--overlap: "sometimes" is not one of skip, allow, queue, replace');
    expect(failure(() => validateJob(base({ catchUp: "never" }), opts)).code).toBe("E_INVALID_JOB");
  });
  it("checks retries 0-100", () => {
    expect(validateJob(base({ retries: "3" }), opts).retries).toBe(3);
    expect(validateJob(base({ retries: 100 }), opts).retries).toBe(100);
    for (const retries of [101, -1, 1.5, "x", "3x"]) {
      expect(failure(() => validateJob(base({ retries }), opts)).message).toContain("0-100");
    }
  });
  it("reads backoff, grace and jitter as durations", () => {
    const job = validateJob(base({ retryBackoff: "30s", grace: "1h", jitter: "2m" }), opts);
    expect([job.retryBackoffMs, job.graceMs, job.jitterMs]).toEqual([30_000, 3_600_000, 120_000]);
    expect(validateJob(base({ jitter: "0" }), opts).jitterMs).toBe(0);
    expect(failure(() => validateJob(base({ grace: "5" }), opts)).code).toBe("E_DURATION");
    expect(failure(() => validateJob(base({ retryBackoff: "soon" }), opts)).code).toBe(
      "E_DURATION",
    );
  });
  it("checks paused and description", () => {
    expect(validateJob(base({ paused: true, description: "d" }), opts)).toMatchObject({
      paused: true,
      description: "d",
    });
    expect(
      failure(() => validateJob(base({ paused: "yes" as unknown as boolean }), opts)).code,
    ).toBe("E_INVALID_JOB");
  });
});

describe("applyJobPatch and jobToInput", () => {
  it("round-trips a job through its input", () => {
    const job = validateJob(
      base({
        timeout: "1h30m",
        args: ["a"],
        cwd: "work",
        env: { A: "1" },
        overlap: "allow",
        retries: 2,
        retryBackoff: "1s500ms",
        catchUp: "skip",
        grace: "10m",
        jitter: "5s",
        paused: true,
        description: "x",
      }),
      opts,
    );
    expect(validateJob(jobToInput(job), { ...opts, cwd: "/" })).toEqual(job);
  });
  it("merges a patch, keeps createdAt, bumps updatedAt", () => {
    const job = validateJob(base({ timeout: "5m" }), opts);
    const later = { ...opts, now: NOW + 1000 };
    const edited = applyJobPatch(job, { schedule: "@hourly", retries: 1 }, later);
    expect(edited).toMatchObject({
      schedule: "@hourly",
      retries: 1,
      timeoutMs: 300_000,
      createdAt: NOW,
      updatedAt: NOW + 1000,
    });
  });
  it("replaces the target when a new one is given, and the args alone otherwise", () => {
    const job = validateJob(base({ args: ["a"] }), opts);
    expect(applyJobPatch(job, { shell: "true" }, opts).target).toEqual({
      type: "shell",
      command: "true",
    });
    expect(applyJobPatch(job, { args: ["b"] }, opts).target).toMatchObject({ args: ["b"] });
    const shellJob = applyJobPatch(job, { shell: "true" }, opts);
    expect(failure(() => applyJobPatch(shellJob, { args: ["b"] }, opts)).code).toBe(
      "E_INVALID_JOB",
    );
  });
  it("validates the merged job", () => {
    const job = validateJob(base(), opts);
    expect(failure(() => applyJobPatch(job, { timezone: "Nowhere/X" }, opts)).code).toBe(
      "E_TIMEZONE",
    );
    expect(failure(() => applyJobPatch(job, { id: "other" }, opts)).message).toContain(
      "cannot be changed",
    );
  });
});

describe("splitWords", () => {
  it.each([
    ["a b  c", ["a", "b", "c"]],
    [`"a \\"q\\" b"`, ['a "q" b']],
    [`'a "b"'`, ['a "b"']],
    [`x""`, ["x"]],
    [`""`, [""]],
    [`a\\ b`, ["a b"]],
    [`"back\\\\slash" "\\n"`, ["back\\slash", "\\n"]],
  ])("%s", (text, words) => {
    expect(splitWords(text)).toEqual(words);
  });
  it("refuses an unterminated quote", () => {
    expect(failure(() => splitWords(`echo "a`, "--command")).message).toMatch(
      /^--command: unterminated " quote/,
    );
  });
});
