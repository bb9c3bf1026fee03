import { parseArgs } from "node:util";
import type { GlobalOptions } from "./context.js";
import { GLOBAL_OPTIONS, JOB_OPTIONS, type JobCliOptions, optionKey } from "./job-options.js";

// `create_cron`: the seed's command, kept exactly; the same as `cron-scheduler add`.

export interface AddArguments {
  id: string;
  schedule: string;
  script: string | undefined;
  args: string[];
  options: JobCliOptions & GlobalOptions;
}

export async function main(argv: string[]): Promise<void> {
  const parsed = fastParse(argv);
  if (parsed) {
    const { id, schedule, script, args, options } = parsed;
    try {
      const { add } = await import("./commands/add.js");
      await add(id, schedule, script, args, options);
    } catch (err) {
      const { fail } = await import("./io.js");
      fail("create_cron", err);
    }
    return;
  }
  const { runProgram } = await import("./program.js");
  await runProgram(await createCronProgram(), argv);
}

/** The commander program of create_cron; `action` replaces adding the job (for tests). */
export async function createCronProgram(action?: (parsed: AddArguments) => Promise<void>) {
  const { defineAdd, globalOptions, newProgram } = await import("./program.js");
  const program = newProgram("create_cron").description(
    "Add a job that runs a script on a cron schedule (the same as `cron-scheduler add`).",
  );
  return defineAdd(globalOptions(program), "create_cron", action);
}

/**
 * create_cron is timed against a bare `node` (bench/cli.js), and loading
 * commander is a good part of its cost. So a command line that node's own
 * strict parseArgs takes as it is — known long options only, at least <id>
 * and <schedule> — is parsed here and commander is never loaded. Anything
 * else (--help, --version, an unknown or ambiguous option such as
 * `--interval -5`, a missing argument) returns null and goes to commander,
 * for its help and its messages. test/cli/fast-parse.test.ts checks that
 * both parsers read every accepted command line alike.
 */
export function fastParse(argv: string[]): AddArguments | null {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const o of GLOBAL_OPTIONS) options[name(o.flags)] = { type: "string" };
  for (const o of JOB_OPTIONS) {
    options[name(o.flags)] = o.flags.includes("<")
      ? { type: "string", ...(o.repeatable ? { multiple: true } : {}) }
      : { type: "boolean" };
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: true,
    }));
  } catch {
    return null;
  }
  const [id, schedule, script, ...args] = positionals;
  if (id === undefined || schedule === undefined) return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) out[optionKey(`--${key}`)] = value;
  return { id, schedule, script, args, options: out as AddArguments["options"] };
}

function name(flags: string): string {
  return (flags.split(" ")[0] as string).slice(2);
}
