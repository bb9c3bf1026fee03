// Node's setTimeout fires at once (with a warning) for delays past 2^31-1 ms
// (~24.8 days); a job timeout may be longer, so long delays are chained.

const MAX_DELAY = 2 ** 31 - 1;

/** Calls `fn` after `ms`; returns the cancel function. */
export function after(ms: number, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  let remaining = ms;
  const arm = () => {
    const step = Math.min(remaining, MAX_DELAY);
    remaining -= step;
    timer = setTimeout(remaining > 0 ? arm : fn, step);
  };
  arm();
  return () => clearTimeout(timer);
}
