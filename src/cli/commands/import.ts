import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { SchedulerError } from "../../errors.js";
import { validateJob } from "../../jobs.js";
import type { Job } from "../../model.js";
import type { Store } from "../../store/store.js";
import { type GlobalOptions, withStore } from "../context.js";
import { jobJson } from "../format.js";
import { type ImportEntry, parseImport } from "../import-formats.js";
import { printJson, println } from "../io.js";

interface ImportOptions extends GlobalOptions {
  dryRun?: boolean;
  replace?: boolean;
  prefix: string;
  json?: boolean;
}

type Action = "add" | "replace" | "unchanged";

/**
 * `cron-scheduler import <file>`: all or nothing. Every entry is validated
 * and every id checked before the first write; if a write still fails (a
 * job added meanwhile by another process), the writes made are undone.
 */
export async function importJobs(file: string, options: ImportOptions): Promise<void> {
  const now = Date.now();
  const stdin = file === "-";
  const name = stdin ? "stdin" : basename(file);
  const text = await readInput(file);
  const parsed = parseImport(text, name, options.prefix);
  const base = stdin ? process.cwd() : dirname(resolve(file));
  const jobs = parsed.entries.map((entry) => validateEntry(entry, now, base));
  const seen = new Map<string, string>();
  parsed.entries.forEach((entry, i) => {
    const id = (jobs[i] as Job).id;
    const first = seen.get(id);
    if (first)
      throw new SchedulerError(
        "E_INVALID_JOB",
        `${entry.where}: id "${id}" is also used by ${first}`,
      );
    seen.set(id, entry.where);
  });

  const plan = await withStore(options, async ({ store }) => {
    const plan: { job: Job; action: Action; existing: Job | null }[] = [];
    for (const job of jobs) {
      const existing = await store.getJob(job.id);
      plan.push({
        job,
        existing,
        action: !existing ? "add" : same(existing, job) ? "unchanged" : "replace",
      });
    }
    const clashes = plan.filter((p) => p.existing).map((p) => p.job.id);
    if (clashes.length > 0 && !options.replace) {
      throw new SchedulerError(
        "E_JOB_EXISTS",
        `${clashes.length === 1 ? "a job" : "jobs"} with id ${clashes.map((c) => `"${c}"`).join(", ")} already exist${clashes.length === 1 ? "s" : ""}; nothing was imported (use --replace to replace them)`,
        { ids: clashes },
      );
    }
    if (!options.dryRun) await apply(store, plan);
    return plan;
  });

  if (options.json) {
    printJson({
      format: parsed.format,
      dryRun: options.dryRun === true,
      jobs: plan.map((p) => ({ action: p.action, job: jobJson(p.job) })),
      notes: parsed.notes,
    });
    return;
  }
  for (const note of parsed.notes) process.stderr.write(`note: ${note}\n`);
  const verbs: Record<Action, string> = options.dryRun
    ? { add: "would add", replace: "would replace", unchanged: "unchanged" }
    : { add: "added", replace: "replaced", unchanged: "unchanged" };
  for (const p of plan) println(`${verbs[p.action].padEnd(13)} ${p.job.id}  ${p.job.schedule}`);
  const n = (a: Action) => plan.filter((p) => p.action === a).length;
  const summary = options.dryRun
    ? `dry run: ${n("add")} to add, ${n("replace")} to replace`
    : `${n("add")} added, ${n("replace")} replaced`;
  const read = {
    "schedule.json": "the seed's schedule.json",
    crontab: "a crontab",
    export: "an export",
  };
  println(`${summary}, ${n("unchanged")} unchanged (${name}, read as ${read[parsed.format]})`);
}

async function readInput(file: string): Promise<string> {
  try {
    if (file === "-") {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    }
    return await readFile(file, "utf8");
  } catch (err) {
    throw new SchedulerError(
      "E_USAGE",
      `cannot read "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function validateEntry(entry: ImportEntry, now: number, cwd: string): Job {
  try {
    return validateJob(entry.input, {
      now,
      cwd,
      labels: entry.labels,
      timeoutBareUnit: entry.timeoutBareUnit,
    });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (typeof e.code === "string" && e.code.startsWith("E_")) {
      throw new SchedulerError(e.code as SchedulerError["code"], `${entry.where}: ${e.message}`);
    }
    throw err;
  }
}

/** The same job apart from its timestamps. */
function same(a: Job, b: Job): boolean {
  const strip = ({ createdAt: _c, updatedAt: _u, ...rest }: Job) => rest;
  return canonical(strip(a)) === canonical(strip(b));
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)))
      : v,
  );
}

async function apply(store: Store, plan: { job: Job; action: Action; existing: Job | null }[]) {
  const done: { job: Job; existing: Job | null }[] = [];
  try {
    for (const p of plan) {
      if (p.action === "add") await store.createJob(p.job);
      else if (p.action === "replace") {
        const { id, createdAt: _c, ...fields } = p.job;
        await store.updateJob(id, fields);
      } else continue;
      done.push(p);
    }
  } catch (err) {
    // Undo in reverse; a failure here is reported with the original error.
    for (const p of done.reverse()) {
      try {
        if (!p.existing) await store.removeJob(p.job.id);
        else {
          const { id, createdAt: _c, ...fields } = p.existing;
          await store.updateJob(id, fields);
        }
      } catch {}
    }
    throw err;
  }
}
