// Child-process attempts: how each target is started, what it sees, how its end is reported.

import { chmodSync, copyFileSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  processStartTime,
  refreshInheritedEnvironment,
  runAttempt,
  type StartInfo,
} from "../../src/executor/index.js";
import { attempt, SCRIPTS, script, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

function json(text: string): Record<string, unknown> {
  return JSON.parse(text.trim().split("\n").at(-1) as string);
}

describe("scripts run with the interpreter of their extension", () => {
  it(".py runs with python3 in the job's cwd, own process group and session, stdin empty, with the run's variables", async () => {
    const starts: StartInfo[] = [];
    const r = await runAttempt(
      attempt(script("report.py", "a b", "$HOME", "--x=1"), {
        cwd: tmp.dir,
        env: { JOB_COLOR: "blue", CRON_SCHEDULER_RUN_ID: "must be overridden" },
        jobId: "nightly.report",
        runId: "01abc",
        attempt: 3,
        onStart: (info) => starts.push(info),
      }),
    );
    expect(r.status).toBe("succeeded");
    expect(r.error).toBeNull();
    const out = json(r.outputTail);
    expect(out.interpreter).toBe("python");
    expect(out.argv).toEqual(["a b", "$HOME", "--x=1"]);
    expect(out.cwd).toBe(realpathSync(tmp.dir));
    expect(out.stdin).toBe("");
    expect(out.env).toEqual({
      JOB_COLOR: "blue",
      CRON_SCHEDULER_JOB_ID: "nightly.report",
      CRON_SCHEDULER_RUN_ID: "01abc",
      CRON_SCHEDULER_ATTEMPT: "3",
      CRON_SCHEDULER_SCHEDULED_AT: "2026-11-26T15:00:00.000Z",
    });
    expect(starts).toHaveLength(1);
    const start = starts[0] as StartInfo;
    expect(out.pid).toBe(start.pid);
    expect(out.pgid).toBe(start.pid);
    expect(out.sid).toBe(start.pid);
    expect(start.pidStartTime).toMatch(/^[0-9a-f-]+:\d+$/);
    expect(start.startedAt).toBe(r.startedAt);
    expect(r.finishedAt).toBeGreaterThanOrEqual(r.startedAt);
  });

  it(".sh runs with bash, arguments passed verbatim", async () => {
    const r = await runAttempt(
      attempt(script("report.sh", "one two", "*", "; echo injected"), {
        env: { JOB_COLOR: "red" },
      }),
    );
    expect(r.status).toBe("succeeded");
    expect(r.outputTail).toBe(
      "interpreter=bash\narg=one two\narg=*\narg=; echo injected\nJOB_COLOR=red\n",
    );
  });

  it.each(["report.js", "report.mjs", "report.cjs"])(
    "%s runs with the running node",
    async (name) => {
      const r = await runAttempt(attempt(script(name, "x")));
      expect(r.status).toBe("succeeded");
      const out = json(r.outputTail);
      expect(out.execPath).toBe(process.execPath);
      expect(out.argv).toEqual(["x"]);
    },
  );

  it("any other file runs itself when executable", async () => {
    const r = await runAttempt(attempt(script("hello", "there")));
    expect(r.status).toBe("succeeded");
    expect(r.outputTail).toBe(`hello from ${join(SCRIPTS, "hello")} there\n`);
  });

  it("a relative script path without a slash is a file in the cwd, not a PATH lookup", async () => {
    copyFileSync(join(SCRIPTS, "hello"), join(tmp.dir, "true"));
    chmodSync(join(tmp.dir, "true"), 0o755);
    const r = await runAttempt(
      attempt({ type: "script", path: "true", args: [] }, { cwd: tmp.dir }),
    );
    expect(r.outputTail).toBe("hello from ./true \n");
  });

  it("a file that is not executable fails with EACCES and says what is needed", async () => {
    const r = await runAttempt(attempt(script("not-executable")));
    expect(r).toMatchObject({ status: "failed", exitCode: null, signal: null });
    expect(r.error).toMatch(/EACCES/);
    expect(r.error).toMatch(/must be an executable file/);
    expect(r.outputTail).toBe("");
  });
});

describe("commands and shell strings", () => {
  it("a command's argv is run without a shell", async () => {
    const r = await runAttempt(
      attempt({ type: "command", argv: ["/bin/echo", "$HOME", "a;b", "`id`"] }),
    );
    expect(r.status).toBe("succeeded");
    expect(r.outputTail).toBe("$HOME a;b `id`\n");
  });

  it("a shell target runs with /bin/sh -c", async () => {
    const r = await runAttempt(
      attempt(
        { type: "shell", command: "echo $JOB_X | tr a-z A-Z; exit 3" },
        { env: { JOB_X: "abc" } },
      ),
    );
    expect(r).toMatchObject({ status: "failed", exitCode: 3, outputTail: "ABC\n" });
  });

  it("a missing program fails with ENOENT, no exit code", async () => {
    const r = await runAttempt(attempt({ type: "command", argv: ["/no/such/program"] }));
    expect(r).toMatchObject({ status: "failed", exitCode: null, signal: null });
    expect(r.error).toBe("cannot start /no/such/program: no such file (ENOENT)");
  });

  it("a missing working directory is named as such, not as a missing program", async () => {
    const r = await runAttempt(
      attempt({ type: "command", argv: ["/bin/true"] }, { cwd: join(tmp.dir, "nope") }),
    );
    expect(r.status).toBe("failed");
    expect(r.error).toBe(
      `cannot start /bin/true: the working directory ${join(tmp.dir, "nope")} does not exist`,
    );
  });

  it("an empty argv fails with an error, never a rejection", async () => {
    const r = await runAttempt(attempt({ type: "command", argv: [] }));
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/^cannot start/);
  });

  it("stdin is empty, not inherited", async () => {
    const r = await runAttempt(attempt(script("read-stdin.sh")));
    expect(r).toMatchObject({ status: "succeeded", outputTail: "stdin empty\n" });
  });
});

describe("how a process ends", () => {
  it("exit 0 is succeeded", async () => {
    const r = await runAttempt(attempt(script("exit-with.sh", "0")));
    expect(r).toMatchObject({ status: "succeeded", exitCode: 0, signal: null, error: null });
  });

  it("a non-zero exit is failed with its code", async () => {
    const r = await runAttempt(attempt(script("exit-with.sh", "42")));
    expect(r).toMatchObject({ status: "failed", exitCode: 42, signal: null, error: null });
  });

  it("death by its own signal is failed with the signal's name", async () => {
    const r = await runAttempt(attempt(script("exit-with.sh", "0", "KILL")));
    expect(r).toMatchObject({ status: "failed", exitCode: null, signal: "SIGKILL" });
    expect(r.outputTail).toBe("exiting\n");
  });
});

describe("onStart", () => {
  it("gets the start time of the child's pid, as processStartTime reads it while it lives", async () => {
    let seen: StartInfo | undefined;
    let whileAlive: string | null = null;
    await runAttempt(
      attempt(
        { type: "command", argv: ["sleep", "0.2"] },
        {
          onStart: (info) => {
            seen = info;
            whileAlive = processStartTime(info.pid as number);
          },
        },
      ),
    );
    expect(seen?.pidStartTime).not.toBeNull();
    expect(seen?.pidStartTime).toBe(whileAlive);
  });

  it("comes before the result, also for a child that exits at once", async () => {
    // The start time is read off the event loop; the result must still wait for onStart.
    const runs = Array.from({ length: 20 }, async () => {
      const calls: (string | null)[] = [];
      const r = await runAttempt(
        attempt(
          { type: "command", argv: ["/bin/true"] },
          { onStart: (info) => calls.push(info.pidStartTime) },
        ),
      );
      return { status: r.status, calls: calls.length };
    });
    for (const r of await Promise.all(runs)) expect(r).toEqual({ status: "succeeded", calls: 1 });
  });

  it("a throwing onStart does not lose the run", async () => {
    const r = await runAttempt(
      attempt(script("exit-with.sh", "0"), {
        onStart: () => {
          throw new Error("store down");
        },
      }),
    );
    expect(r.status).toBe("succeeded");
    expect(r.error).toBe("onStart failed: store down");
  });
});

it("the output file holds the output", async () => {
  const path = join(tmp.dir, "runs", "job-1", "run-1.log");
  const r = await runAttempt(attempt(script("report.sh", "x"), { outputPath: path }));
  expect(r.status).toBe("succeeded");
  expect(readFileSync(path, "utf8")).toBe("interpreter=bash\narg=x\nJOB_COLOR=\n");
});

describe("the environment", () => {
  const NAME = "CRON_EXECUTOR_TEST_INHERITED";
  const echo = (name: string) => attempt({ type: "shell", command: `printf %s "$${name}"` });
  afterEach(() => {
    delete process.env[NAME];
    delete process.env.CRON_SCHEDULER_JOB_ID;
    refreshInheritedEnvironment();
  });

  it("is the scheduler's as of the last refreshInheritedEnvironment(), not as changed since", async () => {
    process.env[NAME] = "at start";
    refreshInheritedEnvironment();
    process.env[NAME] = "changed later";
    expect((await runAttempt(echo(NAME))).outputTail).toBe("at start");
    refreshInheritedEnvironment();
    expect((await runAttempt(echo(NAME))).outputTail).toBe("changed later");
    delete process.env[NAME];
    refreshInheritedEnvironment();
    const r = await runAttempt(
      attempt({ type: "shell", command: `printf %s "\${${NAME}-unset}"` }),
    );
    expect(r.outputTail).toBe("unset");
  });

  it("the job's env overrides the inherited one, and the run's variables override both", async () => {
    process.env[NAME] = "inherited";
    process.env.CRON_SCHEDULER_JOB_ID = "the scheduler's own";
    refreshInheritedEnvironment();
    const r = await runAttempt(
      attempt(
        { type: "shell", command: `printf '%s %s' "$${NAME}" "$CRON_SCHEDULER_JOB_ID"` },
        { env: { [NAME]: "the job's" }, jobId: "env-job" },
      ),
    );
    expect(r.outputTail).toBe("the job's env-job");
  });
});
