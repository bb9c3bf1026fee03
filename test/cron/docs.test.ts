import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CronError, parseSchedule } from "../../src/cron/index.js";
import { runs } from "./support/util.js";

// docs/expressions.md promises that its examples are checked: every table
// row "| `expression` | Zone [seed=…] [domAndDow] | After | Fires at |" is
// run here, and every error message quoted there is the engine's.

const doc = readFileSync(new URL("../../docs/expressions.md", import.meta.url), "utf8");
const lines = doc.split("\n");

const ROW = /^\| `([^`]+)` \| ([^|]+) \| (\d{4}-\d\d-\d\dT[^|]+) \| ([^|]+) \|$/;
const examples = lines.flatMap((line) => {
  const m = ROW.exec(line);
  if (!m) return [];
  const [, expression, where, after, fires] = m as unknown as string[];
  const words = (where as string).trim().split(/\s+/);
  const seed = words.find((w) => w.startsWith("seed="))?.slice(5);
  return [
    {
      expression: expression as string,
      timezone: words[0] as string,
      options: { seed, domAndDow: words.includes("domAndDow") },
      after: (after as string).trim(),
      fires: (fires as string).split(",").map((s) => s.trim()),
    },
  ];
});

describe("docs/expressions.md", () => {
  it("has examples", () => {
    expect(examples.length).toBeGreaterThan(30);
  });

  it.each(examples)("$expression in $timezone after $after", (e) => {
    expect(
      runs(e.expression, e.after, e.fires.length, { timezone: e.timezone, ...e.options }),
    ).toEqual(e.fires);
  });

  it("quotes the engine's error messages", () => {
    const start = lines.indexOf("## Errors");
    const messages = lines
      .slice(start)
      .filter((l) => /\(column \d+ of ".*"\)|^".*" can never fire/.test(l));
    expect(messages.length).toBeGreaterThanOrEqual(5);
    for (const message of messages) {
      const expression = (/of "(.*)"\)/.exec(message) ??
        /^"(.*)" can never fire/.exec(message))?.[1];
      let thrown: unknown;
      try {
        parseSchedule(expression as string, { timezone: "UTC" });
      } catch (e) {
        thrown = e;
      }
      expect(thrown, expression).toBeInstanceOf(CronError);
      expect((thrown as CronError).message).toBe(message);
    }
  });

  it("uses only valid expressions in the syntax table", () => {
    const table = lines.filter((l) => l.startsWith("| `") && !ROW.test(l));
    for (const row of table) {
      const example = row.split("|")[3] ?? "";
      for (const [, text] of example.matchAll(/`([^`]+)`/g)) {
        expect(() => parseSchedule(text as string, { timezone: "UTC" }), text).not.toThrow();
      }
    }
  });
});
