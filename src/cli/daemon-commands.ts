import { type Command, InvalidArgumentError } from "commander";
import { parseDuration } from "../cron/duration.js";
import { integerIn } from "./options.js";

// The scheduler process: run (foreground), start / stop / status (background).

export function defineDaemonCommands(program: Command): void {
  schedulerOptions(
    program
      .command("run")
      .description("run the scheduler in the foreground until SIGTERM or Ctrl-C"),
  )
    .addHelpText("after", "\nExample:\n  cron-scheduler run --home /var/lib/cron-scheduler")
    .action(async (_options, command: Command) => {
      const { run } = await import("./commands/daemon.js");
      await run(command.optsWithGlobals());
    });

  schedulerOptions(program.command("start").description("start the scheduler in the background"))
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  cron-scheduler start && cron-scheduler status")
    .action(async (_options, command: Command) => {
      const { start } = await import("./commands/daemon.js");
      await start(command.optsWithGlobals());
    });

  program
    .command("stop")
    .description("stop the background scheduler, letting running jobs finish")
    .option(
      "--wait <duration>",
      "how long to wait for it to exit (default 60s)",
      durationOption("--wait"),
    )
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  cron-scheduler stop")
    .action(async (_options, command: Command) => {
      const { stop } = await import("./commands/daemon.js");
      await stop(command.optsWithGlobals());
    });

  program
    .command("status")
    .description("tell whether the scheduler is running (exit 1 if not)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  cron-scheduler status --json")
    .action(async (_options, command: Command) => {
      const { status } = await import("./commands/daemon.js");
      await status(command.optsWithGlobals());
    });
}

/** The options of the scheduler process, shared by run and start. */
function schedulerOptions(command: Command): Command {
  return command
    .option(
      "--shutdown-grace <duration>",
      "how long to let running jobs finish when stopping",
      durationOption("--shutdown-grace"),
    )
    .option(
      "--keep-runs <n>",
      "runs kept per job; older ones and their output files are pruned",
      integerIn("--keep-runs", 1, 10_000_000),
    );
}

/** A commander parser for a duration with a unit (90s, 1m), as milliseconds. */
function durationOption(name: string): (value: string) => number {
  return (value) => {
    try {
      return parseDuration(value, { name });
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}
