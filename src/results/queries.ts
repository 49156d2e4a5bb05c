/**
 * Reads of results, testcases and the filters they share with emissions.
 * Every filter maps onto an index (see `src/db/schema.ts`).
 */
import { and, arrayContains, count, desc, eq, gte, inArray, like, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Executor } from '../db/client.ts';
import { items, results, testcases } from '../db/schema.ts';
import { packageOf } from '../items/package.ts';
import { archOut, type ResultView } from './views.ts';

/**
 * Name patterns, as the filters take them: each an exact name, or a prefix
 * when it ends with `*` (`dist.*`); a name matches when it matches any of
 * them. An empty list, like no list, filters nothing out (as `outcome: []`).
 */
export type NamePatterns = readonly string[];

/** Filters shared by results and emissions. Every field is optional; all given ones must match. */
export interface CommonFilter {
  testcase?: NamePatterns | null | undefined;
  /** Item names (a build NVR, an update alias, a compose id). */
  item?: NamePatterns | null | undefined;
  /** Packages of the items (src/items/package.ts). */
  package?: NamePatterns | null | undefined;
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

/** Whether a list of patterns is given and filters: an empty one does not. */
export function given(patterns: NamePatterns | null | undefined): patterns is NamePatterns {
  return patterns != null && patterns.length > 0;
}

/**
 * `column` matches one of `patterns`: the exact names in one `IN` (one index
 * probe each), each prefix a `LIKE 'x%'` (one index range each, on a
 * text_pattern_ops index).
 */
export function namesMatch(column: AnyPgColumn, patterns: NamePatterns): SQL {
  const exact = [...new Set(patterns.filter((p) => !p.endsWith('*')))];
  const parts = [...new Set(patterns.filter((p) => p.endsWith('*')))].map((p) => nameMatch(column, p));
  if (exact.length === 1 && exact[0] !== undefined) parts.unshift(eq(column, exact[0]));
  else if (exact.length > 1) parts.unshift(inArray(column, exact));
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : (or(...parts) ?? sql`false`);
}

/** `namesMatch` on a value in memory; a null value (no item, no package) matches no pattern. */
export function matchesNames(value: string | null, patterns: NamePatterns): boolean {
  if (value === null) return false;
  return patterns.some((p) => (p.endsWith('*') ? value.startsWith(p.slice(0, -1)) : value === p));
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
  if (given(filter.testcase)) {
    out.push(inArray(table.testcaseId, sqlSelectIds(testcases, namesMatch(testcases.name, filter.testcase))));
  }
  if (given(filter.item) || given(filter.package) || filter.type != null) {
    const conds: SQL[] = [];
    if (given(filter.item)) conds.push(namesMatch(items.name, filter.item));
    if (given(filter.package)) conds.push(namesMatch(items.package, filter.package));
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
  if (given(filter.testcase) && !matchesNames(row.testcase, filter.testcase)) return false;
  if (given(filter.item) && !matchesNames(row.item, filter.item)) return false;
  if (given(filter.package) && !matchesNames(packageOf(row.type, row.item), filter.package)) return false;
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

function resultConditions(query: Omit<ResultPageQuery, 'limit' | 'beforeId'>): SQL[] {
  const conds = commonConditions(results, query.filter, results.submittedAt);
  if (query.filter?.group != null) conds.push(arrayContains(results.groups, [query.filter.group]));
  if (query.itemId !== undefined) conds.push(eq(results.itemId, query.itemId));
  return conds;
}

/** Results, newest first. */
export async function listResults(executor: Executor, query: ResultPageQuery): Promise<ResultView[]> {
  const conds = resultConditions(query);
  if (query.beforeId !== undefined) conds.push(lt(results.id, query.beforeId));
  const rows = await selectResults(executor)
    .where(and(...conds))
    .orderBy(desc(results.id))
    .limit(query.limit);
  return rows.map(toView);
}

/** How many results match (every page of `listResults` together). */
export async function countResults(executor: Executor, query: Omit<ResultPageQuery, 'limit' | 'beforeId'>): Promise<number> {
  const rows = await executor
    .select({ n: count() })
    .from(results)
    .where(and(...resultConditions(query)));
  return rows[0]?.n ?? 0;
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

/** How many testcases `listTestcases` would list over all its pages. */
export async function countTestcases(executor: Executor, query: { name?: string | null | undefined }): Promise<number> {
  const rows = await executor
    .select({ n: count() })
    .from(testcases)
    .where(query.name == null ? undefined : nameMatch(testcases.name, query.name));
  return rows[0]?.n ?? 0;
}

export async function testcaseByName(executor: Executor, name: string): Promise<TestcaseView | undefined> {
  const rows = await executor.select().from(testcases).where(eq(testcases.name, name)).limit(1);
  return rows[0];
}

export async function testcasesByIds(executor: Executor, ids: readonly number[]): Promise<TestcaseView[]> {
  if (ids.length === 0) return [];
  return executor.select().from(testcases).where(inArray(testcases.id, [...ids]));
}
