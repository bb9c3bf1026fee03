import { spawn } from "node:child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLock } from "../../src/daemon/lock.js";
import { tempDir } from "../tmp.js";

// The pid file is the lock that keeps a second scheduler off a home. Real
// processes race for it (the built module, as the daemon uses it).

const LOCK = resolve("dist/daemon/lock.js");
const home = tempDir;

/** A process that tries to take the lock, says what happened, and holds it a while. */
function contender(path: string): Promise<string> {
  const code = `import { acquireLock } from ${JSON.stringify(LOCK)};
    try { acquireLock(${JSON.stringify(path)}, "h"); console.log("won"); setTimeout(() => {}, 1500); }
    catch (e) { console.log(e.code); }`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  return new Promise((r) => child.on("exit", () => r(out.trim())));
}

describe("the pid file lock", () => {
  it("of eight processes racing over a stale pid file, exactly one wins", async () => {
    const path = join(home(), "scheduler.pid");
    writeFileSync(path, "4194305\n1\n"); // pid 2^22 + 1 cannot exist: stale
    const results = await Promise.all(Array.from({ length: 8 }, () => contender(path)));
    expect(results.filter((r) => r === "won")).toHaveLength(1);
    expect(results.filter((r) => r === "E_LOCKED")).toHaveLength(7);
  });

  it("clears a takeover lock left by a process that died while taking over", () => {
    const dir = home();
    const path = join(dir, "scheduler.pid");
    writeFileSync(path, "4194305\n1\n");
    writeFileSync(`${path}.takeover`, "4194306\n1\n");
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(`${path}.takeover`, old, old);
    const release = acquireLock(path, dir);
    expect(readFileSync(path, "utf8").startsWith(`${process.pid}\n`)).toBe(true);
    expect(existsSync(`${path}.takeover`)).toBe(false);
    release();
    expect(existsSync(path)).toBe(false);
  });
});
