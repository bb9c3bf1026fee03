import { Command, CommanderError } from "commander";
import type { AddArguments } from "./create-cron.js";
import { fail } from "./io.js";
import { GLOBAL_OPTIONS, jobOptions } from "./job-options.js";

// What `cron-scheduler` and `create_cron` share: how a program reports
// errors, the global options, and the definition of the add command.

export const VERSION = "0.1.0";

export function newProgram(name: string): Command {
  return new Command(name)
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      // One line on stderr, like every other error of ours.
      outputError: (text, write) =>
        write(`${text.split("\n")[0]?.replace(/^error: /, `${name}: `)}\n`),
    });
}

/** --home and --store; on `cron-scheduler` they may come before or after the command. */
export function globalOptions(command: Command): Command {
  for (const o of GLOBAL_OPTIONS) command.option(o.flags, o.help);
  return command;
}

/**
 * The arguments, options and action of `create_cron` / `cron-scheduler add`.
 * `action` replaces adding the job (tests compare this parser with create_cron's fast one).
 */
export function defineAdd(
  command: Command,
  invocation: string,
  action?: (parsed: AddArguments) => Promise<void>,
): Command {
  return jobOptions(
    command
      .argument("<id>", "unique job id: letters, digits, '.', '_', '-' (up to 128)")
      .argument("<schedule>", 'cron expression or macro, e.g. "*/15 * * * *", @daily, "@every 90s"')
      .argument(
        "[script]",
        "script to run: .py, .sh, .js run with their interpreter; others must be executable",
      )
      .argument("[args...]", "arguments of the script (put -- before any that start with -)"),
  )
    .addHelpText(
      "after",
      `
Examples:
  ${invocation} job_id --interval 30 "* * * * *" /path/script.py
  ${invocation} backup --tz Europe/Berlin --timeout 1h --retries 2 "0 3 * * *" ./backup.sh -- --full
  ${invocation} disk --command "df -h /" "@hourly"`,
    )
    .action(async (id: string, schedule: string, script: string | undefined, args: string[]) => {
      const options = command.optsWithGlobals();
      if (action) return action({ id, schedule, script, args, options });
      const { add } = await import("./commands/add.js");
      await add(id, schedule, script, args, options);
    });
}

/** Parses argv and runs the command: exit 0, or 2 for bad input, 1 for a runtime failure. */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok =
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help";
      process.exit(ok ? 0 : 2);
    }
    fail(program.name(), err);
  }
}
