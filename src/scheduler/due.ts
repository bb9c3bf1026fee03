import type { Schedule } from "../cron/index.js";
import type { Job } from "../model.js";

// Pure decisions: which slots are due, and what the catch-up policy makes of
// them. No clock, no store: the loop passes the times in.

/** For catchUp "skip", a slot reached later than this after its time is missed. */
export const SKIP_GRACE_MS = 60_000;

export interface DueSlots {
  /** Due slots in ascending order: the latest `cap` of them. */
  slots: number[];
  /** True when there were more than `cap` and the earliest were not listed. */
  more: boolean;
}

/**
 * The slots of a schedule in (after, now], latest `cap` of them. Walks back
 * from now with prev(), so a long downtime of an every-second job costs
 * `cap` steps, not one per second of downtime.
 */
export function dueSlots(schedule: Schedule, after: number, now: number, cap: number): DueSlots {
  const slots: number[] = [];
  let t = schedule.prev(now + 1);
  while (t !== null && t > after && slots.length < cap) {
    slots.push(t);
    t = schedule.prev(t);
  }
  return { slots: slots.reverse(), more: t !== null && t > after };
}

export interface CatchUpPlan {
  /** Slots to run now, in order. */
  run: number[];
  /** Slots to record as missed. */
  missed: number[];
}

/**
 * What to do with the slots that fell due while the scheduler could not fire
 * them (down, suspended, clock stepped forward, event loop blocked). The
 * usual case is one slot reached milliseconds late: it runs under every
 * policy.
 *
 * - skip: a slot runs only if reached within `grace` (default 60 s) of its time.
 * - once: the latest slot within `grace` (default unlimited) runs; earlier ones are missed.
 * - all:  every slot within `grace` (default unlimited) runs, oldest first.
 */
export function planCatchUp(
  job: Pick<Job, "catchUp" | "graceMs">,
  slots: number[],
  now: number,
): CatchUpPlan {
  const grace = job.graceMs ?? (job.catchUp === "skip" ? SKIP_GRACE_MS : Number.POSITIVE_INFINITY);
  const run: number[] = [];
  const missed: number[] = [];
  for (const slot of slots) (now - slot <= grace ? run : missed).push(slot);
  if (job.catchUp === "once" && run.length > 1) {
    const latest = run.pop() as number;
    missed.push(...run);
    missed.sort((a, b) => a - b);
    return { run: [latest], missed };
  }
  if (job.catchUp === "skip" && run.length > 1) {
    // Several slots within the grace window: only the latest is on time.
    const latest = run.pop() as number;
    missed.push(...run);
    missed.sort((a, b) => a - b);
    return { run: [latest], missed };
  }
  return { run, missed };
}

/** Exponential backoff with ±20% jitter, capped at an hour: base, 2·base, 4·base … */
export function retryDelay(
  attempt: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const raw = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 3_600_000);
  return Math.round(raw * (0.8 + 0.4 * random()));
}

export type OverlapDecision = "start" | "skip" | "queue" | "replace";

/** What a new run of a job does when `active` runs of it are still going. */
export function overlapDecision(policy: Job["overlap"], active: number): OverlapDecision {
  if (active === 0 || policy === "allow") return "start";
  return policy === "skip" ? "skip" : policy === "queue" ? "queue" : "replace";
}

/** How long to wait before trying the store again after `failures` failures: 0.1 s doubling to 5 s. */
export function storeBackoff(failures: number): number {
  return Math.min(5000, 100 * 2 ** failures);
}
