import { type GlobalOptions, homeOf } from "../context.js";
import { printJson, println } from "../io.js";

// `run`, `start`, `stop`, `status`: the scheduler in the foreground, and as a
// background service found through its pid file.

interface RunOptions extends GlobalOptions {
  shutdownGrace?: number;
  keepRuns?: number;
}

export async function run(options: RunOptions): Promise<void> {
  const { runDaemon } = await import("../../daemon/run.js");
  await runDaemon({
    home: await homeOf(options),
    ...(options.store
      ? { store: options.store }
      : process.env.CRON_SCHEDULER_STORE
        ? { store: process.env.CRON_SCHEDULER_STORE }
        : {}),
    echo: process.stderr.isTTY === true,
    ...(options.shutdownGrace === undefined ? {} : { shutdownGraceMs: options.shutdownGrace }),
    ...(options.keepRuns === undefined ? {} : { keepRuns: options.keepRuns }),
  });
}

export async function start(options: RunOptions & { json?: boolean }): Promise<void> {
  const service = await import("../../daemon/service.js");
  const home = await homeOf(options);
  const args: string[] = [];
  if (options.store) args.push("--store", options.store);
  if (options.shutdownGrace !== undefined)
    args.push("--shutdown-grace", `${options.shutdownGrace}ms`);
  if (options.keepRuns !== undefined) args.push("--keep-runs", String(options.keepRuns));
  const s = await service.start(home, args);
  if (options.json) printJson(s);
  else println(`scheduler started (pid ${s.pid}, home ${home}); log: ${home}/scheduler.log`);
}

export async function stop(
  options: GlobalOptions & { json?: boolean; wait?: number },
): Promise<void> {
  const service = await import("../../daemon/service.js");
  const home = await homeOf(options);
  const s = await service.stop(home, options.wait ?? 60_000);
  if (options.json) printJson(s);
  else
    println(
      s.wasRunning ? `scheduler stopped (pid ${s.pid})` : `the scheduler is not running on ${home}`,
    );
}

export async function status(options: GlobalOptions & { json?: boolean }): Promise<void> {
  const service = await import("../../daemon/service.js");
  const home = await homeOf(options);
  const s = service.status(home);
  if (options.json) printJson(s);
  else println(s.running ? `running (pid ${s.pid}, home ${home})` : `not running (home ${home})`);
  if (!s.running) process.exitCode = 1;
}
