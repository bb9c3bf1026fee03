import type { Clock, TimerHandle } from "./clock.js";

interface FakeTimer {
  id: number;
  dueMono: number;
  callback: () => void;
}

/**
 * A clock for tests: time moves only when the test says so.
 *
 * - `advance(ms)`: both clocks move, timers fire in order as their time comes.
 * - `jump(ms)`: the wall clock steps (NTP, manual change); timers do not fire.
 * - `suspend(ms)`: the machine sleeps: both clocks move, and timers that fell
 *   due fire only afterwards, all late (as after a laptop lid is opened).
 *
 * Each fired timer is followed by a flush of pending promise callbacks, so
 * that async work the timer started gets to run.
 */
export class FakeClock implements Clock {
  #wall: number;
  #mono = 0;
  #timers: FakeTimer[] = [];
  #nextId = 1;

  constructor(startMs: number) {
    this.#wall = startMs;
  }

  now(): number {
    return this.#wall;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.#nextId++, dueMono: this.#mono + Math.max(0, delayMs), callback };
    this.#timers.push(timer);
    return { id: timer.id };
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle.id);
  }

  /** Pending timers, for leak checks. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.#mono + ms;
    for (;;) {
      await flush();
      const next = this.#earliest();
      if (!next || next.dueMono > end) break;
      this.#wall += next.dueMono - this.#mono;
      this.#mono = next.dueMono;
      this.#fire(next);
    }
    this.#wall += end - this.#mono;
    this.#mono = end;
    await flush();
  }

  /** Advances to an absolute wall-clock instant. */
  async advanceTo(wallMs: number): Promise<void> {
    await this.advance(Math.max(0, wallMs - this.#wall));
  }

  async jump(ms: number): Promise<void> {
    this.#wall += ms;
    await flush();
  }

  async suspend(ms: number): Promise<void> {
    this.#wall += ms;
    this.#mono += ms;
    for (;;) {
      const next = this.#earliest();
      if (!next || next.dueMono > this.#mono) break;
      this.#fire(next);
      await flush();
    }
    await flush();
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers) if (!best || t.dueMono < best.dueMono) best = t;
    return best;
  }

  #fire(timer: FakeTimer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    timer.callback();
  }
}

/** Lets pending promise callbacks (and I/O already completed) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}
