import { writeSync } from "node:fs";
import { errorCodeOf, exitCodeOf } from "../errors.js";

/** Writes a value as one JSON document on stdout. */
export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(line = ""): void {
  writeOut(`${line}\n`);
}

/**
 * Writes to file descriptor 1 directly. Making `process.stdout` costs a
 * command ~15 ms of CPU when stdout is a pipe (it loads net and the stream
 * machinery), more than create_cron's own work, and its writes are
 * synchronous on Linux anyway (files, pipes, terminals), so the order of
 * output does not change. If fd 1 is non-blocking and full (EAGAIN), the
 * rest goes through process.stdout, which waits for it.
 */
export function writeOut(text: string): void {
  const data = Buffer.from(text, "utf8");
  let at = 0;
  while (at < data.length) {
    try {
      at += writeSync(1, data, at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      process.stdout.write(data.subarray(at));
      return;
    }
  }
}

/**
 * Reports an error the way every command does: one line on stderr that says
 * what was wrong, then the exit code from the catalogue (2 for bad input, 1
 * for a runtime failure).
 */
export function fail(program: string, err: unknown): never {
  const code = errorCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${program}: ${message.split("\n")[0]}\n`);
  if (code === "E_INTERNAL" && process.env.CRON_SCHEDULER_DEBUG && err instanceof Error) {
    process.stderr.write(`${err.stack}\n`);
  }
  process.exit(exitCodeOf(err));
}
