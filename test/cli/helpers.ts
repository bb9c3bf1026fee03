import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openStore } from "../../src/store/index.js";
import type { Store } from "../../src/store/store.js";

// The CLI is tested as users run it: the real executables (built to dist/
// by `npm test`; run `npm run build` first when running these alone), as
// subprocesses, against a temporary home.

const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = {
  scheduler: join(ROOT, "bin", "cron-scheduler.js"),
  createCron: join(ROOT, "bin", "create_cron.js"),
};

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  /** A directory with scripts: task.py, task.sh, plain.txt (not executable), tool (executable). */
  scripts: string;
  /** cron-scheduler <args> with CRON_SCHEDULER_HOME set, synchronously. */
  cli(args: string[], options?: RunOptions): Result;
  /** create_cron <args>, synchronously. */
  createCron(args: string[], options?: RunOptions): Result;
  /** The same, without blocking the test process (for concurrency). */
  run(bin: string, args: string[], options?: RunOptions): Promise<Result>;
  /** Starts a long-running command (--follow); its stdout so far is in `output()`. */
  start(bin: string, args: string[]): Running;
  /** The jobs as `list --json` sees them. */
  jobs(): Record<string, unknown>[];
  /** Opens the home's store in this process (to play the scheduler's part). */
  store(): Promise<Store>;
  cleanup(): void;
}

export interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves when `output()` satisfies the predicate; rejects after `ms`. */
  until(predicate: (stdout: string) => boolean, ms?: number): Promise<void>;
  done: Promise<Result>;
}

export interface RunOptions {
  env?: Record<string, string>;
  input?: string;
  cwd?: string;
}

export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), "cli-test-"));
  const home = join(root, "home");
  const scripts = join(root, "scripts");
  mkdirSync(scripts);
  writeFileSync(join(scripts, "task.py"), "print('hi')\n");
  writeFileSync(join(scripts, "task.sh"), "echo hi\n");
  writeFileSync(join(scripts, "plain.txt"), "not a program\n");
  writeFileSync(join(scripts, "tool"), "#!/bin/sh\necho hi\n");
  chmodSync(join(scripts, "tool"), 0o755);
  const env = (extra?: Record<string, string>) => ({
    ...process.env,
    CRON_SCHEDULER_HOME: home,
    CRON_SCHEDULER_STORE: "",
    TZ: "UTC",
    ...extra,
  });
  const sync = (bin: string, args: string[], options: RunOptions = {}): Result => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      env: env(options.env),
      cwd: options.cwd ?? root,
      input: options.input ?? "",
      encoding: "utf8",
      timeout: 30_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const box: Sandbox = {
    home,
    scripts,
    cli: (args, options) => sync(BIN.scheduler, args, options),
    createCron: (args, options) => sync(BIN.createCron, args, options),
    run: (bin, args, options = {}) =>
      new Promise((done) => {
        execFile(
          process.execPath,
          [bin, ...args],
          { env: env(options.env), cwd: options.cwd ?? root, encoding: "utf8", timeout: 60_000 },
          (err, stdout, stderr) => {
            const code = err ? ((err as { code?: unknown }).code ?? -1) : 0;
            done({ code: typeof code === "number" ? code : -1, stdout, stderr });
          },
        );
      }),
    start: (bin, args) => {
      const child = spawn(process.execPath, [bin, ...args], { env: env(), cwd: root });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString("utf8");
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString("utf8");
      });
      const done = new Promise<Result>((resolveDone) =>
        child.on("close", (code) => resolveDone({ code: code ?? -1, stdout, stderr })),
      );
      const until = async (predicate: (s: string) => boolean, ms = 15_000) => {
        const deadline = Date.now() + ms;
        while (!predicate(stdout)) {
          if (Date.now() > deadline) {
            throw new Error(`timed out; stdout so far:\n${stdout}\nstderr:\n${stderr}`);
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      return { child, output: () => stdout, until, done };
    },
    jobs: () => {
      const r = box.cli(["list", "--json"]);
      if (r.code !== 0) throw new Error(`list failed: ${r.stderr}`);
      // "next" depends on when list ran, not on what is stored: leave it out,
      // or a store compared before and after a slot boundary looks changed.
      return (JSON.parse(r.stdout) as Record<string, unknown>[]).map(
        ({ next: _next, ...job }) => job,
      );
    },
    store: () => openStore(`sqlite:${join(home, "scheduler.db")}`),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  return box;
}

/** Asserts the shape every bad-input error has: exit 2, one line on stderr, nothing on stdout. */
export function expectBadInput(r: Result, pattern: RegExp): void {
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  if (r.code !== 2 || lines.length !== 1 || !pattern.test(lines[0] as string) || r.stdout !== "") {
    throw new Error(
      `expected exit 2 and one stderr line matching ${pattern}, got exit ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`,
    );
  }
}
