/**
 * A testcase's results counted per UTC day and outcome, for the testcase
 * page's chart: one GROUP BY in the database over one range of
 * `results_testcase_time_idx` (testcase_id, submitted_at, outcome), which
 * holds every column the statement reads, so the table itself is not read.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../db/client.ts';
import { results } from '../db/schema.ts';
import { badInput } from '../errors.ts';

/** Results of one outcome on one day. */
export interface OutcomeDayCount {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  outcome: string;
  count: number;
}

/** Days a chart covers when `since` is not given, `until`'s day included. */
export const DEFAULT_DAYS = 30;
/** The longest span one call counts over. */
export const MAX_DAYS = 366;

const DAY_MS = 86_400_000;

export interface DayWindow {
  since: Date;
  until: Date;
}

/**
 * The window to count over: `until` defaults to now, `since` to the start of
 * the UTC day `DEFAULT_DAYS - 1` days before `until`'s. Both are inclusive, as
 * in the `since`/`until` filters.
 */
export function dayWindow(since: Date | null | undefined, until: Date | null | undefined, now: Date = new Date()): DayWindow {
  const end = until ?? now;
  const start = since ?? new Date(Math.floor(end.getTime() / DAY_MS) * DAY_MS - (DEFAULT_DAYS - 1) * DAY_MS);
  if (start > end) throw badInput('since', `must be at or before until (${end.toISOString()}); got ${start.toISOString()}`);
  if (end.getTime() - start.getTime() > MAX_DAYS * DAY_MS) {
    throw badInput('since', `since and until may be at most ${MAX_DAYS} days apart; got ${start.toISOString()} to ${end.toISOString()}`);
  }
  return { since: start, until: end };
}

/** The statement (exported so that a test can EXPLAIN it). */
export function outcomesByDayQuery(testcaseId: number, window: DayWindow): SQL {
  const day = sql`to_char(date_trunc('day', ${results.submittedAt} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`;
  return sql`SELECT ${day} AS day, ${results.outcome} AS outcome, count(*)::int AS count
             FROM ${results}
             WHERE ${results.testcaseId} = ${testcaseId}
               AND ${results.submittedAt} >= ${window.since.toISOString()}::timestamptz
               AND ${results.submittedAt} <= ${window.until.toISOString()}::timestamptz
             GROUP BY 1, 2
             ORDER BY 1, 2`;
}

/** Per day (oldest first) and outcome (by name): how many results; days and outcomes with none are left out. */
export async function outcomesByDay(executor: Executor, testcaseId: number, window: DayWindow): Promise<OutcomeDayCount[]> {
  const rows = await queryRows<{ day: string; outcome: string; count: number | string }>(executor, outcomesByDayQuery(testcaseId, window));
  return rows.map((r) => ({ day: r.day, outcome: r.outcome, count: Number(r.count) }));
}
