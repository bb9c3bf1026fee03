// Timing and heap helpers shared by every scenario. Results are medians of
// several samples of CPU time taken after a warm-up, so that one GC pause, a
// JIT tier-up or a burst of load elsewhere does not move the number.

/** A sink the optimizer cannot see through: benchmarks feed results into it. */
let sink = 0;

/**
 * Times `run(n)`, which must perform n operations and return a number derived
 * from their results (it is kept, so the work cannot be optimized away).
 * The batch size is calibrated so that one sample lasts about `sampleMs`.
 * Returns the median time per operation in nanoseconds, with the spread.
 */
export function measure(run, options) {
  return measureAll([run], options)[0];
}

/**
 * Times several `run(n)` functions (as in measure) with their samples
 * interleaved (a, b, c, a, b, c …), so that a burst of load from elsewhere on
 * the machine hits all of them alike: use it for numbers that become a ratio.
 */
export function measureAll(runs, { sampleMs = 25, samples = 7, warmupMs = 60 } = {}) {
  const batch = runs.map((run) => calibrate(run, sampleMs, warmupMs));
  const perOp = runs.map(() => []);
  for (let s = 0; s < samples; s++) {
    runs.forEach((run, i) => {
      perOp[i].push(time(run, batch[i]) / batch[i]);
    });
  }
  return perOp.map((values, i) => {
    values.sort((a, b) => a - b);
    return {
      ns: median(values),
      min: values[0],
      max: values[values.length - 1],
      ops: batch[i] * samples,
    };
  });
}

/** Warms `run` up and returns the batch size for a sample of about `sampleMs`. */
function calibrate(run, sampleMs, warmupMs) {
  let n = 1;
  let elapsed = time(run, n);
  // Grow the batch until it lasts long enough to time reliably.
  while (elapsed < 5e6 && n < 1e9) {
    n *= elapsed < 5e5 ? 8 : 2;
    elapsed = time(run, n);
  }
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(warmupMs * 1e6));
  while (process.hrtime.bigint() < warmEnd) elapsed = time(run, n);
  return Math.max(1, Math.round((n * sampleMs * 1e6) / elapsed));
}

/**
 * CPU time (user + system, in ns) of this process for `run(n)`. CPU time
 * rather than wall time: on a shared machine, time spent waiting for a core
 * is not the code's cost, and it made wall-clock samples vary two-fold.
 */
function time(run, n) {
  const start = process.cpuUsage();
  sink = (sink + run(n)) | 0;
  const used = process.cpuUsage(start);
  return (used.user + used.system) * 1000;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The geometric mean, the right average for ratios. */
export function geomean(values) {
  return Math.exp(values.reduce((acc, v) => acc + Math.log(v), 0) / values.length);
}

/**
 * Heap retained per item: collects garbage, builds `count` items with
 * `make(i)` and keeps them alive, collects again and divides the growth.
 * Needs `node --expose-gc` (bench/run.js starts every scenario that way).
 */
export function heapPerItem(make, count) {
  if (typeof global.gc !== "function") throw new Error("heapPerItem needs node --expose-gc");
  const keep = new Array(count);
  gcFully();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) keep[i] = make(i);
  gcFully();
  const after = process.memoryUsage().heapUsed;
  // Touch the items after measuring so that they stay reachable until now.
  sink = (sink + keep.length) | 0;
  return (after - before) / count;
}

function gcFully() {
  // Weak references and finalizers can need more than one pass.
  for (let i = 0; i < 3; i++) global.gc();
}

/** "512 ns", "8.31 µs", "1.20 ms". */
export function formatNs(ns) {
  if (ns < 1000) return `${ns < 100 ? ns.toFixed(1) : ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1000).toFixed(ns < 1e4 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

/** "412 B", "1.3 KB", "83 KB". */
export function formatBytes(bytes) {
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  const kb = bytes / 1024;
  if (Math.abs(kb) < 1024) return `${kb.toFixed(Math.abs(kb) < 10 ? 1 : 0)} KB`;
  return `${(kb / 1024).toFixed(1)} MB`;
}

/** "12.4×"; how many times faster `ours` is than `theirs` (both in ns/op). */
export function formatRatio(ratio) {
  if (!Number.isFinite(ratio)) return "–";
  return `${ratio < 10 ? ratio.toFixed(2) : ratio.toFixed(1)}×`;
}
