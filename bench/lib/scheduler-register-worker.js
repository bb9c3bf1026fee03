// Worker of bench/scheduler-register.js: registers `count` no-op cron jobs
// with distinct expressions in one library and measures heap and CPU time.
//
// Jobs are added in ten equal batches, each awaited before the next (for us:
// until the store has them), so that each tenth's time includes all its work
// and the tenths show whether the cost per job grows with the number of jobs.
import { CONTENDERS } from "./contenders.js";
import { distinctSchedules, jobIds } from "./schedules.js";

const noop = () => {};
const TENTHS = 10;

export default async function register({ library, count }) {
  const ids = jobIds(count);
  // Bare timers take a delay instead of an expression: hours ahead, all distinct.
  const specs =
    library === "setTimeout"
      ? Array.from({ length: count }, (_, i) => 3_600_000 + i * 1000)
      : distinctSchedules(count);
  const contender = await CONTENDERS[library]({});
  // Inputs are built before the first heap reading: only what the library keeps counts.
  gcFully();
  const heapBefore = process.memoryUsage().heapUsed;
  const tenths = [];
  let cpuAdd = 0;
  for (let t = 0; t < TENTHS; t++) {
    const from = Math.floor((t * count) / TENTHS);
    const to = Math.floor(((t + 1) * count) / TENTHS);
    const start = process.cpuUsage();
    for (let i = from; i < to; i++) contender.add(ids[i], specs[i], noop);
    await contender.settle?.();
    const used = cpuNs(start);
    cpuAdd += used;
    tenths.push(used / (to - from));
  }
  gcFully();
  const heapRegistered = process.memoryUsage().heapUsed;
  let cpuStart = null;
  if (contender.start) {
    const start = process.cpuUsage();
    await contender.start();
    cpuStart = cpuNs(start);
  }
  gcFully();
  const heapStarted = process.memoryUsage().heapUsed;
  const result = {
    library,
    count,
    addNsPerJob: cpuAdd / count,
    startNsPerJob: cpuStart === null ? null : cpuStart / count,
    heapRegisteredPerJob: (heapRegistered - heapBefore) / count,
    heapStartedPerJob: (heapStarted - heapBefore) / count,
    tenthsNsPerJob: tenths,
  };
  await contender.stop();
  return result;
}

function cpuNs(since) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) * 1000;
}

function gcFully() {
  for (let i = 0; i < 3; i++) global.gc();
}
