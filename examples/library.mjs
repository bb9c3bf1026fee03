// A runnable example of the library: `npm run build && node examples/library.mjs`.
// Two jobs: an in-process function every second, and a command every 2 seconds.
// Runs for about five seconds, prints what happened, and stops.
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScheduler } from "cron-scheduler";

const scheduler = await createScheduler({
  // Jobs and their run history persist in this SQLite file; output files go to runs/ beside it.
  store: `sqlite:${join(tmpdir(), "cron-scheduler-example.db")}`,
});

scheduler.add({
  id: "tick",
  schedule: "* * * * * *", // six fields: seconds first
  timezone: "Europe/Berlin",
  timeout: "30s",
  run: async ({ scheduledAt, signal, attempt }) => {
    if (signal.aborted) return;
    console.log(`tick for ${scheduledAt.toISOString()} (attempt ${attempt})`);
  },
});

scheduler.add({
  id: "disk",
  schedule: "*/2 * * * * *",
  command: ["df", "-h", "/"],
  overlap: "skip",
});

scheduler.on("run:finished", (run) => {
  console.log(`${run.jobId}: ${run.status} in ${run.finishedAt - run.startedAt} ms`);
});

await scheduler.start();
console.log(
  "next ticks:",
  (await scheduler.nextRuns("tick", 3)).map((d) => d.toISOString()),
);
await new Promise((resolve) => setTimeout(resolve, 5000));
await scheduler.stop();
