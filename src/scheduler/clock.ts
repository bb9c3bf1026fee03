/**
 * Where the scheduler gets time from. Injected, so that tests run on fake
 * time (jumps, suspend, DST days) instead of real sleeps.
 *
 * `now()` is the wall clock (it can step: NTP, manual changes, suspend);
 * `monotonic()` never jumps. Comparing the two is how a clock step is seen.
 */
export interface Clock {
  now(): number;
  monotonic(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: unknown };

/** Node's setTimeout takes at most 2^31-1 ms; longer delays fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(callback, delayMs) {
    const t = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
    return { id: t };
  },
  clearTimer(handle) {
    clearTimeout(handle.id as NodeJS.Timeout);
  },
};
