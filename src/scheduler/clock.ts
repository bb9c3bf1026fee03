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
  /**
   * Calls back at the first moment now() reaches `wallMs`, as closely as the
   * clock can (the scheduler's wake-up for the next slot). Optional: without
   * it the scheduler uses setTimer, and checks the time when called back.
   */
  setTimerAt?(callback: () => void, wallMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: unknown };

/** Node's setTimeout takes at most 2^31-1 ms; longer delays fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * How early a timer aimed at an instant is set. Node's timers count in whole
 * milliseconds from the event loop's cached time, which is behind the wall
 * clock by however long the current callback has run: they fire up to a
 * millisecond (or a long callback's length) early, or a millisecond late.
 * Set this much early, the last stretch is waited out on the event loop.
 */
const LEAD_MS = 1;

/**
 * A timer aimed at a wall-clock instant: a setTimeout to a little before
 * it, then turns of the event loop (setImmediate, which lets I/O and other
 * timers run) until Date.now() reaches it. A job due at a whole second then
 * starts within a fraction of a millisecond of it, not up to 1–2 ms late,
 * for at most LEAD_MS of polling per wake-up.
 */
class WallTimer {
  #timeout: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #cleared = false;

  constructor(
    readonly callback: () => void,
    readonly at: number,
  ) {
    this.#wait(at - Date.now());
  }

  get id(): unknown {
    return this;
  }

  clear(): void {
    this.#cleared = true;
    if (this.#timeout) clearTimeout(this.#timeout);
    if (this.#immediate) clearImmediate(this.#immediate);
  }

  #check = (): void => {
    this.#timeout = null;
    this.#immediate = null;
    if (this.#cleared) return;
    const left = this.at - Date.now();
    if (left <= 0) this.callback();
    else this.#wait(left);
  };

  /** Never calls back at once: from the constructor, that would be inside the caller. */
  #wait(left: number): void {
    if (left <= LEAD_MS) this.#immediate = setImmediate(this.#check);
    else this.#timeout = setTimeout(this.#check, Math.min(left - LEAD_MS, MAX_TIMER_MS));
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(callback, delayMs) {
    const t = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
    return { id: t };
  },
  setTimerAt(callback, wallMs) {
    return new WallTimer(callback, wallMs);
  },
  clearTimer(handle) {
    if (handle instanceof WallTimer) handle.clear();
    else clearTimeout(handle.id as NodeJS.Timeout);
  },
};
