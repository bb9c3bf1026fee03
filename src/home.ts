import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The home directory of a scheduler: --home DIR > CRON_SCHEDULER_HOME >
 * $XDG_STATE_HOME/cron-scheduler > ~/.local/state/cron-scheduler.
 */
export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.CRON_SCHEDULER_HOME) return resolve(env.CRON_SCHEDULER_HOME);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), "cron-scheduler");
  return join(homedir(), ".local", "state", "cron-scheduler");
}

export interface HomePaths {
  home: string;
  db: string;
  log: string;
  runs: string;
  pid: string;
  lock: string;
  apiToken: string;
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    db: join(home, "scheduler.db"),
    log: join(home, "scheduler.log"),
    runs: join(home, "runs"),
    pid: join(home, "scheduler.pid"),
    lock: join(home, "scheduler.lock"),
    apiToken: join(home, "api-token"),
  };
}

/** Creates the home (mode 0700) if it does not exist, and returns its paths. */
export function ensureHome(home: string): HomePaths {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  return homePaths(home);
}

/** The log file of one run: <home>/runs/<job>/<run>.log. */
export function runLogPath(home: string, jobId: string, runId: string): string {
  return join(home, "runs", jobId, `${runId}.log`);
}
