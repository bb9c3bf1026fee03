// Child of shapes.test.ts: node --expose-gc --trace-deopt shapes-worker.mjs <compiled src dir>.
// A thousand jobs fire each second on a manual clock: a few seconds for the
// fire path to be optimised, then a minute (across the first minute
// rollover and nine refills of the run id pool), then a full GC, and more
// seconds; marker lines between them.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir] = process.argv.slice(2);
const { createScheduler } = await import(pathToFileURL(join(dir, "library.js")).href);

const JOBS = 1000;
let wall = Date.UTC(2026, 0, 1);
let mono = 0;
let timer = null;
const clock = {
  now: () => wall,
  monotonic: () => mono,
  setTimer(callback, ms) {
    const handle = { callback };
    if (ms < 900) setTimeout(callback, 0);
    else timer = handle;
    return handle;
  },
  clearTimer(handle) {
    if (timer === handle) timer = null;
  },
};
const scheduler = await createScheduler({ store: "memory", timezone: "UTC", pollMs: null, clock });
let calls = 0;
for (let j = 0; j < JOBS; j++) {
  scheduler.add({
    id: `job-${j}`,
    schedule: "* * * * * *",
    run: (ctx) => {
      calls++;
      return ctx.scheduledAt;
    },
  });
}
await scheduler.start();
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function seconds(n) {
  for (let i = 0; i < n; i++) {
    wall += 1000;
    mono += 1000;
    const due = timer;
    timer = null;
    const before = calls;
    due.callback();
    while (calls - before < JOBS) await turn();
    await turn();
    await turn();
  }
}

await seconds(4);
console.log("=== warm");
await seconds(60);
console.log("=== full GC");
globalThis.gc();
await seconds(10);
console.log("=== done");
await scheduler.stop();
