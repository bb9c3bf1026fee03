import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { SchedulerError } from "../../errors.js";
import { runLogPath } from "../../home.js";
import { FINAL_STATUSES } from "../../model.js";
import { type GlobalOptions, withStore } from "../context.js";
import { runJson } from "../format.js";
import { printJson } from "../io.js";

interface OutputOptions extends GlobalOptions {
  follow?: boolean;
  json?: boolean;
}

const POLL_MS = 200;

/**
 * `cron-scheduler output <run-id> [--follow]`: the run's log file
 * (<home>/runs/<job>/<run>.log). When the file is not here (the run was on
 * another node), the tail the store keeps.
 */
export async function output(runId: string, options: OutputOptions): Promise<void> {
  await withStore(options, async ({ store, home }) => {
    let run = await store.getRun(runId);
    if (!run) {
      throw new SchedulerError(
        "E_RUN_NOT_FOUND",
        `no run "${runId}" (see the run ids with: cron-scheduler runs <job-id>)`,
      );
    }
    const path = runLogPath(home, run.jobId, run.id);
    if (options.json) {
      const text = await readAll(path);
      printJson({
        run: runJson(run),
        output: text ?? run.outputTail ?? "",
        file: text === null ? null : path,
      });
      return;
    }
    let offset = 0;
    const pump = async () => {
      const chunk = await readFrom(path, offset);
      if (chunk.length > 0) {
        offset += chunk.length;
        await write(chunk);
      }
    };
    await pump();
    if (offset === 0 && !options.follow && run.outputTail) {
      await write(Buffer.from(run.outputTail));
      return;
    }
    if (!options.follow) return;
    while (!FINAL_STATUSES.has(run.status)) {
      await sleep(POLL_MS);
      await pump();
      run = (await store.getRun(runId)) ?? run;
    }
    // The runner closes the file before it marks the run final: read the rest.
    await pump();
  });
}

async function readAll(path: string): Promise<string | null> {
  try {
    return (await readFrom(path, 0, true)).toString("utf8");
  } catch {
    return null;
  }
}

async function readFrom(path: string, offset: number, strict = false): Promise<Buffer> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if (strict) throw err;
    return Buffer.alloc(0);
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) return Buffer.alloc(0);
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function write(chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(chunk, (err) => (err ? reject(err) : resolve())),
  );
}
