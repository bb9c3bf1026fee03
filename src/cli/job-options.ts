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

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Adds the job options; `edit` leaves out --paused (it has pause/resume). */
export function jobOptions(command: Command, forEdit = false): Command {
  command
    .option(
      "--interval <minutes|duration>",
      "the seed's single-run limit: 30 (minutes), 90s, 1h30m",
    )
    .option(
      "--timeout <duration>",
      'stop a run after this long: 90s, 30m, 1h30m ("none": no limit)',
    )
    .option("--tz <zone>", "IANA time zone of the schedule (default: this machine's)")
    .option(
      "--overlap <policy>",
      "when the previous run is still going: skip, allow, queue, replace",
    )
    .option("--retries <n>", "further attempts after a failed run, 0-100")
    .option("--retry-backoff <duration>", "delay before the first retry, doubling (default 10s)")
    .option("--catch-up <policy>", "slots missed while down: skip, once, all")
    .option("--grace <duration>", 'how late a missed slot may still run ("none": any age)')
    .option("--jitter <duration>", "start each run up to this much after its slot, at random")
    .option("--cwd <dir>", "working directory of the runs")
    .option("--env <NAME=value>", "environment variable of the runs (repeatable)", collect)
    .option(
      "--command <words>",
      'run this argv instead of a script, e.g. --command "rsync -a src dst"',
    )
    .option("--shell <string>", 'run this through /bin/sh -c, e.g. --shell "du -sh /var | mail me"')
    .option("--description <text>", "what the job is for");
  if (!forEdit) command.option("--paused", "add the job paused");
  return command.option("--json", "print the job as JSON");
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
