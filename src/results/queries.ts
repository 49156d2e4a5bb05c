/**
 * Reads of results, testcases and the filters they share with emissions.
 * Every filter maps onto an index (see `src/db/schema.ts`).
 */
import { and, arrayContains, desc, eq, gte, inArray, like, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';
import { items, results, testcases } from '../db/schema.ts';
import { archOut, type ResultView } from './views.ts';

/** Filters shared by results and emissions. Every field is optional; all given ones must match. */
export interface CommonFilter {
  /** Exact name, or a prefix when it ends with `*` (`dist.*`). */
  testcase?: string | null | undefined;
  item?: string | null | undefined;
  type?: string | null | undefined;
  arch?: string | null | undefined;
  outcome?: readonly string[] | null | undefined;
  since?: Date | null | undefined;
  until?: Date | null | undefined;
  group?: string | null | undefined;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `name = x`, or `name LIKE 'x%'` for `x*`. */
export function nameMatch(column: AnyPgColumn, pattern: string): SQL {
  if (pattern.endsWith('*')) return like(column, `${escapeLike(pattern.slice(0, -1))}%`);
  return eq(column, pattern);
}

/**
 * The conditions of a filter over a table with `testcase_id`, `item_id`,
 * `arch` and `outcome` columns. Testcases and items are matched through
 * subqueries on their small, indexed tables.
 */
export function commonConditions(
  table: { testcaseId: AnyPgColumn; itemId: AnyPgColumn; arch: AnyPgColumn; outcome: AnyPgColumn },
  filter: CommonFilter | null | undefined,
  time: AnyPgColumn,
): SQL[] {
  const out: SQL[] = [];
  if (!filter) return out;
  if (filter.testcase != null) {
    out.push(inArray(table.testcaseId, sqlSelectIds(testcases, nameMatch(testcases.name, filter.testcase))));
  }
  if (filter.item != null || filter.type != null) {
    const conds: SQL[] = [];
    if (filter.item != null) conds.push(eq(items.name, filter.item));
    if (filter.type != null) conds.push(eq(items.type, filter.type));
    out.push(inArray(table.itemId, sqlSelectIds(items, and(...conds) ?? sql`true`)));
  }
  if (filter.arch != null) out.push(eq(table.arch, filter.arch));
  if (filter.outcome != null && filter.outcome.length > 0) out.push(inArray(table.outcome, [...filter.outcome]));
  if (filter.since != null) out.push(gte(time, filter.since));
  if (filter.until != null) out.push(lte(time, filter.until));
  return out;
}

/**
 * `commonConditions` evaluated on a row in memory, for the live streams that
 * filter what they hand out; `group` is left to the caller (an emission does
 * not carry its result's groups).
 */
export function matchesCommon(
  filter: CommonFilter | null | undefined,
  row: { testcase: string; item: string | null; type: string | null; arch: string | null; outcome: string },
  time: Date,
): boolean {
  if (!filter) return true;
  if (filter.testcase != null) {
    const ok = filter.testcase.endsWith('*') ? row.testcase.startsWith(filter.testcase.slice(0, -1)) : row.testcase === filter.testcase;
    if (!ok) return false;
  }
  if (filter.item != null && row.item !== filter.item) return false;
  if (filter.type != null && row.type !== filter.type) return false;
  // The column holds '' for no arch, as the condition compares.
  if (filter.arch != null && (row.arch ?? '') !== filter.arch) return false;
  if (filter.outcome != null && filter.outcome.length > 0 && !filter.outcome.includes(row.outcome)) return false;
  if (filter.since != null && time < filter.since) return false;
  if (filter.until != null && time > filter.until) return false;
  return true;
}

function sqlSelectIds(table: typeof testcases | typeof items, where: SQL): SQL {
  return sql`(SELECT ${table.id} FROM ${table} WHERE ${where})`;
}

const resultColumns = {
  id: results.id,
  testcaseId: results.testcaseId,
  testcase: testcases.name,
  itemId: results.itemId,
  item: items.name,
  type: items.type,
  arch: results.arch,
  outcome: results.outcome,
  note: results.note,
  refUrl: results.refUrl,
  data: results.data,
  groups: results.groups,
  submittedAt: results.submittedAt,
  forced: results.forced,
  taskStateId: results.taskStateId,
  stateVersion: results.stateVersion,
  emissionSeq: results.emissionSeq,
  duplicateOfSeq: results.duplicateOfSeq,
};

type ResultSelect = { [K in keyof typeof resultColumns]: unknown } & { arch: string };

function toView(row: ResultSelect): ResultView {
  return { ...(row as unknown as ResultView), arch: archOut(row.arch) };
}

function selectResults(executor: Executor) {
  return executor
    .select(resultColumns)
    .from(results)
    .innerJoin(testcases, eq(testcases.id, results.testcaseId))
    // A result with no subject has no item.
    .leftJoin(items, eq(items.id, results.itemId));
}

export async function resultsByIds(executor: Executor, ids: readonly number[]): Promise<ResultView[]> {
  if (ids.length === 0) return [];
  const rows = await selectResults(executor).where(inArray(results.id, [...ids]));
  return rows.map(toView);
}

export interface ResultPageQuery {
  filter?: CommonFilter | null | undefined;
  /** Only results of this item. */
  itemId?: number | undefined;
  /** Keyset cursor: only results with a smaller id (newest first). */
  beforeId?: number | undefined;
  limit: number;
}

/** Results, newest first. */
export async function listResults(executor: Executor, query: ResultPageQuery): Promise<ResultView[]> {
  const conds = commonConditions(results, query.filter, results.submittedAt);
  if (query.filter?.group != null) conds.push(arrayContains(results.groups, [query.filter.group]));
  if (query.itemId !== undefined) conds.push(eq(results.itemId, query.itemId));
  if (query.beforeId !== undefined) conds.push(lt(results.id, query.beforeId));
  const rows = await selectResults(executor)
    .where(and(...conds))
    .orderBy(desc(results.id))
    .limit(query.limit);
  return rows.map(toView);
}

export interface TestcaseView {
  id: number;
  name: string;
  createdAt: Date;
}

export async function listTestcases(
  executor: Executor,
  query: { name?: string | null | undefined; afterName?: string | undefined; limit: number },
): Promise<TestcaseView[]> {
  const conds: SQL[] = [];
  if (query.name != null) conds.push(nameMatch(testcases.name, query.name));
  if (query.afterName !== undefined) conds.push(sql`${testcases.name} > ${query.afterName}`);
  return executor
    .select()
    .from(testcases)
    .where(and(...conds))
    .orderBy(testcases.name)
    .limit(query.limit);
}

export async function testcasesByIds(executor: Executor, ids: readonly number[]): Promise<TestcaseView[]> {
  if (ids.length === 0) return [];
  return executor.select().from(testcases).where(inArray(testcases.id, [...ids]));
}
