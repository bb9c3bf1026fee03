import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import ts from "typescript";

// Real processes on one store file. The children run the current source,
// not a possibly stale dist/: src/ is transpiled file by file (as tsc with
// isolatedModules would) into node_modules/.cache, where `better-sqlite3`
// resolves as it does for the package.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WORKER = join(root, "test/store/worker.mjs");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

let compiled: string | undefined;

/** The directory of src/ compiled to JavaScript (cached by content). */
export function compiledSource(): string {
  if (compiled) return compiled;
  const files = sources(join(root, "src")).sort();
  const hash = createHash("sha256");
  for (const file of files) hash.update(file).update(readFileSync(file));
  const cache = join(root, "node_modules/.cache/cron-scheduler-test");
  const out = join(cache, hash.digest("hex").slice(0, 16));
  try {
    readFileSync(join(out, "package.json"));
  } catch {
    const staging = `${out}.${process.pid}`;
    for (const file of files) {
      const js = ts.transpileModule(readFileSync(file, "utf8"), {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: true,
        },
        fileName: file,
      }).outputText;
      const target = join(staging, relative(join(root, "src"), file)).replace(/\.ts$/, ".js");
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, js);
    }
    writeFileSync(join(staging, "package.json"), '{"type":"module"}\n');
    try {
      renameSync(staging, out);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another test file won the race
    }
    // Older versions of the source, unused for an hour, are no one's any more.
    for (const name of readdirSync(cache)) {
      const old = join(cache, name);
      if (old !== out && Date.now() - statSync(old).mtimeMs > 3600_000) {
        rmSync(old, { recursive: true, force: true });
      }
    }
  }
  compiled = out;
  return out;
}

export interface Worker {
  child: ChildProcess;
  /** Resolves when the worker has opened the store and waits for "go". */
  ready: Promise<void>;
  send(line: string): void;
  /** The worker's last line of output, parsed as JSON, when it exits 0. */
  result: Promise<unknown>;
}

/** Starts test/store/worker.mjs with a command and its arguments. */
export function startWorker(command: string, args: object): Worker {
  const child = spawn(process.execPath, [WORKER, compiledSource(), command, JSON.stringify(args)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const lines: string[] = [];
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    if (line === "ready") onReady();
    else lines.push(line);
  });
  const result = new Promise<unknown>((resolve, reject) => {
    child.on("close", (code) => {
      if (code === 0 && lines.length > 0) resolve(JSON.parse(lines[lines.length - 1] as string));
      else reject(new Error(`worker ${command} exited ${code}: ${stderr}${lines.join("\n")}`));
    });
  });
  // A worker that died before "ready" must not leave its test waiting.
  result.catch(() => onReady());
  return {
    child,
    ready,
    result,
    send: (line) => child.stdin?.write(`${line}\n`),
  };
}
