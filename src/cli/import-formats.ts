import { SchedulerError } from "../errors.js";
import type { InputLabels } from "../jobs.js";
import type { JobInput } from "../model.js";

// The files `import` reads, turned into raw job input. Nothing is validated
// here beyond the file's own syntax: every entry then goes through
// validateJob, with labels that name the entry's fields as the file does.

export interface ImportEntry {
  input: JobInput;
  /** Where the entry is, for messages: "schedule.json entry 2", "crontab line 7". */
  where: string;
  labels: InputLabels;
  /** The seed's interval is a bare number of minutes; elsewhere durations need a unit. */
  timeoutBareUnit: "m" | null;
}

export interface ParsedImport {
  format: "schedule.json" | "export" | "crontab";
  entries: ImportEntry[];
  /** Things the file asked for that are not imported (MAILTO …). */
  notes: string[];
}

export function parseImport(text: string, name: string, prefix = "crontab"): ParsedImport {
  const start = text.trimStart()[0];
  if (start === "[" || start === "{") return parseJson(text, name);
  return parseCrontab(text, name, prefix);
}

const bad = (message: string) => new SchedulerError("E_INVALID_JOB", message);

function parseJson(text: string, name: string): ParsedImport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw bad(`${name}: not valid JSON (${(err as Error).message})`);
  }
  if (Array.isArray(data)) {
    const seed = data.length > 0 && data.every((e) => isObject(e) && "frequency" in e);
    return seed
      ? { format: "schedule.json", entries: data.map((e, i) => seedEntry(e, i, name)), notes: [] }
      : { format: "export", entries: data.map((e, i) => exportEntry(e, i, name)), notes: [] };
  }
  if (isObject(data) && Array.isArray(data.jobs)) {
    if (data.version !== undefined && data.version !== 1) {
      throw bad(
        `${name}: export version ${String(data.version)} is newer than this program reads (1)`,
      );
    }
    return {
      format: "export",
      entries: data.jobs.map((e: unknown, i: number) => exportEntry(e, i, name)),
      notes: [],
    };
  }
  throw bad(
    `${name}: expected the seed's schedule.json (an array of {id, interval, frequency, script}) or an export ({"jobs": [...]})`,
  );
}

/** The seed's entry: {id, interval (minutes), frequency (cron), script}. */
function seedEntry(e: unknown, i: number, name: string): ImportEntry {
  const where = `${name} entry ${i + 1}`;
  if (!isObject(e)) throw bad(`${where}: must be an object {id, interval, frequency, script}`);
  const input: JobInput = {
    id: e.id as string,
    schedule: e.frequency as string,
    script: e.script as string,
  };
  if (e.interval !== undefined && e.interval !== null) {
    input.timeout = typeof e.interval === "number" ? String(e.interval) : (e.interval as string);
  }
  if (Array.isArray(e.args)) input.args = e.args as string[];
  return {
    input,
    where,
    labels: {
      id: "id",
      schedule: "frequency",
      timeout: "interval",
      script: "script",
      args: "args",
    },
    timeoutBareUnit: "m",
  };
}

const JOB_KEYS = new Set<string>([
  "id",
  "schedule",
  "timezone",
  "timeout",
  "script",
  "args",
  "command",
  "shell",
  "function",
  "cwd",
  "env",
  "overlap",
  "retries",
  "retryBackoff",
  "catchUp",
  "grace",
  "jitter",
  "paused",
  "description",
]);

function exportEntry(e: unknown, i: number, name: string): ImportEntry {
  const where = `${name} job ${i + 1}`;
  if (!isObject(e)) throw bad(`${where}: must be an object`);
  for (const key of Object.keys(e)) {
    if (!JOB_KEYS.has(key)) {
      throw bad(`${where}: unknown field "${key}" (allowed: ${[...JOB_KEYS].join(", ")})`);
    }
  }
  return { input: e as unknown as JobInput, where, labels: {}, timeoutBareUnit: null };
}

const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
const ID_COMMENT = /^#\s*id:\s*(\S+)\s*$/i;
const ARG_MACROS = new Set(["@every", "@at"]);

/**
 * A user crontab (crontab(5), the format of `crontab -l`): no user field.
 * Environment lines apply to the entries after them; CRON_TZ and TZ set
 * the zone of the schedules after them; a "# id: <id>" comment right above
 * an entry names it, else it is <prefix>-<n>. Commands are shell strings.
 */
function parseCrontab(text: string, name: string, prefix: string): ParsedImport {
  const entries: ImportEntry[] = [];
  const notes: string[] = [];
  const env: Record<string, string> = {};
  let timezone: string | undefined;
  let shell: string | undefined;
  let pendingId: string | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const where = `${name} line ${index + 1}`;
    const line = raw.trim();
    if (line === "") {
      pendingId = undefined;
      return;
    }
    if (line.startsWith("#")) {
      pendingId = ID_COMMENT.exec(line)?.[1];
      return;
    }
    const assignment = ENV_LINE.exec(line);
    if (assignment) {
      const key = assignment[1] as string;
      const value = unquote(assignment[2] as string);
      if (key === "CRON_TZ" || key === "TZ") timezone = value;
      if (key === "SHELL") shell = value;
      else if (key === "MAILTO" || key === "MAILFROM") {
        notes.push(`${where}: ${key} is ignored: output is kept per run (cron-scheduler output)`);
      } else if (key !== "CRON_TZ") env[key] = value;
      return;
    }
    const { schedule, command } = splitEntry(line, where);
    const input: JobInput = {
      id: pendingId ?? `${prefix}-${entries.length + 1}`,
      schedule,
      ...(timezone !== undefined ? { timezone } : {}),
      env: { ...env },
    };
    const shellCommand = cronCommand(command, where);
    // cron runs the line with $SHELL -c; /bin/sh is what a shell job does anyway.
    if (shell && shell !== "/bin/sh") input.command = [shell, "-c", shellCommand];
    else input.shell = shellCommand;
    entries.push({
      input,
      where,
      labels: { schedule: "schedule", timezone: "CRON_TZ", env: "environment" },
      timeoutBareUnit: null,
    });
    pendingId = undefined;
  });
  return { format: "crontab", entries, notes };
}

/** Splits "m h dom mon dow command" or "@macro [arg] command". */
function splitEntry(line: string, where: string): { schedule: string; command: string } {
  const words = line.match(/\S+/g) ?? [];
  const first = (words[0] ?? "").toLowerCase();
  const count = first.startsWith("@") ? (ARG_MACROS.has(first) ? 2 : 1) : 5;
  const re = new RegExp(`^((?:\\S+\\s+){${count - 1}}\\S+)\\s+(\\S.*)$`);
  const m = re.exec(line);
  if (!m) {
    throw bad(
      `${where}: expected ${count === 5 ? "five schedule fields" : `"${words.slice(0, count).join(" ")}"`} and then a command, but got "${line}"`,
    );
  }
  return { schedule: (m[1] as string).replace(/\s+/g, " "), command: m[2] as string };
}

/**
 * In crontab an unescaped % ends the command and starts its stdin; runs
 * here get an empty stdin, so that is refused rather than half-done.
 */
function cronCommand(command: string, where: string): string {
  let out = "";
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "\\" && command[i + 1] === "%") {
      out += "%";
      i++;
    } else if (c === "%") {
      throw bad(
        `${where}: "%" in a crontab command starts its standard input, which is not supported (write \\% for a literal %)`,
      );
    } else out += c;
  }
  return out;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
