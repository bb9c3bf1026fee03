import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import Module from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import vm from "node:vm";
import { afterAll, describe, expect, it } from "vitest";

// create_cron runs from one bundled file with V8's code cache
// (scripts/build-cli.mjs, bin/create_cron.js). The other CLI tests run that
// bin for what it does; these check the machinery: the cache fits the
// bundle, and a cache that does not is ignored, never used.

const ROOT = resolve(import.meta.dirname, "../..");
const BUNDLE = join(ROOT, "dist", "create_cron.cjs");
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "start-up-test-"));
  dirs.push(d);
  return d;
}

describe("create_cron's bundle", () => {
  it("has a code cache made for it, which V8 accepts", () => {
    const cache = readFileSync(`${BUNDLE}.cache`);
    const newline = cache.indexOf(10);
    const s = statSync(BUNDLE);
    expect(cache.subarray(0, newline + 1).toString()).toBe(`${s.size}:${s.mtimeMs}\n`);
    const script = new vm.Script(Module.wrap(readFileSync(BUNDLE, "utf8")), {
      filename: BUNDLE,
      cachedData: cache.subarray(newline + 1),
    });
    expect(script.cachedDataRejected).toBe(false);
  });

  it("never runs a cache made for another bundle, even one of the same length", () => {
    // A copy of bin/ and of the bundle where "added" reads "ADDED" (same
    // length: V8 itself only checks the length of the source), run once to
    // make a cache for it; then the real bundle is put back.
    const root = tempDir();
    mkdirSync(join(root, "bin"));
    mkdirSync(join(root, "dist"));
    for (const f of ["create_cron.js", "package.json"]) {
      copyFileSync(join(ROOT, "bin", f), join(root, "bin", f));
    }
    symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
    const bundle = join(root, "dist", "create_cron.cjs");
    const original = readFileSync(BUNDLE, "utf8");
    const altered = original.replace('printJob("added"', 'printJob("ADDED"');
    expect(altered).not.toBe(original);
    writeFileSync(bundle, altered);
    const script = join(root, "task.sh");
    writeFileSync(script, "#!/bin/sh\n", { mode: 0o755 });
    let n = 0;
    const create = (env: Record<string, string> = {}) =>
      spawnSync(
        process.execPath,
        [
          join(root, "bin", "create_cron.js"),
          `job-${++n}`,
          "--interval",
          "30",
          "0 9 * * *",
          script,
        ],
        {
          env: {
            ...process.env,
            CRON_SCHEDULER_HOME: join(root, "home"),
            CRON_SCHEDULER_STORE: "",
            TZ: "UTC",
            ...env,
          },
          encoding: "utf8",
        },
      );
    expect(create({ CRON_SCHEDULER_WRITE_CODE_CACHE: "1" }).stdout).toContain("ADDED job-1");

    writeFileSync(bundle, original);
    const run = create();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("added job-2");
    expect(run.stdout).toMatch(/next\s+\d{4}-\d\d-\d\dT09:00:00Z/);

    // Why the stamp matters: given the old cache as if it fitted, V8 takes it
    // and runs the old code.
    const cacheFile = `${bundle}.cache`;
    const cache = readFileSync(cacheFile);
    const s = statSync(bundle);
    writeFileSync(
      cacheFile,
      Buffer.concat([
        Buffer.from(`${s.size}:${s.mtimeMs}\n`),
        cache.subarray(cache.indexOf(10) + 1),
      ]),
    );
    expect(create().stdout).toContain("ADDED job-3");
  });
});
