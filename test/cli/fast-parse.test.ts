import { describe, expect, it } from "vitest";
import { type AddArguments, createCronProgram, fastParse } from "../../src/cli/create-cron.js";

// create_cron parses with node's parseArgs when it can, to skip loading
// commander (see create-cron.ts). Both must read a command line alike.

async function viaCommander(argv: string[]): Promise<AddArguments> {
  let got: AddArguments | undefined;
  const program = await createCronProgram(async (parsed) => {
    got = parsed;
  });
  program.configureOutput({ writeErr: () => {}, writeOut: () => {} });
  await program.parseAsync(argv, { from: "user" });
  if (!got) throw new Error("commander did not run the action");
  return got;
}

const ACCEPTED: string[][] = [
  ["job_id", "--interval", "30", "* * * * *", "/path/script.py"],
  ["job_id", "* * * * *", "/path/script.py", "--interval", "30"],
  ["--interval=1h30m", "j", "@daily", "s.py", "a", "b c"],
  ["j", "@daily", "s.py", "a", "--", "--flag", "-x"],
  ["j", "@daily", "--command", "ls -l", "--env", "A=1", "--env", "B=2", "--paused"],
  ["j", "0 9 * * 1", "--shell", "echo hi", "--retry-backoff", "5s", "--catch-up", "all"],
  ["j", "@hourly", "s.sh", "--home", "/tmp/h", "--store", "memory", "--json"],
  ["j", "@hourly", "s.sh", "--tz", "Europe/Berlin", "--tz", "UTC"],
  ["j", "@hourly", "s.sh", "--description", "", "--timeout", "none", "--cwd", "/tmp"],
  [
    "j",
    "@hourly",
    "s.sh",
    "--overlap",
    "queue",
    "--retries",
    "3",
    "--grace",
    "1h",
    "--jitter",
    "5s",
  ],
];

const FALLBACK: string[][] = [
  ["--help"],
  ["-h"],
  ["-V"],
  ["--version"],
  ["j"],
  [],
  ["j", "--interval", "-5", "* * * * *", "s.py"],
  ["j", "* * * * *", "s.py", "-v"],
  ["j", "* * * * *", "s.py", "--intervall", "5"],
  ["j", "* * * * *", "s.py", "--paused=yes"],
  ["j", "* * * * *", "s.py", "--interval"],
];

describe("create_cron's fast parser", () => {
  it.each(ACCEPTED.map((a) => [a.join(" "), a]))("reads %s as commander does", async (_, argv) => {
    const fast = fastParse(argv as string[]);
    expect(fast).not.toBeNull();
    expect(fast).toEqual(await viaCommander(argv as string[]));
  });

  it.each(FALLBACK.map((a) => [a.join(" ") || "(nothing)", a]))(
    "leaves %s to commander",
    (_, argv) => {
      expect(fastParse(argv as string[])).toBeNull();
    },
  );

  it("commander reads --interval -5 as the value -5 (so validation names it)", async () => {
    const parsed = await viaCommander(["j", "--interval", "-5", "* * * * *", "s.py"]);
    expect(parsed.options.interval).toBe("-5");
  });
});
