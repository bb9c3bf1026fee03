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
 * Set this much early, the last stretch is slept out.
 */
const LEAD_MS = 1;
/** The last stretch is slept in naps of this length, checking Date.now() after each. */
const NAP_MS = 0.1;
/** At most this many naps in a row (3 ms), in case the wall clock is stepped meanwhile. */
const MAX_NAPS = 30;
const NAP = new Int32Array(new SharedArrayBuffer(4));

/**
 * A timer aimed at a wall-clock instant: a setTimeout to a little before
 * it, then naps of 0.1 ms (Atomics.wait: the thread sleeps and uses no CPU)
 * until Date.now() reaches it. A job due at a whole second then starts
 * within a fraction of a millisecond of it instead of up to 1–2 ms late.
 * The price: the event loop is held for at most about LEAD_MS per wake-up.
 * (Turning the event loop with setImmediate instead kept it free, but spent
 * a millisecond of CPU per wake-up polling.)
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
    let left = this.at - Date.now();
    for (let naps = 0; left > 0 && left <= LEAD_MS && naps < MAX_NAPS; naps++) {
      Atomics.wait(NAP, 0, 0, NAP_MS);
      left = this.at - Date.now();
    }
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

/**
 * Resolves at the first moment the wall clock reaches `wallMs` (as closely
 * as the clock can aim), or `stepMs` later by the monotonic clock, whichever
 * comes first: a wall clock stepped back while waiting (NTP, a manual
 * change) must not hold the caller up until it has made up the step; the
 * instant waited for has come by then, in real time.
 */
export function untilInstant(clock: Clock, wallMs: number, stepMs: number): Promise<void> {
  return new Promise((resolve) => {
    const delay = Math.max(0, wallMs - clock.now());
    const deadline = clock.monotonic() + delay + stepMs;
    if (clock.setTimerAt) {
      const done = () => {
        clock.clearTimer(precise);
        clock.clearTimer(fallback);
        resolve();
      };
      const precise = clock.setTimerAt(done, wallMs);
      const fallback = clock.setTimer(done, delay + stepMs);
      return;
    }
    // A plain timer can fire early: look at the wall clock, and wait again if so.
    const check = () => {
      const left = wallMs - clock.now();
      const beyond = deadline - clock.monotonic();
      if (left <= 0 || beyond <= 0) resolve();
      else clock.setTimer(check, Math.min(left, beyond));
    };
    clock.setTimer(check, delay);
  });
}
