import { Command, CommanderError } from "commander";
import { fail } from "./io.js";
import { integerIn } from "./options.js";

// Each command's implementation is imported when it runs, so that a command
// loads only what it needs (create_cron is timed against a bare `node`).

export function buildProgram(): Command {
  const program = new Command("cron-scheduler")
    .description("Run jobs on cron schedules: on time, once, and with a record of what happened.")
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError()
    .exitOverride()
    // One line on stderr, like every other error of ours.
    .configureOutput({
      outputError: (text, write) =>
        write(`${text.split("\n")[0]?.replace(/^error: /, "cron-scheduler: ")}\n`),
    });

  program
    .command("next")
    .description("print the next instants a schedule fires at")
    .argument("<schedule>", 'a cron expression or macro, e.g. "*/15 9-17 * * MON-FRI" or @daily')
    .option("-n, --count <n>", "how many instants", integerIn("--count", 1, 10_000), 5)
    .option("--from <iso>", "start after this instant (ISO-8601; without an offset, read in --tz)")
    .option("--tz <zone>", "IANA time zone (default: this machine's)")
    .option("--seed <text>", "what H hashes (normally the job id)")
    .option("--dom-and-dow", "require day-of-month AND day-of-week to match")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `\nExample:\n  cron-scheduler next "30 2 * * *" --tz America/New_York --from 2024-03-09 --count 3`,
    )
    .action(async (schedule: string, options) => {
      const { next } = await import("./commands/next.js");
      next(schedule, options);
    });

  return program;
}

const VERSION = "0.1.0";

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
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
    fail("cron-scheduler", err);
  }
}
