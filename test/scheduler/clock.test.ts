import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/scheduler/clock.js";

// Real time: these timers are the one place where the system clock is the point.
const setTimerAt = systemClock.setTimerAt as NonNullable<typeof systemClock.setTimerAt>;

function calledAt(wallMs: number): Promise<number> {
  return new Promise((resolve) => {
    setTimerAt(() => resolve(Date.now()), wallMs);
  });
}

describe("systemClock.setTimerAt", () => {
  it("calls back once the wall clock reaches the instant, never before, and soon after", async () => {
    for (const ahead of [3, 25, 40]) {
      const at = Date.now() + ahead;
      const when = await calledAt(at);
      expect(when).toBeGreaterThanOrEqual(at);
      expect(when - at).toBeLessThan(20);
    }
  });

  it("an instant already past: called back soon, but not inside the call that set it", async () => {
    let called = false;
    const done = new Promise<void>((resolve) => {
      setTimerAt(() => {
        called = true;
        resolve();
      }, Date.now() - 5);
    });
    expect(called).toBe(false);
    await done;
    expect(called).toBe(true);
  });

  it("a cleared timer never calls back, whether cleared in its timeout or in its last stretch", async () => {
    let calls = 0;
    const far = setTimerAt(() => calls++, Date.now() + 30);
    const near = setTimerAt(() => calls++, Date.now() + 1);
    systemClock.clearTimer(far);
    systemClock.clearTimer(near);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(0);
  });
});
