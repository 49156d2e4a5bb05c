/** Reads of items (builds, updates, composes) and their task states. */
import { and, asc, eq, exists, gt, inArray, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { items, type ItemRow, taskStates, testcases } from '../db/schema.ts';
import { nameMatch } from '../results/queries.ts';
import { variantValues, type VariantValue } from '../results/variant.ts';
import { archOut } from '../results/views.ts';

export type ItemView = ItemRow;

export interface TaskStateView {
  id: number;
  testcaseId: number;
  testcase: string;
  itemId: number;
  arch: string | null;
  /** The variant's values (arch, scenario, ...), by key; none when the key has no variant. */
  variant: VariantValue[];
  lastOutcome: string | null;
  emittedOutcome: string | null;
  lastResultId: number | null;
  lastEmissionSeq: number | null;
  resultCount: number;
  emissionCount: number;
  stateVersion: number;
  updatedAt: Date;
}

export interface ItemFilter {
  type?: string | null | undefined;
  /** Exact name, or a prefix when it ends with `*`. */
  name?: string | null | undefined;
  /** Items with a task state for this testcase (exact, or prefix with `*`). */
  testcase?: string | null | undefined;
  /** Items with a task state whose last outcome is one of these. */
  outcome?: readonly string[] | null | undefined;
  arch?: string | null | undefined;
}

export async function itemByKey(executor: Executor, type: string, name: string): Promise<ItemView | undefined> {
  const rows = await executor
    .select()
    .from(items)
    .where(and(eq(items.type, type), eq(items.name, name)))
    .limit(1);
  return rows[0];
}

export async function itemsByIds(executor: Executor, ids: readonly number[]): Promise<ItemView[]> {
  if (ids.length === 0) return [];
  return executor.select().from(items).where(inArray(items.id, [...ids]));
}

/** Items in id order (oldest first). */
export async function listItems(
  executor: Executor,
  query: { filter?: ItemFilter | null | undefined; afterId?: number | undefined; limit: number },
): Promise<ItemView[]> {
  const conds: SQL[] = [];
  const f = query.filter;
  if (f?.type != null) conds.push(eq(items.type, f.type));
  if (f?.name != null) conds.push(nameMatch(items.name, f.name));
  if (f?.testcase != null || (f?.outcome != null && f.outcome.length > 0) || f?.arch != null) {
    const stateConds: SQL[] = [eq(taskStates.itemId, items.id)];
    if (f.testcase != null) {
      stateConds.push(
        inArray(
          taskStates.testcaseId,
          executor.select({ id: testcases.id }).from(testcases).where(nameMatch(testcases.name, f.testcase)),
        ),
      );
    }
    if (f.outcome != null && f.outcome.length > 0) stateConds.push(inArray(taskStates.lastOutcome, [...f.outcome]));
    if (f.arch != null) stateConds.push(eq(taskStates.arch, f.arch));
    conds.push(exists(executor.select({ one: taskStates.id }).from(taskStates).where(and(...stateConds))));
  }
  if (query.afterId !== undefined) conds.push(gt(items.id, query.afterId));
  return executor
    .select()
    .from(items)
    .where(and(...conds))
    .orderBy(asc(items.id))
    .limit(query.limit);
}

/** The task states of many items in one query (the dataloader's batch). */
export async function taskStatesOfItems(executor: Executor, itemIds: readonly number[]): Promise<TaskStateView[]> {
  if (itemIds.length === 0) return [];
  const rows = await selectStates(executor)
    .where(inArray(taskStates.itemId, [...itemIds]))
    .orderBy(asc(testcases.name), asc(taskStates.variant));
  return rows.map(stateView);
}

export async function taskStatesByIds(executor: Executor, ids: readonly number[]): Promise<TaskStateView[]> {
  if (ids.length === 0) return [];
  const rows = await selectStates(executor).where(inArray(taskStates.id, [...ids]));
  return rows.map(stateView);
}

function stateView<R extends { arch: string; variant: string }>(r: R): Omit<R, 'arch' | 'variant'> & { arch: string | null; variant: VariantValue[] } {
  return { ...r, arch: archOut(r.arch), variant: variantValues(r.variant) };
}

function selectStates(executor: Executor) {
  return executor
    .select({
      id: taskStates.id,
      testcaseId: taskStates.testcaseId,
      testcase: testcases.name,
      itemId: taskStates.itemId,
      arch: taskStates.arch,
      variant: taskStates.variant,
      lastOutcome: taskStates.lastOutcome,
      emittedOutcome: taskStates.emittedOutcome,
      lastResultId: taskStates.lastResultId,
      lastEmissionSeq: taskStates.lastEmissionSeq,
      resultCount: taskStates.resultCount,
      emissionCount: taskStates.emissionCount,
      stateVersion: taskStates.stateVersion,
      updatedAt: taskStates.updatedAt,
    })
    .from(taskStates)
    .innerJoin(testcases, eq(testcases.id, taskStates.testcaseId));
}
