import { errorCodeOf, exitCodeOf } from "../errors.js";

/** Writes a value as one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function println(line = ""): void {
  process.stdout.write(`${line}\n`);
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
