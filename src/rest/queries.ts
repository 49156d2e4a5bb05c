/**
 * The reads and writes of ResultsDB's REST API that GraphQL has no use for:
 * results with its filters (comma lists are OR, several parameters AND,
 * `:like` patterns, data keys, `since` ranges, the latest result per
 * testcase and `_distinct_on` keys) in its order and pages, testcases with
 * their `ref_url`, and groups. Results themselves are written by the
 * recorder only (src/results/record.ts).
 *
 * A result's `item`, `type` and `arch` are its key's columns, not entries of
 * `data` (see `restData`): filters on them read the columns, through the
 * indexes the GraphQL filters use.
 */
import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { type CompiledQuery, type Executor, pipelineOf, queryRows } from '../db/client.ts';
import type { ResultData } from '../db/schema.ts';
import type { GroupSpec, TestcaseSpec } from './body.ts';
import { type DataFilter, likePattern, type Paging, type ResultsQuery } from './params.ts';
import type { RestGroupRow, RestResultRow, RestTestcaseRow } from './serialize.ts';

/** `OFFSET` of a page; past any table's end when huge (pydantic takes any integer as `page`). */
function offsetOf(paging: Paging): SQL {
  return sql`${Math.min(Math.max(paging.page, 0) * paging.limit, Number.MAX_SAFE_INTEGER)}::bigint`;
}

/** `values` in PostgreSQL's array syntax, every element quoted (values hold no NUL: checkQuery). */
function arrayLiteral(values: readonly string[]): string {
  let out = '';
  for (const v of values) out += `${out === '' ? '' : ','}"${v.replace(/[\\"]/g, '\\$&')}"`;
  return `{${out}}`;
}

/**
 * A text[] of `values` for `= ANY(...)` and `LIKE ANY(...)`: one parameter
 * in array syntax. (Not a jsonb list turned into an array by a subquery:
 * each of those is an InitPlan that the executor sets up on every run, and
 * Greenwave's statement had nine.)
 */
function textArray(values: readonly string[]): SQL {
  return sql`${arrayLiteral(values)}::text[]`;
}

const NO_ARCH_DATA = sql`(r.arch = '' AND r.data ? 'arch')`;

/**
 * A key as an SQL literal, not a parameter: `DISTINCT ON` must find the
 * same expressions, text for text, at the head of `ORDER BY`, and two
 * parameters are two expressions. Keys hold no NUL (checkQuery).
 */
function keyLiteral(key: string): SQL {
  return sql.raw(`'${key.replaceAll("'", "''")}'::text`);
}

/** `data[key]` as stored, as a jsonb list of strings (null when absent). */
function storedList(key: string): SQL {
  const k = keyLiteral(key);
  return sql`CASE jsonb_typeof(r.data -> ${k}) WHEN 'array' THEN r.data -> ${k} WHEN 'string' THEN jsonb_build_array(r.data -> ${k}) END`;
}

/** `data[key]` as a jsonb list of strings (null when absent), with the key's columns for item, type and arch. */
function dataList(key: string): SQL {
  const stored = storedList(key);
  if (key === 'item') return sql`CASE WHEN i.id IS NULL THEN ${stored} ELSE jsonb_build_array(i.name) END`;
  if (key === 'type') return sql`CASE WHEN i.id IS NULL THEN ${stored} ELSE jsonb_build_array(i.type) END`;
  if (key === 'arch') return sql`CASE WHEN r.arch <> '' THEN jsonb_build_array(r.arch) ELSE ${stored} END`;
  return stored;
}

/** A data filter's values as a text[]: its patterns turned into LIKE's when it is a `:like` filter. */
function filterValues(f: DataFilter): SQL {
  return textArray(f.like ? f.values.map(likePattern) : f.values);
}

/**
 * `data[key]` as stored holds one of the filter's values (or matches one of
 * its patterns). The key is a literal, so that an exact `item` can use
 * `results_subjectless_item_idx`, whose expression names it as one.
 */
function storedMatch(f: DataFilter, values: SQL): SQL {
  // `?|`: a string equal to one of them, or a list holding one.
  if (!f.like) return sql`(r.data -> ${keyLiteral(f.key)}) ?| ${values}`;
  return sql`EXISTS (SELECT 1 FROM jsonb_array_elements_text(${storedList(f.key)}) AS v(value) WHERE v.value LIKE ANY(${values}))`;
}

function dataCondition(f: DataFilter): SQL {
  const values = filterValues(f);
  if (f.key === 'item' || f.key === 'type') {
    // A result with a subject has its item and type in its item's row; one
    // with none (src/results/subject.ts) may still name either in `data`.
    const column = f.key === 'item' ? sql`name` : sql`type`;
    const match = f.like ? sql`${column} LIKE ANY(${values})` : sql`${column} = ANY(${values})`;
    return sql`(r.item_id IN (SELECT id FROM items WHERE ${match}) OR (r.item_id IS NULL AND ${storedMatch(f, values)}))`;
  }
  if (f.key === 'arch') {
    const column = f.like ? sql`r.arch <> '' AND r.arch LIKE ANY(${values})` : sql`r.arch <> '' AND r.arch = ANY(${values})`;
    return sql`(${column} OR (${NO_ARCH_DATA} AND ${storedMatch(f, values)}))`;
  }
  return storedMatch(f, values);
}

/** Whether a data filter is on the item's columns (`item`, `type`), which a task state's key holds. */
function onItem(f: DataFilter): boolean {
  return f.key === 'item' || f.key === 'type';
}

/**
 * ResultsDB's `select_results`: every filter of the query, ANDed. With
 * `keys: false`, the filters on testcase and item are left out (applied
 * by the caller on the items and testcases it starts from).
 */
function conditions(q: ResultsQuery, options: { outcomes: boolean; keys?: boolean }): SQL {
  const keys = options.keys ?? true;
  const out: SQL[] = [];
  if (q.since.start !== null) out.push(sql`r.submitted_at >= ${`${q.since.start}Z`}::timestamptz`);
  if (q.since.end !== null) out.push(sql`r.submitted_at <= ${`${q.since.end}Z`}::timestamptz`);
  if (options.outcomes && q.outcomes.length > 0) out.push(sql`r.outcome = ANY(${textArray(q.outcomes)})`);
  if (q.groups.length > 0) out.push(sql`r.groups && ${textArray(q.groups)}`);
  const testcases = testcaseMatch(q);
  if (keys && testcases !== undefined) out.push(sql`r.testcase_id IN (SELECT id FROM testcases WHERE ${testcases})`);
  for (const f of q.data) if (keys || !onItem(f)) out.push(dataCondition(f));
  return out.length === 0 ? sql`true` : sql.join(out, sql` AND `);
}

/** `testcases` and `testcases:like`, ORed, on a testcase's `name`; undefined when neither is given. */
function testcaseMatch(q: ResultsQuery, name = sql`name`): SQL | undefined {
  const names: SQL[] = [];
  if (q.testcases.length > 0) names.push(sql`${name} = ANY(${textArray(q.testcases)})`);
  if (q.testcasesLike.length > 0) names.push(sql`${name} LIKE ANY(${textArray(q.testcasesLike.map(likePattern))})`);
  return names.length === 0 ? undefined : sql.join(names, sql` OR `);
}

/**
 * The query's filters on items (and testcases) as conditions on `i` (and
 * `t`), when it names items, for `latestStatement`; undefined otherwise.
 */
function keyConditions(q: ResultsQuery): SQL | undefined {
  const itemFilters = q.data.filter(onItem);
  if (!itemFilters.some((f) => f.key === 'item')) return undefined;
  const out = itemFilters.map((f) => {
    const values = filterValues(f);
    const column = f.key === 'item' ? sql`i.name` : sql`i.type`;
    return f.like ? sql`${column} LIKE ANY(${values})` : sql`${column} = ANY(${values})`;
  });
  const testcases = testcaseMatch(q, sql`t.name`);
  if (testcases !== undefined) out.push(sql`(${testcases})`);
  return sql.join(out, sql` AND `);
}

const RESULT_COLUMNS = sql`r.id, r.outcome, r.note, r.ref_url, r.data::text AS data, to_json(r.groups)::text AS groups, r.arch,
  to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS submit_time,
  t.name AS testcase, t.ref_url AS testcase_ref_url, i.name AS item, i.type AS type`;
/** The columns `latestStatement`'s candidates carry, unformatted: of every candidate, only the winners are written out. */
const CANDIDATE_COLUMNS = sql`r.id, r.outcome, r.note, r.ref_url, r.data, r.groups, r.arch, r.submitted_at,
  t.name AS testcase, t.ref_url AS testcase_ref_url, i.name AS item, i.type AS type`;
/** `RESULT_COLUMNS` of the winners among the candidates (`latest`). */
const LATEST_COLUMNS = sql`latest.id, latest.outcome, latest.note, latest.ref_url, latest.data::text AS data, to_json(latest.groups)::text AS groups,
  latest.arch, to_char(latest.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS submit_time,
  latest.testcase, latest.testcase_ref_url, latest.item, latest.type`;
// A result with no subject has no item.
const RESULT_FROM = sql`results r JOIN testcases t ON t.id = r.testcase_id LEFT JOIN items i ON i.id = r.item_id`;

interface RawResult {
  id: number | string;
  outcome: string;
  note: string | null;
  ref_url: string | null;
  data: string;
  groups: string;
  arch: string;
  submit_time: string;
  testcase: string;
  testcase_ref_url: string | null;
  item: string | null;
  type: string | null;
}

function toRow(raw: RawResult): RestResultRow {
  return {
    id: Number(raw.id),
    testcase: raw.testcase,
    testcaseRefUrl: raw.testcase_ref_url,
    item: raw.item,
    type: raw.type,
    arch: raw.arch,
    outcome: raw.outcome,
    note: raw.note,
    refUrl: raw.ref_url,
    data: JSON.parse(raw.data) as ResultData,
    groups: JSON.parse(raw.groups) as string[],
    submitTime: raw.submit_time,
  };
}

export async function restResultById(executor: Executor, id: number): Promise<RestResultRow | undefined> {
  const query = sql`SELECT ${RESULT_COLUMNS} FROM ${RESULT_FROM} WHERE r.id = ${id}::bigint`;
  // Prepared where there is a pipeline (PostgreSQL): every POST reads its
  // result back, and parsing and planning this join each time (as drizzle's
  // unprepared statements are) cost PostgreSQL more CPU than recording the
  // result (bench phase 8).
  const pipeline = pipelineOf(executor);
  const rows = pipeline ? await pipeline.read<RawResult>(query) : await queryRows<RawResult>(executor, query);
  return rows[0] && toRow(rows[0]);
}

/**
 * The results of `ids` (any order; a missing id is left out). The AMQP
 * bridge reads the results of a run of emissions with it in one statement:
 * one read per emission kept the bridge at a few hundred messages a second
 * on PGlite.
 */
export async function restResultsByIds(executor: Executor, ids: readonly number[]): Promise<RestResultRow[]> {
  if (ids.length === 0) return [];
  const list = sql`ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(ids.map(String))}::jsonb)::bigint)`;
  const rows = await queryRows<RawResult>(executor, sql`SELECT ${RESULT_COLUMNS} FROM ${RESULT_FROM} WHERE r.id = ANY(${list})`);
  return rows.map(toRow);
}

/** One page (and one row more, to tell whether there is a next one), in ResultsDB's order. */
export async function restResults(executor: Executor, q: ResultsQuery): Promise<RestResultRow[]> {
  const order =
    q.sort === 'asc' ? sql`ORDER BY r.submitted_at ASC, r.id ASC` : q.sort === 'none' ? sql`` : sql`ORDER BY r.submitted_at DESC, r.id DESC`;
  const rows = await queryRows<RawResult>(
    executor,
    sql`SELECT ${RESULT_COLUMNS} FROM ${RESULT_FROM} WHERE ${conditions(q, { outcomes: true })}
        ${order} LIMIT ${q.limit + 1}::int OFFSET ${offsetOf(q)}`,
  );
  return rows.map(toRow);
}

/**
 * `/results/latest`: the newest result per testcase, and per value of each
 * `_distinct_on` key (a missing key is a value of its own), newest first.
 * As in ResultsDB, `outcome`, `page` and `limit` do not apply.
 *
 * @param variantKeys RESULTSBUS_VARIANT_KEYS: which `_distinct_on` keys every
 *   result of one task state agrees on
 */
export async function restLatest(executor: Executor, q: ResultsQuery, variantKeys: readonly string[]): Promise<RestResultRow[]> {
  const pipeline = pipelineOf(executor);
  // Greenwave's index lookup shares a connection with other reads; a query
  // that reads results by its filters may take long, and gets one of its own.
  const rows = !pipeline
    ? await queryRows<RawResult>(executor, latestStatement(q, variantKeys))
    : perStateLatest(q, variantKeys)
      ? await pipeline.read<RawResult>(compiledLatest(q, variantKeys), preparable)
      : await pipeline.statement<RawResult>(latestStatement(q, variantKeys), preparable);
  return rows.map(toRow);
}

/**
 * The text of Greenwave's statement, made once per shape (which filters,
 * data keys and `_distinct_on` keys a query has), with each request's
 * values put in its parameters. Building the statement with drizzle and
 * turning it into text took a fifth of the server's CPU per request (bench
 * phase 8, profiled). The text is made from a query of the same shape whose
 * values are markers; each parameter that renders a marker is then the
 * request's own value, rendered the same way.
 */
export function compiledLatest(q: ResultsQuery, variantKeys: readonly string[]): CompiledQuery {
  const keys = [...q.data.map((f) => f.key), ...q.distinctOn, ...variantKeys];
  if (keys.some((k) => k.includes(MARK))) return compileNow(q, variantKeys);
  const shape = JSON.stringify([
    q.since.start !== null,
    q.since.end !== null,
    q.groups.length > 0,
    q.testcases.length > 0,
    q.testcasesLike.length > 0,
    q.data.map((f) => [f.key, f.like]),
    q.distinctOn,
    variantKeys,
  ]);
  let made = latestTexts.get(shape);
  if (made === undefined) {
    const slot = (name: string): string => `${MARK}${name}${MARK}`;
    const probe: ResultsQuery = {
      ...q,
      since: { start: q.since.start === null ? null : slot('start'), end: q.since.end === null ? null : slot('end') },
      groups: q.groups.length > 0 ? [slot('groups')] : [],
      testcases: q.testcases.length > 0 ? [slot('testcases')] : [],
      testcasesLike: q.testcasesLike.length > 0 ? [slot('testcasesLike')] : [],
      data: q.data.map((f, i) => ({ ...f, values: [slot(`data${i}`)] })),
    };
    // How each marker renders as a parameter (see textArray and conditions), and the request's value in its place.
    const values = new Map<string, (x: ResultsQuery) => unknown>([
      [`${slot('start')}Z`, (x) => `${x.since.start}Z`],
      [`${slot('end')}Z`, (x) => `${x.since.end}Z`],
      [arrayLiteral([slot('groups')]), (x) => arrayLiteral(x.groups)],
      [arrayLiteral([slot('testcases')]), (x) => arrayLiteral(x.testcases)],
      [arrayLiteral([slot('testcasesLike')]), (x) => arrayLiteral(x.testcasesLike.map(likePattern))],
      ...q.data.map((f, i): [string, (x: ResultsQuery) => unknown] => [
        arrayLiteral([slot(`data${i}`)]),
        (x) => arrayLiteral(f.like ? (x.data[i]?.values ?? []).map(likePattern) : (x.data[i]?.values ?? [])),
      ]),
    ]);
    const { sql: text, params } = dialect.sqlToQuery(latestStatement(probe, variantKeys));
    const fill = params.map((p): ((x: ResultsQuery) => unknown) => {
      const value = typeof p === 'string' ? values.get(p) : undefined;
      if (value !== undefined) return value;
      if (typeof p === 'string' && p.includes(MARK)) throw new Error(`a marker of latestStatement rendered as an unforeseen parameter: ${JSON.stringify(p)}`);
      return () => p;
    });
    made = { text, fill };
    if (latestTexts.size < MAX_PREPARED_LATEST) latestTexts.set(shape, made);
  }
  return { text: made.text, params: made.fill.map((f) => f(q)) };
}

/** Marks a value's place in `compiledLatest`'s probe; no query key holds it (it would be compiled as it is). */
const MARK = '\u0001';
const latestTexts = new Map<string, { text: string; fill: Array<(q: ResultsQuery) => unknown> }>();
const dialect = new PgDialect();

export function compileNow(q: ResultsQuery, variantKeys: readonly string[]): CompiledQuery {
  const { sql: text, params } = dialect.sqlToQuery(latestStatement(q, variantKeys));
  return { text, params };
}

/**
 * How many texts of the `/results/latest` statement run prepared. Planning
 * Greenwave's query took as long as running it or longer (bench phase 8:
 * 2.5 ms and 2.5 ms on 1,000,000 results; 1.6 ms and 0.9 ms on 80,000,
 * where PostgreSQL's CPU per request went from 1.6 ms to 0.6 ms prepared),
 * and Greenwave, Bodhi and the reporters ask a few shapes of it over and
 * over. But its text follows the parameter
 * names and `_distinct_on` keys, which any client chooses, and every
 * prepared text stays in each pipeline connection: past this many, the rest
 * run unprepared.
 */
const MAX_PREPARED_LATEST = 64;
const preparedLatest = new Set<string>();

function preparable(text: string): boolean {
  if (preparedLatest.has(text)) return true;
  if (preparedLatest.size >= MAX_PREPARED_LATEST) return false;
  preparedLatest.add(text);
  return true;
}

/** Keys whose values every result of one task state shares: its item's, and the variant's. */
function sharedByState(key: string, variantKeys: readonly string[]): boolean {
  return key === 'item' || key === 'type' || variantKeys.includes(key);
}

/** Whether `latestStatement` answers from each task state's newest result (see there): the query names items, and keeps apart only keys a state shares. */
function perStateLatest(q: ResultsQuery, variantKeys: readonly string[]): boolean {
  return q.data.some((f) => f.key === 'item') && q.distinctOn.length > 0 && q.distinctOn.every((k) => sharedByState(k, variantKeys));
}

/**
 * The statement `restLatest` runs (exported so that the bench can show its
 * plan). ResultsDB's semantics: with `_distinct_on`, a result counts once per
 * combination of its values of those keys (ResultsDB joins one row per
 * stored value; a result whose `scenario` lists two values can be the
 * latest of both), and no key's value is a value of its own; without,
 * every result at a testcase's newest `submit_time` (ties included).
 *
 * Greenwave's query names items (`item=`) and keeps apart only keys that
 * are part of the task state's key (its `_distinct_on` are variant keys
 * by default), so every result of one state falls in the same groups, and
 * only each state's newest matching result can win one: the statement
 * starts from those items (`items_type_name_key`/`items_name_idx`), their
 * task states (`task_states_key`) and takes each state's newest result
 * (`results_task_state_idx`, on submit time: the newest is one index entry,
 * whatever the key's history). Results with no subject (no task state)
 * whose `data` names the item are added through
 * `results_subjectless_item_idx`. Other queries read results through the
 * filters' own indexes, as `/results` does.
 */
export function latestStatement(q: ResultsQuery, variantKeys: readonly string[]): SQL {
  const onKeys = keyConditions(q);
  const perState = onKeys !== undefined && perStateLatest(q, variantKeys);
  // Each candidate with its columns unformatted and, per `_distinct_on` key, its values as a jsonb list.
  const columns = sql.join([CANDIDATE_COLUMNS, ...q.distinctOn.map((key, n) => sql`${dataList(key)} AS ${sql.raw(`l${n}`)}`)], sql`, `);
  const testcases = testcaseMatch(q, sql`t.name`);
  // A result has no task state exactly when it has no item (src/results/record.ts), so its item and type are in `data` only.
  const candidates = perState
    ? sql`SELECT ${columns} FROM items i JOIN task_states ts ON ts.item_id = i.id JOIN testcases t ON t.id = ts.testcase_id
          CROSS JOIN LATERAL (
            SELECT * FROM results r WHERE r.task_state_id = ts.id AND ${conditions(q, { outcomes: false, keys: false })}
            ORDER BY r.submitted_at DESC, r.id DESC LIMIT 1
          ) r
          WHERE ${onKeys}
          UNION ALL
          SELECT ${columns} FROM ${RESULT_FROM}
          WHERE r.task_state_id IS NULL AND r.item_id IS NULL AND ${subjectlessKeys(q)}
            AND ${conditions(q, { outcomes: false, keys: false })}${testcases === undefined ? sql`` : sql` AND (${testcases})`}`
    : sql`SELECT ${columns} FROM ${RESULT_FROM} WHERE ${conditions(q, { outcomes: false })}`;
  if (q.distinctOn.length === 0) {
    return sql`SELECT ${LATEST_COLUMNS} FROM (
            SELECT c.*, rank() OVER (PARTITION BY c.testcase ORDER BY c.submitted_at DESC) AS newest FROM (${candidates}) c
          ) latest WHERE latest.newest = 1 ORDER BY latest.submitted_at DESC, latest.id DESC`;
  }
  const values = q.distinctOn.map((_, n) => ({
    join: sql.raw(`LEFT JOIN LATERAL jsonb_array_elements_text(c.l${n}) v${n}(value) ON true`),
    column: sql.raw(`v${n}.value`),
    name: sql.raw(`latest.k${n}`),
    alias: sql.raw(`k${n}`),
  }));
  const groups = [sql`c.testcase`, ...values.map((v) => v.column)];
  // ResultsDB sorts the groups' winners by submit_time with a stable sort, so
  // ties keep the DISTINCT ON order: testcase name, then the values.
  return sql`SELECT ${LATEST_COLUMNS} FROM (
          SELECT DISTINCT ON (${sql.join(groups, sql`, `)}) c.*, ${sql.join(values.map((v) => sql`${v.column} AS ${v.alias}`), sql`, `)}
          FROM (${candidates}) c ${sql.join(values.map((v) => v.join), sql` `)}
          ORDER BY ${sql.join(groups, sql`, `)}, c.submitted_at DESC, c.id DESC
        ) latest ORDER BY latest.submitted_at DESC, latest.testcase, ${sql.join(values.map((v) => v.name), sql`, `)}`;
}

/**
 * For results with no subject: the query's `item` and `type` filters on
 * `data` (an exact `item` through `results_subjectless_item_idx`).
 */
function subjectlessKeys(q: ResultsQuery): SQL {
  return sql.join(
    q.data.filter(onItem).map((f) => storedMatch(f, filterValues(f))),
    sql` AND `,
  );
}

/** Testcases by name, ResultsDB's way: exact names (OR), else `*` patterns (OR); ordered by name. */
export async function restTestcases(executor: Executor, query: { exact: string[]; like: string[]; paging: Paging }): Promise<RestTestcaseRow[]> {
  const where =
    query.exact.length > 0
      ? sql`name = ANY(${textArray(query.exact)})`
      : query.like.length > 0
        ? sql`name LIKE ANY(${textArray(query.like.map(likePattern))})`
        : sql`true`;
  const { limit } = query.paging;
  return queryRows<RestTestcaseRow>(
    executor,
    sql`SELECT name, ref_url AS "refUrl" FROM testcases WHERE ${where} ORDER BY name
        LIMIT ${limit + 1}::int OFFSET ${offsetOf(query.paging)}`,
  );
}

export async function restTestcase(executor: Executor, name: string): Promise<RestTestcaseRow | undefined> {
  const rows = await queryRows<RestTestcaseRow>(executor, sql`SELECT name, ref_url AS "refUrl" FROM testcases WHERE name = ${name}::text`);
  return rows[0];
}

/**
 * Creates the testcase if it is new, and sets its `ref_url` when one is
 * given (ResultsDB's `testcase.ref_url = tc.get("ref_url", testcase.ref_url)`).
 * The row is written only when that changes it: reporters send the same
 * ref_url with every result, and a write per result would queue them all on
 * the testcase's row.
 */
export async function saveTestcase(executor: Executor, spec: TestcaseSpec): Promise<RestTestcaseRow> {
  const given = spec.refUrl !== undefined;
  const rows = await queryRows<RestTestcaseRow>(
    executor,
    sql`WITH ins AS (
          INSERT INTO testcases (name, ref_url) VALUES (${spec.name}::text, ${spec.refUrl ?? null}::text)
          ON CONFLICT (name) DO UPDATE SET ref_url = excluded.ref_url
          WHERE ${given}::boolean AND testcases.ref_url IS DISTINCT FROM excluded.ref_url
          RETURNING name, ref_url
        )
        SELECT name, ref_url AS "refUrl" FROM ins
        UNION ALL
        SELECT name, ref_url AS "refUrl" FROM testcases WHERE name = ${spec.name}::text AND NOT EXISTS (SELECT 1 FROM ins)`,
  );
  // Empty only when a concurrent transaction made the row after this statement's snapshot; a new one sees it.
  const row = rows[0] ?? (await restTestcase(executor, spec.name));
  if (row === undefined) throw new Error('the testcase was not saved');
  return row;
}

const GROUP_COLUMNS = sql`g.uuid, g.description, g.ref_url AS "refUrl",
  (SELECT count(*) FROM results r WHERE r.groups @> ARRAY[g.uuid])::int AS "resultsCount"`;

/** Groups, newest first (every group a result names has its row, src/results/groups.ts). */
export async function restGroups(
  executor: Executor,
  query: { uuids: string[]; exact: string[]; like: string[]; paging: Paging },
): Promise<RestGroupRow[]> {
  const conds: SQL[] = [];
  if (query.exact.length > 0) conds.push(sql`g.description = ANY(${textArray(query.exact)})`);
  else if (query.like.length > 0) conds.push(sql`g.description LIKE ANY(${textArray(query.like.map(likePattern))})`);
  if (query.uuids.length > 0) conds.push(sql`g.uuid = ANY(${textArray(query.uuids)})`);
  const { limit } = query.paging;
  return queryRows<RestGroupRow>(
    executor,
    sql`SELECT ${GROUP_COLUMNS} FROM result_groups g WHERE ${conds.length === 0 ? sql`true` : sql.join(conds, sql` AND `)}
        ORDER BY g.id DESC LIMIT ${limit + 1}::int OFFSET ${offsetOf(query.paging)}`,
  );
}

/** A group by uuid. */
export async function restGroup(executor: Executor, uuid: string): Promise<RestGroupRow | undefined> {
  const rows = await queryRows<RestGroupRow>(executor, sql`SELECT ${GROUP_COLUMNS} FROM result_groups g WHERE g.uuid = ${uuid}::text`);
  return rows[0];
}

/**
 * Creates or updates groups; fields left `undefined` keep what the group
 * has. A row is written only when that changes it (most results name a
 * group by uuid alone).
 */
export async function saveGroups(executor: Executor, groups: readonly GroupSpec[]): Promise<void> {
  if (groups.length === 0) return;
  const rows = groups.map((g) => ({
    uuid: g.uuid,
    description: g.description ?? null,
    ref_url: g.refUrl ?? null,
    set_description: g.description !== undefined,
    set_ref_url: g.refUrl !== undefined,
  }));
  // One row per uuid (the last one wins, as ResultsDB applies them in turn), in one sorted order against deadlocks.
  const unique = [...new Map(rows.map((r) => [r.uuid, r])).values()].sort((a, b) => (a.uuid < b.uuid ? -1 : 1));
  await queryRows(
    executor,
    sql`WITH g AS (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(unique)}::jsonb)
            AS g(uuid text, description text, ref_url text, set_description boolean, set_ref_url boolean)
        )
        INSERT INTO result_groups (uuid, description, ref_url)
        SELECT uuid, description, ref_url FROM g ORDER BY uuid
        ON CONFLICT (uuid) DO UPDATE SET
          description = CASE WHEN (SELECT set_description FROM g WHERE g.uuid = excluded.uuid)
                        THEN excluded.description ELSE result_groups.description END,
          ref_url = CASE WHEN (SELECT set_ref_url FROM g WHERE g.uuid = excluded.uuid)
                    THEN excluded.ref_url ELSE result_groups.ref_url END
        WHERE EXISTS (
          SELECT 1 FROM g WHERE g.uuid = excluded.uuid
            AND ((g.set_description AND g.description IS DISTINCT FROM result_groups.description)
              OR (g.set_ref_url AND g.ref_url IS DISTINCT FROM result_groups.ref_url)))`,
  );
}
