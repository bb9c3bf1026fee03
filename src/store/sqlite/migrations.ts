// The schema, as numbered migrations. Migration n takes a database from
// `PRAGMA user_version` n-1 to n; they run in one IMMEDIATE transaction, so
// that two processes opening a fresh file at once apply each exactly once.
// Never edit a migration that has shipped: add the next one.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** "cron" in ASCII: marks the file as ours (PRAGMA application_id). */
export const APPLICATION_ID = 0x63726f6e;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "jobs, runs, trigger requests, change counter",
    sql: `
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        schedule TEXT NOT NULL,
        timezone TEXT NOT NULL,
        timeout_ms INTEGER,
        target TEXT NOT NULL,            -- JSON: JobTarget
        cwd TEXT,
        env TEXT NOT NULL,               -- JSON: Record<string, string>
        overlap TEXT NOT NULL,
        retries INTEGER NOT NULL,
        retry_backoff_ms INTEGER NOT NULL,
        catch_up TEXT NOT NULL,
        grace_ms INTEGER,
        jitter_ms INTEGER NOT NULL,
        paused INTEGER NOT NULL,
        description TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- No foreign key to jobs: the runs of a removed job stay as its history.
      CREATE TABLE runs (
        id TEXT NOT NULL UNIQUE,
        job_id TEXT NOT NULL,
        scheduled_at INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        trigger_type TEXT NOT NULL,
        status TEXT NOT NULL,
        reason TEXT,
        started_at INTEGER,
        finished_at INTEGER,
        exit_code INTEGER,
        signal TEXT,
        pid INTEGER,
        pid_start_time TEXT,
        node TEXT NOT NULL,
        output_tail TEXT,
        output_bytes INTEGER NOT NULL,
        output_truncated INTEGER NOT NULL
      ) STRICT;
      -- The claim: one slot (and attempt) of a job is inserted once.
      -- Also serves "the last N runs of a job", read backwards.
      CREATE UNIQUE INDEX runs_claim ON runs (job_id, scheduled_at, attempt);
      -- "Runs in a time range" and the list of all runs, newest first.
      CREATE INDEX runs_by_slot ON runs (scheduled_at, attempt, job_id);
      -- Crash recovery looks only at these; the index stays tiny.
      CREATE INDEX runs_unfinished ON runs (node) WHERE status IN ('running', 'queued');

      CREATE TABLE trigger_requests (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        run_id TEXT,
        taken_at INTEGER,
        taken_by TEXT
      ) STRICT;
      CREATE INDEX trigger_requests_pending ON trigger_requests (requested_at)
        WHERE taken_at IS NULL;

      -- One counter that every change a scheduler must notice bumps, also
      -- when another process makes it: changeToken() reads this one row.
      CREATE TABLE store_meta (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT;
      INSERT INTO store_meta (key, value) VALUES ('changes', 0);
      CREATE TRIGGER jobs_inserted AFTER INSERT ON jobs BEGIN
        UPDATE store_meta SET value = value + 1 WHERE key = 'changes';
      END;
      CREATE TRIGGER jobs_updated AFTER UPDATE ON jobs BEGIN
        UPDATE store_meta SET value = value + 1 WHERE key = 'changes';
      END;
      CREATE TRIGGER jobs_deleted AFTER DELETE ON jobs BEGIN
        UPDATE store_meta SET value = value + 1 WHERE key = 'changes';
      END;
      CREATE TRIGGER trigger_requested AFTER INSERT ON trigger_requests BEGIN
        UPDATE store_meta SET value = value + 1 WHERE key = 'changes';
      END;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
