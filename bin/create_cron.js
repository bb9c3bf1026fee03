#!/usr/bin/env node
// create_cron's start-up is timed against a bare `node` (bench/cli.js: goal
// under 1.5×), so this file does by hand what require() would, to use V8's
// code cache:
// - it is CommonJS (bin/package.json): the ESM loader alone costs ~10 ms;
// - dist/create_cron.cjs is all of create_cron in one file
//   (scripts/build-cli.mjs, run by npm run build);
// - dist/create_cron.cjs.cache is V8's compiled code for it, written by the
//   build after a run of create_cron (so it holds the functions a run
//   compiles, not only the top level). V8 rejects a cache from another
//   version or with other flags, and the bundle's size and mtime at build
//   time are checked here: a stale cache is never used, only ignored.
"use strict";
const { readFileSync, statSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const Module = require("node:module");
const vm = require("node:vm");

const bundle = join(__dirname, "..", "dist", "create_cron.cjs");
const cacheFile = `${bundle}.cache`;
const source = readFileSync(bundle, "utf8");
const stamp = (() => {
  const s = statSync(bundle);
  return `${s.size}:${s.mtimeMs}\n`;
})();
let cachedData;
try {
  const cache = readFileSync(cacheFile);
  const newline = cache.indexOf(10);
  if (cache.subarray(0, newline + 1).toString() === stamp) cachedData = cache.subarray(newline + 1);
} catch {
  // No cache: compile as require() would.
}
const script = new vm.Script(Module.wrap(source), { filename: bundle, cachedData });
const exported = { exports: {} };
script.runInThisContext()(
  exported.exports,
  Module.createRequire(bundle),
  exported,
  bundle,
  dirname(bundle),
);
const done = exported.exports.main(process.argv.slice(2));
if (process.env.CRON_SCHEDULER_WRITE_CODE_CACHE === "1") {
  // scripts/build-cli.mjs: after a run, so that the cache holds what it compiled.
  done.then(() =>
    writeFileSync(cacheFile, Buffer.concat([Buffer.from(stamp), script.createCachedData()])),
  );
}
