import { type FileHandle, open, readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { homePaths } from "../../home.js";
import { formatLine } from "../../log-format.js";
import { type GlobalOptions, homeOf } from "../context.js";
import { println } from "../io.js";

interface LogsOptions extends GlobalOptions {
  follow?: boolean;
  job?: string;
  lines: number;
  json?: boolean;
}

const POLL_MS = 250;

/**
 * `cron-scheduler logs [--follow] [--job <id>]`: <home>/scheduler.log, JSON
 * lines written by pino (time, level, msg, event, jobId, runId, …), after its
 * rotated predecessors scheduler.log.N … scheduler.log.1.
 */
export async function logs(options: LogsOptions): Promise<void> {
  const path = homePaths(await homeOf(options)).log;
  const keep = (line: string) => line.trim() !== "" && matchesJob(line, options.job);
  const show = (line: string) => println(options.json ? line : formatLine(line));

  const lines: string[] = [];
  for (const file of await rotated(path)) {
    for (const line of (await readFile(file, "utf8")).split("\n")) if (keep(line)) lines.push(line);
  }
  let handle = await openOrNull(path);
  let offset = 0;
  if (handle) {
    const text = (await handle.readFile()).toString("utf8");
    // Only whole lines; a partial last line is read again when --follow completes it.
    const end = text.lastIndexOf("\n") + 1;
    offset = Buffer.byteLength(text.slice(0, end));
    for (const line of text.slice(0, end).split("\n")) if (keep(line)) lines.push(line);
  } else if (!options.follow && lines.length === 0) {
    process.stderr.write(`no log yet at ${path} (the scheduler writes it while it runs)\n`);
    return;
  }
  for (const line of options.lines === 0 ? [] : lines.slice(-options.lines)) show(line);
  if (!options.follow) {
    await handle?.close();
    return;
  }

  let rest = "";
  while (true) {
    if (handle) {
      const chunk = await readFrom(handle, offset);
      offset += chunk.length;
      const text = rest + chunk.toString("utf8");
      const end = text.lastIndexOf("\n") + 1;
      for (const line of text.slice(0, end).split("\n")) if (keep(line)) show(line);
      rest = text.slice(end);
    }
    // Rotation renames the file and starts a new one: finish the old, then follow the new.
    const current = await stat(path).catch(() => null);
    const mine = handle ? await handle.stat() : null;
    if (current && (!mine || current.ino !== mine.ino || current.size < offset)) {
      if (handle && mine && current.ino === mine.ino)
        offset = 0; // truncated in place
      else {
        if (handle) {
          const tail = await readFrom(handle, offset);
          const text = rest + tail.toString("utf8");
          for (const line of text.split("\n")) if (keep(line)) show(line);
          rest = "";
          await handle.close();
        }
        handle = await openOrNull(path);
        offset = 0;
      }
      continue;
    }
    await sleep(POLL_MS);
  }
}

/** scheduler.log.N … scheduler.log.1, oldest first. */
async function rotated(path: string): Promise<string[]> {
  const prefix = `${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .sort((a, b) => Number(b.slice(prefix.length)) - Number(a.slice(prefix.length)))
    .map((n) => join(dirname(path), n));
}

function matchesJob(line: string, job: string | undefined): boolean {
  if (job === undefined) return true;
  try {
    return (JSON.parse(line) as { jobId?: unknown }).jobId === job;
  } catch {
    return false;
  }
}

async function openOrNull(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, "r");
  } catch {
    return null;
  }
}

async function readFrom(handle: FileHandle, offset: number): Promise<Buffer> {
  const { size } = await handle.stat();
  if (size <= offset) return Buffer.alloc(0);
  const buffer = Buffer.alloc(size - offset);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
  return buffer.subarray(0, bytesRead);
}
