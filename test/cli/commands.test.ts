import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runLogPath } from "../../src/home.js";
import { newRunId } from "../../src/ids.js";
import type { Run, RunStatus } from "../../src/model.js";
import type { Store } from "../../src/store/store.js";
import { BIN, expectBadInput, type Sandbox, sandbox } from "./helpers.js";

let box: Sandbox;
beforeEach(() => {
  box = sandbox();
  const py = join(box.scripts, "task.py");
  expect(box.createCron(["alpha", "--interval", "10", "0 * * * *", py]).code).toBe(0);
  expect(box.cli(["add", "beta", "--tz", "America/New_York", "30 2 * * *", py]).code).toBe(0);
});
afterEach(() => box.cleanup());

function run(jobId: string, slot: number, status: RunStatus, extra: Partial<Run> = {}): Run {
  return {
    id: newRunId(slot),
    jobId,
    scheduledAt: slot,
    attempt: 1,
    trigger: "schedule",
    status,
    reason: null,
    startedAt: slot,
    finishedAt: status === "running" ? null : slot + 1500,
    exitCode: status === "succeeded" ? 0 : status === "failed" ? 3 : null,
    signal: null,
    pid: 1234,
    pidStartTime: null,
    node: "test",
    outputTail: null,
    outputBytes: 0,
    outputTruncated: false,
    ...extra,
  };
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await box.store();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe("list and show", () => {
  it("lists every job with its next run, as text and JSON", () => {
    const r = box.cli(["list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+SCHEDULE\s+NEXT\s+LAST\s+RUNS$/);
    expect(lines[1]).toMatch(/^alpha\s+0 \* \* \* \*\s+\S+:00:00Z\s+-\s+\/.*task\.py$/);
    expect(lines[2]).toMatch(/^beta\s+30 2 \* \* \*\s+\S+T0[23]:\d\d:00-0[45]:00/);
    const json = JSON.parse(box.cli(["list", "--json"]).stdout);
    expect(json.map((j: { id: string }) => j.id)).toEqual(["alpha", "beta"]);
    expect(Date.parse(json[0].next) % 3_600_000).toBe(0);
    expect(json[0].lastRun).toBeNull();
  });

  it("shows a job with its next runs and its last runs", async () => {
    const hour = 3_600_000;
    const base = Math.floor(Date.now() / hour) * hour;
    await withStore(async (store) => {
      await store.claimRun(run("alpha", base - 2 * hour, "succeeded"));
      await store.claimRun(run("alpha", base - hour, "failed"));
    });
    const r = box.cli(["show", "alpha", "--count", "2"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^alpha\n {2}schedule\s+0 \* \* \* \* {2}\(UTC\)/);
    expect(r.stdout).toMatch(/timeout\s+10m/);
    expect(r.stdout).toContain("last 2 runs:");
    const rows = r.stdout.split("\n").filter((l) => /succeeded|failed/.test(l));
    expect(rows[0]).toMatch(/failed\s+1s500ms\s+3$/);
    expect(rows[1]).toMatch(/succeeded\s+1s500ms\s+0$/);
    const json = JSON.parse(box.cli(["show", "alpha", "--json"]).stdout);
    expect(json.next).toHaveLength(5);
    expect(json.runs.map((x: { status: string }) => x.status)).toEqual(["failed", "succeeded"]);
    expect(JSON.parse(box.cli(["list", "--json"]).stdout)[0].lastRun.status).toBe("failed");
  });
});

describe("edit, pause, resume, remove", () => {
  it("edits only the fields given and keeps createdAt", () => {
    const before = box.jobs()[0]!;
    const r = box.cli(["edit", "alpha", "--schedule", "*/5 * * * *", "--retries", "2", "--json"]);
    expect(r.code).toBe(0);
    const after = box.jobs()[0]!;
    expect(after).toMatchObject({
      schedule: "*/5 * * * *",
      retries: 2,
      timeoutMs: 600_000,
      createdAt: before.createdAt,
    });
    expect(JSON.parse(r.stdout).next).toHaveLength(3);
    expect(box.cli(["edit", "alpha", "--timeout", "none"]).code).toBe(0);
    expect(box.jobs()[0]!.timeoutMs).toBeNull();
    expect(box.cli(["edit", "alpha", "--shell", "echo hi"]).code).toBe(0);
    expect(box.jobs()[0]!.target).toEqual({ type: "shell", command: "echo hi" });
  });

  it("refuses a bad edit and leaves the job as it was", () => {
    const before = JSON.stringify(box.jobs());
    expectBadInput(box.cli(["edit", "alpha", "--schedule", "* * *"]), /cron-scheduler: /);
    expectBadInput(box.cli(["edit", "alpha", "--tz", "No/Where"]), /--tz: unknown time zone/);
    expectBadInput(box.cli(["edit", "alpha", "--script", "/no/such.py"]), /does not exist/);
    expect(JSON.stringify(box.jobs())).toBe(before);
  });

  it("pauses, resumes and removes", () => {
    expect(box.cli(["pause", "alpha"]).stdout).toBe("paused alpha\n");
    expect(box.jobs()[0]!.paused).toBe(true);
    expect(box.cli(["list"]).stdout).toMatch(/alpha\s+0 \* \* \* \*\s+paused/);
    expect(box.cli(["pause", "alpha"]).stdout).toBe("alpha was already paused\n");
    expect(box.cli(["resume", "alpha"]).stdout).toBe("resumed alpha\n");
    expect(box.jobs()[0]!.paused).toBe(false);
    expect(box.cli(["remove", "alpha"]).stdout).toBe("removed alpha\n");
    expect(box.jobs().map((j) => j.id)).toEqual(["beta"]);
  });

  it("takes --home before or after the command", () => {
    const other = join(box.home, "other");
    expect(box.cli(["--home", other, "list", "--json"]).stdout).toBe("[]\n");
    expect(box.cli(["list", "--json", "--home", other]).stdout).toBe("[]\n");
  });
});

describe("runs and output", () => {
  it("lists runs newest first, filters by job and status, and keeps runs of removed jobs", async () => {
    const t = Date.parse("2026-01-01T00:00:00Z");
    await withStore(async (store) => {
      for (let i = 0; i < 5; i++) {
        await store.claimRun(run("alpha", t + i * 60_000, i % 2 ? "failed" : "succeeded"));
      }
      await store.claimRun(run("beta", t + 10 * 60_000, "running"));
    });
    const all = JSON.parse(box.cli(["runs", "--json"]).stdout);
    expect(all.map((r: Run) => r.jobId)).toEqual([
      "beta",
      "alpha",
      "alpha",
      "alpha",
      "alpha",
      "alpha",
    ]);
    expect(all[1].scheduledAt).toBe("2026-01-01T00:04:00.000Z");
    const limited = JSON.parse(box.cli(["runs", "alpha", "--limit", "2", "--json"]).stdout);
    expect(limited.map((r: { scheduledAt: string }) => r.scheduledAt)).toEqual([
      "2026-01-01T00:04:00.000Z",
      "2026-01-01T00:03:00.000Z",
    ]);
    const failed = JSON.parse(box.cli(["runs", "--status", "failed", "--json"]).stdout);
    expect(failed).toHaveLength(2);
    const text = box.cli(["runs", "alpha", "-n", "1"]).stdout.split("\n");
    expect(text[0]).toMatch(/^RUN\s+SLOT\s+TRY\s+TRIGGER\s+STATUS\s+TOOK\s+EXIT$/);
    expect(text[1]).toMatch(/2026-01-01T00:04:00Z\s+1\s+schedule\s+succeeded\s+1s500ms\s+0/);
    expect(box.cli(["remove", "alpha"]).code).toBe(0);
    expect(JSON.parse(box.cli(["runs", "alpha", "--json"]).stdout)).toHaveLength(5);
    expectBadInput(box.cli(["runs", "--status", "odd"]), /--status: "odd" is not a run status/);
  });

  it("prints a run's output file, or the tail kept in the store", async () => {
    const done = run("alpha", Date.parse("2026-01-01T00:00:00Z"), "succeeded", {
      outputTail: "tail only\n",
    });
    const other = run("alpha", Date.parse("2026-01-01T01:00:00Z"), "succeeded", {
      outputTail: "tail\n",
    });
    await withStore(async (store) => {
      await store.claimRun(done);
      await store.claimRun(other);
    });
    const path = runLogPath(box.home, "alpha", other.id);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "line 1\nline 2\n");
    expect(box.cli(["output", other.id]).stdout).toBe("line 1\nline 2\n");
    expect(box.cli(["output", done.id]).stdout).toBe("tail only\n");
    const json = JSON.parse(box.cli(["output", other.id, "--json"]).stdout);
    expect(json).toMatchObject({ output: "line 1\nline 2\n", file: path, run: { id: other.id } });
  });

  it("--follow prints output as it comes until the run is final", async () => {
    const live = run("alpha", Date.now(), "running");
    const path = runLogPath(box.home, "alpha", live.id);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, "first\n");
    const store = await box.store();
    try {
      await store.claimRun(live);
      const follower = box.run(BIN.scheduler, ["output", live.id, "--follow"]);
      await sleep(800);
      writeFileSync(path, "first\nsecond\n");
      await sleep(500);
      writeFileSync(path, "first\nsecond\nthird\n");
      await store.updateRun(live.id, { status: "succeeded", finishedAt: Date.now(), exitCode: 0 });
      const r = await follower;
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("first\nsecond\nthird\n");
    } finally {
      await store.close();
    }
  });
});

describe("trigger", () => {
  it("records a request without waiting", async () => {
    const r = box.cli(["trigger", "alpha"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^requested a run of alpha/);
    const taken = await withStore((store) => store.takeTriggers("test"));
    expect(taken.map((t) => t.jobId)).toEqual(["alpha"]);
  });

  it("--wait gives up clearly when no scheduler takes the request", () => {
    const r = box.cli(["trigger", "alpha", "--wait"], {
      env: { CRON_SCHEDULER_TAKE_WITHIN_MS: "300" },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is the scheduler running\? start it with `cron-scheduler start`/);
  });

  for (const [status, code] of [
    ["succeeded", 0],
    ["failed", 1],
  ] as const) {
    it(`--wait prints the outcome of the run a scheduler starts (${status} → exit ${code})`, async () => {
      const store = await box.store();
      try {
        const waiting = box.run(BIN.scheduler, ["trigger", "alpha", "--wait", "--timeout", "20s"]);
        // Play the scheduler: take the request, start a run, finish it.
        const requests = await takeRequests(store);
        expect(requests).toHaveLength(1);
        const manual = run("alpha", Date.now(), "running", { trigger: "manual" });
        await store.claimRun(manual);
        await store.completeTrigger(requests[0]!.id, manual.id);
        await sleep(300);
        await store.updateRun(manual.id, {
          status,
          finishedAt: Date.now(),
          exitCode: status === "succeeded" ? 0 : 7,
        });
        const r = await waiting;
        expect(r.stderr).toBe("");
        expect(r.code).toBe(code);
        expect(r.stdout).toContain(`run ${manual.id} of alpha: ${status}`);
      } finally {
        await store.close();
      }
    });
  }

  it("--wait says so when the job was removed before the taken request could run (exit 2)", async () => {
    const store = await box.store();
    try {
      const waiting = box.run(BIN.scheduler, ["trigger", "alpha", "--wait", "--timeout", "20s"]);
      const requests = await takeRequests(store);
      expect(requests).toHaveLength(1);
      // The scheduler took it, but the job is gone: no run will come.
      await store.removeJob("alpha");
      const r = await waiting;
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(
        'cron-scheduler: job "alpha" was removed before the requested run could start',
      );
    } finally {
      await store.close();
    }
  });
});

/** Plays the scheduler's part: takes the pending trigger requests, waiting up to 5 s for one. */
async function takeRequests(store: Store): Promise<Awaited<ReturnType<Store["takeTriggers"]>>> {
  let requests: Awaited<ReturnType<Store["takeTriggers"]>> = [];
  for (let i = 0; i < 100 && requests.length === 0; i++) {
    await sleep(50);
    requests = await store.takeTriggers("fake-scheduler");
  }
  return requests;
}
