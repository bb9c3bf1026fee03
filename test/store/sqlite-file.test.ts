import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SqliteStore, UNFINISHED_RUNS } from "../../src/store/sqlite/index.js";
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "../../src/store/sqlite/migrations.js";
import { tempDir } from "../tmp.js";
import { makeJob, makeRun, T0 } from "./fixtures.js";

// What only a file-backed store has: the file itself, its schema version, and
// what happens when the file is not what we expect.

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    out[name] = readFileSync(join(dir, name)).toString("base64");
  }
  return out;
}

async function refusal(path: string, options = {}): Promise<{ code: string; message: string }> {
  try {
    await new SqliteStore(path, options).close();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error(`opening ${path} should have failed`);
}

async function populated(path: string): Promise<void> {
  const store = new SqliteStore(path);
  for (let i = 0; i < 50; i++) await store.createJob(makeJob(`job-${i}`));
  for (let i = 0; i < 200; i++) await store.claimRun(makeRun(`job-${i % 50}`, T0 + i * 60_000));
  await store.close();
}

describe("sqlite store file", () => {
  it("creates the file (and its directory) with mode 0600, in WAL mode, migrated", async () => {
    const dir = join(tempDir(), "new", "home");
    const path = join(dir, "scheduler.db");
    const store = new SqliteStore(path);
    await store.createJob(makeJob("a"));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // SQLite gives the -wal and -shm files the mode of the database.
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-shm`).mode & 0o777).toBe(0o600);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(raw.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma("application_id", { simple: true })).toBe(APPLICATION_ID);
    const tables = raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual(["jobs", "runs", "store_meta", "trigger_requests"]);
    raw.close();
    await store.close();
  });

  it("turns on WAL, foreign keys and a busy timeout on its connection", async () => {
    const path = join(tempDir(), "scheduler.db");
    const store = new SqliteStore(path, { busyTimeoutMs: 300 });
    expect(store.connectionInfo()).toEqual({
      journalMode: "wal",
      foreignKeys: true,
      busyTimeoutMs: 300,
      synchronous: "normal",
    });
    // Another process holds the write lock: the store waits, then says so.
    const raw = new Database(path);
    raw.exec("BEGIN IMMEDIATE");
    const started = Date.now();
    const err = await store.createJob(makeJob("a")).catch((e: unknown) => e);
    const waited = Date.now() - started;
    raw.exec("ROLLBACK");
    raw.close();
    expect((err as { code: string }).code).toBe("E_STORE");
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toContain("locked by another process");
    expect(waited).toBeGreaterThanOrEqual(250);
    await store.createJob(makeJob("a"));
    await store.close();
  });

  it("reopens an existing store without migrating it again", async () => {
    const path = join(tempDir(), "scheduler.db");
    await populated(path);
    const store = new SqliteStore(path);
    const token = await store.changeToken();
    expect(await store.listJobs()).toHaveLength(50);
    expect(await store.listRuns({ limit: 1000 })).toHaveLength(200);
    await store.close();
    const again = new SqliteStore(path);
    expect(await again.changeToken()).toBe(token);
    await again.close();
  });

  it("accepts an empty file as a new store", async () => {
    const path = join(tempDir(), "scheduler.db");
    writeFileSync(path, "");
    const store = new SqliteStore(path);
    await store.createJob(makeJob("a"));
    expect(await store.listJobs()).toHaveLength(1);
    await store.close();
  });

  it("applies new migrations to an old store in one transaction, keeping the data", async () => {
    const path = join(tempDir(), "scheduler.db");
    await populated(path);
    const v2 = { version: SCHEMA_VERSION + 1, name: "notes", sql: "CREATE TABLE notes (n TEXT);" };
    const broken = {
      version: SCHEMA_VERSION + 2,
      name: "broken",
      sql: "CREATE TABLE more (m TEXT); INSERT INTO no_such_table VALUES (1);",
    };
    const err = await refusal(path, { migrations: [...MIGRATIONS, v2, broken] });
    expect(err.code).toBe("E_STORE");
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    const names = raw.prepare("SELECT name FROM sqlite_master").pluck().all();
    expect(names).not.toContain("notes");
    expect(names).not.toContain("more");
    raw.close();

    const upgraded = new SqliteStore(path, { migrations: [...MIGRATIONS, v2] });
    expect(await upgraded.listJobs()).toHaveLength(50);
    await upgraded.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION + 1);
    check.close();
  });

  it("refuses a store written by a newer version, and leaves it untouched", async () => {
    const dir = tempDir();
    const path = join(dir, "scheduler.db");
    await populated(path);
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 7}`);
    raw.close();
    const before = snapshot(dir);
    const err = await refusal(path);
    expect(err.code).toBe("E_STORE_TOO_NEW");
    expect(err.message).toContain(path);
    expect(err.message).toContain(`schema version ${SCHEMA_VERSION + 7}`);
    expect(snapshot(dir)).toEqual(before);
  });

  it("sees a newer version that is still in the WAL, not yet in the file's header", async () => {
    const dir = tempDir();
    const path = join(dir, "scheduler.db");
    await populated(path);
    const newer = new Database(path);
    newer.pragma("wal_autocheckpoint = 0");
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    expect(readFileSync(path).readUInt32BE(60)).toBe(SCHEMA_VERSION); // header still old
    const before = readFileSync(path);
    const err = await refusal(path);
    expect(err.code).toBe("E_STORE_TOO_NEW");
    expect(readFileSync(path).equals(before)).toBe(true);
    newer.close();
  });

  it("refuses a file that is not a SQLite database, and leaves it untouched", async () => {
    const dir = tempDir();
    const path = join(dir, "scheduler.db");
    writeFileSync(
      path,
      '[{"id": "seed", "interval": 30, "frequency": "*/5 * * * *"}]\n'.repeat(40),
    );
    const before = snapshot(dir);
    const err = await refusal(path);
    expect(err.code).toBe("E_STORE_CORRUPT");
    expect(err.message).toContain(`"${path}" is not a SQLite database`);
    expect(snapshot(dir)).toEqual(before);
    // Shorter than a header, too.
    writeFileSync(path, "SQLite");
    expect((await refusal(path)).code).toBe("E_STORE_CORRUPT");
  });

  it("refuses a SQLite file whose schema page is damaged, and leaves it untouched", async () => {
    const dir = tempDir();
    const path = join(dir, "scheduler.db");
    await populated(path);
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 100, 4096); // page 1 after the header: the schema table
    writeFileSync(path, bytes);
    const before = snapshot(dir);
    const err = await refusal(path);
    expect(err.code).toBe("E_STORE_CORRUPT");
    expect(err.message).toContain(path);
    expect(snapshot(dir)).toEqual(before);
  });

  it("reports damage found later as E_STORE_CORRUPT naming the file, and writes nothing", async () => {
    const dir = tempDir();
    const path = join(dir, "scheduler.db");
    await populated(path);
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    const pages = bytes.length / pageSize;
    // Every page but the first (the schema): the tables and indexes.
    bytes.fill(0x5a, pageSize, pages * pageSize);
    writeFileSync(path, bytes);
    const before = readFileSync(path);
    const store = new SqliteStore(path);
    for (const call of [
      () => store.listJobs(),
      () => store.listRuns({ jobId: "job-1" }),
      () => store.createJob(makeJob("new")),
    ]) {
      const err = (await call().catch((e: unknown) => e)) as { code: string; message: string };
      expect(err.code).toBe("E_STORE_CORRUPT");
      expect(err.message).toContain(path);
    }
    await store.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses the SQLite database of another program, and leaves it untouched", async () => {
    const dir = tempDir();
    const path = join(dir, "scheduler.db");
    const other = new Database(path);
    other.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)");
    other.close();
    const before = snapshot(dir);
    const err = await refusal(path);
    expect(err.code).toBe("E_STORE_CORRUPT");
    expect(err.message).toContain("another program");
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses a directory at the database path", async () => {
    const path = join(tempDir(), "scheduler.db");
    mkdirSync(path);
    const err = await refusal(path);
    expect(err.code).toBe("E_STORE");
    expect(err.message).toContain("is a directory");
  });

  it("keeps listing runs on an index with many runs (EXPLAIN QUERY PLAN)", async () => {
    const path = join(tempDir(), "scheduler.db");
    const store = new SqliteStore(path);
    const runs = [];
    for (let i = 0; i < 20_000; i++) runs.push(makeRun(`job-${i % 100}`, T0 + i * 1000));
    await store.claimRuns(runs);
    const some = runs[500]?.id;
    const noSort = (plan: string[]) => !plan.some((step) => step.includes("TEMP B-TREE"));
    const uses = (index: string) => (plan: string[]) =>
      plan.some((step) => step.includes(`INDEX ${index}`)) && noSort(plan);
    const cases: [object, (plan: string[]) => boolean][] = [
      [{ jobId: "job-7", limit: 20 }, uses("runs_claim")],
      [{ jobId: "job-7", limit: 20, beforeId: runs[507]?.id }, uses("runs_claim")],
      [{ jobId: "job-7", status: "failed" }, uses("runs_claim")],
      [{ from: T0 + 3_600_000, to: T0 + 7_200_000 }, uses("runs_by_slot")],
      [{ limit: 20 }, uses("runs_by_slot")],
      [{ limit: 20, beforeId: some }, uses("runs_by_slot")],
    ];
    for (const [query, ok] of cases) {
      const plan = store.explainListRuns(query);
      expect(ok(plan), `${JSON.stringify(query)}: ${plan.join(" / ")}`).toBe(true);
    }
    // Crash recovery reads the few unfinished runs, never all of them.
    expect(store.explain(UNFINISHED_RUNS).join()).toContain("INDEX runs_unfinished");
    expect(store.explain(`${UNFINISHED_RUNS} AND node = ?`, "n").join()).toContain(
      "INDEX runs_unfinished (node=?)",
    );
    await store.close();
  });
});
