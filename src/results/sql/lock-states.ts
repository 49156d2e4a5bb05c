/**
 * The statements that lock a group's task-state rows, in one global order,
 * and take the group's result ids once every row is locked (so a key's
 * results get ids in the order its lock was taken).
 *
 * The order is the keys' (testcase id, item id, variant), the variant
 * compared as JavaScript compares strings; every transaction that locks task
 * states takes them in it, so groups never deadlock with each other (nor, on
 * PostgreSQL, with the groups of another process).
 */
import { type SQL, sql } from 'drizzle-orm';

/** A key to lock (and to create when it has no task state yet). */
export interface KeyToLock {
  testcase_id: number;
  item_id: number;
  arch: string;
  variant: string;
}

/** A locked task-state row, the first one carrying the group's result ids. */
export interface LockedRow {
  id: number;
  testcase_id: number;
  item_id: number;
  variant: string;
  emitted_outcome: string | null;
  last_emission_seq: number | string | null;
  state_version: number;
  result_ids: Array<number | string> | null;
}

/** Sorts keys into the lock order. */
export function lockOrder<K extends Pick<KeyToLock, 'testcase_id' | 'item_id' | 'variant'>>(keys: K[]): K[] {
  return keys.sort(
    (a, b) => a.testcase_id - b.testcase_id || a.item_id - b.item_id || (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0),
  );
}

/**
 * What the rule reads of a locked state (every group's result then sets its
 * last outcome and result, and the counts are added to in the write).
 */
const columns = (alias: string): SQL =>
  sql.raw(['id', 'testcase_id', 'item_id', 'variant', 'emitted_outcome', 'last_emission_seq', 'state_version'].map((c) => `${alias}${c}`).join(', '));

/** Result ids, `count` of them, once `locked` has run to its end. */
function withIds(locked: SQL, count: number): SQL {
  return sql`WITH locked AS (${locked}),
          ids AS (
            -- Only once every row is locked (counting them runs the lock to its end).
            SELECT json_agg(nextval('results_id_seq')) AS result_ids
            FROM generate_series(1, ${count}::int)
            WHERE (SELECT count(*) FROM locked) > 0
          )
          -- The ids once, not on every row: a group of 500 would otherwise
          -- carry (and parse) 500 copies of the 500 ids.
          SELECT l.*, CASE WHEN row_number() OVER () = 1 THEN ids.result_ids END AS result_ids FROM locked l, ids`;
}

/**
 * Locks the task states of `keys` (in lock order), creating those that do
 * not exist: an upsert, which locks an existing row as it meets it.
 */
export function lockOrCreateStates(keys: readonly KeyToLock[], results: number): SQL {
  const ordered = keys.map((k, ord) => ({ ...k, ord }));
  return withIds(
    sql`INSERT INTO task_states (testcase_id, item_id, arch, variant)
        SELECT k.testcase_id, k.item_id, k.arch, k.variant
        FROM jsonb_to_recordset(${JSON.stringify(ordered)}::jsonb) AS k(testcase_id int, item_id int, arch text, variant text, ord int)
        ORDER BY k.ord
        ON CONFLICT (testcase_id, item_id, variant) DO UPDATE SET updated_at = task_states.updated_at
        RETURNING ${columns('')}`,
    results,
  );
}

/**
 * Locks task states known to exist, by id (given in lock order): a plain
 * `FOR UPDATE`, which writes no new row version as the upsert does.
 */
export function lockStates(ids: readonly number[], results: number): SQL {
  return withIds(
    sql`SELECT ${columns('t.')}
        FROM unnest(${`{${ids.join(',')}}`}::int[]) WITH ORDINALITY AS k(id, ord)
        JOIN task_states t ON t.id = k.id
        ORDER BY k.ord
        FOR UPDATE OF t`,
    results,
  );
}

/** Only results with no subject: no task state to lock, only their ids to take. */
export function takeResultIds(results: number): SQL {
  return sql`SELECT json_agg(nextval('results_id_seq')) AS result_ids FROM generate_series(1, ${results}::int)`;
}
