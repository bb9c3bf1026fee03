// From a job's target to the argv that is spawned, and the run's environment.

import { extname } from "node:path";
import { type JobTarget, SCRIPT_INTERPRETERS } from "../model.js";
import type { Attempt } from "./types.js";

export interface Argv {
  file: string;
  args: string[];
}

/** The argv of a process target; null for a function target. No shell unless the target is one. */
export function argvOf(target: JobTarget): Argv | null {
  switch (target.type) {
    case "script": {
      // Scripts run with their interpreter by extension; any other file is executed itself.
      const interpreter = SCRIPT_INTERPRETERS[extname(target.path).toLowerCase()];
      if (interpreter) {
        return {
          file: interpreter === "node" ? process.execPath : interpreter,
          args: [target.path, ...target.args],
        };
      }
      // A bare name would be looked up in PATH; a script is a file, relative to the cwd.
      const file = target.path.includes("/") ? target.path : `./${target.path}`;
      return { file, args: target.args };
    }
    case "command": {
      const [file, ...args] = target.argv;
      return { file: file ?? "", args };
    }
    case "shell":
      return { file: "/bin/sh", args: ["-c", target.command] };
    case "function":
      return null;
  }
}

// The environment children inherit, copied once. Reading process.env goes
// through a slow interceptor (~70 µs for a copy, more for Node's own walk of
// it on spawn): per run, that was a tenth of the scheduler's cost of a short
// job. So, like crond, children get the scheduler's environment as of its
// start (refreshInheritedEnvironment), not as later changed in-process.
let inherited: Readonly<Record<string, string>> | null = null;

/**
 * Takes a new copy of process.env for the runs started from now on. The
 * scheduler calls it when it starts; until the first call, the first run takes it.
 */
export function refreshInheritedEnvironment(): void {
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) copy[key] = value;
  }
  inherited = copy;
}

/** The inherited environment, then the job's, then the run's own variables. */
export function envOf(a: Attempt): Record<string, string> {
  if (inherited === null) refreshInheritedEnvironment();
  // Object.assign, then plain stores: an object literal with a spread and
  // four more keys costs several times as much in V8.
  const env: Record<string, string> = Object.assign({}, inherited, a.env);
  env.CRON_SCHEDULER_JOB_ID = a.jobId;
  env.CRON_SCHEDULER_RUN_ID = a.runId;
  env.CRON_SCHEDULER_ATTEMPT = String(a.attempt);
  env.CRON_SCHEDULER_SCHEDULED_AT = new Date(a.scheduledAt).toISOString();
  return env;
}
