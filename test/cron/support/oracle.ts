import { type GenCase, wallMatches } from "./gen.js";

// Vixie cron's DST rules, restated as a walk over instants: the engine's
// zone tables and its period-by-period search are not used here. Offsets
// come straight from Intl.

const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset (wall minus UTC, ms) at an instant, from Intl. */
export function intlOffset(zone: string, ms: number): number {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(ms)) p[part.type] = Number(part.value);
  const wall = Date.UTC(
    p.year as number,
    (p.month as number) - 1,
    p.day as number,
    p.hour as number,
    p.minute as number,
    p.second as number,
  );
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

const BLOCK = 15 * 60_000;

/**
 * A memo of offsets per 15-minute block: Intl is asked at each block edge,
 * and for every step only inside a block whose edges differ (a change).
 */
function offsetReader(zone: string, stepMs: number) {
  const edges = new Map<number, number>();
  const edge = (b: number) => {
    let o = edges.get(b);
    if (o === undefined) {
      o = intlOffset(zone, b);
      edges.set(b, o);
    }
    return o;
  };
  return (ms: number) => {
    const b = Math.floor(ms / BLOCK) * BLOCK;
    const o = edge(b);
    if (stepMs >= BLOCK || edge(b + BLOCK) === o) return o;
    return intlOffset(zone, ms);
  };
}

/**
 * The instants in (fromMs, toMs] at which the expression fires in `zone`,
 * by walking instants `stepMs` apart (60 s for 5-field expressions, 1 s with
 * seconds) and watching the wall clock:
 * - a forward jump (spring-forward gap): a wildcard job fires if the new wall
 *   time matches; a fixed-time job fires once if the new wall time or any
 *   skipped one matches;
 * - a wall time not later than one already seen (fall-back overlap): only
 *   wildcard jobs fire;
 * - otherwise a job fires when the wall time matches.
 */
export function oracleFirings(
  c: GenCase,
  zone: string,
  fromMs: number,
  toMs: number,
  stepMs: number,
  domAndDow = false,
): number[] {
  const offset = offsetReader(zone, stepMs);
  const matches = (wall: number) => wallMatches(c, wall, domAndDow);
  // Start a day early so that an overlap in progress at fromMs is known.
  let i = Math.floor((fromMs - 86_400_000) / stepMs) * stepMs;
  let maxWall = i + offset(i);
  const out: number[] = [];
  for (i += stepMs; i <= toMs; i += stepMs) {
    const w = i + offset(i);
    let fire: boolean;
    if (w > maxWall + stepMs) {
      fire = matches(w);
      if (!c.wildcard)
        for (let x = maxWall + stepMs; x < w && !fire; x += stepMs) fire = matches(x);
    } else if (w <= maxWall) {
      fire = c.wildcard && matches(w);
    } else {
      fire = matches(w);
    }
    if (w > maxWall) maxWall = w;
    if (fire && i > fromMs) out.push(i);
  }
  return out;
}

/** The instants at which the zone's offset changes in [fromMs, toMs), found with Intl. */
export function intlTransitions(zone: string, fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  const day = 86_400_000;
  let prev = intlOffset(zone, fromMs);
  for (let t = fromMs + day; t < toMs + day; t += day) {
    const o = intlOffset(zone, t);
    if (o !== prev) {
      let lo = t - day;
      let hi = t;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (intlOffset(zone, mid) === prev) lo = mid;
        else hi = mid;
      }
      if (hi < toMs) out.push(hi);
      prev = o;
    }
  }
  return out;
}
