/** Reads of emissions, for the API and for the emission stream. */
import { and, arrayContains, asc, count, desc, eq, gt, gte, inArray, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../db/client.ts';
import { emissions, emissionSequence, items, results, testcases } from '../db/schema.ts';
import type { EmissionForBus } from '../fedmsg/envelope.ts';
import type { ReplayQuery } from '../fedmsg/replay.ts';
import { type CommonFilter, commonConditions, matchesCommon } from '../results/queries.ts';
import { archOut, type EmissionView } from '../results/views.ts';

const emissionColumns = {
  seq: emissions.seq,
  msgId: emissions.msgId,
  topic: emissions.topic,
  timestamp: emissions.timestamp,
  body: emissions.body,
  outcome: emissions.outcome,
  prevOutcome: emissions.prevOutcome,
  forced: emissions.forced,
  resultId: emissions.resultId,
  taskStateId: emissions.taskStateId,
  testcaseId: emissions.testcaseId,
  testcase: testcases.name,
  itemId: emissions.itemId,
  item: items.name,
  type: items.type,
  arch: emissions.arch,
  createdAt: emissions.createdAt,
  publishedAt: emissions.publishedAt,
};

function selectEmissions(executor: Executor) {
  return executor
    .select(emissionColumns)
    .from(emissions)
    .innerJoin(testcases, eq(testcases.id, emissions.testcaseId))
    .innerJoin(items, eq(items.id, emissions.itemId));
}

function toView(row: { arch: string } & Omit<EmissionView, 'arch'>): EmissionView {
  return { ...row, arch: archOut(row.arch) };
}

/**
 * `filter` as a test on an emission in memory, as `listEmissions` applies it,
 * except `group` (the result's groups are not on the emission).
 */
export function emissionMatcher(filter: CommonFilter | null | undefined): (emission: EmissionView) => boolean {
  return (e) => matchesCommon(filter, e, e.createdAt);
}

function filterConditions(filter: CommonFilter | null | undefined): SQL[] {
  const conds = commonConditions(emissions, filter, emissions.createdAt);
  if (filter?.group != null) {
    conds.push(
      sql`EXISTS (SELECT 1 FROM ${results} WHERE ${results.id} = ${emissions.resultId} AND ${arrayContains(results.groups, [filter.group])})`,
    );
  }
  return conds;
}

export async function emissionsBySeqs(executor: Executor, seqs: readonly number[]): Promise<EmissionView[]> {
  if (seqs.length === 0) return [];
  const rows = await selectEmissions(executor).where(inArray(emissions.seq, [...seqs]));
  return rows.map(toView);
}

export interface EmissionPageQuery {
  filter?: CommonFilter | null | undefined;
  itemId?: number | undefined;
  /** Keyset cursor: emissions past this seq in the chosen order. */
  pastSeq?: number | undefined;
  /** Only emissions with a larger seq, whatever the order (`afterSeq`, as the subscription's `after`). */
  afterSeq?: number | undefined;
  /** Upper bound, inclusive (the stream reads below a committed horizon). */
  maxSeq?: number | undefined;
  newestFirst?: boolean | undefined;
  limit: number;
}

/** What `listEmissions` and `countEmissions` filter on, the cursor apart. */
export type EmissionFilterQuery = Pick<EmissionPageQuery, 'filter' | 'itemId' | 'afterSeq'>;

function emissionConditions(query: EmissionFilterQuery): SQL[] {
  const conds = filterConditions(query.filter);
  if (query.itemId !== undefined) conds.push(eq(emissions.itemId, query.itemId));
  if (query.afterSeq !== undefined) conds.push(gt(emissions.seq, query.afterSeq));
  return conds;
}

/** How many emissions match (every page of `listEmissions` together). */
export async function countEmissions(executor: Executor, query: EmissionFilterQuery): Promise<number> {
  const rows = await executor
    .select({ n: count() })
    .from(emissions)
    .where(and(...emissionConditions(query)));
  return rows[0]?.n ?? 0;
}

export async function listEmissions(executor: Executor, query: EmissionPageQuery): Promise<EmissionView[]> {
  const conds = emissionConditions(query);
  if (query.pastSeq !== undefined) {
    conds.push(query.newestFirst ? lt(emissions.seq, query.pastSeq) : gt(emissions.seq, query.pastSeq));
  }
  if (query.maxSeq !== undefined) conds.push(lte(emissions.seq, query.maxSeq));
  const rows = await selectEmissions(executor)
    .where(and(...conds))
    .orderBy(query.newestFirst ? desc(emissions.seq) : asc(emissions.seq))
    .limit(query.limit);
  return rows.map(toView);
}

/**
 * The highest committed seq. Every seq up to it is committed too (the
 * counter's row lock is held to commit), so it is a safe reading horizon.
 */
export async function committedSeq(executor: Executor): Promise<number> {
  const rows = await queryRows<{ last_seq: number | string }>(
    executor,
    sql`SELECT ${emissionSequence.lastSeq} AS last_seq FROM ${emissionSequence} WHERE ${emissionSequence.id} = 1`,
  );
  return Number(rows[0]?.last_seq ?? 0);
}

/** The emissions any part of `lookup` matches, in seq order, at most `limit`. */
export async function emissionsForBus(executor: Executor, lookup: ReplayQuery, limit: number): Promise<EmissionForBus[]> {
  const parts: SQL[] = [];
  if (lookup.seqIds.length > 0) parts.push(inArray(emissions.seq, lookup.seqIds));
  for (const [first, last] of lookup.seqRanges) parts.push(and(gte(emissions.seq, first), lte(emissions.seq, last)) as SQL);
  if (lookup.msgIds.length > 0) parts.push(inArray(emissions.msgId, lookup.msgIds));
  for (const [start, end] of lookup.times) {
    // timestamp = floor(created_at), so this range on the indexed created_at
    // is exactly start <= timestamp <= end.
    parts.push(
      and(
        gte(emissions.createdAt, sql`to_timestamp(${Math.ceil(start)})`),
        lt(emissions.createdAt, sql`to_timestamp(${Math.floor(end) + 1})`),
      ) as SQL,
    );
  }
  if (parts.length === 0) return [];
  return executor
    .select({ seq: emissions.seq, msgId: emissions.msgId, topic: emissions.topic, timestamp: emissions.timestamp, body: emissions.body })
    .from(emissions)
    .where(or(...parts))
    .orderBy(asc(emissions.seq))
    .limit(limit);
}
