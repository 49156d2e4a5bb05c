/**
 * Phase 8 (issue 12 §3): ResultsDB's REST API v2.0 on the large store.
 *
 * - Writes: POST /api/v2.0/results with the body ResultsDB's users send
 *   (`restBody`), against `recordResult` of the same results (`graphqlTwin`:
 *   the same key, arch x86_64, and the same stored data), in alternating
 *   windows on one server, as phase 3 alternates its stores: on a shared
 *   machine, speed drifts by tens of percent over minutes. Every key's state
 *   is seeded first (through recordResults), so both APIs do the same work
 *   per result: a known state, 10% flips.
 * - Reads: GET /api/v2.0/results/latest as Greenwave asks it for a build
 *   (item, type, the testcases of its policy,
 *   `_distinct_on=scenario,system_architecture,system_variant`), for random
 *   builds of the key space; and the PostgreSQL plan of the statement that
 *   src/rest/queries.ts runs for such a query, built by the same function and
 *   explained on a connection of the bench's to the store.
 */
import { sql } from 'drizzle-orm';
import { allOutcomes } from '../../src/config.ts';
import { openDatabase, queryRows } from '../../src/db/client.ts';
import { resultsQuery } from '../../src/rest/params.ts';
import { latestStatement } from '../../src/rest/queries.ts';
import { DEFAULT_VARIANT_KEYS } from '../../src/results/variant.ts';
import type { Api } from './client.ts';
import { addWindow, closedLoop, type LoadResult, type Pooled, pooled } from './load.ts';
import type { BenchDatabase, CpuMeter, CpuReport } from './server.ts';
import { graphqlTwin, restBody, type Workload } from './workload.ts';

/** What Greenwave asks `/results/latest` to keep apart. */
export const GREENWAVE_DISTINCT_ON = 'scenario,system_architecture,system_variant';


/** Gives every key of `work` its x86_64 state (one PASSED result each), in recordResults calls of `batch`, `clients` at once. */
export async function seedRestKeys(api: Api, work: Workload, options: { batch: number; clients: number }): Promise<void> {
  for (let from = 0; from < work.keys; from += options.batch * options.clients) {
    await Promise.all(
      Array.from({ length: options.clients }, async (_, c) => {
        const lo = from + c * options.batch;
        const hi = Math.min(work.keys, lo + options.batch);
        if (lo >= hi) return;
        await api.recordMany(Array.from({ length: hi - lo }, (_, i) => graphqlTwin(work.input(lo + i))));
      }),
    );
  }
}

export interface RestVsGraphql {
  rest: Pooled;
  graphql: Pooled;
  /** results/s of each window pair, REST then GraphQL. */
  rounds: Array<{ rest: number; graphql: number }>;
}

/** REST POSTs and recordResults of the same results, `clients` at once, in alternating windows (ABBA). */
export async function restVsGraphql(
  api: Api,
  cpu: CpuMeter,
  work: Workload,
  options: { clients: number; rounds: number; windowMs: number; warmupMs: number; firstWarmupMs: number },
): Promise<RestVsGraphql> {
  const sends = {
    rest: async (): Promise<void> => {
      await api.postResult(restBody(work.input(work.randomKey())));
    },
    graphql: async (): Promise<void> => {
      await api.recordOne(graphqlTwin(work.input(work.randomKey())));
    },
  };
  const out = { rest: pooled(), graphql: pooled() };
  const rounds: RestVsGraphql['rounds'] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order: Array<'rest' | 'graphql'> = round % 2 === 0 ? ['rest', 'graphql'] : ['graphql', 'rest'];
    const rates = { rest: Number.NaN, graphql: Number.NaN };
    for (const name of order) {
      const send = sends[name];
      await closedLoop({ clients: options.clients, durationMs: round === 0 ? options.firstWarmupMs : options.warmupMs, perRequest: 1, send });
      const start = await cpu.snapshot();
      const load = await closedLoop({ clients: options.clients, durationMs: options.windowMs, perRequest: 1, send });
      const used = await cpu.since(start);
      addWindow(out[name], load, used);
      rates[name] = load.results / load.seconds;
    }
    rounds.push(rates);
  }
  return { ...out, rounds };
}

/** The query string of Greenwave's question for one build. */
export function latestQueryString(item: string, type: string, testcases: readonly string[]): string {
  const q = new URLSearchParams({ item, type, _distinct_on: GREENWAVE_DISTINCT_ON, testcases: testcases.join(',') });
  return q.toString();
}

/**
 * Greenwave's question for random builds, `clients` at once. An answer
 * without exactly one result per testcase (every key of the bench has
 * results) counts as an error.
 */
export async function latestLoad(
  api: Api,
  work: Workload,
  cpu: CpuMeter,
  options: { clients: number; durationMs: number; warmupMs: number; testcases: readonly string[] },
): Promise<{ load: LoadResult; cpu: CpuReport }> {
  const send = async (): Promise<void> => {
    const build = work.builds[Math.floor(work.randomKey() / work.testcases.length)] ?? '';
    const answer = await api.restGet<{ data: unknown[] }>(`/results/latest?${latestQueryString(build, 'koji_build', options.testcases)}`);
    if (answer.data.length !== options.testcases.length) {
      throw new Error(`latest for ${build}: ${answer.data.length} results, expected ${options.testcases.length}`);
    }
  };
  await closedLoop({ clients: options.clients, durationMs: options.warmupMs, perRequest: 1, send });
  const start = await cpu.snapshot();
  const load = await closedLoop({ clients: options.clients, durationMs: options.durationMs, perRequest: 1, send });
  return { load, cpu: await cpu.since(start) };
}

export interface LatestPlan {
  /** EXPLAIN (ANALYZE, BUFFERS), one line per row. */
  lines: string[];
  /** Whether the plan reads task_states through one of its indexes. */
  taskStateIndex: boolean;
  /** Whether it reads the whole results table (a Seq Scan on results). */
  resultsSeqScan: boolean;
}

/**
 * The plan of the statement `restLatest` runs for `queryString`: built by
 * the same function from the same parsed parameters and sent through the
 * server's own database client (drizzle on postgres.js, whose serializers
 * the parameters need), so it is that statement, parameters and all, that
 * is explained.
 */
export async function latestPlan(db: BenchDatabase, queryString: string): Promise<LatestPlan> {
  const q = resultsQuery(new URLSearchParams(queryString), allOutcomes({ extraOutcomes: [] }));
  const database = await openDatabase({ url: db.url, dataDir: undefined, poolSize: 1 });
  let rows: Array<{ 'QUERY PLAN': string }>;
  try {
    rows = await queryRows<{ 'QUERY PLAN': string }>(database.db, sql`EXPLAIN (ANALYZE, BUFFERS) ${latestStatement(q, DEFAULT_VARIANT_KEYS)}`);
  } finally {
    await database.close();
  }
  const lines = rows.map((r) => r['QUERY PLAN']);
  const text = lines.join('\n');
  return {
    lines,
    taskStateIndex: /Index (Only )?Scan using task_states_\w+ on task_states/.test(text),
    resultsSeqScan: /Seq Scan on results\b/.test(text),
  };
}
