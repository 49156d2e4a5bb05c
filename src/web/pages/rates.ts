/**
 * The testcase chart's figures: the failure rate per UTC day, from the
 * outcome counts per day the database makes (`Testcase.outcomesByDay`).
 */

/** Seconds in a day. */
const DAY = 86_400;

/** One count of `outcomesByDay`: `day` is `YYYY-MM-DD` (UTC). */
export interface OutcomeDayCount {
  day: string;
  outcome: string;
  count: number;
}

export interface DayRate {
  /** The day's start, seconds since the epoch (UTC midnight). */
  day: number;
  failed: number;
  /** Results that day; 0 on a day with none (no rate to draw). */
  total: number;
}

/** The UTC midnight of `now`, in seconds since the epoch. */
export function dayOf(now: number): number {
  return Math.floor(now / (DAY * 1000)) * DAY;
}

/**
 * One entry per UTC day of the `days` days that end with the day of `now`,
 * oldest first (the window `outcomesByDay` counts by default): how many
 * results, how many FAILED.
 */
export function failureRate(counts: readonly OutcomeDayCount[], now: number, days: number): DayRate[] {
  const last = dayOf(now);
  const out = Array.from({ length: days }, (_, i) => ({ day: last - (days - 1 - i) * DAY, failed: 0, total: 0 }));
  const first = out[0]?.day ?? last;
  for (const c of counts) {
    const rate = out[(Date.parse(`${c.day}T00:00:00Z`) / 1000 - first) / DAY];
    if (rate === undefined) continue;
    rate.total += c.count;
    if (c.outcome === 'FAILED') rate.failed += c.count;
  }
  return out;
}
