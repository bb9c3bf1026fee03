import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("examples/", () => {
  it("library.mjs runs its jobs and stops on its own", () => {
    const out = execFileSync(process.execPath, ["examples/library.mjs"], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(out).toMatch(/^tick: succeeded in \d+ ms$/m);
    expect(out).toMatch(/^disk: succeeded in \d+ ms$/m);
    expect(out).toMatch(/^next ticks: \[/m);
  });
});
