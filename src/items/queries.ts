/** Reads of items (builds, updates, composes) and their task states. */
import { and, asc, count, desc, eq, exists, gt, inArray, lt, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { items, type ItemRow, taskStates, testcases } from '../db/schema.ts';
import { given, type NamePatterns, namesMatch } from '../results/queries.ts';
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
  /** Item names: each exact, or a prefix when it ends with `*`. */
  name?: NamePatterns | null | undefined;
  /** Packages (src/items/package.ts): each exact, or a prefix when it ends with `*`. */
  package?: NamePatterns | null | undefined;
  /** Items with a task state for one of these testcases (each exact, or a prefix with `*`). */
  testcase?: NamePatterns | null | undefined;
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

/**
 * Items in id order, which is the order they were created in (oldest first,
 * or newest first): an item is created with its first result, so for the
 * builds of a package this is the order their first results came in.
 */
export async function listItems(
  executor: Executor,
  query: { filter?: ItemFilter | null | undefined; pastId?: number | undefined; newestFirst?: boolean | undefined; limit: number },
): Promise<ItemView[]> {
  const conds = itemConditions(executor, query.filter);
  if (query.pastId !== undefined) conds.push(query.newestFirst ? lt(items.id, query.pastId) : gt(items.id, query.pastId));
  return executor
    .select()
    .from(items)
    .where(and(...conds))
    .orderBy(query.newestFirst ? desc(items.id) : asc(items.id))
    .limit(query.limit);
}

/** How many items match (every page of `listItems` together). */
export async function countItems(executor: Executor, filter: ItemFilter | null | undefined): Promise<number> {
  const rows = await executor
    .select({ n: count() })
    .from(items)
    .where(and(...itemConditions(executor, filter)));
  return rows[0]?.n ?? 0;
}

function itemConditions(executor: Executor, f: ItemFilter | null | undefined): SQL[] {
  const conds: SQL[] = [];
  if (f?.type != null) conds.push(eq(items.type, f.type));
  if (given(f?.name)) conds.push(namesMatch(items.name, f.name));
  if (given(f?.package)) conds.push(namesMatch(items.package, f.package));
  const byTestcase = given(f?.testcase);
  const byOutcome = f?.outcome != null && f.outcome.length > 0;
  if (byTestcase || byOutcome || f?.arch != null) {
    const stateConds: SQL[] = [eq(taskStates.itemId, items.id)];
    if (byTestcase && f?.testcase != null) {
      stateConds.push(
        inArray(
          taskStates.testcaseId,
          executor.select({ id: testcases.id }).from(testcases).where(namesMatch(testcases.name, f.testcase)),
        ),
      );
    }
    if (byOutcome && f?.outcome != null) stateConds.push(inArray(taskStates.lastOutcome, [...f.outcome]));
    if (f?.arch != null) stateConds.push(eq(taskStates.arch, f.arch));
    conds.push(exists(executor.select({ one: taskStates.id }).from(taskStates).where(and(...stateConds))));
  }
  return conds;
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
