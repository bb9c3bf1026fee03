import { SchedulerError } from "../errors.js";
import type { Store, StoreOptions } from "./store.js";

export type {
  JobPatch,
  RunPatch,
  RunQuery,
  Store,
  StoreOptions,
  TriggerRequest,
} from "./store.js";

// The one way in: a store from its spec. Each backend is imported only when
// asked for, so that a command that opens SQLite never loads the others (and
// "memory" never loads the native SQLite addon).

export interface OpenStoreOptions extends StoreOptions {
  /** SQLite: how long a statement waits for another process's lock (default 10 s). */
  busyTimeoutMs?: number;
}

/**
 * Opens a store: `"memory"`, `"sqlite:<path>"`, or a plain file path (SQLite).
 * `postgres://…` is recognised but not supported yet.
 */
export async function openStore(spec: string, options: OpenStoreOptions = {}): Promise<Store> {
  const text = spec.trim();
  if (text === "") {
    throw new SchedulerError("E_USAGE", `store: empty; ${ALLOWED}`, { spec });
  }
  if (text === "memory") {
    const { MemoryStore } = await import("./memory.js");
    return new MemoryStore(options);
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  if (scheme === "sqlite") {
    // sqlite:/abs/path, sqlite:rel/path, and the URL-ish sqlite:///abs/path.
    const path = text.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path === "") {
      throw new SchedulerError("E_USAGE", `store "${text}": no file path; ${ALLOWED}`, { spec });
    }
    return openSqlite(path, options);
  }
  if (scheme === "postgres" || scheme === "postgresql") {
    throw new SchedulerError(
      "E_USAGE",
      `store "${redact(text)}": PostgreSQL is not supported yet; ${ALLOWED}`,
      { spec: redact(text) },
    );
  }
  if (scheme !== undefined && scheme.length > 1 && /^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new SchedulerError("E_USAGE", `store "${redact(text)}": unknown kind; ${ALLOWED}`, {
      spec: redact(text),
    });
  }
  return openSqlite(text, options);
}

const ALLOWED = 'use "memory", "sqlite:<path>" or a file path';

async function openSqlite(path: string, options: OpenStoreOptions): Promise<Store> {
  const { SqliteStore } = await import("./sqlite/index.js");
  return new SqliteStore(path, options);
}

/** The spec without a password, for messages. */
function redact(spec: string): string {
  return spec.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");
}
