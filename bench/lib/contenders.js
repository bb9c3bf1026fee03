// The schedulers the scheduler scenarios compare, behind one small shape:
//
//   const c = await CONTENDERS[name].create(options)
//   c.add(id, expression, fn)   registers a cron job calling fn(slotMs | null)
//   await c.settle?.()          waits for adds still being written (ours)
//   await c.start?.()           for schedulers that arm their timers separately
//   await c.stop()
//
// `fn` gets the slot the library says it is running, where the library tells
// (ours: ctx.scheduledAt; node-cron: context.date), else null; the scenarios
// attribute such calls to the nearest whole second.
//
// Peers are imported only when asked for, so a worker process loads the one
// library it measures and nothing else.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const PEERS = ["croner", "node-cron", "cron", "toad-scheduler"];

export const CONTENDERS = {
  /** Our library. options.store: "memory" (default) or "sqlite" (a file in a fresh temp dir). */
  async ours(options = {}) {
    const { createScheduler } = await import("../../dist/index.js");
    let dir = null;
    let store = "memory";
    if (options.store === "sqlite") {
      dir = mkdtempSync(join(tmpdir(), "cron-scheduler-bench-"));
      store = `sqlite:${join(dir, "jobs.db")}`;
    }
    const scheduler = await createScheduler({
      store,
      timezone: "UTC",
      pollMs: options.pollMs === undefined ? null : options.pollMs,
    });
    let pending = [];
    return {
      scheduler,
      add(id, expression, fn) {
        pending.push(
          scheduler.add({
            id,
            schedule: expression,
            run: fn.length === 0 ? fn : (ctx) => fn(ctx.scheduledAt.getTime()),
            ...options.job,
          }),
        );
      },
      async settle() {
        const writes = pending;
        pending = [];
        await Promise.all(writes);
      },
      start: () => scheduler.start(),
      async stop() {
        await scheduler.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  },

  /** A bare setTimeout per job, aimed at the job's next instant (computed by the caller). */
  async setTimeout() {
    const timers = [];
    return {
      /** Bare timers have no expressions: `delayMs` stands in for one. */
      add(_id, delayMs, fn) {
        timers.push(setTimeout(fn, delayMs));
      },
      async stop() {
        for (const t of timers) clearTimeout(t);
      },
    };
  },

  async croner() {
    const { Cron } = await import("croner");
    const jobs = [];
    return {
      add(_id, expression, fn) {
        jobs.push(new Cron(expression, () => fn(null)));
      },
      async stop() {
        for (const job of jobs) job.stop();
      },
    };
  },

  async "node-cron"() {
    const { default: cron } = await import("node-cron");
    const tasks = [];
    return {
      add(id, expression, fn) {
        tasks.push(
          cron.schedule(expression, (context) => fn(context.date.getTime()), { name: id }),
        );
      },
      async stop() {
        for (const task of tasks) await task.destroy();
      },
    };
  },

  async cron() {
    const { CronJob } = await import("cron");
    const jobs = [];
    return {
      add(_id, expression, fn) {
        jobs.push(CronJob.from({ cronTime: expression, onTick: () => fn(null), start: true }));
      },
      async stop() {
        for (const job of jobs) await job.stop();
      },
    };
  },

  async "toad-scheduler"() {
    const { ToadScheduler, CronJob, Task } = await import("toad-scheduler");
    const scheduler = new ToadScheduler();
    return {
      add(id, expression, fn) {
        scheduler.addCronJob(
          new CronJob({ cronExpression: expression }, new Task(id, () => fn(null)), { id }),
        );
      },
      async stop() {
        scheduler.stop();
      },
    };
  },
};
