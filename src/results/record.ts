/**
 * The recording rule (design.md, "The rule"): store every result, keep one
 * task-state row per (testcase, item type, item, variant), and emit only when
 * that key has never emitted, when the outcome differs from the one last
 * emitted, or when the result is forced.
 *
 * Concurrency. A call is one transaction. Its task-state rows are locked
 * before the decision is made (by an upsert, `INSERT .. ON CONFLICT DO
 * UPDATE`, which always locks the row; or, for one result, by `SELECT .. FOR
 * UPDATE` once the row is known to exist), so two results for one key are decided one after the
 * other and each sees what the other emitted; results for different keys lock
 * different rows and never wait for each other. A batch locks its keys in one
 * sorted order, and every transaction takes its locks class by class
 * (testcases, items, task states, sequence), so batches cannot deadlock.
 *
 * The gap-free sequence. Emission numbers come from the one-row
 * `emission_sequence` table, incremented in the transaction's last statement;
 * the row lock it takes is held until commit. Hence:
 * - a rolled-back transaction also rolls back its increment: no hole;
 * - the next emitting transaction can only read the counter after the
 *   previous one committed (or rolled back), so seq order is commit order and
 *   a reader that has seen seq N has already been able to see every seq < N.
 * Only transactions that emit touch the counter, and they hold it for one
 * statement plus the commit; duplicates never take it.
 */
import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { badInput } from '../errors.ts';
import { type Executor, type Pipeline, pipelineOf, queryRows } from '../db/client.ts';
import type { EmissionBody } from '../db/schema.ts';
import { ensureGroups, KnownGroups } from './groups.ts';
import { DEFAULT_KEY_RULES, type KeyRules, type RecordResultInput, type ValidResultInput, validateResultInput } from './validate.ts';
import { archOut, type EmissionView, type ResultView } from './views.ts';

/**
 * NOTIFY channel carrying the highest committed seq of a transaction: `<seq>`,
 * or `<seq>:<tag>` when the recording process hands its emissions to its own
 * streams (see `RecorderOptions.notifyTag`).
 */
export const EMISSIONS_CHANNEL = 'resultsbus_emissions';
/** NOTIFY channel carrying the ids of recorded results, as ranges `a-b,c`. */
export const RESULTS_CHANNEL = 'resultsbus_results';

/**
 * True while some process follows `resultRecorded` (holds a current lease in
 * `result_listeners`; see `LiveFeed`). Result notifications are sent only
 * then: a transaction that sends a NOTIFY takes a cluster-wide lock at commit
 * and holds it through its WAL flush, which would otherwise serialise the
 * commits of every result.
 */
const RESULTS_FOLLOWED = sql`EXISTS (SELECT 1 FROM result_listeners WHERE expires_at > now())`;

export interface RecorderOptions {
  /** Outcome names accepted. */
  outcomes: readonly string[];
  /** fedmsg topic of every emission, e.g. `org.fedoraproject.dev.taskotron.result.new`. */
  topic: string;
  /** Largest accepted batch. */
  maxBatch: number;
  /**
   * How a result's key is made: the data keys of its variant
   * (RESULTSBUS_VARIANT_KEYS) and the rules that derive its subject from its
   * data (RESULTSBUS_SUBJECTS).
   * @default DEFAULT_KEY_RULES: arch, scenario, system_architecture, system_variant; item={type}, productmd.compose.id=compose, nvr={type}|koji_build
   */
  keyRules?: KeyRules;
  /**
   * Called with the emissions of a call once they are committed, in seq
   * order (not for a call inside a caller's transaction). The live feed
   * hands them to this process's streams.
   */
  onCommitted?: (emissions: readonly EmissionView[]) => void;
  /**
   * Called with every result of a call once it is committed, emitted or not
   * (not for a call inside a caller's transaction); the metrics count them.
   * @default undefined
   */
  onRecorded?: (recorded: readonly RecordedResult[]) => void;
  /**
   * Added to the emission notification of every call that ends with
   * `onCommitted` (`<seq>:<tag>`), so that the process's own feed can tell
   * its own notifications, which it needs not wait for, from those of other
   * processes. @default undefined (plain `<seq>`)
   */
  notifyTag?: string;
}

/** The payload of an emission notification: the seq, and the tag of the process that committed it. */
function emissionPayload(seq: SQL, tag: string | undefined): SQL {
  return tag === undefined ? sql`(${seq})::text` : sql`(${seq})::text || ${`:${tag}`}::text`;
}

export interface RecordedResult {
  result: ResultView;
  /** The emission this result produced, when it produced one. */
  emission: EmissionView | null;
}

interface LockedState {
  id: number;
  key: string;
  emittedOutcome: string | null;
  /** An emission seq already in the table, or a new one: `base + k`. */
  lastEmission: EmissionRef | null;
  stateVersion: number;
  results: number;
  emissions: number;
  lastOutcome: string | null;
  lastResultId: number | null;
}

type EmissionRef = { kind: 'stored'; seq: number } | { kind: 'new'; k: number };

/** Runs the statements of one recording transaction. */
interface Statements {
  rows<T>(query: SQL): Promise<T[]>;
  /** The transaction's last statement (the pipelined runner commits with it). */
  last<T>(query: SQL): Promise<T[]>;
}

/**
 * Testcase, item and task-state ids never change once created and rows are
 * never deleted, so they can be kept in memory. Only ids known to be
 * committed go in. Past `max` entries it starts afresh: a miss costs a little
 * more work, never a wrong answer.
 */
class IdCache {
  private readonly map = new Map<string, number>();
  constructor(private readonly max = 200_000) {}
  get(key: string): number | undefined {
    return this.map.get(key);
  }
  set(key: string, id: number): void {
    if (this.map.get(key) === id) return;
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, id);
  }
}

const keyOf = (testcaseId: number, itemId: number, variant: string): string => `${testcaseId}\u0000${itemId}\u0000${variant}`;
const itemKey = (type: string, name: string): string => `${type}\u0000${name}`;

/** `2015-05-14 23:14:56 UTC`, as Taskotron wrote submit_time. */
export function submitTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** When a result was submitted: the time it gives (ResultsDB's `submit_time`), or now. */
function submittedAtOf(input: ValidResultInput, now: Date): Date {
  return input.submittedAt === null ? now : new Date(input.submittedAt);
}

/** A result with a subject: it has a task state and may emit. */
type Keyed = ValidResultInput & { item: string; type: string };

const isKeyed = (input: ValidResultInput): input is Keyed => input.item !== null && input.type !== null;

/** Where a result sits: its ids and its place in its key's history (none without a subject). */
interface Placed {
  id: number;
  testcaseId: number;
  itemId: number | null;
  taskStateId: number | null;
  stateVersion: number | null;
}

/** Where a result with a subject sits. */
interface KeyedPlaced extends Placed {
  itemId: number;
  taskStateId: number;
  stateVersion: number;
}

/** The key's fields, as results show them. */
function keyFields(input: ValidResultInput, at: Placed): Pick<ResultView, 'testcaseId' | 'testcase' | 'itemId' | 'item' | 'type' | 'arch'> {
  return { testcaseId: at.testcaseId, testcase: input.testcase, itemId: at.itemId, item: input.item, type: input.type, arch: archOut(input.arch) };
}

/** What the API answers of a result just recorded (without its emission links). */
function resultViewOf(input: ValidResultInput, at: Placed, now: Date): Omit<ResultView, 'emissionSeq' | 'duplicateOfSeq'> {
  return {
    id: at.id,
    ...keyFields(input, at),
    outcome: input.outcome,
    note: input.note,
    refUrl: input.refUrl,
    data: input.data,
    groups: input.groups,
    submittedAt: submittedAtOf(input, now),
    forced: input.force,
    taskStateId: at.taskStateId,
    stateVersion: at.stateVersion,
  };
}

/** The emission a result produced, as the API answers it; its body is Taskotron's (spec/fedmsg.md). */
function emissionViewOf(
  input: Keyed,
  at: KeyedPlaced,
  now: Date,
  fields: { msgId: string; topic: string; prevOutcome: string | null; forced: boolean },
): Omit<EmissionView, 'seq'> {
  const body: EmissionBody = {
    task: { name: input.testcase, item: input.item, type: input.type, arch: archOut(input.arch) },
    result: {
      id: at.id,
      submit_time: submitTime(submittedAtOf(input, now)),
      prev_outcome: fields.prevOutcome,
      outcome: input.outcome,
      log_url: input.refUrl,
      forced: fields.forced,
    },
  };
  return {
    msgId: fields.msgId,
    topic: fields.topic,
    timestamp: Math.floor(now.getTime() / 1000),
    body,
    outcome: input.outcome,
    prevOutcome: fields.prevOutcome,
    forced: fields.forced,
    resultId: at.id,
    taskStateId: at.taskStateId,
    testcaseId: at.testcaseId,
    testcase: input.testcase,
    itemId: at.itemId,
    item: input.item,
    type: input.type,
    arch: archOut(input.arch),
    createdAt: now,
    publishedAt: null,
  };
}

const newMsgId = (now: Date): string => `${now.getUTCFullYear()}-${randomUUID()}`;

/** Compresses sorted ids to `a-b,c` ranges for a NOTIFY payload (at most 8000 bytes). */
function idRanges(ids: number[]): string[] {
  const sorted = [...ids].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let prev = start;
  const flush = (): void => {
    if (start !== undefined && prev !== undefined) parts.push(start === prev ? `${start}` : `${start}-${prev}`);
  };
  for (const id of sorted.slice(1)) {
    if (prev !== undefined && id === prev + 1) {
      prev = id;
      continue;
    }
    flush();
    start = id;
    prev = id;
  }
  flush();
  const payloads: string[] = [];
  let current = '';
  for (const part of parts) {
    if (current.length + part.length + 1 > 7000) {
      payloads.push(current);
      current = '';
    }
    current = current === '' ? part : `${current},${part}`;
  }
  if (current !== '') payloads.push(current);
  return payloads;
}

export class Recorder {
  private readonly ids = new IdCache();
  /** Keys known to have a task state, by `keyOf`: the task state's id. */
  private readonly states = new IdCache(250_000);
  /** Group names known to have their row (src/results/groups.ts). */
  private readonly groups = new KnownGroups();

  constructor(readonly options: RecorderOptions) {}

  /**
   * Records a batch, all or nothing, in input order. On a database it runs its
   * own transaction; on a transaction it runs inside it (as a savepoint).
   *
   * @param field name used in error paths: `input` for one result, `inputs` for a batch
   */
  async record(executor: Executor, inputs: readonly RecordResultInput[], field = 'inputs'): Promise<RecordedResult[]> {
    if (inputs.length === 0) return [];
    if (inputs.length > this.options.maxBatch) {
      throw badInput(field, `has ${inputs.length} results; at most ${this.options.maxBatch} are allowed per call`);
    }
    const valid = inputs.map((input, i) =>
      validateResultInput(
        inputs.length === 1 && field === 'input' ? field : `${field}[${i}]`,
        input,
        this.options.outcomes,
        this.options.keyRules ?? DEFAULT_KEY_RULES,
      ),
    );
    // Before the result's own transaction: a row for a new group is no part
    // of the rule, and inserting it there would hold the new row's lock
    // until that commit.
    const topLevel = !(executor instanceof PgTransaction);
    await ensureGroups(executor, valid.flatMap((v) => v.groups), this.groups, topLevel);
    const created: Array<[string, number]> = [];
    // On PostgreSQL a top-level call pipelines its transaction (BEGIN with the
    // first statement, COMMIT with the last: one round trip for a result
    // whose ids are cached); otherwise, and inside a transaction, drizzle's.
    const pipeline = topLevel ? pipelineOf(executor) : undefined;
    const first = valid.length === 1 ? valid[0] : undefined;
    const single = first !== undefined && isKeyed(first) ? first : undefined;
    // Only a call whose emissions reach onCommitted may say whose they are.
    const tag = topLevel && this.options.onCommitted !== undefined ? this.options.notifyTag : undefined;
    let recorded: RecordedResult[] | undefined;
    if (topLevel && single !== undefined) {
      const one = await this.recordSingle(executor, pipeline, single, tag);
      if (one !== null) recorded = [one];
    }
    recorded ??= pipeline
      ? await pipeline.transaction((tx) => this.apply({ rows: tx.rows, last: tx.rowsAndCommit }, valid, created, tag))
      : await executor.transaction((tx) => {
          const rows = <T>(query: SQL): Promise<T[]> => queryRows<T>(tx, query);
          return this.apply({ rows, last: rows }, valid, created, tag);
        });
    // Ids this call created, and its emissions, are safe to hand on only once they are committed.
    if (topLevel) {
      for (const [key, id] of created) this.ids.set(key, id);
      recorded.forEach(({ result }, i) => {
        const input = valid[i];
        if (input !== undefined && result.itemId !== null && result.taskStateId !== null) {
          this.states.set(keyOf(result.testcaseId, result.itemId, input.variant), result.taskStateId);
        }
      });
      const emitted = recorded.flatMap((r) => (r.emission === null ? [] : [r.emission])).sort((a, b) => a.seq - b.seq);
      if (emitted.length > 0) this.options.onCommitted?.(emitted);
      this.options.onRecorded?.(recorded);
    }
    return recorded;
  }

  /**
   * One result of a top-level call, in one statement when its testcase and
   * item ids are cached (see `recordInOneStatement`); null, having written
   * nothing, when they are not, and `apply` does it all.
   */
  private async recordSingle(
    executor: Executor,
    pipeline: Pipeline | undefined,
    input: Keyed,
    tag: string | undefined,
  ): Promise<RecordedResult | null> {
    const testcaseId = this.ids.get(`t\u0000${input.testcase}`);
    const itemId = this.ids.get(`i\u0000${itemKey(input.type, input.item)}`);
    if (testcaseId === undefined || itemId === undefined) return null;
    if (this.states.get(keyOf(testcaseId, itemId, input.variant)) !== undefined) {
      // Its own transaction: one round trip.
      return this.recordInOneStatement((query) => (pipeline ? pipeline.statement(query) : queryRows(executor, query)), input, tag, testcaseId, itemId);
    }
    // A key this process has not seen: create its task state unless it
    // exists, then the same statement, in one transaction sent in one go.
    // Whichever of the two the key needed, the statement finds the row (its
    // own insert, or one another transaction committed, waited for by the
    // INSERT). Task state, then counter: the usual lock order.
    const create = sql`INSERT INTO task_states (testcase_id, item_id, arch, variant)
                       VALUES (${testcaseId}::int, ${itemId}::int, ${input.arch}::text, ${input.variant}::text)
                       ON CONFLICT (testcase_id, item_id, variant) DO NOTHING`;
    const afterCreate = <T>(query: SQL): Promise<T[]> =>
      pipeline
        ? pipeline.transaction(async (tx) => {
            const made = tx.rows(create);
            made.catch(() => {});
            const rows = tx.rowsAndCommit<T>(query);
            rows.catch(() => {});
            await made;
            return rows;
          })
        : executor.transaction(async (tx) => {
            await queryRows(tx, create);
            return queryRows<T>(tx, query);
          });
    return this.recordInOneStatement(afterCreate, input, tag, testcaseId, itemId);
  }

  /**
   * One result whose testcase and item ids are cached: the common case, in
   * one statement (one round trip). `SELECT .. FOR UPDATE` locks the task-state row and, in
   * READ COMMITTED, returns its latest committed version even when a
   * concurrent transaction changed it after this statement's snapshot was
   * taken; the decision is made from that row only, and the UPDATEs of the
   * row and of the sequence counter act on latest versions too. So one
   * statement gives what the two statements of `apply` give. Nothing else is
   * read: another table's rows would be seen as of the snapshot.
   *
   * `statement` runs it: alone, for a key this process knows has a task
   * state; or after an INSERT of the task state that does nothing when the
   * row exists, in one transaction, for a key it has not seen (see
   * `recordSingle`). Returns null, having written nothing, when the key has no task
   * state in this statement's snapshot (only possible without that INSERT);
   * `apply` then does it all.
   */
  private async recordInOneStatement(
    statement: <T>(query: SQL) => Promise<T[]>,
    input: Keyed,
    tag: string | undefined,
    testcaseId: number,
    itemId: number,
  ): Promise<RecordedResult | null> {
    const now = new Date();
    const nowIso = now.toISOString();
    const msgId = newMsgId(now);
    const timestamp = Math.floor(now.getTime() / 1000);
    const rows = await statement<{
      id: number;
      result_id: number | string;
      seq: number | string | null;
      prev_outcome: string | null;
      last_emission_seq: number | string | null;
      state_version: number;
      forced: boolean;
    }>(
      sql`WITH cur AS MATERIALIZED (
            SELECT id, emitted_outcome, last_emission_seq, state_version, result_count, emission_count
            FROM task_states
            WHERE testcase_id = ${testcaseId}::int AND item_id = ${itemId}::int AND variant = ${input.variant}::text
            FOR UPDATE
          ), d AS MATERIALIZED (
            SELECT cur.*, nextval('results_id_seq') AS result_id,
                   cur.last_emission_seq IS NULL OR cur.emitted_outcome IS DISTINCT FROM ${input.outcome}::text OR ${input.force}::boolean AS emit,
                   cur.last_emission_seq IS NOT NULL AND cur.emitted_outcome IS NOT DISTINCT FROM ${input.outcome}::text AS forced
            FROM cur
          ), s AS (
            -- Only an emitting statement touches the counter (and waits for it).
            UPDATE emission_sequence SET last_seq = last_seq + 1
            WHERE id = 1 AND (SELECT emit FROM d)
            RETURNING last_seq AS seq
          ), x AS MATERIALIZED (
            SELECT d.*, s.seq, CASE WHEN d.last_emission_seq IS NULL THEN NULL ELSE d.emitted_outcome END AS prev_outcome
            FROM d LEFT JOIN s ON true
          ), ins_e AS (
            INSERT INTO emissions (seq, msg_id, topic, body, timestamp, outcome, prev_outcome, forced,
                                   result_id, task_state_id, testcase_id, item_id, arch, created_at)
            SELECT x.seq, ${msgId}::text, ${this.options.topic}::text,
                   json_build_object(
                     'task', json_build_object('name', ${input.testcase}::text, 'item', ${input.item}::text,
                                               'type', ${input.type}::text, 'arch', NULLIF(${input.arch}::text, '')),
                     'result', json_build_object('id', x.result_id, 'submit_time', ${submitTime(submittedAtOf(input, now))}::text,
                                                 'prev_outcome', x.prev_outcome, 'outcome', ${input.outcome}::text,
                                                 'log_url', ${input.refUrl}::text, 'forced', x.forced)),
                   ${timestamp}::bigint, ${input.outcome}::text, x.prev_outcome, x.forced,
                   x.result_id, x.id, ${testcaseId}::int, ${itemId}::int, ${input.arch}::text, ${nowIso}::timestamptz
            FROM x WHERE x.seq IS NOT NULL
          ), ins_r AS (
            INSERT INTO results (id, testcase_id, item_id, arch, outcome, note, ref_url, data, groups, submitted_at,
                                 forced, task_state_id, state_version, emission_seq, duplicate_of_seq)
            SELECT x.result_id, ${testcaseId}::int, ${itemId}::int, ${input.arch}::text, ${input.outcome}::text,
                   ${input.note}::text, ${input.refUrl}::text, ${JSON.stringify(input.data)}::jsonb,
                   ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(input.groups)}::jsonb)),
                   ${input.submittedAt ?? nowIso}::timestamptz, ${input.force}::boolean, x.id, x.state_version + 1,
                   x.seq, CASE WHEN x.seq IS NULL THEN x.last_emission_seq END
            FROM x
          ), upd AS (
            UPDATE task_states t SET
              last_outcome = ${input.outcome}::text,
              emitted_outcome = CASE WHEN x.emit THEN ${input.outcome}::text ELSE x.emitted_outcome END,
              last_result_id = x.result_id,
              last_emission_seq = COALESCE(x.seq, x.last_emission_seq),
              result_count = x.result_count + 1,
              emission_count = x.emission_count + CASE WHEN x.emit THEN 1 ELSE 0 END,
              state_version = x.state_version + 1,
              updated_at = ${nowIso}::timestamptz
            FROM x WHERE t.id = x.id
          )
          SELECT x.id, x.result_id, x.seq, x.prev_outcome, x.last_emission_seq, x.state_version + 1 AS state_version, x.forced,
                 CASE WHEN x.seq IS NULL THEN NULL ELSE pg_notify(${EMISSIONS_CHANNEL}, ${emissionPayload(sql`x.seq`, tag)}) END AS notified,
                 CASE WHEN ${RESULTS_FOLLOWED} THEN pg_notify(${RESULTS_CHANNEL}, x.result_id::text) END AS notified_result
          FROM x`,
    );
    const row = rows[0];
    if (row === undefined) return null;
    const seq = row.seq === null ? null : Number(row.seq);
    const at: KeyedPlaced = { id: Number(row.result_id), testcaseId, itemId, taskStateId: row.id, stateVersion: row.state_version };
    const result: ResultView = {
      ...resultViewOf(input, at, now),
      emissionSeq: seq,
      duplicateOfSeq: seq === null && row.last_emission_seq !== null ? Number(row.last_emission_seq) : null,
    };
    if (seq === null) return { result, emission: null };
    const fields = { msgId, topic: this.options.topic, prevOutcome: row.prev_outcome, forced: row.forced };
    return { result, emission: { ...emissionViewOf(input, at, now, fields), seq } };
  }

  private async resolveTestcases(tx: Statements, names: string[], created: Array<[string, number]>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let missing: string[] = [];
    for (const name of names) {
      const id = this.ids.get(`t\u0000${name}`);
      if (id === undefined) missing.push(name);
      else out.set(name, id);
    }
    if (missing.length === 0) return out;
    missing.sort();
    const lookup = async (): Promise<void> => {
      const rows = await tx.rows<{ id: number; name: string }>(
        sql`SELECT id, name FROM testcases WHERE name IN (SELECT jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb))`,
      );
      for (const row of rows) {
        out.set(row.name, row.id);
        this.ids.set(`t\u0000${row.name}`, row.id);
      }
      missing = missing.filter((n) => !out.has(n));
    };
    await lookup();
    if (missing.length === 0) return out;
    const inserted = await tx.rows<{ id: number; name: string }>(
      sql`INSERT INTO testcases (name) SELECT n FROM jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb) AS n ORDER BY n ON CONFLICT (name) DO NOTHING RETURNING id, name`,
    );
    for (const row of inserted) {
      out.set(row.name, row.id);
      created.push([`t\u0000${row.name}`, row.id]);
    }
    missing = missing.filter((n) => !out.has(n));
    // A concurrent transaction created the rest; it has committed by now
    // (ON CONFLICT waited for it), so a new statement sees its rows.
    if (missing.length > 0) await lookup();
    return out;
  }

  private async resolveItems(
    tx: Statements,
    pairs: Array<{ type: string; name: string }>,
    created: Array<[string, number]>,
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let missing: Array<{ type: string; name: string }> = [];
    for (const p of pairs) {
      const id = this.ids.get(`i\u0000${itemKey(p.type, p.name)}`);
      if (id === undefined) missing.push(p);
      else out.set(itemKey(p.type, p.name), id);
    }
    if (missing.length === 0) return out;
    missing.sort((a, b) => (a.type === b.type ? (a.name < b.name ? -1 : 1) : a.type < b.type ? -1 : 1));
    const lookup = async (): Promise<void> => {
      const rows = await tx.rows<{ id: number; type: string; name: string }>(
        sql`SELECT i.id, i.type, i.name FROM items i
            JOIN jsonb_to_recordset(${JSON.stringify(missing)}::jsonb) AS m(type text, name text)
              ON i.type = m.type AND i.name = m.name`,
      );
      for (const row of rows) {
        out.set(itemKey(row.type, row.name), row.id);
        this.ids.set(`i\u0000${itemKey(row.type, row.name)}`, row.id);
      }
      missing = missing.filter((p) => !out.has(itemKey(p.type, p.name)));
    };
    await lookup();
    if (missing.length === 0) return out;
    const inserted = await tx.rows<{ id: number; type: string; name: string }>(
      sql`INSERT INTO items (type, name)
          SELECT m.type, m.name FROM jsonb_to_recordset(${JSON.stringify(missing)}::jsonb) AS m(type text, name text)
          ORDER BY m.type, m.name
          ON CONFLICT (type, name) DO NOTHING RETURNING id, type, name`,
    );
    for (const row of inserted) {
      out.set(itemKey(row.type, row.name), row.id);
      created.push([`i\u0000${itemKey(row.type, row.name)}`, row.id]);
    }
    missing = missing.filter((p) => !out.has(itemKey(p.type, p.name)));
    if (missing.length > 0) await lookup();
    return out;
  }

  private async apply(
    tx: Statements,
    inputs: ValidResultInput[],
    created: Array<[string, number]>,
    tag: string | undefined,
  ): Promise<RecordedResult[]> {
    const now = new Date();
    const testcaseIds = await this.resolveTestcases(tx, [...new Set(inputs.map((r) => r.testcase))], created);
    const uniqueItems = new Map(inputs.filter(isKeyed).map((r) => [itemKey(r.type, r.item), { type: r.type, name: r.item }]));
    const itemIds = await this.resolveItems(tx, [...uniqueItems.values()], created);

    // A result with no subject has no key: no task state to lock, nothing to emit.
    const placed = inputs.map((input) => {
      const testcaseId = testcaseIds.get(input.testcase);
      if (testcaseId === undefined) throw new Error('testcase id was not resolved');
      if (!isKeyed(input)) return { input, testcaseId, keyed: null };
      const itemId = itemIds.get(itemKey(input.type, input.item));
      if (itemId === undefined) throw new Error('item id was not resolved');
      return { input, testcaseId, keyed: { input, itemId, key: keyOf(testcaseId, itemId, input.variant) } };
    });
    const keyed = placed.flatMap((p) => (p.keyed === null ? [] : [{ ...p.keyed, testcaseId: p.testcaseId }]));

    // Lock every task-state row of the batch, in one sorted order, and take
    // the result ids in the same round trip.
    const keys = [...new Map(keyed.map((k) => [k.key, k])).values()]
      .map((k) => ({ testcase_id: k.testcaseId, item_id: k.itemId, arch: k.input.arch, variant: k.input.variant }))
      .sort(
        (a, b) =>
          a.testcase_id - b.testcase_id || a.item_id - b.item_id || (a.variant < b.variant ? -1 : a.variant > b.variant ? 1 : 0),
      )
      .map((k, ord) => ({ ...k, ord }));
    type LockedRow = {
      id: number;
      testcase_id: number;
      item_id: number;
      variant: string;
      emitted_outcome: string | null;
      last_outcome: string | null;
      last_result_id: number | string | null;
      last_emission_seq: number | string | null;
      state_version: number;
      result_count: number;
      emission_count: number;
      result_ids: Array<number | string> | null;
    };
    const lockedRows = keys.length === 0
      ? // Only results with no subject: no task state to lock, only their ids to take.
        await tx.rows<Pick<LockedRow, 'result_ids'>>(
          sql`SELECT json_agg(nextval('results_id_seq')) AS result_ids FROM generate_series(1, ${inputs.length}::int)`,
        ).then((rows) => rows.map((r) => ({ ...r, row: null })))
      : (await tx.rows<LockedRow>(
      sql`WITH keys AS (
            SELECT * FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS k(testcase_id int, item_id int, arch text, variant text, ord int)
          ), locked AS (
            INSERT INTO task_states (testcase_id, item_id, arch, variant)
            SELECT testcase_id, item_id, arch, variant FROM keys ORDER BY ord
            ON CONFLICT (testcase_id, item_id, variant) DO UPDATE SET updated_at = task_states.updated_at
            RETURNING id, testcase_id, item_id, variant, emitted_outcome, last_outcome, last_result_id,
                      last_emission_seq, state_version, result_count, emission_count
          ), ids AS (
            -- Only once every row is locked (counting them runs the upsert to
            -- its end): then a key's results get ids in the order the key's
            -- lock was taken, as on the one-statement path.
            SELECT json_agg(nextval('results_id_seq')) AS result_ids
            FROM generate_series(1, ${inputs.length}::int)
            WHERE (SELECT count(*) FROM locked) > 0
          )
          -- The ids once, not on every row: a batch of 500 would otherwise
          -- carry (and parse) 500 copies of the 500 ids.
          SELECT l.*, CASE WHEN row_number() OVER () = 1 THEN ids.result_ids END AS result_ids FROM locked l, ids`,
    )).map((row) => ({ result_ids: row.result_ids, row }));
    const states = new Map<string, LockedState>();
    for (const { row } of lockedRows) {
      if (row === null) continue;
      const key = keyOf(row.testcase_id, row.item_id, row.variant);
      states.set(key, {
        id: row.id,
        key,
        emittedOutcome: row.emitted_outcome,
        lastEmission: row.last_emission_seq === null ? null : { kind: 'stored', seq: Number(row.last_emission_seq) },
        stateVersion: row.state_version,
        results: 0,
        emissions: 0,
        lastOutcome: row.last_outcome,
        lastResultId: row.last_result_id === null ? null : Number(row.last_result_id),
      });
    }
    const resultIds = (lockedRows.find((row) => row.result_ids !== null)?.result_ids ?? []).map(Number).sort((a, b) => a - b);
    if (resultIds.length !== inputs.length) throw new Error('result ids were not allocated');

    // The rule, applied in input order over the locked states.
    const resultRows: Array<Record<string, unknown>> = [];
    const emissionRows: Array<Record<string, unknown>> = [];
    const decided: Array<{ view: Omit<ResultView, 'emissionSeq' | 'duplicateOfSeq'>; emit: number | null; dup: EmissionRef | null; emission: Omit<EmissionView, 'seq'> | null }> = [];
    placed.forEach(({ input: given, testcaseId, keyed: k }, i) => {
      const id = resultIds[i];
      if (id === undefined) throw new Error('result id was not allocated');
      if (k === null) {
        // No subject: stored, with no task state, emission or duplicate.
        resultRows.push({
          id,
          testcase_id: testcaseId,
          item_id: null,
          arch: given.arch,
          outcome: given.outcome,
          note: given.note,
          ref_url: given.refUrl,
          data: given.data,
          groups: given.groups,
          submitted_at: given.submittedAt,
          forced: given.force,
          task_state_id: null,
          state_version: null,
          emission_k: null,
          dup_k: null,
          dup_seq: null,
        });
        const at: Placed = { id, testcaseId, itemId: null, taskStateId: null, stateVersion: null };
        decided.push({ view: resultViewOf(given, at, now), emit: null, dup: null, emission: null });
        return;
      }
      const { input, itemId, key } = k;
      const state = states.get(key);
      if (state === undefined) throw new Error('task state was not locked');
      state.stateVersion += 1;
      state.results += 1;
      state.lastOutcome = input.outcome;
      state.lastResultId = id;
      let emitK: number | null = null;
      let dup: EmissionRef | null = null;
      let emission: Omit<EmissionView, 'seq'> | null = null;
      const at: KeyedPlaced = { id, testcaseId, itemId, taskStateId: state.id, stateVersion: state.stateVersion };
      const neverEmitted = state.lastEmission === null;
      const changed = !neverEmitted && input.outcome !== state.emittedOutcome;
      if (neverEmitted || changed || input.force) {
        const prevOutcome = neverEmitted ? null : state.emittedOutcome;
        emitK = emissionRows.length + 1;
        emission = emissionViewOf(input, at, now, {
          msgId: newMsgId(now),
          topic: this.options.topic,
          prevOutcome,
          forced: !neverEmitted && !changed,
        });
        emissionRows.push({
          k: emitK,
          msg_id: emission.msgId,
          topic: emission.topic,
          body: JSON.stringify(emission.body),
          timestamp: emission.timestamp,
          outcome: input.outcome,
          prev_outcome: prevOutcome,
          forced: emission.forced,
          result_id: id,
          task_state_id: state.id,
          testcase_id: testcaseId,
          item_id: itemId,
          arch: input.arch,
        });
        state.emittedOutcome = input.outcome;
        state.lastEmission = { kind: 'new', k: emitK };
        state.emissions += 1;
      } else {
        dup = state.lastEmission;
      }
      resultRows.push({
        id,
        testcase_id: testcaseId,
        item_id: itemId,
        arch: input.arch,
        outcome: input.outcome,
        note: input.note,
        ref_url: input.refUrl,
        data: input.data,
        groups: input.groups,
        submitted_at: input.submittedAt,
        forced: input.force,
        task_state_id: state.id,
        state_version: state.stateVersion,
        emission_k: emitK,
        dup_k: dup?.kind === 'new' ? dup.k : null,
        dup_seq: dup?.kind === 'stored' ? dup.seq : null,
      });
      decided.push({
        view: resultViewOf(input, at, now),
        emit: emitK,
        dup,
        emission,
      });
    });
    const stateRows = [...states.values()].map((s) => ({
      id: s.id,
      last_outcome: s.lastOutcome,
      emitted_outcome: s.emittedOutcome,
      last_result_id: s.lastResultId,
      last_k: s.lastEmission?.kind === 'new' ? s.lastEmission.k : null,
      last_seq: s.lastEmission?.kind === 'stored' ? s.lastEmission.seq : null,
      results: s.results,
      emissions: s.emissions,
      state_version: s.stateVersion,
    }));

    // The writes. Rows that need a new emission's seq (the emissions, the
    // results that produced them or duplicate them, the task states they
    // become the last emission of) go in the last statement, which takes the
    // sequence row's lock and holds it to the commit; everything else (in a
    // batch, mostly duplicates of stored emissions) goes in a statement before
    // it, sent in the same write, so that the counter is held only while the
    // last statement runs.
    const emitted = emissionRows.length;
    let rows: Array<{ base: number | string }>;
    if (emitted === 0) {
      rows = await tx.last(writeStatement(emissionRows, resultRows, stateRows, now, resultIds, tag));
    } else {
      const needsSeq = (r: Record<string, unknown>): boolean => r['emission_k'] !== null || r['dup_k'] !== null;
      const earlyResults = resultRows.filter((r) => !needsSeq(r));
      const earlyStates = stateRows.filter((r) => r.last_k === null);
      const early =
        earlyResults.length === 0 && earlyStates.length === 0
          ? undefined
          : tx.rows(writeStatement([], earlyResults, earlyStates, now, earlyResults.map((r) => Number(r['id'])), tag));
      early?.catch(() => {});
      const lateResults = resultRows.filter(needsSeq);
      const last = tx.last<{ base: number | string }>(
        writeStatement(emissionRows, lateResults, stateRows.filter((r) => r.last_k !== null), now, lateResults.map((r) => Number(r['id'])), tag),
      );
      last.catch(() => {});
      // The first failure is the one to report: after it the transaction is aborted and the rest fail too.
      if (early !== undefined) await early;
      rows = await last;
    }
    const base = Number(rows[0]?.base ?? 0);
    const seqOf = (ref: EmissionRef | null): number | null =>
      ref === null ? null : ref.kind === 'stored' ? ref.seq : base + ref.k;
    return decided.map((d) => ({
      result: {
        ...d.view,
        emissionSeq: d.emit === null ? null : base + d.emit,
        duplicateOfSeq: seqOf(d.dup),
      },
      emission: d.emission === null || d.emit === null ? null : { ...d.emission, seq: base + d.emit },
    }));
  }
}

interface StateRow {
  id: number;
  last_outcome: string | null;
  emitted_outcome: string | null;
  last_result_id: number | null;
  last_k: number | null;
  last_seq: number | null;
  results: number;
  emissions: number;
  state_version: number;
}

/**
 * The statement that writes decided rows: the emissions (numbered from the
 * sequence counter, which it then holds to the commit), the results and the
 * task-state updates, and the notifications. Without emissions it leaves the
 * counter alone (`base` is 0), and its rows must not refer to a new emission.
 */
function writeStatement(
  emissionRows: Array<Record<string, unknown>>,
  resultRows: Array<Record<string, unknown>>,
  stateRows: StateRow[],
  now: Date,
  resultIds: number[],
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
          FROM jsonb_array_elements_text(${JSON.stringify(idRanges(resultIds))}::jsonb) AS p
          WHERE ${RESULTS_FOLLOWED}
        )
        -- The writing CTEs run to completion whether or not anything reads
        -- them; notify_r is a plain SELECT and runs only when read.
        SELECT s.base, ${notifyEmissions} AS notified, (SELECT n FROM notify_r) AS nr
        FROM s`;
}
