// One attempt as a child process, in its own process group (and session:
// `detached` calls setsid), so that a timeout or a stop reaches everything
// the job started, not only its main process.
//
// When does a run end? When its main process has exited AND nothing of its
// process group is left alive AND its output pipes are closed:
// - leftovers: processes of the group still alive when the main process
//   exits (a backgrounded `sleep &`) are stopped like a timed-out run, SIGTERM
//   then SIGKILL after the grace; a run does not leave processes behind.
//   Its status is still that of the main process.
// - pipes: once the group is gone, a pipe can only be held by a process that
//   left the group (setsid); after PIPE_WAIT_MS we stop reading, so such a
//   process cannot keep the run open forever.

import { type ChildProcess, spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { isAborted, whenAborted } from "./abort.js";
import { type Argv, envOf } from "./command.js";
import { OutputSink } from "./output.js";
import { groupAlive, processStartTime, signalGroup } from "./procfs.js";
import { finishWith, notStarted } from "./result.js";
import { after } from "./timers.js";
import {
  type Attempt,
  type AttemptResult,
  DEFAULT_KILL_GRACE_MS,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_TAIL_BYTES,
} from "./types.js";

/** How long the pipes may stay open once the process group is gone. */
const PIPE_WAIT_MS = 200;
/** How often a group with leftovers is checked for life while they are being stopped. */
const GROUP_POLL_MS = 20;

export async function runProcess(a: Attempt, argv: Argv): Promise<AttemptResult> {
  const now = a.now ?? Date.now;
  if (isAborted(a.signal)) return notStarted("killed", "stopped before it started", now());
  const sink = new OutputSink(
    a.outputPath,
    a.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
    a.tailBytes ?? DEFAULT_TAIL_BYTES,
  );
  const startedAt = now();
  if (isAborted(a.signal)) {
    return finishWith(
      sink,
      { status: "killed", startedAt, error: "stopped before it started" },
      now,
    );
  }

  let child: ChildProcess;
  try {
    child = spawn(argv.file, argv.args, {
      cwd: a.cwd ?? undefined,
      env: envOf(a),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    return finishWith(sink, { status: "failed", startedAt, error: spawnError(err, argv) }, now);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<unknown>((resolve) => child.once("error", resolve));
    const error = await explainSpawnError(err, argv, a.cwd);
    return finishWith(sink, { status: "failed", startedAt, error }, now);
  }

  return supervise(a, child, pid, sink, startedAt);
}

function supervise(
  a: Attempt,
  child: ChildProcess,
  pid: number,
  sink: OutputSink,
  startedAt: number,
): Promise<AttemptResult> {
  const now = a.now ?? Date.now;
  const grace = a.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const stdout = child.stdout!;
  const stderr = child.stderr!;

  return new Promise((resolve) => {
    let stopReason: "timed_out" | "killed" | null = null;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let exited = false;
    let closed = false;
    let groupDone = false;
    let sigkillSent = false;
    let finishing = false;
    let cancelTimeout: (() => void) | null = null;
    let killTimer: NodeJS.Timeout | null = null;
    let pollTimer: NodeJS.Timeout | null = null;
    let pipeTimer: NodeJS.Timeout | null = null;
    let startError: string | null = null;
    // onStart gets the pid's start time, read once this loop iteration has
    // reaped what exited (see afterPoll); the result waits until onStart was called.
    let starting = false;
    if (a.onStart !== undefined) {
      starting = true;
      afterPoll(() => {
        // Until the child is reaped, its pid cannot be reused: the read names the child.
        // Reaped, it has ended: a start time identifies live processes only.
        const pidStartTime = exited ? null : processStartTime(pid);
        try {
          a.onStart?.({ pid, pidStartTime, startedAt });
        } catch (err) {
          startError = `onStart failed: ${(err as Error).message}`;
        }
        starting = false;
        if (finishing) settle();
      });
    }

    // stdout and stderr interleaved as they arrive; reading pauses while the file is behind.
    const resume = () => {
      stdout.resume();
      stderr.resume();
    };
    const onData = (chunk: Buffer) => {
      if (sink.write(chunk)) return;
      stdout.pause();
      stderr.pause();
      sink.onDrain(resume);
    };
    stdout.on("data", onData);
    stderr.on("data", onData);

    const terminate = () => {
      if (killTimer !== null || sigkillSent) return;
      signalGroup(pid, "SIGTERM");
      killTimer = setTimeout(() => {
        killTimer = null;
        if (groupAlive(pid)) {
          sink.note(`sent SIGKILL to the process group: still running ${grace} ms after SIGTERM`);
          signalGroup(pid, "SIGKILL");
        }
        sigkillSent = true;
        // Nothing survives SIGKILL: from here on only the main process's exit is awaited.
        if (exited) groupDone = true;
        check();
      }, grace);
    };

    const stop = (reason: "timed_out" | "killed", note: string) => {
      if (exited || stopReason !== null) return;
      stopReason = reason;
      sink.note(note);
      terminate();
    };

    if (a.timeoutMs !== null) {
      const ms = a.timeoutMs;
      cancelTimeout = after(ms, () =>
        stop("timed_out", `timed out after ${ms} ms: sent SIGTERM to the process group`),
      );
    }
    const onAbort = () =>
      stop("killed", "stopped by the scheduler: sent SIGTERM to the process group");
    const stopWaiting = whenAborted(a.signal, onAbort);

    const pollGroup = () => {
      pollTimer = null;
      if (groupAlive(pid)) pollTimer = setTimeout(pollGroup, GROUP_POLL_MS);
      else {
        groupDone = true;
        check();
      }
    };

    child.once("exit", (code, signal) => {
      exited = true;
      exitCode = code;
      exitSignal = signal;
      cancelTimeout?.();
      stopWaiting();
      if (sigkillSent || !groupAlive(pid)) groupDone = true;
      else {
        if (stopReason === null) {
          sink.note("the main process exited; stopping what it left running in its process group");
        }
        terminate();
        pollTimer = setTimeout(pollGroup, GROUP_POLL_MS);
      }
      check();
    });
    child.once("close", () => {
      closed = true;
      check();
    });
    // Errors after a successful spawn (none expected: signals go through process.kill) must not crash the scheduler.
    child.on("error", () => {});

    function check() {
      if (!exited || !groupDone) return;
      if (closed) return finish();
      pipeTimer ??= setTimeout(() => {
        // setImmediate: let the poll phase read what the group wrote before it ended.
        setImmediate(() => {
          if (closed) return;
          sink.note(
            "stopped reading output: a process outside the run's process group holds its pipes",
          );
          stdout.destroy();
          stderr.destroy();
        });
      }, PIPE_WAIT_MS);
    }

    function finish() {
      if (finishing) return;
      finishing = true;
      cancelTimeout?.();
      for (const t of [killTimer, pollTimer, pipeTimer]) if (t !== null) clearTimeout(t);
      stopWaiting();
      if (!starting) settle();
    }

    function settle() {
      const status = stopReason ?? (exitCode === 0 ? "succeeded" : "failed");
      resolve(
        finishWith(
          sink,
          { status, exitCode, signal: exitSignal, startedAt, error: startError },
          now,
        ),
      );
    }
  });
}

// Reading a child's /proc/<pid>/stat costs ~30 µs (more on a busy machine),
// and a start time is only of use for a process that is still running. So
// the reads of the runs spawned in one event-loop turn wait for its check
// phase: by then the poll phase has reaped the children that already ended
// (SIGCHLD), and those are not read at all.
let pendingAfterPoll: (() => void)[] = [];

function afterPoll(fn: () => void): void {
  if (pendingAfterPoll.push(fn) === 1) setImmediate(runAfterPoll);
}

function runAfterPoll(): void {
  const fns = pendingAfterPoll;
  pendingAfterPoll = [];
  for (const fn of fns) fn();
}

function spawnError(err: unknown, argv: Argv): string {
  return `cannot start ${argv.file}: ${(err as Error).message}`;
}

/** spawn reports a missing cwd as a missing program; say which it is. */
async function explainSpawnError(err: unknown, argv: Argv, cwd: string | null): Promise<string> {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT" && cwd !== null) {
    const isDir = await stat(cwd).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) return `cannot start ${argv.file}: the working directory ${cwd} does not exist`;
  }
  if (code === "ENOENT") return `cannot start ${argv.file}: no such file (ENOENT)`;
  if (code === "EACCES") {
    return `cannot start ${argv.file}: permission denied (EACCES); a script without a .py, .sh, .js, .mjs or .cjs extension must be an executable file`;
  }
  return spawnError(err, argv);
}
