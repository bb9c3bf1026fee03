import { describe, expect, it } from "vitest";
import { newRunId } from "../../src/ids.js";
import { RUN_STATUSES, type Run } from "../../src/model.js";
import { NodeNames, RunRows } from "../../src/store/run-rows.js";
import { makeRun, T0 } from "./fixtures.js";

function finished(slot: number, patch: Partial<Run> = {}): Run {
  return {
    ...makeRun("job", slot),
    id: newRunId(slot),
    status: "succeeded",
    startedAt: slot + 1,
    finishedAt: slot + 2,
    node: "host:1:100",
    ...patch,
  };
}

const all = (rows: RunRows) => Array.from({ length: rows.length }, (_, i) => rows.get(i));

describe("RunRows (the memory store's runs as rows of numbers)", () => {
  it("gives back every field of every kind of run as it was put in", () => {
    const rows = new RunRows("job", new NodeNames());
    const runs = [
      finished(T0),
      finished(T0 + 1000, {
        status: "failed",
        trigger: "retry",
        attempt: 3,
        reason: "exit code 2",
        exitCode: 2,
        pid: 4242,
        pidStartTime: "123456",
        outputTail: "line\n",
        outputBytes: 5_000_000_000,
        outputTruncated: true,
        node: "other:2:200",
      }),
      finished(T0 + 2000, { status: "killed", signal: "SIGKILL", trigger: "manual" }),
      finished(T0 + 3000, { id: "run-not-of-our-form", status: "missed", trigger: "catch-up" }),
      finished(T0 + 4000, { status: "skipped", startedAt: null, exitCode: 0, trigger: "reboot" }),
      finished(T0 + 5000, { status: "abandoned", finishedAt: null, startedAt: -5 }),
    ];
    for (const run of runs) rows.insert(run);
    expect(all(rows)).toEqual(runs);
    expect(rows.get(0)).not.toBe(runs[0]);
    expect(runs.map((r) => rows.indexOfId(r.id))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rows.indexOfId(newRunId(T0))).toBe(-1);
    expect(rows.indexOfId("run-not-ours")).toBe(-1);
    expect([rows.statusAt(1), rows.triggerAt(3), rows.slotAt(2), rows.attemptAt(1)]).toEqual([
      "failed",
      "catch-up",
      T0 + 2000,
      3,
    ]);
  });

  it("keeps every status and every trigger", () => {
    const rows = new RunRows("job", new NodeNames());
    const statuses = RUN_STATUSES;
    const triggers = ["schedule", "catch-up", "manual", "retry", "reboot"] as const;
    const runs = statuses.flatMap((status, i) =>
      triggers.map((trigger, k) => finished(T0 + (i * 10 + k) * 1000, { status, trigger })),
    );
    for (const run of runs) rows.insert(run);
    expect(all(rows).map((r) => [r.status, r.trigger])).toEqual(
      runs.map((r) => [r.status, r.trigger]),
    );
    expect(runs.map((_, i) => rows.unfinishedAt(i))).toEqual(
      runs.map((r) => r.status === "running" || r.status === "queued"),
    );
  });

  it("keeps (slot, attempt) order whatever order runs come in, and finds each place", () => {
    const rows = new RunRows("job", new NodeNames());
    const slots = Array.from({ length: 200 }, (_, i) => T0 + ((i * 7919) % 200) * 1000);
    for (const slot of slots) rows.insert(finished(slot, { attempt: 2 }));
    for (const slot of slots.slice(0, 50)) rows.insert(finished(slot, { attempt: 1 }));
    const order = all(rows).map((r) => [r.scheduledAt, r.attempt]);
    const sorted = [...order].sort(
      (a, b) =>
        (a[0] as number) - (b[0] as number) ||
        (a[0] === b[0] ? (a[1] as number) - (b[1] as number) : 0),
    );
    expect(order).toEqual(sorted);
    expect(rows.length).toBe(250);
    expect(rows.find(T0 + 5000, 2)).toBeGreaterThanOrEqual(0);
    expect(rows.get(rows.find(T0 + 5000, 2)).scheduledAt).toBe(T0 + 5000);
    expect(rows.find(T0 + 5000, 3)).toBe(-1);
    expect(rows.find(T0 - 1000, 1)).toBe(-1);
    expect(rows.find(T0 + 999_000, 1)).toBe(-1);
  });

  it("prunes the oldest finished runs, keeps unfinished ones in order, reuses the room at the front, and loses nothing while it grows", () => {
    const rows = new RunRows("job", new NodeNames());
    const kept: Run[] = [];
    let slot = T0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 37; i++) {
        slot += 1000;
        const run = finished(slot, i % 5 === 0 ? { reason: `note ${slot}` } : {});
        rows.insert(run);
        kept.push(run);
      }
      const drop = Math.max(0, kept.length - 50);
      expect(rows.pruneOldest(drop)).toBe(drop);
      kept.splice(0, drop);
      expect(rows.length).toBe(kept.length);
      expect(rows.get(0)).toEqual(kept[0]);
    }
    expect(all(rows)).toEqual(kept);
    // Unfinished runs among the oldest stay, in their order.
    rows.patch(3, { status: "running", finishedAt: null });
    rows.patch(7, { status: "queued", finishedAt: null });
    const unfinished = [all(rows)[3], all(rows)[7]];
    expect(rows.pruneOldest(10)).toBe(8);
    expect(all(rows).slice(0, 2)).toEqual(unfinished);
    expect([rows.unfinishedAt(0), rows.unfinishedAt(1), rows.unfinishedAt(2)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(all(rows).slice(2)).toEqual(kept.slice(10));
    const left = rows.length;
    expect(rows.pruneOldest(left)).toBe(left - 2);
    expect(rows.length).toBe(2);
    rows.patch(0, { status: "succeeded" });
    rows.patch(1, { status: "succeeded" });
    expect(rows.pruneOldest(2)).toBe(2);
    expect(rows.length).toBe(0);
    rows.insert(finished(T0));
    expect(all(rows).map((r) => r.scheduledAt)).toEqual([T0]);
  });

  it("patches and removes a row, with the strings only some runs have", () => {
    const rows = new RunRows("job", new NodeNames());
    const runs = [0, 1, 2].map((i) => finished(T0 + i * 1000, { outputTail: `out ${i}` }));
    for (const run of runs) rows.insert(run);
    rows.patch(1, { outputTail: null, reason: "patched" });
    expect(rows.get(1)).toEqual({ ...runs[1], outputTail: null, reason: "patched" });
    rows.removeAt(0);
    expect(all(rows)).toEqual([{ ...runs[1], outputTail: null, reason: "patched" }, runs[2]]);
    rows.patch(0, { reason: null });
    rows.insert(finished(T0 + 9000, { signal: "SIGTERM" }));
    expect(all(rows).map((r) => [r.reason, r.outputTail, r.signal])).toEqual([
      [null, null, null],
      [null, "out 2", null],
      [null, null, "SIGTERM"],
    ]);
  });

  it('keeps an empty output tail ("", most runs) without an entry in the side table, and tells it from none', () => {
    const rows = new RunRows("job", new NodeNames());
    const plain = { pidStartTime: null, outputTail: "" };
    const runs = [
      finished(T0, plain),
      finished(T0 + 1000, { ...plain, outputTail: null }),
      finished(T0 + 2000, { ...plain, reason: "why" }),
    ];
    for (const run of runs) rows.insert(run);
    expect(all(rows)).toEqual(runs);
    expect(rows.withExtras).toBe(1); // the reason's
    rows.patch(0, { outputTail: "text" });
    rows.patch(1, { outputTail: "" });
    rows.patch(2, { outputTail: null });
    expect(all(rows).map((r) => r.outputTail)).toEqual(["text", "", null]);
    rows.patch(0, { outputTail: "" });
    expect(all(rows).map((r) => r.outputTail)).toEqual(["", "", null]);
    expect(rows.get(2).reason).toBe("why");
  });
});
