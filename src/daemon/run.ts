import { runAttempt } from "../executor/index.js";
import { ensureHome } from "../home.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { openStore } from "../store/index.js";
import { acquireLock } from "./lock.js";
import { logSchedulerEvents, openSchedulerLog } from "./log.js";

export interface DaemonOptions {
  home: string;
  /** A store spec; default sqlite:<home>/scheduler.db. */
  store?: string;
  /** Also print the log readably on stderr (when it is a terminal). */
  echo?: boolean;
  /** How long SIGTERM lets running jobs finish. Default 30 s. */
  shutdownGraceMs?: number;
  /** Runs kept per job. Default 1000. */
  keepRuns?: number;
}

/**
 * `cron-scheduler run`: the scheduler in the foreground, on the home's
 * store, until SIGTERM or SIGINT. Then it stops firing, lets running jobs
 * finish (up to the grace), stops what is left, records every final state
 * and returns. A second signal while stopping exits at once.
 */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const paths = ensureHome(options.home);
  const release = acquireLock(paths.pid, paths.home);
  const log = openSchedulerLog(paths.log, { echo: options.echo === true });
  let store: Awaited<ReturnType<typeof openStore>> | null = null;
  try {
    store = await openStore(options.store ?? `sqlite:${paths.db}`);
    const scheduler = new Scheduler({
      store,
      runner: runAttempt,
      runsDir: paths.runs,
      ...(options.shutdownGraceMs === undefined
        ? {}
        : { shutdownGraceMs: options.shutdownGraceMs }),
      ...(options.keepRuns === undefined ? {} : { keepRuns: options.keepRuns }),
    });
    logSchedulerEvents(scheduler, log.logger);
    const stopped = new Promise<void>((resolve) => {
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          log.logger.warn({ event: "scheduler.forced", signal }, `second ${signal}: exiting now`);
          process.exit(1);
        }
        log.logger.info({ event: "scheduler.signal", signal }, `${signal} received`);
        scheduler.stop().then(resolve, resolve);
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
    });
    await scheduler.start();
    await stopped;
  } finally {
    await store?.close();
    log.close();
    release();
  }
}
