/**
 * The statement that writes a group's decided rows: its emissions (numbered
 * from the sequence counter, which it then holds to the commit), its results,
 * the task-state updates, and the notifications.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { ResultData } from '../../db/schema.ts';
import { EMISSIONS_CHANNEL, emissionPayload, idRanges, RESULTS_CHANNEL, RESULTS_FOLLOWED } from './notify.ts';

/** An emission to write; its seq is the counter's value before the statement plus `k`. */
export interface EmissionRow {
  k: number;
  msg_id: string;
  topic: string;
  /** The body as JSON text, written as it is (json, not jsonb: its key order is kept). */
  body: string;
  timestamp: number;
  outcome: string;
  prev_outcome: string | null;
  forced: boolean;
  result_id: number;
  task_state_id: number;
  testcase_id: number;
  item_id: number;
  arch: string;
}

/** A result to write, with the emission it made (`emission_k`) or duplicates (`dup_k` of this statement, `dup_seq` stored). */
export interface ResultRow {
  id: number;
  testcase_id: number;
  item_id: number | null;
  arch: string;
  outcome: string;
  note: string | null;
  ref_url: string | null;
  data: ResultData;
  groups: string[];
  /** null: the time of recording. */
  submitted_at: string | null;
  forced: boolean;
  task_state_id: number | null;
  state_version: number | null;
  emission_k: number | null;
  dup_k: number | null;
  dup_seq: number | null;
}

/** A task state's new values; `last_k` a new emission of this statement, `last_seq` a stored one. */
export interface StateRow {
  id: number;
  last_outcome: string | null;
  emitted_outcome: string | null;
  last_result_id: number | null;
  last_k: number | null;
  last_seq: number | null;
  /** Results and emissions to add to its counts. */
  results: number;
  emissions: number;
  state_version: number;
}

/**
 * Without emissions it leaves the counter alone (`base` is 0), and its rows
 * must not refer to a new emission. `tag`: see `emissionPayload`.
 */
export function writeGroup(
  emissionRows: readonly EmissionRow[],
  resultRows: readonly ResultRow[],
  stateRows: readonly StateRow[],
  now: Date,
  tag: string | undefined,
): SQL {
  const stateIds = `{${stateRows.map((s) => s.id).join(',')}}`;
  const emitted = emissionRows.length;
  // Only a transaction that emits touches the sequence row (and waits for it).
  const seqs =
    emitted > 0
      ? sql`UPDATE emission_sequence SET last_seq = last_seq + ${emitted}::int WHERE id = 1 RETURNING last_seq - ${emitted}::int AS base`
      : sql`SELECT 0::bigint AS base`;
  const notifyEmissions =
    emitted > 0 ? sql`pg_notify(${EMISSIONS_CHANNEL}, ${emissionPayload(sql`s.base + ${emitted}::int`, tag)})` : sql`NULL`;
  const nowIso = now.toISOString();
  return sql`WITH s AS (${seqs}),
        ins_e AS (
          INSERT INTO emissions (seq, msg_id, topic, body, timestamp, outcome, prev_outcome, forced,
                                 result_id, task_state_id, testcase_id, item_id, arch, created_at)
          SELECT s.base + e.k, e.msg_id, e.topic, e.body::json, e.timestamp, e.outcome, e.prev_outcome, e.forced,
                 e.result_id, e.task_state_id, e.testcase_id, e.item_id, e.arch, ${nowIso}::timestamptz
          FROM s, jsonb_to_recordset(${JSON.stringify(emissionRows)}::jsonb) AS e(
            k int, msg_id text, topic text, body text, timestamp bigint, outcome text, prev_outcome text,
            forced boolean, result_id bigint, task_state_id int, testcase_id int, item_id int, arch text)
        ),
        ins_r AS (
          INSERT INTO results (id, testcase_id, item_id, arch, outcome, note, ref_url, data, groups, submitted_at,
                               forced, task_state_id, state_version, emission_seq, duplicate_of_seq)
          SELECT r.id, r.testcase_id, r.item_id, r.arch, r.outcome, r.note, r.ref_url, r.data, r.groups,
                 COALESCE(r.submitted_at, ${nowIso}::timestamptz), r.forced, r.task_state_id, r.state_version,
                 s.base + r.emission_k, COALESCE(r.dup_seq, s.base + r.dup_k)
          FROM s, jsonb_to_recordset(${JSON.stringify(resultRows)}::jsonb) AS r(
            id bigint, testcase_id int, item_id int, arch text, outcome text, note text, ref_url text, data jsonb,
            groups text[], submitted_at timestamptz, forced boolean, task_state_id int, state_version int, emission_k int, dup_k int, dup_seq bigint)
        ),
        upd_t AS (
          UPDATE task_states t SET
            last_outcome = u.last_outcome,
            emitted_outcome = u.emitted_outcome,
            last_result_id = u.last_result_id,
            last_emission_seq = COALESCE(u.last_seq, s.base + u.last_k),
            result_count = t.result_count + u.results,
            emission_count = t.emission_count + u.emissions,
            state_version = u.state_version,
            updated_at = ${nowIso}::timestamptz
          FROM s, jsonb_to_recordset(${JSON.stringify(stateRows)}::jsonb) AS u(
            id int, last_outcome text, emitted_outcome text, last_result_id bigint, last_k int, last_seq bigint,
            results int, emissions int, state_version int)
          -- The id list lets the planner reach the rows through the primary key:
          -- it cannot see how many rows jsonb_to_recordset yields (it assumes
          -- 100) and would otherwise hash-join over a scan of all task states.
          WHERE t.id = u.id AND t.id = ANY(${stateIds}::int[])
        ),
        notify_r AS (
          SELECT count(pg_notify(${RESULTS_CHANNEL}, p)) AS n
          FROM jsonb_array_elements_text(${JSON.stringify(idRanges(resultRows.map((r) => r.id)))}::jsonb) AS p
          WHERE ${RESULTS_FOLLOWED}
        )
        -- The writing CTEs run to completion whether or not anything reads
        -- them; notify_r is a plain SELECT and runs only when read.
        SELECT s.base, ${notifyEmissions} AS notified, (SELECT n FROM notify_r) AS nr
        FROM s`;
}
