#!/usr/bin/env node
// Bundles `create_cron` into one CommonJS file, dist/create_cron.cjs, after
// `tsc` has built dist/ (npm run build runs both).
//
// Why: create_cron is timed against a bare `node -e 0` (bench/cli.js, goal
// under 1.5×), and most of what it cost beyond node itself was loading:
// ~30 ES modules through the ESM loader (resolve, read, compile, link each),
// plus the ESM loader itself for the entry point. One CommonJS file loaded by
// a CommonJS bin (bin/package.json makes bin/ CommonJS) skips all of that.
// What the bundle does is what dist/cli/create-cron.js does: same sources,
// and the tests run the real bin.
//
// better-sqlite3's JavaScript (15 small CommonJS files, ~10 ms to resolve,
// read and compile one by one) is bundled too; its addon is still loaded from
// its package (see sqliteInBundle). Left out, loaded at run time as before:
// commander (half the size of the rest, needed only for --help and malformed
// command lines: its require() runs when the module that imports it is first
// used), cronstrue (only for descriptions) and pino (only the daemon logs).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = new URL("..", import.meta.url);
const rootDir = fileURLToPath(root);
const cacheFile = join(rootDir, "dist", "create_cron.cjs.cache");

/**
 * Node built-ins that cost milliseconds to load (node:crypto starts OpenSSL,
 * ~5 ms) but that create_cron needs only on some paths (a new store file's
 * temporary name): each listed export becomes a function that loads the
 * module on its first call. Importing a name not listed fails the build.
 */
const LAZY_BUILTINS = {
  "node:crypto": ["randomBytes", "randomFillSync"],
};

const lazyBuiltins = {
  name: "lazy-builtins",
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(LAZY_BUILTINS).join("|")})$`);
    b.onResolve({ filter }, (args) =>
      // The stand-in's own require() is of the real module.
      args.namespace === "lazy-builtin"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "lazy-builtin" },
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
      contents: LAZY_BUILTINS[args.path]
        .map(
          (name) =>
            `export function ${name}(...args) { return require(${JSON.stringify(args.path)}).${name}(...args); }`,
        )
        .join("\n"),
      loader: "js",
    }));
  },
};

/**
 * src/store/sqlite/open.ts loads better-sqlite3 with a require() made by
 * createRequire (cheaper than the ESM loader for a CommonJS package, in the
 * tsc build); esbuild cannot follow that, so here the one call is replaced
 * by an import it bundles. If the call changes, the build fails rather than
 * silently leave the package out.
 *
 * Bundled, better-sqlite3's fallback search for its addon (the `bindings`
 * package, used when open.ts finds no build/Release/better_sqlite3.node)
 * would look in this package instead of better-sqlite3's: it is pointed
 * at better-sqlite3's own directory.
 */
const sqliteInBundle = {
  name: "sqlite-in-bundle",
  setup(b) {
    const CALL = 'require("better-sqlite3")';
    b.onLoad({ filter: /src\/store\/sqlite\/open\.ts$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      if (source.split(CALL).length !== 2) {
        throw new Error(
          `${args.path}: expected one ${CALL} (scripts/build-cli.mjs bundles better-sqlite3 in its place)`,
        );
      }
      return {
        contents: `import __bundledSqlite from "better-sqlite3";\n${source.replace(CALL, "__bundledSqlite")}`,
        loader: "ts",
      };
    });
    b.onResolve({ filter: /^bindings$/ }, (args) =>
      args.namespace === "sqlite-bindings"
        ? { path: "bindings", external: true }
        : { path: "bindings", namespace: "sqlite-bindings" },
    );
    b.onLoad({ filter: /.*/, namespace: "sqlite-bindings" }, () => ({
      contents: `const { dirname } = require("node:path");
module.exports = (name) => require("bindings")({
  bindings: name,
  module_root: dirname(require.resolve("better-sqlite3/package.json")),
});`,
      loader: "js",
    }));
  },
};

rmSync(cacheFile, { force: true });
const result = await build({
  absWorkingDir: rootDir,
  entryPoints: { create_cron: "src/cli/create-cron.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  sourcemap: true,
  external: ["better-sqlite3/package.json", "commander", "cronstrue", "pino"],
  plugins: [lazyBuiltins, sqliteInBundle],
  // CommonJS has no import.meta: give the modules that read it (createRequire)
  // the bundle's own URL; it sits in dist/ beside them, so it resolves alike.
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
  metafile: true,
});

// A module that locates files relative to itself would find them relative to
// dist/ instead once bundled: only the ones known to be safe may be in it.
const RELATIVE_SAFE = new Set(["src/cron/describe.ts", "src/store/sqlite/open.ts"]);
for (const [input, info] of Object.entries(result.metafile.inputs)) {
  if (input.startsWith("src/") && !RELATIVE_SAFE.has(input) && info.bytes > 0) {
    if (readFileSync(new URL(input, root), "utf8").includes("import.meta")) {
      throw new Error(
        `${input} reads import.meta and is now in the create_cron bundle: check that it still finds what it looks for from dist/, then list it in scripts/build-cli.mjs`,
      );
    }
  }
}

// V8's code cache for the bundle (see bin/create_cron.js): run create_cron
// once, as a user would, into a throw-away home; the bin writes the cache
// after the run. A run that fails fails the build: the bundle is broken.
const home = mkdtempSync(join(tmpdir(), "create-cron-build-"));
try {
  const script = join(home, "task.sh");
  writeFileSync(script, "#!/bin/sh\n", { mode: 0o755 });
  const run = spawnSync(
    process.execPath,
    [
      join(rootDir, "bin", "create_cron.js"),
      "warm-up",
      "--interval",
      "30",
      "*/15 9-17 * * 1-5",
      script,
    ],
    {
      env: {
        ...process.env,
        CRON_SCHEDULER_HOME: home,
        CRON_SCHEDULER_STORE: "",
        CRON_SCHEDULER_WRITE_CODE_CACHE: "1",
      },
      encoding: "utf8",
    },
  );
  if (run.status !== 0) {
    throw new Error(`create_cron from the new bundle failed (exit ${run.status}): ${run.stderr}`);
  }
  readFileSync(cacheFile); // it must be there now
} finally {
  rmSync(home, { recursive: true, force: true });
}
