import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { tempDir } from "../tmp.js";
import { errorOf } from "./fixtures.js";

describe("openStore", () => {
  it('opens a memory store for "memory"', async () => {
    const store = await openStore("memory");
    expect(store.kind).toBe("memory");
    await store.close();
  });

  it("opens SQLite for a plain path and for sqlite:<path>, sqlite:///<path>", async () => {
    const dir = tempDir();
    for (const [spec, file] of [
      [join(dir, "a.db"), "a.db"],
      [`sqlite:${join(dir, "b.db")}`, "b.db"],
      [`sqlite://${join(dir, "c.db")}`, "c.db"],
    ] as const) {
      const store = await openStore(spec);
      expect(store.kind).toBe("sqlite");
      await store.close();
      expect(existsSync(join(dir, file))).toBe(true);
    }
  });

  it("says PostgreSQL is not supported yet, without echoing the password", async () => {
    const err = await errorOf(openStore("postgres://sched:s3cret@db.example:5432/cron"));
    expect(err.code).toBe("E_USAGE");
    expect(err.message).toContain("PostgreSQL is not supported yet");
    expect(err.message).toContain("postgres://sched:***@db.example:5432/cron");
    expect(err.message).not.toContain("s3cret");
    expect((await errorOf(openStore("postgresql://localhost/x"))).code).toBe("E_USAGE");
  });

  it("refuses an empty spec, an empty sqlite path and an unknown kind", async () => {
    for (const spec of ["", "  ", "sqlite:", "mysql://localhost/db"]) {
      const err = await errorOf(openStore(spec));
      expect(err.code, spec).toBe("E_USAGE");
      expect(err.message).toContain('"memory", "sqlite:<path>" or a file path');
    }
  });
});
