import type { Store } from "../store/store.js";

// What every command that touches jobs needs: the home directory and the
// store, from the global options --home and --store. Resolved and opened
// lazily so that `--help` and bad arguments never touch the disk.

export interface GlobalOptions {
  home?: string;
  store?: string;
}

export interface Context {
  home: string;
  store: Store;
}

/** The home directory from --home, CRON_SCHEDULER_HOME or the XDG default. */
export async function homeOf(options: GlobalOptions): Promise<string> {
  const { resolveHome } = await import("../home.js");
  return resolveHome(options.home);
}

/**
 * Runs fn with the store open, and closes it after, also on error. The store
 * is --store, else CRON_SCHEDULER_STORE, else `sqlite:<home>/scheduler.db`
 * (the home is created, mode 0700, on first use).
 */
export async function withStore<T>(
  options: GlobalOptions,
  fn: (context: Context) => Promise<T>,
): Promise<T> {
  const [{ ensureHome }, { openStore }] = await Promise.all([
    import("../home.js"),
    import("../store/index.js"),
  ]);
  const home = await homeOf(options);
  const spec =
    options.store ?? (process.env.CRON_SCHEDULER_STORE || `sqlite:${ensureHome(home).db}`);
  const store = await openStore(spec);
  try {
    return await fn({ home, store });
  } finally {
    await store.close();
  }
}
