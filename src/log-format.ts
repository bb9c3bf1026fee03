// How a line of scheduler.log reads for people: used by `cron-scheduler logs`
// and by `cron-scheduler run` on a terminal.

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
/** Fields every line has, or that the layout shows in its own place. */
const SHOWN = new Set(["time", "level", "msg", "event", "jobId", "runId", "pid", "hostname", "v"]);

/** "2026-06-01T14:00:00.123+02:00 INFO  run.succeeded backup 01jd… run finished exitCode=0" */
export function formatLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== "object") return line;
  const time = typeof entry.time === "number" ? localIso(entry.time) : String(entry.time ?? "-");
  const level =
    typeof entry.level === "number"
      ? (LEVELS[entry.level] ?? String(entry.level))
      : String(entry.level ?? "");
  const parts = [time, level.padEnd(5)];
  if (entry.event !== undefined) parts.push(String(entry.event));
  if (entry.jobId !== undefined) parts.push(`job=${String(entry.jobId)}`);
  if (entry.runId !== undefined) parts.push(`run=${String(entry.runId)}`);
  if (entry.msg !== undefined) parts.push(String(entry.msg));
  for (const [key, value] of Object.entries(entry)) {
    if (SHOWN.has(key)) continue;
    parts.push(`${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  return parts.join(" ");
}

function localIso(ms: number): string {
  const offset = -new Date(ms).getTimezoneOffset();
  const wall = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  if (offset === 0) return `${wall}Z`;
  const a = Math.abs(offset);
  return `${wall}${offset < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}
