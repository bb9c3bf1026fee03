// Raw job input (JobInput) becomes a Job only here. Every rule of DESIGN.md
// "Jobs and runs" is checked once, with an error that names the input the
// way the user typed it (`--interval`, `--tz`, a path), what is wrong and
// what is allowed — the CLI, the HTTP API and the library all pass through.

import { accessSync, constants, statSync } from "node:fs";
import { extname, isAbsolute, resolve } from "node:path";
import { formatDuration, parseDuration } from "./cron/duration.js";
import { CronError } from "./cron/errors.js";
import { parseSchedule } from "./cron/parse.js";
import type { Schedule } from "./cron/schedule.js";
import { getZone, localZoneName } from "./cron/zone.js";
import { SchedulerError } from "./errors.js";
import {
  CATCH_UP_POLICIES,
  type Job,
  type JobInput,
  type JobTarget,
  OVERLAP_POLICIES,
  SCRIPT_INTERPRETERS,
} from "./model.js";

export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_RETRIES = 100;
export const DEFAULT_RETRY_BACKOFF_MS = 10_000;

/** How each field was called where the user typed it, e.g. { timeout: "--interval" }. */
export type InputLabels = Partial<Record<keyof JobInput, string>>;

export interface ValidateOptions {
  /** The current time: a schedule that never fires after it is refused. */
  now: number;
  /** Names for error messages; by default the JobInput field names. */
  labels?: InputLabels;
  /** Relative script and cwd paths are resolved against this (default: process.cwd()). */
  cwd?: string;
  /**
   * The unit of a bare number given as `timeout` text. The seed's `--interval
   * 30` meant minutes (the default); pass null where a unit is required.
   */
  timeoutBareUnit?: "m" | null;
}

/** Validates raw input into a Job; throws SchedulerError/CronError (exit 2) on the first problem. */
export function validateJob(input: JobInput, options: ValidateOptions): Job {
  return build(input, options, options.now).job;
}

/** A valid job, and the schedule that validating it parsed. */
export interface ValidatedJob {
  job: Job;
  schedule: Schedule;
}

/**
 * validateJob, also handing on the parsed schedule: the library gives it to
 * the scheduler rather than parsing every expression twice (the parse cache
 * does not hold 100,000 distinct ones).
 */
export function validateJobAndSchedule(input: JobInput, options: ValidateOptions): ValidatedJob {
  return build(input, options, options.now);
}

/**
 * Applies an edit to a stored job: the patch's fields replace the job's,
 * and the result is validated as a whole. Giving any target (script,
 * command, shell, function) replaces the job's target; `args` alone
 * replaces the arguments of its script.
 */
export function applyJobPatch(job: Job, patch: Partial<JobInput>, options: ValidateOptions): Job {
  if (patch.id !== undefined && patch.id !== job.id) {
    throw invalid(`${label(options, "id")}: a job's id cannot be changed (remove and add it)`);
  }
  const base = jobToInput(job);
  const newTarget = TARGET_KEYS.some((k) => patch[k] !== undefined);
  if (newTarget) for (const k of [...TARGET_KEYS, "args"] as const) delete base[k];
  const merged: JobInput = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  if (!newTarget && patch.args !== undefined && job.target.type !== "script") {
    throw invalid(
      `${label(options, "args")}: job "${job.id}" runs a ${job.target.type}, not a script, so it takes no script arguments`,
    );
  }
  return build(merged, options, job.createdAt).job;
}

/** The input that validates back to this job: what `export` writes and `edit` starts from. */
export function jobToInput(job: Job): JobInput {
  const input: JobInput = { id: job.id, schedule: job.schedule, timezone: job.timezone };
  input.timeout = job.timeoutMs === null ? null : formatDuration(job.timeoutMs);
  const t = job.target;
  if (t.type === "script") {
    input.script = t.path;
    input.args = [...t.args];
  } else if (t.type === "command") input.command = [...t.argv];
  else if (t.type === "shell") input.shell = t.command;
  else input.function = t.name;
  input.cwd = job.cwd;
  input.env = { ...job.env };
  input.overlap = job.overlap;
  input.retries = job.retries;
  input.retryBackoff = formatDuration(job.retryBackoffMs);
  input.catchUp = job.catchUp;
  input.grace = job.graceMs === null ? null : formatDuration(job.graceMs);
  input.jitter = formatDuration(job.jitterMs);
  input.paused = job.paused;
  input.description = job.description;
  return input;
}

const TARGET_KEYS = ["script", "command", "shell", "function"] as const;

function build(input: JobInput, options: ValidateOptions, createdAt: number): ValidatedJob {
  if (input === null || typeof input !== "object") throw invalid("a job must be an object");
  const id = validateId(input.id, options);
  const timezone = validateZone(input.timezone, options);
  const schedule = validateSchedule(input.schedule, id, timezone, options);
  const base = options.cwd ?? process.cwd();
  const cwd = input.cwd == null ? null : existingDir(input.cwd, base, label(options, "cwd"));
  const job: Job = {
    id,
    schedule: schedule.expression,
    timezone,
    timeoutMs: validateTimeout(input.timeout, options),
    target: validateTarget(input, base, options),
    cwd,
    env: validateEnv(input.env, options),
    overlap: oneOf(input.overlap, OVERLAP_POLICIES, "skip", label(options, "overlap")),
    retries: validateRetries(input.retries, options),
    retryBackoffMs:
      duration(input.retryBackoff, label(options, "retryBackoff"), false) ??
      DEFAULT_RETRY_BACKOFF_MS,
    catchUp: oneOf(input.catchUp, CATCH_UP_POLICIES, "once", label(options, "catchUp")),
    graceMs: duration(input.grace, label(options, "grace"), false),
    jitterMs: duration(input.jitter, label(options, "jitter"), true) ?? 0,
    paused: validateBoolean(input.paused, label(options, "paused")),
    description: validateDescription(input.description, options),
    createdAt,
    updatedAt: options.now,
  };
  return { job, schedule };
}

function validateId(id: unknown, options: ValidateOptions): string {
  if (typeof id !== "string" || !JOB_ID_PATTERN.test(id)) {
    const shown = typeof id === "string" ? `"${id}"` : String(id);
    throw invalid(
      `${label(options, "id")}: ${shown} is not a valid job id (use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit)`,
    );
  }
  return id;
}

function validateZone(zone: unknown, options: ValidateOptions): string {
  if (zone === undefined || zone === null || zone === "") return localZoneName();
  if (typeof zone !== "string") throw invalid(`${label(options, "timezone")}: must be a string`);
  try {
    getZone(zone);
  } catch (err) {
    throw relabel(err, label(options, "timezone"));
  }
  // Keep the name as given: "US/Eastern" stays "US/Eastern" in listings.
  return zone;
}

function validateSchedule(
  text: unknown,
  id: string,
  timezone: string,
  options: ValidateOptions,
): Schedule {
  if (typeof text !== "string") {
    throw invalid(`${label(options, "schedule")}: a schedule must be a string`);
  }
  // The engine's message already names the expression, field and column.
  const schedule = parseSchedule(text, { timezone, seed: id });
  if (schedule.kind !== "reboot" && schedule.next(options.now) === null) {
    throw new SchedulerError(
      "E_CRON_NEVER",
      `"${schedule.expression}" never fires after now (${new Date(options.now).toISOString()}): every instant it matches is in the past`,
      { expression: schedule.expression },
    );
  }
  return schedule;
}

function validateTimeout(value: JobInput["timeout"], options: ValidateOptions): number | null {
  const name = label(options, "timeout");
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return positiveMs(value, name);
  if (typeof value !== "string") throw invalid(`${name}: must be a duration such as 30m or 90s`);
  const unit = options.timeoutBareUnit === undefined ? "m" : options.timeoutBareUnit;
  return parseDuration(value, unit ? { name, bareNumberUnit: unit } : { name });
}

function validateTarget(input: JobInput, base: string, options: ValidateOptions): JobTarget {
  const given = TARGET_KEYS.filter((k) => input[k] !== undefined && input[k] !== null);
  if (given.length !== 1) {
    const names = TARGET_KEYS.map((k) => label(options, k)).join(", ");
    throw invalid(
      given.length === 0
        ? `nothing to run: give exactly one of ${names}`
        : `give exactly one thing to run, not ${given.map((k) => label(options, k)).join(" and ")}`,
    );
  }
  if (input.args !== undefined && given[0] !== "script" && input.args.length > 0) {
    throw invalid(`${label(options, "args")}: arguments go with a script only`);
  }
  switch (given[0]) {
    case "script":
      return {
        type: "script",
        path: validateScript(input.script, base, options),
        args: stringArray(input.args ?? [], label(options, "args")),
      };
    case "command": {
      const name = label(options, "command");
      const argv =
        typeof input.command === "string"
          ? splitWords(input.command, name)
          : stringArray(input.command, name);
      if (argv.length === 0 || argv[0] === "") throw invalid(`${name}: the command is empty`);
      return { type: "command", argv };
    }
    case "shell":
      if (typeof input.shell !== "string" || input.shell.trim() === "") {
        throw invalid(`${label(options, "shell")}: the shell command is empty`);
      }
      return { type: "shell", command: input.shell };
    default:
      if (typeof input.function !== "string" || input.function === "") {
        throw invalid(`${label(options, "function")}: must name a registered function`);
      }
      return { type: "function", name: input.function };
  }
}

function validateScript(script: unknown, base: string, options: ValidateOptions): string {
  const name = label(options, "script");
  if (typeof script !== "string" || script === "")
    throw invalid(`${name}: the script path is empty`);
  const path = isAbsolute(script) ? resolve(script) : resolve(base, script);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    const at = path === script ? "" : ` (looked at ${path})`;
    throw invalid(`script "${script}" does not exist${at}`);
  }
  if (!isFile) throw invalid(`script "${script}" is not a file`);
  if (SCRIPT_INTERPRETERS[extname(path).toLowerCase()] !== undefined) return path;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw invalid(
      `script "${script}" is not executable and has no known interpreter (make it executable with chmod +x, or use a .py, .sh, .js, .mjs or .cjs file)`,
    );
  }
  return path;
}

function existingDir(dir: unknown, base: string, name: string): string {
  if (typeof dir !== "string" || dir === "") throw invalid(`${name}: must be a directory path`);
  const path = resolve(base, dir);
  let ok = false;
  try {
    ok = statSync(path).isDirectory();
  } catch {
    throw invalid(`${name}: directory "${dir}" does not exist`);
  }
  if (!ok) throw invalid(`${name}: "${dir}" is not a directory`);
  return path;
}

function validateEnv(env: unknown, options: ValidateOptions): Record<string, string> {
  const name = label(options, "env");
  if (env === undefined || env === null) return {};
  if (typeof env !== "object" || Array.isArray(env)) {
    throw invalid(`${name}: must be an object of NAME=value pairs`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!ENV_KEY.test(key)) {
      throw invalid(
        `${name}: "${key}" is not a valid variable name (use letters, digits and "_", not starting with a digit)`,
      );
    }
    if (typeof value !== "string" || value.includes("\0")) {
      throw invalid(`${name}: the value of ${key} must be a string without NUL characters`);
    }
    out[key] = value;
  }
  return out;
}

/** Parses "K=V" words (the CLI's repeatable --env) into an object. */
export function parseEnvPairs(pairs: string[], name = "--env"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !ENV_KEY.test(key)) {
      throw invalid(
        `${name}: "${pair}" is not NAME=value (NAME: letters, digits and "_", not starting with a digit)`,
      );
    }
    out[key] = pair.slice(eq + 1);
  }
  return out;
}

function validateRetries(value: unknown, options: ValidateOptions): number {
  const name = label(options, "retries");
  if (value === undefined || value === null) return 0;
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > MAX_RETRIES) {
    throw invalid(`${name}: must be a whole number 0-${MAX_RETRIES}, but got "${String(value)}"`);
  }
  return n;
}

/** A duration field: text with a unit or milliseconds. `zero` allows 0 ("no jitter"). */
function duration(value: unknown, name: string, zero: boolean): number | null {
  if (value === undefined || value === null) return null;
  if (
    zero &&
    (value === 0 || (typeof value === "string" && /^\s*0+(ms|s|m|h|d|w)?\s*$/.test(value)))
  )
    return 0;
  if (typeof value === "number") return positiveMs(value, name);
  if (typeof value !== "string") throw invalid(`${name}: must be a duration such as 30s or 1h30m`);
  return parseDuration(value, { name });
}

function positiveMs(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new SchedulerError(
      "E_DURATION",
      `${name}: ${value} is not a duration (use a positive whole number of milliseconds, or text such as 90s or 1h30m)`,
    );
  }
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], dflt: T, name: string): T {
  if (value === undefined || value === null) return dflt;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value))
    return value as T;
  throw invalid(`${name}: "${String(value)}" is not one of ${allowed.join(", ")}`);
}

function validateBoolean(value: unknown, name: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw invalid(`${name}: must be true or false`);
  return value;
}

function validateDescription(value: unknown, options: ValidateOptions): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") throw invalid(`${label(options, "description")}: must be text`);
  return value;
}

function stringArray(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw invalid(`${name}: must be a list of strings`);
  }
  return [...(value as string[])];
}

/**
 * Splits a command line into words as a POSIX shell would, without running
 * one: whitespace separates, '…' is literal, "…" allows \" \\ \$ \`, and a
 * backslash outside quotes escapes the next character. No expansion.
 */
export function splitWords(text: string, name = "command"): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw invalid(`${name}: unterminated ' quote in ${JSON.stringify(text)}`);
      word += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === "\\" && /["\\$`]/.test(text[j + 1] ?? "")) j++;
        word += text[j];
      }
      if (j >= text.length)
        throw invalid(`${name}: unterminated " quote in ${JSON.stringify(text)}`);
      i = j;
      inWord = true;
    } else if (c === "\\") {
      if (i + 1 < text.length) word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function label(options: ValidateOptions, key: keyof JobInput): string {
  return options.labels?.[key] ?? key;
}

function invalid(message: string): SchedulerError {
  return new SchedulerError("E_INVALID_JOB", message);
}

/** Prefixes an engine error (E_TIMEZONE, E_DURATION) with the input's name, keeping its code. */
function relabel(err: unknown, name: string): unknown {
  if (err instanceof CronError) return new SchedulerError(err.code, `${name}: ${err.message}`);
  return err;
}
