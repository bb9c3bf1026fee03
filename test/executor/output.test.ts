// A run's output: the file (bounded, marked when cut), the tail kept for the store.

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runAttempt } from "../../src/executor/index.js";
import { OutputSink } from "../../src/executor/output.js";
import { attempt, script, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

const MARKER = /\[cron-scheduler\] output truncated: this file keeps the first (\d+) bytes/g;

it("stdout and stderr go to one file, in the order they were written", async () => {
  const path = join(tmp.dir, "runs", "job-1", "run-1.log");
  const r = await runAttempt(attempt(script("interleave.py"), { outputPath: path }));
  const expected = [0, 1, 2, 3, 4]
    .map((i) => `line ${i} on ${i % 2 === 0 ? "out" : "err"}\n`)
    .join("");
  expect(readFileSync(path, "utf8")).toBe(expected);
  expect(r).toMatchObject({ outputTail: expected, outputBytes: expected.length });
  expect(r.outputTruncated).toBe(false);
  expect(statSync(path).mode & 0o777).toBe(0o600);
});

it("a flood of 200 MB keeps 1 MB on disk, little memory, counts every byte and keeps the end", async () => {
  const path = join(tmp.dir, "flood.log");
  const total = 200 * 1024 * 1024;
  const max = 1024 * 1024;
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const r = await runAttempt(
    attempt(script("flood.sh", String(total)), { outputPath: path, maxOutputBytes: max }),
  );
  clearInterval(sampler);
  expect(r.status).toBe("succeeded");
  expect(r.outputBytes).toBe(total + "\n".length + "THE END\n".length);
  expect(r.outputTruncated).toBe(true);
  expect(r.outputTail.endsWith("xxx\nTHE END\n")).toBe(true);
  expect(Buffer.byteLength(r.outputTail)).toBe(4096);
  const file = readFileSync(path, "latin1");
  expect(file.length).toBeLessThan(max + 200);
  expect(file.slice(0, max)).toBe("x".repeat(max));
  expect([...file.matchAll(MARKER)].map((m) => m[1])).toEqual([String(max)]);
  // Keeping it all would take 200 MB; garbage read buffers awaiting GC take ~40 MB here.
  expect(peak - baseline).toBeLessThan(100 * 1024 * 1024);
});

it("the tail is cut at a character boundary", async () => {
  // 1363 × "€" (3 bytes) + "😀" (4 bytes) is 4093 bytes; 4095 bytes would start inside a "€".
  const r = await runAttempt(attempt(script("utf8.py", "2000"), { tailBytes: 4095 }));
  expect(r.outputTail).toBe(`${"€".repeat(1363)}😀`);
  expect(r.outputBytes).toBe(2000 * 3 + 4);
});

it("without an output path only the tail is kept", async () => {
  const r = await runAttempt(
    attempt(script("flood.sh", "5000"), { maxOutputBytes: 100, tailBytes: 10 }),
  );
  expect(r).toMatchObject({ outputBytes: 5009, outputTruncated: true, outputError: null });
  expect(r.outputTail).toBe("\nTHE END\n".slice(-10).padStart(10, "x"));
});

it("a file that cannot be written is reported, and the job still runs", async () => {
  writeFileSync(join(tmp.dir, "a-file"), "");
  const path = join(tmp.dir, "a-file", "run.log");
  const r = await runAttempt(attempt(script("exit-with.sh", "0"), { outputPath: path }));
  expect(r).toMatchObject({ status: "succeeded", outputTail: "exiting\n" });
  expect(r.outputError).toMatch(/^cannot open the output file .*a-file\/run\.log: ENOTDIR/);
});

it("a run that prints nothing gets no file; a silent run that times out gets one with the note", async () => {
  const quiet = join(tmp.dir, "runs", "j", "quiet.log");
  const r = await runAttempt(
    attempt({ type: "command", argv: ["/bin/true"] }, { outputPath: quiet }),
  );
  expect(r).toMatchObject({
    status: "succeeded",
    outputBytes: 0,
    outputTail: "",
    outputError: null,
  });
  expect(existsSync(quiet)).toBe(false);
  const slow = join(tmp.dir, "runs", "j", "slow.log");
  const t = await runAttempt(
    attempt({ type: "command", argv: ["sleep", "5"] }, { outputPath: slow, timeoutMs: 50 }),
  );
  expect(t.status).toBe("timed_out");
  expect(readFileSync(slow, "utf8")).toBe(
    "[cron-scheduler] timed out after 50 ms: sent SIGTERM to the process group\n",
  );
});

it("the file replaces an older one of the same run", async () => {
  mkdirSync(join(tmp.dir, "j"));
  const path = join(tmp.dir, "j", "r.log");
  writeFileSync(path, "old output that is longer than the new one\n");
  await runAttempt(attempt({ type: "command", argv: ["echo", "new"] }, { outputPath: path }));
  expect(readFileSync(path, "utf8")).toBe("new\n");
});

describe("OutputSink", () => {
  it("keeps the first maxBytes, one marker, and the last tailBytes of any chunking", async () => {
    const chunk = fc.uint8Array({ minLength: 0, maxLength: 300 }).map((a) => Buffer.from(a));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(chunk, { maxLength: 20 }),
        fc.nat(1500),
        fc.integer({ min: 1, max: 400 }),
        async (chunks, max, tailBytes) => {
          const path = join(tmp.dir, `p${n++}.log`);
          const sink = new OutputSink(path, max, tailBytes);
          for (const c of chunks) sink.write(c);
          await sink.close();
          const all = Buffer.concat(chunks);
          expect(sink.bytes).toBe(all.length);
          expect(sink.truncated).toBe(all.length > max);
          // No output, no file.
          const file = all.length === 0 ? Buffer.alloc(0) : readFileSync(path);
          if (all.length === 0) expect(existsSync(path)).toBe(false);
          expect(file.subarray(0, Math.min(max, all.length)).equals(all.subarray(0, max))).toBe(
            true,
          );
          const rest = file.subarray(Math.min(max, all.length)).toString("latin1");
          if (all.length > max)
            expect(rest).toMatch(/^\n?\[cron-scheduler\] output truncated[^\n]*\n$/);
          else expect(rest).toBe("");
          // The tail: the last tailBytes, minus at most 3 leading continuation bytes of a cut character.
          let start = Math.max(0, all.length - tailBytes);
          for (let i = 0; i < 3 && start > 0 && start < all.length; i++) {
            if (((all[start] as number) & 0xc0) !== 0x80) break;
            start++;
          }
          expect(sink.tail()).toBe(all.toString("utf8", start));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("asks the reader to pause while the file is behind, and says when it caught up", async () => {
    const sink = new OutputSink(join(tmp.dir, "bp.log"), 10 * 1024 * 1024, 16);
    expect(sink.write(Buffer.alloc(1024 * 1024, 0x61))).toBe(false);
    const drained = await new Promise<boolean>((resolve) => {
      sink.onDrain(() => resolve(true));
      setTimeout(() => resolve(false), 5000);
    });
    expect(drained).toBe(true);
    await sink.close();
    expect(statSync(join(tmp.dir, "bp.log")).size).toBe(1024 * 1024);
  });
});
