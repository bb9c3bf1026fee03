import { closeSync, fchmodSync, mkdirSync, openSync, readSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { SchedulerError } from "../../errors.js";
import { APPLICATION_ID, MIGRATIONS, type Migration } from "./migrations.js";

// Opening a store file safely. The order matters: nothing may write to a
// file before we know it is a SQLite database of ours and not from a newer
// version — switching to WAL alone rewrites the header — so the checks come
// first, from the raw header bytes, and again through SQLite.

export interface OpenOptions {
  /** How long a statement waits for another process's lock. */
  busyTimeoutMs?: number;
  /** Only for tests of the migration machinery. */
  migrations?: readonly Migration[];
}

export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

const HEADER = Buffer.from("SQLite format 3\u0000", "latin1");

export function openDatabase(path: string, options: OpenOptions = {}): Database.Database {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations.length;
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const inMemory = path === ":memory:";
  if (!inMemory) {
    createIfMissing(path);
    checkHeader(path, latest);
  }

  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: !inMemory });
  } catch (err) {
    throw storeError(err, path);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    const version = db.pragma("user_version", { simple: true }) as number;
    const appId = db.pragma("application_id", { simple: true }) as number;
    // Reading the schema parses sqlite_master: a damaged first page shows here.
    const objects = (db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number })
      .n;
    if (version > latest) throw tooNew(path, version, latest);
    if ((appId !== 0 && appId !== APPLICATION_ID) || (version === 0 && objects > 0)) {
      throw notOurs(path);
    }
    // WAL: readers never wait for the writer, and one writer at a time waits
    // (busy_timeout) instead of failing. NORMAL is durable across a crash of
    // the process; only a power cut may lose the last commits.
    db.pragma("journal_mode = WAL");
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

/** Creates the file with mode 0600 unless it exists (SQLite would create it 0644). */
function createIfMissing(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, "wx", 0o600);
    try {
      fchmodSync(fd, 0o600); // whatever the umask
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return;
    throw new SchedulerError(
      "E_STORE",
      `cannot create the store "${path}": ${(err as Error).message}`,
      { path },
      { cause: err },
    );
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
