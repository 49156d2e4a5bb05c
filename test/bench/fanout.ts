/**
 * Bench phase 7 (issue 11): live clients at scale, on a fresh database with a
 * `resultsbus serve` child, graphql-ws clients in a worker thread (crowd.ts).
 *
 *   idle     1,000 subscriptions of `emissions { seq outcome item { name } }` on 10 connections,
 *            nothing recorded: database transactions a second (the process's one follower polls)
 *   load     500 results/s, every one a state change, recorded 10 to a recordResults call (50 calls/s:
 *            single calls at 500/s would take most of the 2-core machine for the recording alone),
 *            first with 1 subscriber,
 *            then with 500 (5 connections of 100): time from the mutation's answer (after its
 *            commit) to each subscriber's frame, and database transactions per emission, which
 *            must not grow with the subscribers
 *
 * Transactions are PostgreSQL's count for the bench database (pg_stat_database:
 * commits + rollbacks, every backend of the database, the bench's own
 * reading subtracted). Backends report their counts late (see SETTLE_MS), so
 * each window starts after a pause and each reading waits a little first.
 */
import { Api, RECORD_MANY, type RecordManyData, transportFromEnv } from './client.ts';
import { Crowd, now } from './crowd.ts';
import { pacedLoop, type PacedResult } from './load.ts';
import { type BenchDatabase, createBenchDatabase, processCpu, type ServerChild, startServerChild } from './server.ts';
import { Samples } from './stats.ts';
import { Workload } from './workload.ts';

/** Results a recordResults call of the load records. */
export const FANOUT_BATCH = 10;

const FOLLOW = 'subscription BenchFanout($after: Int) { emissions(after: $after) { seq outcome item { name } } }';
/**
 * Between subscribing and a measured window. A backend reports its counts
 * when idle, and when that finds the statistics busy it tries again only
 * 10 s later (PostgreSQL's PGSTAT_IDLE_INTERVAL): the server's start and the
 * subscribers' catch-ups would land in the window.
 */
const SETTLE_MS = 11_000;

async function transactions(db: BenchDatabase): Promise<number> {
  // Backends report their counts when idle for a second at most.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const [row] = await db.sql<Array<{ n: number }>>`
    SELECT (xact_commit + xact_rollback)::float8 AS n FROM pg_stat_database WHERE datname = current_database()`;
  return row?.n ?? 0;
}

export interface FanoutLoadRun {
  subscribers: number;
  load: PacedResult;
  emissions: number;
  /** Each subscriber's frame minus the mutation's answer, ms (one sample per subscriber per emission). */
  latency: Samples;
  /** Frames that did not arrive within 30 s of the end. */
  missing: number;
  transactionsPerEmission: number;
  serverCpu: number;
  /** Share of one core the subscribers' worker was busy receiving during the load. */
  clientBusy: number;
}

export interface FanoutResult {
  idle: { subscriptions: number; seconds: number; transactionsPerSecond: number; subscribed: boolean };
  runs: FanoutLoadRun[];
}

export async function fanout(
  baseUrl: string,
  options: { rate: number; subscribers: number; idle: number; durationMs: number; idleMs: number; warmupMs: number; nodeArgs: string[] },
): Promise<FanoutResult> {
  const db = await createBenchDatabase(baseUrl);
  let server: ServerChild | undefined;
  const crowds: Crowd[] = [];
  try {
    server = await startServerChild({ databaseUrl: db.url, nodeArgs: options.nodeArgs });
    const api = new Api(server.url, server.token, transportFromEnv());
    const wsUrl = `${server.url.replace(/^http/, 'ws')}/graphql`;
    // Every result on a known key flips, so every result is an emission.
    const work = new Workload({ testcases: 50, builds: 2000, flip: 1 });
    const recordOne = async (): Promise<number | undefined> =>
      (await api.recordOne(work.input(work.randomKey()))).recordResult.emission?.seq;
    const recordBatch = async (): Promise<number[]> => {
      const inputs = Array.from({ length: FANOUT_BATCH }, () => work.input(work.randomKey()));
      return (await api.request<RecordManyData>(RECORD_MANY, { inputs })).recordResults.emissions.map((e) => e.seq);
    };
    // Idle first, on a store with almost nothing in it: the writes of a
    // warm-up would go on costing transactions after it (autovacuum, analyze,
    // counts reported late) and land in the window.
    // Subscribed (each has had one emission), then nothing recorded.
    let base = await api.lastSeq();
    const idleCrowd = new Crowd(wsUrl, FOLLOW, options.idle, base, 4);
    crowds.push(idleCrowd);
    await recordOne();
    const subscribed = await idleCrowd.waitFor(1, 60_000);
    // Subscribing costs a read each (a catch-up); none of it may land in the window.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const t0 = await transactions(db);
    const s0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, options.idleMs));
    const t1 = await transactions(db);
    const seconds = (performance.now() - s0) / 1000;
    // The bench's own reading of the count is one of them.
    const idle = { subscriptions: options.idle, seconds, transactionsPerSecond: (t1 - t0 - 1) / seconds, subscribed };
    await idleCrowd.close();
    crowds.pop();

    await pacedLoop({ rate: options.rate / FANOUT_BATCH, durationMs: options.warmupMs, send: async () => void (await recordBatch()) });
    const runs: FanoutLoadRun[] = [];
    for (const subscribers of [1, options.subscribers]) {
      base = await api.lastSeq();
      const capacity = Math.ceil((options.rate * options.durationMs) / 1000) + 1000;
      const crowd = new Crowd(wsUrl, FOLLOW, subscribers, base, capacity);
      crowds.push(crowd);
      const first = await recordOne();
      if (first === undefined || !(await crowd.waitFor(1, 60_000))) {
        throw new Error(`the subscribers did not get the warm-up emission (${JSON.stringify(crowd.firstError ?? 'no error')})`);
      }
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const ackAt = new Map<number, number>();
      const x0 = await transactions(db);
      const cpu0 = processCpu(server.pid);
      const busy0 = await crowd.busy();
      const load = await pacedLoop({
        rate: options.rate / FANOUT_BATCH,
        durationMs: options.durationMs,
        send: async () => {
          const seqs = await recordBatch();
          const at = now();
          for (const seq of seqs) ackAt.set(seq, at);
        },
      });
      const serverCpu = processCpu(server.pid) - cpu0;
      const busy1 = await crowd.busy();
      const clientBusy = (busy1.active - busy0.active) / Math.max(1, busy1.active - busy0.active + busy1.idle - busy0.idle);
      const total = Math.max(0, ...ackAt.keys()) - base;
      await crowd.waitFor(total, 30_000);
      const x1 = await transactions(db);
      const latency = new Samples();
      let missing = 0;
      for (const [seq, ack] of ackAt) {
        for (let i = 0; i < subscribers; i++) {
          const at = crowd.arrival(i, seq);
          if (at === 0) missing++;
          else latency.add(at - ack);
        }
      }
      runs.push({ subscribers, load, emissions: ackAt.size, latency, missing, transactionsPerEmission: (x1 - x0 - 1) / Math.max(1, ackAt.size), serverCpu, clientBusy });
      await crowd.close();
      crowds.pop();
    }
    api.close();
    return { idle, runs };
  } finally {
    for (const crowd of crowds) await crowd.close().catch(() => {});
    await server?.stop();
    await db.drop();
  }
}
