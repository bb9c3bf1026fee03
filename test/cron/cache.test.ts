import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { localZoneName, parseSchedule } from "../../src/cron/index.js";

// parseSchedule interns schedules (nested maps by options and text, evicted
// oldest first through a ring of 10,000 keys). These tests pin what the
// cache may and may not share.

const JAN1 = Date.UTC(2026, 0, 1);

describe("the schedule cache", () => {
  it("shares one schedule for the same text and options", () => {
    const a = parseSchedule("0 9 * * 1-5", { timezone: "Europe/Berlin" });
    expect(parseSchedule("0 9 * * 1-5", { timezone: "Europe/Berlin" })).toBe(a);
    expect(parseSchedule("0 9 * * 1-5", { timezone: "Europe/Berlin", seed: "x" })).toBe(a);
  });

  it("keeps zones, the day rule and (with H) seeds apart", () => {
    const text = "0 9 1 * MON";
    const berlin = parseSchedule(text, { timezone: "Europe/Berlin" });
    const ny = parseSchedule(text, { timezone: "America/New_York" });
    const and = parseSchedule(text, { timezone: "Europe/Berlin", domAndDow: true });
    expect(ny).not.toBe(berlin);
    expect(and).not.toBe(berlin);
    // OR: the 1st or any Monday; AND: only a Monday that is the 1st.
    expect(berlin.next(JAN1)).not.toBe(and.next(JAN1));
    expect(parseSchedule(text, { timezone: "Europe/Berlin", domAndDow: false })).toBe(berlin);

    const a = parseSchedule("H 9 * * THU", { timezone: "UTC", seed: "a" });
    const b = parseSchedule("H 9 * * THU", { timezone: "UTC", seed: "b" });
    expect(parseSchedule("H 9 * * THU", { timezone: "UTC", seed: "a" })).toBe(a);
    expect(parseSchedule("H 9 * * THU", { timezone: "UTC", seed: "b" })).toBe(b);
    // THU contains an H but is not one: the seed does not matter.
    const thu = parseSchedule("5 9 * * THU", { timezone: "UTC", seed: "a" });
    expect(parseSchedule("5 9 * * THU", { timezone: "UTC", seed: "b" })).toBe(thu);
    // An H after a comma is one.
    const listed = (seed: string) =>
      parseSchedule("0 1,H * * *", { timezone: "UTC", seed }).nextN(JAN1, 2)[1];
    const hours = new Set(["a", "b", "c", "d", "e", "f", "g"].map(listed));
    expect(hours.size).toBeGreaterThan(1);
  });

  it("evicts the oldest entries and still answers right after it wrapped around", () => {
    const first = parseSchedule("7 7 7 7 *", { timezone: "UTC" });
    // Three times the size of the cache: every slot of the ring is reused.
    for (let i = 0; i < 30_000; i++) {
      const text = `${i % 60} ${Math.floor(i / 60) % 24} ${1 + (Math.floor(i / 1440) % 28)} * *`;
      const s = parseSchedule(`${" ".repeat(i % 3)}${text}`, { timezone: "UTC", seed: `${i}` });
      if (i % 997 === 0) expect(s.expression).toBe(text);
    }
    const again = parseSchedule("7 7 7 7 *", { timezone: "UTC" });
    expect(again).not.toBe(first); // evicted, parsed anew
    expect(again.next(JAN1)).toBe(first.next(JAN1));
    expect(parseSchedule("7 7 7 7 *", { timezone: "UTC" })).toBe(again);
    // Seeded entries evicted and made again give the same answer.
    const h = parseSchedule("H H * * *", { timezone: "UTC", seed: "job" });
    for (let i = 0; i < 12_000; i++) parseSchedule(`H ${i % 24} * * ${i % 7}`, { seed: `${i}` });
    expect(parseSchedule("H H * * *", { timezone: "UTC", seed: "job" }).next(JAN1)).toBe(
      h.next(JAN1),
    );
  });
});

describe("localZoneName", () => {
  it("follows a change of TZ in the running process", () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = "America/New_York";
      expect(localZoneName()).toBe("America/New_York");
      process.env.TZ = "UTC";
      expect(localZoneName()).toBe("UTC");
      process.env.TZ = "Europe/Berlin";
      expect(localZoneName()).toBe("Europe/Berlin");
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("answers what Intl answers for TZ values it reads without Intl", () => {
    // A fresh process per value: the first answer is the one that counts.
    for (const tz of ["UTC", "Etc/UTC", "Europe/Berlin", ""]) {
      const script = `import("${new URL("../../dist/cron/zone.js", import.meta.url).href}").then((m) => console.log(JSON.stringify([m.localZoneName(), Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"])))`;
      const r = spawnSync(process.execPath, ["-e", script], {
        env: { ...process.env, TZ: tz },
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
      const [ours, intl] = JSON.parse(r.stdout) as [string, string];
      expect(ours).toBe(intl);
    }
  });
});
