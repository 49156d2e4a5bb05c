/**
 * The testcase page's figures from a page of its results: the latest outcome
 * per build, and the failure rate per UTC day. The API branch of issue 13
 * adds outcome counts per day for a testcase; then `failureRate` takes those
 * instead of counting a page of results here.
 */

export interface RateResult {
  outcome: string;
  submittedAt: string;
  item?: string | null;
  type?: string | null;
  arch?: string | null;
  resultId: number;
}

export interface BuildOutcome {
  type: string;
  item: string;
  arch: string | null;
  outcome: string;
  resultId: number;
  submittedAt: string;
  results: number;
}

/** The latest result per (build, arch), newest first, from results given newest first. */
export function latestPerBuild(results: readonly RateResult[]): BuildOutcome[] {
  const seen = new Map<string, BuildOutcome>();
  for (const r of results) {
    if (r.item === null || r.item === undefined || r.type === null || r.type === undefined) continue;
    const key = `${r.type}\n${r.item}\n${r.arch ?? ''}`;
    const known = seen.get(key);
    if (known === undefined) {
      seen.set(key, { type: r.type, item: r.item, arch: r.arch ?? null, outcome: r.outcome, resultId: r.resultId, submittedAt: r.submittedAt, results: 1 });
    } else known.results += 1;
  }
  return [...seen.values()];
}

export interface DayRate {
  /** The day's start, seconds since the epoch (UTC midnight). */
  day: number;
  failed: number;
  total: number;
}

/** Per UTC day, oldest first: how many results, how many FAILED. */
export function failureRate(results: readonly RateResult[]): DayRate[] {
  const days = new Map<number, DayRate>();
  for (const r of results) {
    const day = Math.floor(Date.parse(r.submittedAt) / 86_400_000) * 86_400;
    const rate = days.get(day) ?? { day, failed: 0, total: 0 };
    rate.total += 1;
    if (r.outcome === 'FAILED') rate.failed += 1;
    days.set(day, rate);
  }
  return [...days.values()].sort((a, b) => a.day - b.day);
}
