#!/usr/bin/env node
// Runs the benchmark scenarios and regenerates docs/benchmarks.md.
//
//   node bench/run.js              every scenario
//   node bench/run.js cron-next    only the named ones (sections of the others are kept)
//
// `npm run bench` builds first: scenarios import the built package.
//
// Convention for scenario files: `bench/<name>.js` is an ES module (plain JS,
// linted by Biome) importing the package from `../dist/index.js` and helpers
// from `./lib/`. Its default export is
//
//   export default async function () {
//     return { title, markdown, goals };
//   }
//
// where `title` is the section heading, `markdown` the section body (tables,
// notes) and `goals` a list of { name, target, actual, met } with `met` a
// boolean computed from numbers measured in the same run (targets are ratios
// against other libraries wherever possible, so they hold on any machine).
// Each scenario runs in its own `node --expose-gc` child process with TZ=UTC,
// so heaps, JIT state and caches do not leak between scenarios.
import { fork } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeSection, readSections, renderDocument } from "./lib/report.js";

const benchDir = dirname(fileURLToPath(import.meta.url));
const docPath = join(benchDir, "..", "docs", "benchmarks.md");

const available = (await readdir(benchDir))
  .filter((f) => f.endsWith(".js") && f !== "run.js")
  .map((f) => basename(f, ".js"))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !available.includes(n.replace(/\.js$/, "")));
if (unknown.length) {
  console.error(
    `unknown scenario ${unknown.map((n) => `"${n}"`).join(", ")} (available: ${available.join(", ")})`,
  );
  process.exit(2);
}
const names = wanted.length ? wanted.map((n) => n.replace(/\.js$/, "")) : available;

const cpus = os.cpus();
const machine = `${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, Node ${process.version}, ${process.platform} ${process.arch}`;
const date = `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`;

await mkdir(dirname(docPath), { recursive: true });
let previous = "";
try {
  previous = await readFile(docPath, "utf8");
} catch {
  // First run: nothing to keep.
}
const sections = readSections(previous);
const ran = new Set();
let failed = 0;

for (const name of names) {
  const started = performance.now();
  process.stderr.write(`${name}: running…\n`);
  const outcome = await runChild(join(benchDir, `${name}.js`));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (!outcome.ok) {
    failed++;
    process.stderr.write(`${name}: FAILED after ${seconds} s\n${outcome.error}\n`);
    continue;
  }
  sections.set(name, makeSection(name, outcome.result, date, machine));
  ran.add(name);
  const goals = outcome.result.goals;
  process.stderr.write(
    `${name}: done in ${seconds} s, ${goals.filter((g) => g.met).length}/${goals.length} goals met\n`,
  );
  for (const g of goals) {
    process.stderr.write(
      `  ${g.met ? "met    " : "MISSED "} ${g.name}: ${g.actual} (target ${g.target})\n`,
    );
  }
}

if (ran.size) {
  await writeFile(docPath, renderDocument(sections, { machine, date, ran }));
  process.stderr.write(`wrote ${docPath}\n`);
}
if (failed) process.exitCode = 1;

/** Runs one scenario in a child process; resolves to { ok, result } or { ok: false, error }. */
function runChild(file) {
  return new Promise((resolve) => {
    const child = fork(join(benchDir, "lib", "child.js"), [file], {
      execArgv: ["--expose-gc"],
      env: { ...process.env, TZ: "UTC" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let outcome;
    child.on("message", (message) => {
      outcome = message;
    });
    child.on("error", (error) => resolve({ ok: false, error: error.stack ?? String(error) }));
    child.on("exit", (code, signal) => {
      resolve(
        outcome ?? {
          ok: false,
          error: `the child process ended (${signal ?? `exit code ${code}`}) without a result`,
        },
      );
    });
  });
}
