import type { Command } from "commander";
import { defineDaemonCommands } from "./daemon-commands.js";
import { jobOptions } from "./job-options.js";
import { integerIn } from "./options.js";
import { defineAdd, globalOptions, newProgram, runProgram, VERSION } from "./program.js";

// One `program.command(...)` block per command. Each command's
// implementation is imported when it runs, so that a command loads only
// what it needs (create_cron is timed against a bare `node`).

const example = (...lines: string[]) =>
  `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((l) => `  ${l}`).join("\n")}`;

export function buildProgram(): Command {
  const program = globalOptions(
    newProgram("cron-scheduler").description(
      "Run jobs on cron schedules: on time, once, and with a record of what happened.",
    ),
  );

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
      example(`cron-scheduler next "30 2 * * *" --tz America/New_York --from 2024-03-09 --count 3`),
    )
    .action(async (schedule: string, options) => {
      const { next } = await import("./commands/next.js");
      next(schedule, options);
    });

  defineAdd(
    program.command("add").description("add a job (the same as create_cron, with every option)"),
    "cron-scheduler add",
  );

  program
    .command("list")
    .alias("ls")
    .description("list the jobs with their next run and last outcome")
    .option("--json", "print JSON")
    .addHelpText("after", example("cron-scheduler list", "cron-scheduler list --json"))
    .action(async (_options, command: Command) => {
      const { list } = await import("./commands/list.js");
      await list(command.optsWithGlobals());
    });

  program
    .command("show")
    .description("show a job, its next run times and its last runs")
    .argument("<id>", "job id")
    .option("-n, --count <n>", "how many next run times", integerIn("--count", 0, 1000), 5)
    .option("--runs <n>", "how many of the last runs", integerIn("--runs", 0, 1000), 10)
    .option("--json", "print JSON")
    .addHelpText("after", example("cron-scheduler show backup"))
    .action(async (id: string, _options, command: Command) => {
      const { show } = await import("./commands/show.js");
      await show(id, command.optsWithGlobals());
    });

  const edit = program
    .command("edit")
    .description("change a job: only the options given change")
    .argument("<id>", "job id")
    .option("--schedule <schedule>", "a new cron expression or macro")
    .option("--script <path>", "run this script instead (its arguments: --args)")
    .option("--args <words>", 'the script\'s arguments as one string, e.g. --args "-v --out /tmp"');
  jobOptions(edit, true)
    .addHelpText(
      "after",
      example(
        `cron-scheduler edit backup --schedule "30 3 * * *" --timeout 2h`,
        `cron-scheduler edit backup --env LEVEL=full --description "nightly full backup"`,
      ),
    )
    .action(async (id: string, _options, command: Command) => {
      const { editJob } = await import("./commands/edit.js");
      await editJob(id, command.optsWithGlobals());
    });

  program
    .command("remove")
    .alias("rm")
    .description("remove a job (its past runs are kept)")
    .argument("<id>", "job id")
    .addHelpText("after", example("cron-scheduler remove backup"))
    .action(async (id: string, _options, command: Command) => {
      const { remove } = await import("./commands/state.js");
      await remove(id, command.optsWithGlobals());
    });

  program
    .command("pause")
    .description("stop starting runs of a job until it is resumed")
    .argument("<id>", "job id")
    .addHelpText("after", example("cron-scheduler pause backup"))
    .action(async (id: string, _options, command: Command) => {
      const { setPaused } = await import("./commands/state.js");
      await setPaused(id, true, command.optsWithGlobals());
    });

  program
    .command("resume")
    .description("start running a paused job on its schedule again")
    .argument("<id>", "job id")
    .addHelpText("after", example("cron-scheduler resume backup"))
    .action(async (id: string, _options, command: Command) => {
      const { setPaused } = await import("./commands/state.js");
      await setPaused(id, false, command.optsWithGlobals());
    });

  program
    .command("trigger")
    .description("ask the running scheduler to run a job now")
    .argument("<id>", "job id")
    .option("--wait", "wait for the run and print its outcome (exit 0 if it succeeded, else 1)")
    .option("--timeout <duration>", "with --wait: give up after this long", "60s")
    .option("--json", "with --wait: print the run as JSON")
    .addHelpText(
      "after",
      example(
        "cron-scheduler trigger backup",
        "cron-scheduler trigger backup --wait --timeout 10m",
      ),
    )
    .action(async (id: string, _options, command: Command) => {
      const { trigger } = await import("./commands/trigger.js");
      await trigger(id, command.optsWithGlobals());
    });

  program
    .command("runs")
    .description("list runs, newest first")
    .argument("[id]", "only the runs of this job")
    .option("-n, --limit <n>", "how many", integerIn("--limit", 1, 100_000), 20)
    .option("--status <status>", "only runs in this status (e.g. failed, running)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      example("cron-scheduler runs backup --limit 5", "cron-scheduler runs --status failed"),
    )
    .action(async (id: string | undefined, _options, command: Command) => {
      const { runs } = await import("./commands/runs.js");
      await runs(id, command.optsWithGlobals());
    });

  program
    .command("output")
    .description("print the output of a run")
    .argument("<run-id>", "run id (from `runs`)")
    .option("-f, --follow", "keep printing until the run ends")
    .option("--json", "print the run and its output as JSON")
    .addHelpText("after", example("cron-scheduler output 01jd8k2m3n4p5q6r7s8t --follow"))
    .action(async (runId: string, _options, command: Command) => {
      const { output } = await import("./commands/output.js");
      await output(runId, command.optsWithGlobals());
    });

  program
    .command("import")
    .description("add jobs from a schedule.json (the seed's), a crontab, or an export")
    .argument("<file>", 'a file, or "-" for stdin')
    .option("--dry-run", "show what would change, change nothing")
    .option("--replace", "replace jobs whose id exists (else that is an error)")
    .option("--prefix <text>", "crontab: ids are <prefix>-1, <prefix>-2, ...", "crontab")
    .option("--json", "print what changed as JSON")
    .addHelpText(
      "after",
      example(
        "cron-scheduler import schedule.json",
        "crontab -l | cron-scheduler import - --dry-run",
        "cron-scheduler export > jobs.json && cron-scheduler import jobs.json --replace",
      ),
    )
    .action(async (file: string, _options, command: Command) => {
      const { importJobs } = await import("./commands/import.js");
      await importJobs(file, command.optsWithGlobals());
    });

  program
    .command("export")
    .description("print every job (or the ones named) as JSON that `import` reads back")
    .argument("[ids...]", "only these jobs")
    .addHelpText("after", example("cron-scheduler export > jobs.json"))
    .action(async (ids: string[], _options, command: Command) => {
      const { exportJobs } = await import("./commands/export.js");
      await exportJobs(ids, command.optsWithGlobals());
    });

  program
    .command("logs")
    .description("print the scheduler's log: starts, completions, failures, timeouts")
    .option("-f, --follow", "keep printing new lines")
    .option("--job <id>", "only the lines about this job")
    .option(
      "-n, --lines <n>",
      "start with the last N lines",
      integerIn("--lines", 0, 1_000_000),
      100,
    )
    .option("--json", "print the lines as they are (JSON)")
    .addHelpText("after", example("cron-scheduler logs --follow --job backup"))
    .action(async (_options, command: Command) => {
      const { logs } = await import("./commands/logs.js");
      await logs(command.optsWithGlobals());
    });

  defineDaemonCommands(program);
  return program;
}

export { VERSION };

export async function main(argv: string[]): Promise<void> {
  await runProgram(buildProgram(), argv);
}
