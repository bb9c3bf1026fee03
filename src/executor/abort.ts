// Many attempts wait on one AbortSignal (the scheduler's shutdown signal is
// shared by every run). EventTarget listeners are slow to add and remove —
// removal scans the list — and each run adds one: so each signal gets one
// listener here, and the attempts waiting on it a Set entry.

const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `fn` once when `signal` aborts, as addEventListener("abort") would
 * (so never for a signal that has already aborted: callers check `aborted`
 * first). Returns a function that stops waiting.
 */
export function whenAborted(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal || signal.aborted) return noop;
  let set = waiting.get(signal);
  if (!set) {
    const callbacks = new Set<() => void>();
    set = callbacks;
    waiting.set(signal, callbacks);
    signal.addEventListener(
      "abort",
      () => {
        waiting.delete(signal);
        for (const callback of callbacks) callback();
      },
      { once: true },
    );
  }
  const entry = () => fn();
  set.add(entry);
  const callbacks = set;
  return () => {
    callbacks.delete(entry);
  };
}

function noop(): void {}
