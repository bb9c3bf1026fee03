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

/** The scheduler's environment, then the job's, then the run's own variables. */
export function envOf(a: Attempt): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...a.env,
    CRON_SCHEDULER_JOB_ID: a.jobId,
    CRON_SCHEDULER_RUN_ID: a.runId,
    CRON_SCHEDULER_ATTEMPT: String(a.attempt),
    CRON_SCHEDULER_SCHEDULED_AT: new Date(a.scheduledAt).toISOString(),
  };
}
