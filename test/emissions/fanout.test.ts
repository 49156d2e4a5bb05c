/**
 * Live clients share the work (src/emissions/stream.ts, src/graphql/context.ts):
 * - the process has one follower: idle subscriptions do not each poll, and
 *   with none, nothing polls;
 * - what an event resolves is loaded once for every subscriber of it, and
 *   fresh for every event (a subscription does not keep serving what it
 *   loaded for an earlier one);
 * - filters are applied to the shared events as the table query applies them;
 * - a connection, and the process, take a bounded number of operations;
 * - a subscriber that does not keep up leaves the shared hand-out and
 *   catches up from the table, rather than queueing without bound.
 */
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followEmissions, LiveFeed } from '../../src/emissions/stream.ts';
import { engine } from '../helpers/database.ts';
import { collect, startServer, type TestServer } from '../helpers/server.ts';

const RECORD = `mutation ($input: RecordResultInput!) { recordResult(input: $input) { emitted emission { seq } } }`;

/** A subscription whose values can be awaited one by one. */
interface Feed<T> {
  /** The next value not taken yet (waits for it). */
  next(): Promise<T>;
  /** How many values have arrived. */
  readonly count: number;
  close(): void;
}

function open<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Feed<T> {
  const values: T[] = [];
  let taken = 0;
  let failure: unknown;
  let waiting: (() => void) | undefined;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) failure ??= new Error(JSON.stringify(value.errors));
        else values.push(value.data as T);
        waiting?.();
      },
      error: (error) => {
        failure ??= error instanceof Error ? error : new Error(JSON.stringify(error));
        waiting?.();
      },
      complete: () => {},
    },
  );
  return {
    async next() {
      const deadline = Date.now() + 30_000;
      while (values.length <= taken) {
        if (failure !== undefined) throw failure;
        if (Date.now() > deadline) throw new Error(`no value ${taken + 1} within 30 s`);
        await new Promise<void>((resolve) => {
          waiting = resolve;
          setTimeout(resolve, 1000);
        });
        waiting = undefined;
      }
      return values[taken++] as T;
    },
    get count() {
      return values.length;
    },
    close: dispose,
  };
}

/** The code and message of the error a refused subscription ends with. */
async function refusal(feed: Feed<unknown>): Promise<{ code: unknown; message: unknown }> {
  try {
    await feed.next();
  } catch (error) {
    const [first] = JSON.parse(error instanceof Error ? error.message : String(error)) as Array<{ message: string; extensions?: { code?: string } }>;
    return { code: first?.extensions?.code, message: first?.message };
  }
  throw new Error('the subscription was not refused');
}

async function latestSeq(server: TestServer): Promise<number> {
  const r = await server.data<{ emissions: { edges: Array<{ node: { seq: number } }> } }>(
    `{ emissions(first: 1, newestFirst: true) { edges { node { seq } } } }`,
  );
  return r.emissions.edges[0]?.node.seq ?? 0;
}

const readsItems = (q: string): boolean => /^select .* from "items" where "items"."id" in/i.test(q);
const readsCounter = (q: string): boolean => /^select .* from "emission_sequence"/i.test(q);

describe(`one follower per process, loaders per event (${engine})`, () => {
  let server: TestServer;
  let statements: string[] = [];
  beforeAll(async () => {
    // A short poll, to see in a second whether subscriptions poll on their own.
    server = await startServer({ pollMs: 50, onQuery: (q) => statements.push(q) });
  });
  afterAll(async () => {
    await server.close();
  });

  it('resultRecorded: three outcomes on one key show three task states, not the first one three times', async () => {
    const live = open<{ resultRecorded: { outcome: string; taskState: { lastOutcome: string; stateVersion: number } } }>(
      server.wsClient(),
      `subscription { resultRecorded(filter: { testcase: "dist.fresh" }) { outcome taskState { lastOutcome stateVersion } } }`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const seen: Array<[string, string, number]> = [];
    for (const outcome of ['PASSED', 'FAILED', 'ERROR']) {
      await server.data(RECORD, { input: { testcase: 'dist.fresh', item: 'fresh-1.0-1.fc40', type: 'koji_build', outcome } });
      const { resultRecorded: r } = await live.next();
      seen.push([r.outcome, r.taskState.lastOutcome, r.taskState.stateVersion]);
    }
    live.close();
    expect(seen).toEqual([
      ['PASSED', 'PASSED', 1],
      ['FAILED', 'FAILED', 2],
      ['ERROR', 'ERROR', 3],
    ]);
  });

  it('20 subscribers selecting item { name } on 4 connections: one item read for the event, and each sees the item', async () => {
    const FOLLOW = `subscription ($after: Int) { emissions(after: $after, filter: { testcase: "dist.many" }) { seq outcome item { name } } }`;
    type Got = { emissions: { seq: number; outcome: string; item: { name: string } } };
    const clients = Array.from({ length: 4 }, () => server.wsClient());
    const after = await latestSeq(server);
    const subs = Array.from({ length: 20 }, (_, i) => open<Got>(clients[i % 4] as Client, FOLLOW, { after }));
    const input = { testcase: 'dist.many', item: 'many-1.0-1.fc40', type: 'koji_build' };
    // Once every subscriber has this one, all are past their catch-up.
    const warm = await server.data<{ recordResult: { emission: { seq: number } } }>(RECORD, { input: { ...input, outcome: 'PASSED' } });
    for (const s of subs) expect((await s.next()).emissions.seq).toBe(warm.recordResult.emission.seq);

    statements = [];
    // Another item: one that no subscriber has loaded before.
    const data = await server.data<{ recordResult: { emission: { seq: number } } }>(RECORD, {
      input: { ...input, item: 'many-2.0-1.fc40', outcome: 'FAILED' },
    });
    const got = await Promise.all(subs.map((s) => s.next()));
    for (const s of subs) s.close();
    expect(got.map((g) => g.emissions)).toEqual(
      subs.map(() => ({ seq: data.recordResult.emission.seq, outcome: 'FAILED', item: { name: 'many-2.0-1.fc40' } })),
    );
    expect(statements.filter(readsItems)).toHaveLength(1);
  });

  it('filters the shared events as the table query does, group included', async () => {
    const FOLLOW = `subscription ($after: Int) { emissions(after: $after, filter: { testcase: "dist.grp*", arch: "x86_64", group: "g1" }) { seq testcase outcome } }`;
    const live = open<{ emissions: { seq: number; testcase: string; outcome: string } }>(server.wsClient(), FOLLOW);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const base = { item: 'grp-1.0-1.fc40', type: 'koji_build', arch: 'x86_64' };
    const inputs = [
      { ...base, testcase: 'dist.grp', outcome: 'PASSED', groups: ['g1'] },
      { ...base, testcase: 'dist.grp.two', outcome: 'PASSED', groups: ['g2'] },
      { ...base, testcase: 'dist.other', outcome: 'PASSED', groups: ['g1'] },
      { ...base, testcase: 'dist.grp.two', outcome: 'FAILED', arch: 'aarch64', groups: ['g1'] },
      { ...base, testcase: 'dist.grp.two', outcome: 'FAILED', groups: ['g0', 'g1'] },
    ];
    const seqs: number[] = [];
    for (const input of inputs) {
      const r = await server.data<{ recordResult: { emission: { seq: number } | null } }>(RECORD, { input });
      seqs.push(r.recordResult.emission?.seq ?? -1);
    }
    const got = [await live.next(), await live.next()];
    live.close();
    expect(got.map((g) => g.emissions)).toEqual([
      { seq: seqs[0], testcase: 'dist.grp', outcome: 'PASSED' },
      { seq: seqs[4], testcase: 'dist.grp.two', outcome: 'FAILED' },
    ]);
    // And what the table query gives for the same filter, the way a client catching up would see it.
    const stored = await collect<{ emissions: { seq: number } }>(
      server.wsClient(),
      FOLLOW,
      { after: (seqs[0] ?? 1) - 1 },
      2,
    );
    expect(stored.map((s) => s.emissions.seq)).toEqual([seqs[0], seqs[4]]);
  });

  it('30 idle subscriptions poll the counter once per interval in all, not each; with none, nothing polls', async () => {
    const FOLLOW = `subscription ($after: Int) { emissions(after: $after, filter: { testcase: "dist.idle" }) { seq } }`;
    const clients = Array.from({ length: 3 }, () => server.wsClient());
    const after = await latestSeq(server);
    const subs = Array.from({ length: 30 }, (_, i) => open<{ emissions: { seq: number } }>(clients[i % 3] as Client, FOLLOW, { after }));
    await server.data(RECORD, { input: { testcase: 'dist.idle', item: 'idle-1.0-1.fc40', type: 'koji_build', outcome: 'PASSED' } });
    for (const s of subs) await s.next();

    statements = [];
    const windowMs = 1000;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const polls = statements.filter(readsCounter).length;
    // Timers fire late under load, never early: one follower makes at most one read per interval.
    expect(polls).toBeGreaterThan(0);
    expect(polls).toBeLessThanOrEqual(windowMs / 50 + 1);

    for (const s of subs) s.close();
    // The follower stops once the last subscriber has gone.
    await new Promise((resolve) => setTimeout(resolve, 300));
    statements = [];
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(statements.filter(readsCounter)).toEqual([]);
  });
});

describe(`caps on open operations (${engine})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      pollMs: 60_000,
      env: { RESULTSBUS_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2', RESULTSBUS_MAX_SUBSCRIPTIONS: '3' },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses one operation too many on a connection, then on the process, with TOO_MANY_SUBSCRIPTIONS; the open ones go on', async () => {
    const FOLLOW = `subscription ($after: Int) { emissions(after: $after, filter: { testcase: "dist.cap" }) { seq } }`;
    type Got = { emissions: { seq: number } };
    const after = await latestSeq(server);
    const a = server.wsClient();
    const b = server.wsClient();
    const a1 = open<Got>(a, FOLLOW, { after });
    const a2 = open<Got>(a, FOLLOW, { after });
    const a3 = open<Got>(a, FOLLOW, { after });
    expect(await refusal(a3)).toEqual({
      code: 'TOO_MANY_SUBSCRIPTIONS',
      message: expect.stringMatching(/already has 2 operations open, the most one connection may \(RESULTSBUS_MAX_SUBSCRIPTIONS_PER_CONNECTION\)/),
    });
    const b1 = open<Got>(b, FOLLOW, { after });
    const input = { testcase: 'dist.cap', item: 'cap-1.0-1.fc40', type: 'koji_build' };
    const first = await server.data<{ recordResult: { emission: { seq: number } } }>(RECORD, { input: { ...input, outcome: 'PASSED' } });
    for (const s of [a1, a2, b1]) expect((await s.next()).emissions.seq).toBe(first.recordResult.emission.seq);

    // Three are open: a fourth on a new connection is over the process's cap.
    const c1 = open<Got>(server.wsClient(), FOLLOW, { after });
    expect(await refusal(c1)).toEqual({
      code: 'TOO_MANY_SUBSCRIPTIONS',
      message: expect.stringMatching(/the server already has 3 operations open, the most it takes \(RESULTSBUS_MAX_SUBSCRIPTIONS\)/),
    });

    // The open ones were not disturbed, and a completed one frees its place.
    a2.close();
    const second = await server.data<{ recordResult: { emission: { seq: number } } }>(RECORD, { input: { ...input, outcome: 'FAILED' } });
    for (const s of [a1, b1]) expect((await s.next()).emissions.seq).toBe(second.recordResult.emission.seq);
    // Its place is free once the server has seen the completion (until then, a refusal);
    // admitted, it catches up with the second emission.
    let c2: Feed<Got> | undefined;
    for (let attempt = 0; c2 === undefined && attempt < 100; attempt++) {
      const c = open<Got>(server.wsClient(), FOLLOW, { after: first.recordResult.emission.seq });
      try {
        expect((await c.next()).emissions.seq).toBe(second.recordResult.emission.seq);
        c2 = c;
      } catch (error) {
        if (!String(error).includes('TOO_MANY_SUBSCRIPTIONS')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    if (c2 === undefined) throw new Error('the completed subscription never freed its place');
    const third = await server.data<{ recordResult: { emission: { seq: number } } }>(RECORD, { input: { ...input, outcome: 'ERROR' } });
    for (const s of [a1, b1, c2]) expect((await s.next()).emissions.seq).toBe(third.recordResult.emission.seq);
    for (const s of [a1, b1, c2]) s.close();
  });
});

describe(`a subscriber that falls behind (${engine})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ pollMs: 60_000 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('leaves the shared hand-out past maxQueued instead of queueing without bound, and still gets every seq once, in order', async () => {
    // A feed of its own on the server's database, as another process would
    // have: it wakes on the server's notifications and reads the table.
    const feed = await LiveFeed.start(server.database, { pollMs: 50, maxQueued: 3 });
    try {
      const base = await latestSeq(server);
      const stream = followEmissions(feed, base, null);
      const input = (i: number): Record<string, unknown> => ({ testcase: 'dist.slow', item: `slow-${i}`, type: 'koji_build', outcome: 'PASSED' });
      await server.data(RECORD, { input: input(0) });
      const first = await stream.next();
      expect(first.done === false && first.value.emission.seq).toBe(base + 1);
      // The stream is live and not pulled: 20 more arrive at once.
      await server.data(`mutation ($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { emissions { seq } } }`, {
        inputs: Array.from({ length: 20 }, (_, i) => input(i + 1)),
      });
      const deadline = Date.now() + 20_000;
      while (feed.subscribers.catchingUp === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(feed.subscribers).toEqual({ live: 0, catchingUp: 1 });
      const rest: number[] = [];
      while (rest.length < 20) {
        const next = await stream.next();
        if (next.done) break;
        rest.push(next.value.emission.seq);
      }
      expect(rest).toEqual(Array.from({ length: 20 }, (_, i) => base + 2 + i));
      // It rejoins once its reads reach the head; either way, the next one follows on.
      await server.data(RECORD, { input: { ...input(0), outcome: 'FAILED' } });
      const after = await stream.next();
      expect(after.done === false && after.value.emission.seq).toBe(base + 22);
      await stream.return(undefined);
      expect(feed.subscribers).toEqual({ live: 0, catchingUp: 0 });
    } finally {
      await feed.stop();
    }
  });
});
