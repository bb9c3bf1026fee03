import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compiledSource } from "../store/processes.js";

const WORKER = join(dirname(fileURLToPath(import.meta.url)), "shapes-worker.mjs");

describe("the optimised code of the fire path", () => {
  it("survives a full GC (its objects' hidden classes are kept alive, see src/shapes.ts)", () => {
    const child = spawnSync(
      process.execPath,
      ["--expose-gc", "--trace-deopt", WORKER, compiledSource()],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(child.status).toBe(0);
    const out = child.stdout;
    const after = out.slice(out.indexOf("=== full GC"), out.indexOf("=== done"));
    expect(after.length).toBeGreaterThan(0);
    // V8 names code thrown away because an object it embeds died "weak objects".
    const lost = after
      .split("\n")
      .filter((line) => line.includes("reason: weak objects"))
      .map((line) => /SharedFunctionInfo ([^>]*)>/.exec(line)?.[1] ?? line);
    expect(lost).toEqual([]);
  }, 60_000);
});
