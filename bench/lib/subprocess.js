// Runs one measurement in a child process of its own: each library gets a
// fresh heap and JIT, a library that runs out of memory ends only its own
// process (the scenario reports it and goes on), and a process's CPU time is
// the library's alone.
//
// A worker is an ES module whose default export is
//
//   export default async function (args, control) { return result; }
//
// `args` and `result` cross the IPC channel (structured clone).
// `await control.ready()` tells the parent the worker has set itself up and
// waits for its go-ahead: several workers can then measure at the same moment
// (see startWorker), after all of them have finished their busy setup.
import { fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const childMain = join(dirname(fileURLToPath(import.meta.url)), "subprocess-child.js");

/**
 * Starts a worker. Returns { ready, go, result }: `ready` resolves when the
 * worker calls control.ready() (or ends), `go()` lets it continue, `result`
 * resolves to { ok: true, result, ms } or { ok: false, error, ms }, never
 * rejects.
 *
 * Options: heapMb (--max-old-space-size: a library that needs more fails
 * alone), timeoutMs (the worker is killed after it), execArgv (more flags).
 */
export function startWorker(file, args = {}, { heapMb, timeoutMs = 120_000, execArgv = [] } = {}) {
  const started = performance.now();
  const flags = ["--expose-gc", ...execArgv];
  if (heapMb) flags.push(`--max-old-space-size=${heapMb}`);
  const child = fork(childMain, [file], {
    execArgv: flags,
    env: { ...process.env, TZ: "UTC" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
  let markReady;
  const ready = new Promise((resolve) => {
    markReady = resolve;
  });
  const result = new Promise((resolve) => {
    let outcome;
    const timer = setTimeout(() => {
      outcome ??= { ok: false, error: `killed after ${timeoutMs} ms without a result` };
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("message", (message) => {
      if (message?.type === "ready") markReady();
      else if (message?.type === "result") outcome = message;
    });
    child.on("error", (error) => {
      outcome ??= { ok: false, error: error.message };
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      markReady();
      const ms = performance.now() - started;
      resolve({
        ...(outcome ?? {
          ok: false,
          error: `the worker ended (${signal ?? `exit code ${code}`}) without a result${
            signal === "SIGABRT" || code === 134 ? ": out of memory?" : ""
          }`,
        }),
        ms,
      });
    });
  });
  child.send({ type: "args", args });
  return {
    ready,
    go: () => {
      if (child.connected) child.send({ type: "go" });
    },
    result,
  };
}

/** Runs a worker to its end (it proceeds at once past control.ready()). */
export async function runWorker(file, args, options) {
  const worker = startWorker(file, args, options);
  await worker.ready;
  worker.go();
  return worker.result;
}

/** A worker's result, or an Error carrying why there is none (for scenarios that need it). */
export function resultOf(outcome, what) {
  if (outcome.ok) return outcome.result;
  throw new Error(`${what}: ${outcome.error}`);
}
