import { formatDuration } from "../cron/duration.js";
import { formatInZone, getZone } from "../cron/zone.js";
import type { Job, JobTarget, Run } from "../model.js";

// Text for people. Machines get --json; these layouts may change.

/** An instant as wall time in a zone with its offset, or "-". */
export function timeIn(ms: number | null, timezone: string): string {
  if (ms === null) return "-";
  try {
    return formatInZone(ms, getZone(timezone));
  } catch {
    return new Date(ms).toISOString();
  }
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A word as a POSIX shell would need it written. */
export function quoteWord(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function targetText(target: JobTarget): string {
  switch (target.type) {
    case "script":
      return [target.path, ...target.args].map(quoteWord).join(" ");
    case "command":
      return target.argv.map(quoteWord).join(" ");
    case "shell":
      return `sh -c ${quoteWord(target.command)}`;
    case "function":
      return `function ${target.name}`;
  }
}

/** Label/value lines describing a job, aligned. */
export function jobLines(job: Job, next: number[]): string[] {
  const rows: [string, string][] = [
    ["schedule", `${job.schedule}  (${job.timezone})`],
    ["runs", targetText(job.target)],
    ["timeout", job.timeoutMs === null ? "none" : formatDuration(job.timeoutMs)],
  ];
  if (job.description) rows.unshift(["about", job.description]);
  if (job.cwd) rows.push(["cwd", job.cwd]);
  for (const [k, v] of Object.entries(job.env)) rows.push(["env", `${k}=${v}`]);
  if (job.overlap !== "skip") rows.push(["overlap", job.overlap]);
  if (job.retries > 0) {
    rows.push(["retries", `${job.retries} (backoff ${formatDuration(job.retryBackoffMs)})`]);
  }
  if (job.catchUp !== "once" || job.graceMs !== null) {
    const grace = job.graceMs === null ? "" : ` (grace ${formatDuration(job.graceMs)})`;
    rows.push(["catch-up", `${job.catchUp}${grace}`]);
  }
  if (job.jitterMs > 0) rows.push(["jitter", formatDuration(job.jitterMs)]);
  if (job.paused) rows.push(["state", "paused"]);
  next.forEach((t, i) => {
    rows.push([i === 0 ? "next" : "", timeIn(t, job.timezone)]);
  });
  if (next.length === 0) rows.push(["next", job.paused ? "- (paused)" : "- (never)"]);
  return rows.map(([k, v]) => `  ${k.padEnd(9)} ${v}`);
}

/** A table with a header, columns padded to their widest cell (the last is not padded). */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function runDuration(run: Run): string {
  if (run.startedAt === null) return "-";
  const ms = Math.max(0, (run.finishedAt ?? Date.now()) - run.startedAt);
  // Milliseconds matter for short runs only.
  return formatDuration(ms >= 10_000 ? Math.round(ms / 1000) * 1000 : ms);
}

export function runRow(run: Run, timezone: string, withJob: boolean): string[] {
  const exit = run.exitCode !== null ? String(run.exitCode) : (run.signal ?? "-");
  const row = [
    run.id,
    timeIn(run.scheduledAt, timezone),
    String(run.attempt),
    run.trigger,
    run.status,
    runDuration(run),
    exit,
  ];
  if (withJob) row.splice(1, 0, run.jobId);
  return row;
}

export function runHeader(withJob: boolean): string[] {
  const header = ["RUN", "SLOT", "TRY", "TRIGGER", "STATUS", "TOOK", "EXIT"];
  if (withJob) header.splice(1, 0, "JOB");
  return header;
}

/** A run as JSON: instants as ISO-8601 UTC. */
export function runJson(run: Run): Record<string, unknown> {
  return {
    ...run,
    scheduledAt: iso(run.scheduledAt),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
  };
}

/** A job as JSON: instants as ISO-8601 UTC. */
export function jobJson(job: Job): Record<string, unknown> {
  return { ...job, createdAt: iso(job.createdAt), updatedAt: iso(job.updatedAt) };
}
