// Cron expressions for the scheduler scenarios.

const DAY_MS = 86_400_000;

/**
 * `count` distinct five-field expressions ("m h d M *") of which none fires
 * today or tomorrow (UTC): the day of month skips today's and tomorrow's, so
 * a scenario that registers them sees no job fire while it measures, and
 * none is due in the next hour. Minutes vary fastest, then hours, days, months.
 */
export function distinctSchedules(count, now = Date.now()) {
  const skip = new Set([new Date(now).getUTCDate(), new Date(now + DAY_MS).getUTCDate()]);
  const days = [];
  for (let d = 1; d <= 28; d++) if (!skip.has(d)) days.push(d);
  const max = 60 * 24 * days.length * 12;
  if (count > max) throw new Error(`distinctSchedules: at most ${max} distinct expressions`);
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const minute = i % 60;
    const hour = Math.floor(i / 60) % 24;
    const day = days[Math.floor(i / 1440) % days.length];
    const month = 1 + (Math.floor(i / (1440 * days.length)) % 12);
    out[i] = `${minute} ${hour} ${day} ${month} *`;
  }
  return out;
}

/** Job ids as the scenarios name them: "job-0", "job-1", … */
export function jobIds(count) {
  return Array.from({ length: count }, (_, i) => `job-${i}`);
}
