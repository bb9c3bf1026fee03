/**
 * The latest object of each short-lived class on the path of a fire, kept
 * alive.
 *
 * V8 holds the hidden classes that an object's fields lead to only weakly.
 * When every object of such a class made in the last second is gone by the
 * next full GC, those hidden classes are collected, and with them the
 * optimised code of every function that handled such objects (reason "weak
 * objects" in `node --trace-deopt`). That code is compiled again over the
 * next seconds, which were the slowest passes of a scheduler firing a
 * thousand jobs a second. One live object of each class keeps its hidden
 * classes, for one store per object made.
 */
export const latest: Record<"activeRun" | "functionCall" | "pending", object | null> = {
  activeRun: null,
  functionCall: null,
  pending: null,
};
