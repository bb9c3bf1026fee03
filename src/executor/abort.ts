// Many attempts wait on one AbortSignal (the scheduler's shutdown signal is
// shared by every run). EventTarget listeners are slow to add and remove —
// removal scans the list — and each run adds one: so each signal gets one
// listener here, and the attempts waiting on it a Set entry. The same
// listener keeps whether the signal has aborted, which is cheaper to look up
// than the signal's own `aborted` getter on the path of every fire.

interface Watch {
  aborted: boolean;
  waiting: Set<() => void>;
}

const watches = new WeakMap<AbortSignal, Watch>();

function watch(signal: AbortSignal): Watch {
  let w = watches.get(signal);
  if (w === undefined) {
    const created: Watch = { aborted: signal.aborted, waiting: new Set() };
    w = created;
    watches.set(signal, created);
    if (!created.aborted) {
      signal.addEventListener(
        "abort",
        () => {
          created.aborted = true;
          const waiting = [...created.waiting];
          created.waiting.clear();
          for (const callback of waiting) callback();
        },
        { once: true },
      );
    }
  }
  return w;
}

/**
 * Whether `signal` has aborted, as `signal.aborted` says, except inside
 * another "abort" listener of the signal that runs before this module's own.
 */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal !== undefined && watch(signal).aborted;
}

/**
 * Calls `fn` once when `signal` aborts, as addEventListener("abort") would
 * (so never for a signal that has already aborted: callers check isAborted()
 * first). Returns a function that stops waiting.
 */
export function whenAborted(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (signal === undefined) return noop;
  const w = watch(signal);
  if (w.aborted) return noop;
  const entry = () => fn();
  w.waiting.add(entry);
  return () => {
    w.waiting.delete(entry);
  };
}

function noop(): void {}
