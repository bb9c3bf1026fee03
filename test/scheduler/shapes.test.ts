import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compiledSource } from "../store/processes.js";

const WORKER = join(dirname(fileURLToPath(import.meta.url)), "shapes-worker.mjs");

/** The trace of a worker run: node --trace-deopt, a thousand jobs firing a second on a manual clock. */
let trace: string | null = null;
function workerTrace(): string {
  if (trace === null) {
    const child = spawnSync(
      process.execPath,
      ["--expose-gc", "--trace-deopt", WORKER, compiledSource()],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(child.status).toBe(0);
    trace = child.stdout;
  }
  return trace;
}

/** The trace between two marker lines of the worker. */
function between(from: string, to: string): string {
  const out = workerTrace();
  const part = out.slice(out.indexOf(`=== ${from}`), out.indexOf(`=== ${to}`));
  expect(part.length).toBeGreaterThan(0);
  return part;
}

describe("the optimised code of the fire path", () => {
  it("is not thrown away by a branch first taken after warm-up (run id pool refills, minute rollover)", () => {
    // V8 compiles a branch without type feedback as a bailout; each one taken
    // threw the optimised pass away (see refillPool in ids.ts, primeRollovers
    // in cron/parse.ts).
    const bailouts = between("warm", "full GC")
      .split("\n")
      .filter((line) => line.includes("[bailout"))
      .map(
        (line) =>
          /reason: ([^)]*)\).*?<JSFunction ([^ >]*)/.exec(line)?.slice(1).join(" in ") ?? line,
      );
    expect(bailouts).toEqual([]);
  }, 60_000);

  it("survives a full GC (its objects' hidden classes are kept alive, see src/shapes.ts)", () => {
    const after = between("full GC", "done");
    // V8 names code thrown away because an object it embeds died "weak objects".
    const lost = after
      .split("\n")
      .filter((line) => line.includes("reason: weak objects"))
      .map((line) => /SharedFunctionInfo ([^>]*)>/.exec(line)?.[1] ?? line);
    expect(lost).toEqual([]);
  }, 60_000);
});
