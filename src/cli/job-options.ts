import type { Command } from "commander";
import { SchedulerError } from "../errors.js";
import type { InputLabels } from "../jobs.js";
import type { JobInput } from "../model.js";

// The options of a job, shared by `create_cron`, `add` and `edit`. Values
// stay raw strings here: validateJob checks them and names the option in
// its message, so every rule lives in one place.

export interface JobCliOptions {
  interval?: string;
  timeout?: string;
  tz?: string;
  overlap?: string;
  retries?: string;
  retryBackoff?: string;
  catchUp?: string;
  grace?: string;
  jitter?: string;
  cwd?: string;
  env?: string[];
  paused?: boolean;
  command?: string;
  shell?: string;
  description?: string;
  json?: boolean;
}

interface OptionSpec {
  /** Commander's flags: "--name <value>" or "--name". */
  flags: string;
  help: string;
  repeatable?: boolean;
  /** Not offered by `edit`. */
  addOnly?: boolean;
}

/** The job options, once: commander's definitions and create_cron's fast parser both come from here. */
export const JOB_OPTIONS: readonly OptionSpec[] = [
  {
    flags: "--interval <minutes|duration>",
    help: "the seed's single-run limit: 30 (minutes), 90s, 1h30m",
  },
  {
    flags: "--timeout <duration>",
    help: 'stop a run after this long: 90s, 30m, 1h30m ("none": no limit)',
  },
  { flags: "--tz <zone>", help: "IANA time zone of the schedule (default: this machine's)" },
  {
    flags: "--overlap <policy>",
    help: "when the previous run is still going: skip, allow, queue, replace",
  },
  { flags: "--retries <n>", help: "further attempts after a failed run, 0-100" },
  {
    flags: "--retry-backoff <duration>",
    help: "delay before the first retry, doubling (default 10s)",
  },
  { flags: "--catch-up <policy>", help: "slots missed while down: skip, once, all" },
  { flags: "--grace <duration>", help: 'how late a missed slot may still run ("none": any age)' },
  {
    flags: "--jitter <duration>",
    help: "start each run up to this much after its slot, at random",
  },
  { flags: "--cwd <dir>", help: "working directory of the runs" },
  {
    flags: "--env <NAME=value>",
    help: "environment variable of the runs (repeatable)",
    repeatable: true,
  },
  {
    flags: "--command <words>",
    help: 'run this argv instead of a script, e.g. --command "rsync -a src dst"',
  },
  {
    flags: "--shell <string>",
    help: 'run this through /bin/sh -c, e.g. --shell "du -sh /var | mail me"',
  },
  { flags: "--description <text>", help: "what the job is for" },
  { flags: "--paused", help: "add the job paused", addOnly: true },
  { flags: "--json", help: "print the job as JSON" },
];

/** --home and --store (see program.ts globalOptions). */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    flags: "--home <dir>",
    help: "the scheduler's home (default: $CRON_SCHEDULER_HOME, else XDG state dir)",
  },
  {
    flags: "--store <url>",
    help: "where jobs and runs are kept (default: $CRON_SCHEDULER_STORE, else sqlite:<home>/scheduler.db)",
  },
];

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Adds the job options; `edit` leaves out --paused (it has pause/resume). */
export function jobOptions(command: Command, forEdit = false): Command {
  for (const o of JOB_OPTIONS) {
    if (forEdit && o.addOnly) continue;
    if (o.repeatable) command.option(o.flags, o.help, collect);
    else command.option(o.flags, o.help);
  }
  return command;
}

/** "--retry-backoff <duration>" → "retryBackoff", as commander names it. */
export function optionKey(flags: string): string {
  const name = (flags.split(" ")[0] as string).replace(/^--/, "");
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** How the job options are named in error messages. */
export function cliLabels(options: JobCliOptions): InputLabels {
  return {
    id: "<id>",
    schedule: "<schedule>",
    timezone: "--tz",
    timeout: options.interval !== undefined ? "--interval" : "--timeout",
    script: "<script>",
    args: "[args...]",
    command: "--command",
    shell: "--shell",
    function: "--function",
    cwd: "--cwd",
    env: "--env",
    overlap: "--overlap",
    retries: "--retries",
    retryBackoff: "--retry-backoff",
    catchUp: "--catch-up",
    grace: "--grace",
    jitter: "--jitter",
    paused: "--paused",
    description: "--description",
  };
}

/** The JobInput fields the options give (only those given). */
export async function inputFromOptions(options: JobCliOptions): Promise<Partial<JobInput>> {
  const input: Partial<JobInput> = {};
  if (options.interval !== undefined && options.timeout !== undefined) {
    throw new SchedulerError(
      "E_USAGE",
      "--interval and --timeout set the same limit: give one of them",
    );
  }
  if (options.interval !== undefined) input.timeout = options.interval;
  if (options.timeout !== undefined) input.timeout = none(options.timeout);
  if (options.tz !== undefined) input.timezone = options.tz;
  if (options.overlap !== undefined) input.overlap = options.overlap;
  if (options.retries !== undefined) input.retries = options.retries;
  if (options.retryBackoff !== undefined) input.retryBackoff = options.retryBackoff;
  if (options.catchUp !== undefined) input.catchUp = options.catchUp;
  if (options.grace !== undefined) input.grace = none(options.grace);
  if (options.jitter !== undefined) input.jitter = options.jitter;
  if (options.cwd !== undefined) input.cwd = options.cwd === "" ? null : options.cwd;
  if (options.env !== undefined) {
    const { parseEnvPairs } = await import("../jobs.js");
    input.env = parseEnvPairs(options.env);
  }
  if (options.command !== undefined) input.command = options.command;
  if (options.shell !== undefined) input.shell = options.shell;
  if (options.description !== undefined) input.description = options.description;
  if (options.paused !== undefined) input.paused = options.paused;
  return input;
}

function none(value: string): string | null {
  return value.trim().toLowerCase() === "none" ? null : value;
}
