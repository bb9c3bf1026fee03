import { defineAdd, globalOptions, newProgram, runProgram } from "./program.js";

// `create_cron`: the seed's command, kept exactly; the same as `cron-scheduler add`.

export async function main(argv: string[]): Promise<void> {
  const program = newProgram("create_cron").description(
    "Add a job that runs a script on a cron schedule (the same as `cron-scheduler add`).",
  );
  await runProgram(defineAdd(globalOptions(program), "create_cron"), argv);
}
