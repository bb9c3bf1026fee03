import {
  closeSync,
  existsSync,
  fchmodSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type Database from "better-sqlite3";
import { SchedulerError } from "../../errors.js";
import { APPLICATION_ID, MIGRATIONS, type Migration } from "./migrations.js";

// Opening a store file safely. The order matters: nothing may write to a
// file before we know it is a SQLite database of ours and not from a newer
// version — switching to WAL alone rewrites the header — so the checks come
// first, from the raw header bytes, and again through SQLite.
//
// A new file is built complete (mode 0600, WAL, migrated) under a temporary
// name and linked into place, so that of 50 CLI processes started at once on
// a fresh home one creates it and the others only ever see a finished store.
// (Switching a shared file to WAL fails with SQLITE_BUSY without waiting for
// the busy timeout, so it must not happen under contention.)

export interface OpenOptions {
  /** How long a statement waits for another process's lock. */
  busyTimeoutMs?: number;
  /** Only for tests of the migration machinery. */
  migrations?: readonly Migration[];
}

export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

const HEADER = Buffer.from("SQLite format 3\u0000", "latin1");

// Loading better-sqlite3 is most of what opening a store costs a CLI process
// (create_cron is timed against a bare `node`): require() skips the ESM
// loader's scan of a CommonJS module, and naming the addon file skips the
// `bindings` package's search for it.
const require = createRequire(import.meta.url);
let sqlite: { Database: typeof Database; nativeBinding: string | undefined } | undefined;

function loadSqlite(): NonNullable<typeof sqlite> {
  if (!sqlite) {
    const Database = require("better-sqlite3") as typeof import("better-sqlite3");
    const addon = join(
      dirname(require.resolve("better-sqlite3")),
      "..",
      "build",
      "Release",
      "better_sqlite3.node",
    );
    sqlite = { Database, nativeBinding: existsSync(addon) ? addon : undefined };
  }
  return sqlite;
}

function connect(path: string, fileMustExist: boolean): Database.Database {
  const { Database, nativeBinding } = loadSqlite();
  return new Database(path, { fileMustExist, ...(nativeBinding ? { nativeBinding } : {}) });
}

export function openDatabase(path: string, options: OpenOptions = {}): Database.Database {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations.length;
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const inMemory = path === ":memory:";
  if (!inMemory) {
    createIfMissing(path, migrations);
    checkHeader(path, latest);
  }

  let db: Database.Database;
  try {
    db = connect(path, !inMemory);
  } catch (err) {
    throw storeError(err, path);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    // One statement, so one snapshot: another process may be migrating the
    // file right now. Counting sqlite_master parses the schema, so a damaged
    // first page shows here.
    const { version, appId, objects } = db
      .prepare(
        "SELECT (SELECT user_version FROM pragma_user_version) AS version, " +
          "(SELECT application_id FROM pragma_application_id) AS appId, " +
          "(SELECT count(*) FROM sqlite_master) AS objects",
      )
      .get() as { version: number; appId: number; objects: number };
    if (version > latest) throw tooNew(path, version, latest);
    if ((appId !== 0 && appId !== APPLICATION_ID) || (version === 0 && objects > 0)) {
      throw notOurs(path);
    }
    // WAL: readers never wait for the writer, and one writer at a time waits
    // (busy_timeout) instead of failing. NORMAL is durable across a crash of
    // the process; only a power cut may lose the last commits.
    if (db.pragma("journal_mode", { simple: true }) !== "wal") {
      // Only an empty file, or a store made by something else than us.
      untilNotBusy(busyTimeoutMs, () => db.pragma("journal_mode = WAL"));
    }
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    if (version < latest) migrate(db, path, migrations);
    return db;
  } catch (err) {
    db.close();
    throw storeError(err, path);
  }
}

function migrate(db: Database.Database, path: string, migrations: readonly Migration[]): void {
  const latest = migrations.length;
  db.transaction(() => {
    // Another process may have migrated while this one waited for the lock.
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > latest) throw tooNew(path, version, latest);
    for (const migration of migrations) {
      if (migration.version > version) db.exec(migration.sql);
    }
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${latest}`);
  }).immediate();
}

/** Creates a store at `path` unless a file is there, atomically (see above). */
function createIfMissing(path: string, migrations: readonly Migration[]): void {
  if (existsSync(path)) return;
  // Only needs to differ from other creators' (it is opened with "wx"):
  // Math.random rather than node:crypto, whose start-up (OpenSSL) costs
  // create_cron 5-15 ms on a fresh home.
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.new`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(temp, "wx", 0o600);
    try {
      fchmodSync(fd, 0o600); // whatever the umask; -wal and -shm files inherit it
    } finally {
      closeSync(fd);
    }
    const db = connect(temp, true);
    try {
      db.pragma("journal_mode = WAL");
      migrate(db, temp, migrations);
    } finally {
      db.close(); // checkpoints: the file alone now holds everything
    }
    try {
      linkSync(temp, path); // fails if another process was first, unlike rename
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST") return;
      // A file system without hard links: rename, which cannot refuse to replace.
      if ((code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP") && !existsSync(path)) {
        renameSync(temp, path);
        return;
      }
      throw err;
    }
  } catch (err) {
    throw new SchedulerError(
      "E_STORE",
      `cannot create the store "${path}": ${(err as Error).message}`,
      { path },
      { cause: err },
    );
  } finally {
    for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(temp + suffix, { force: true });
  }
}

/** Retries `fn` while SQLite reports SQLITE_BUSY without having waited itself. */
function untilNotBusy<T>(timeoutMs: number, fn: () => T): T {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fn();
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? "");
      if (!code.startsWith("SQLITE_BUSY") || Date.now() >= deadline) throw err;
      Atomics.wait(pause, 0, 0, 10 + Math.random() * 40);
    }
  }
}

/** Refuses, from the raw bytes and without opening it in SQLite, a file that is not ours to touch. */
function checkHeader(path: string, latest: number): void {
  const header = Buffer.alloc(100);
  let length: number;
  try {
    const fd = openSync(path, "r");
    try {
      length = readSync(fd, header, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SchedulerError(
      "E_STORE",
      code === "EISDIR"
        ? `the store "${path}" is a directory, not a database file`
        : `cannot read the store "${path}": ${(err as Error).message}`,
      { path },
      { cause: err },
    );
  }
  if (length === 0) return; // an empty file is a new database to SQLite
  if (length < 100 || !header.subarray(0, 16).equals(HEADER)) {
    throw new SchedulerError(
      "E_STORE_CORRUPT",
      `the store "${path}" is not a SQLite database (it does not begin with the SQLite header); ` +
        "it was left untouched: move it away, or choose another home with --home",
      { path },
    );
  }
  // user_version and application_id live in the header. In WAL mode a newer
  // value may still be in the -wal file; openDatabase checks again in SQLite.
  const version = header.readUInt32BE(60);
  if (version > latest) throw tooNew(path, version, latest);
  const appId = header.readUInt32BE(68);
  if (appId !== 0 && appId !== APPLICATION_ID) throw notOurs(path);
}

function tooNew(path: string, version: number, latest: number): SchedulerError {
  return new SchedulerError(
    "E_STORE_TOO_NEW",
    `the store "${path}" has schema version ${version}, written by a newer cron-scheduler ` +
      `(this one knows versions up to ${latest}); it was left untouched: upgrade cron-scheduler`,
    { path, version, latest },
  );
}

function notOurs(path: string): SchedulerError {
  return new SchedulerError(
    "E_STORE_CORRUPT",
    `the store "${path}" is a SQLite database of another program, not a cron-scheduler store; ` +
      "it was left untouched: choose another home with --home",
    { path },
  );
}

/** Turns a better-sqlite3 error into a SchedulerError that names the file, by SQLite result code. */
export function storeError(err: unknown, path: string): Error {
  if (err instanceof SchedulerError) return err;
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  const message = (err as Error | null)?.message ?? String(err);
  const details = { path, sqlite: code };
  if (code.startsWith("SQLITE_CORRUPT") || code.startsWith("SQLITE_NOTADB")) {
    return new SchedulerError(
      "E_STORE_CORRUPT",
      `the store "${path}" is damaged (${message}); restore it from a backup, or move it away`,
      details,
      { cause: err },
    );
  }
  if (code.startsWith("SQLITE_BUSY")) {
    return new SchedulerError(
      "E_STORE",
      `the store "${path}" stayed locked by another process; try again (${message})`,
      details,
      { cause: err },
    );
  }
  return new SchedulerError("E_STORE", `the store "${path}": ${message}`, details, {
    cause: err,
  });
}
