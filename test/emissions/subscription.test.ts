/**
 * The emission stream over graphql-ws: `emissions(after:)` replays what is
 * stored and then follows live emissions with no gap and no duplicate at the
 * seam; a client that reconnects with `after: <last seen>` misses nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { engine } from '../helpers/database.ts';
import { collect, startServer, type TestServer } from '../helpers/server.ts';
import { random } from '../helpers/random.ts';

const RECORD = `mutation ($input: RecordResultInput!) { recordResult(input: $input) { emitted emission { seq } } }`;
const FOLLOW = `subscription ($after: Int, $filter: EmissionFilter) {
  emissions(after: $after, filter: $filter) { seq outcome prevOutcome testcase item { name type } body }
}`;

interface Followed {
  emissions: { seq: number; outcome: string; prevOutcome: string | null; testcase: string; item: { name: string; type: string }; body: unknown };
}

let server: TestServer;
beforeAll(async () => {
  // A long poll interval: live delivery has to come from notifications, not from polling.
  server = await startServer({ pollMs: 60_000, poolSize: 20 });
});
afterAll(async () => {
  await server.close();
});

/** Records `n` results spread over `keys` keys, concurrently; returns how many emitted. */
async function writeMany(n: number, keys: number, seed: number, prefix: string): Promise<number> {
  const next = random(seed);
  const answers = await Promise.all(
    Array.from({ length: n }, () =>
      server.data<{ recordResult: { emitted: boolean } }>(RECORD, {
        input: {
          testcase: 'dist.stream',
          item: `${prefix}-${Math.floor(next() * keys)}`,
          type: 'koji_build',
          outcome: next() < 0.5 ? 'PASSED' : 'FAILED',
        },
      }),
    ),
  );
  return answers.filter((a) => a.recordResult.emitted).length;
}

async function latestSeq(): Promise<number> {
  const r = await server.data<{ emissions: { edges: Array<{ node: { seq: number } }> } }>(
    `{ emissions(first: 1, newestFirst: true) { edges { node { seq } } } }`,
  );
  return r.emissions.edges[0]?.node.seq ?? 0;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe(`emissions(after:) over graphql-ws (${engine})`, () => {
  it('a subscriber with after: 0 gets every seq once, in order, while 20 keys are written concurrently; one that reconnects misses nothing', async () => {
    const stored = await writeMany(60, 20, 1, 'before');
    expect(stored).toBeGreaterThan(0);
    const start = await latestSeq();

    // Subscribers start with history stored and go on live while writers run.
    const whole = server.wsClient();
    let total = start;
    const wholeRun = (async () => {
      const got: number[] = [];
      const dispose = { done: (): void => {} };
      await new Promise<void>((resolve, reject) => {
        dispose.done = whole.subscribe<Followed>(
          { query: FOLLOW, variables: { after: 0 } },
          {
            next: (v) => {
              if (v.errors) reject(new Error(JSON.stringify(v.errors)));
              const seq = v.data?.emissions.seq;
              if (seq !== undefined) got.push(seq);
              if (total > start && got.length >= total) resolve();
            },
            error: reject,
            complete: () => resolve(),
          },
        );
        const check = setInterval(() => {
          if (total > start && got.length >= total) {
            clearInterval(check);
            resolve();
          }
        }, 50);
      });
      dispose.done();
      return got;
    })();

    // The reconnecting one: takes 5, disconnects, comes back with after: <last seen>.
    const first = await collect<Followed>(server.wsClient(), FOLLOW, { after: 0 }, 5);
    const lastSeen = first[first.length - 1]?.emissions.seq ?? 0;

    const emitted = await writeMany(400, 20, 2, 'during');
    total = start + emitted;
    expect(await latestSeq()).toBe(total);

    const rest = await collect<Followed>(server.wsClient(), FOLLOW, { after: lastSeen }, total - lastSeen);
    const reconnected = [...first, ...rest].map((v) => v.emissions.seq);
    expect(reconnected).toEqual(range(1, total));

    const got = await wholeRun;
    expect(got.slice(0, total)).toEqual(range(1, total));
  });

  it('without after, a subscriber gets only what is emitted after it subscribed', async () => {
    const before = await latestSeq();
    const client = server.wsClient();
    const live = collect<Followed>(client, FOLLOW, {}, 2);
    // Give the subscription time to be set up before writing: it starts at the horizon of that moment.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.data(RECORD, { input: { testcase: 'dist.live', item: 'live-1', type: 'koji_build', outcome: 'PASSED' } });
    await server.data(RECORD, { input: { testcase: 'dist.live', item: 'live-1', type: 'koji_build', outcome: 'FAILED' } });
    const got = await live;
    expect(got.map((v) => v.emissions.seq)).toEqual([before + 1, before + 2]);
    expect(got.map((v) => [v.emissions.outcome, v.emissions.prevOutcome])).toEqual([
      ['PASSED', null],
      ['FAILED', 'PASSED'],
    ]);
    expect(got[0]?.emissions.item).toEqual({ name: 'live-1', type: 'koji_build' });
  });

  it('filters by testcase, item, type and outcome', async () => {
    const base = await latestSeq();
    const inputs = [
      { testcase: 'dist.filter', item: 'f-1', type: 'koji_build', outcome: 'PASSED' },
      { testcase: 'dist.other', item: 'f-1', type: 'koji_build', outcome: 'FAILED' },
      { testcase: 'dist.filter', item: 'f-2', type: 'bodhi_update', outcome: 'FAILED' },
      { testcase: 'dist.filter', item: 'f-1', type: 'koji_build', outcome: 'FAILED' },
    ];
    for (const input of inputs) await server.data(RECORD, { input });
    const by = async (filter: Record<string, unknown>, n: number): Promise<number[]> =>
      (await collect<Followed>(server.wsClient(), FOLLOW, { after: base, filter }, n)).map((v) => v.emissions.seq - base);
    expect(await by({ testcase: 'dist.filter' }, 3)).toEqual([1, 3, 4]);
    expect(await by({ testcase: 'dist.*', item: 'f-1' }, 3)).toEqual([1, 2, 4]);
    expect(await by({ type: 'bodhi_update' }, 1)).toEqual([3]);
    expect(await by({ outcome: ['FAILED'], testcase: 'dist.filter' }, 2)).toEqual([3, 4]);
  });

  it('rejects a negative after with BAD_USER_INPUT', async () => {
    await expect(collect<Followed>(server.wsClient(), FOLLOW, { after: -1 }, 1, 10_000)).rejects.toThrow(/BAD_USER_INPUT|after must be/);
  });
});

describe(`resultRecorded over graphql-ws (${engine})`, () => {
  it('delivers each recorded result that matches the filter, live', async () => {
    const client = server.wsClient();
    const live = collect<{ resultRecorded: { testcase: string; item: string; outcome: string; arch: string | null } }>(
      client,
      `subscription { resultRecorded(filter: { testcase: "dist.rr", arch: "x86_64" }) { testcase item outcome arch } }`,
      {},
      2,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const base = { testcase: 'dist.rr', item: 'rr-1', type: 'koji_build' };
    await server.data(RECORD, { input: { ...base, outcome: 'PASSED', arch: 'x86_64' } });
    await server.data(RECORD, { input: { ...base, outcome: 'PASSED', arch: 'i686' } });
    await server.data(RECORD, { input: { ...base, testcase: 'dist.other', outcome: 'PASSED', arch: 'x86_64' } });
    // A duplicate is still a recorded result.
    await server.data(RECORD, { input: { ...base, outcome: 'PASSED', arch: 'x86_64' } });
    const got = await live;
    expect(got.map((v) => v.resultRecorded)).toEqual([
      { testcase: 'dist.rr', item: 'rr-1', outcome: 'PASSED', arch: 'x86_64' },
      { testcase: 'dist.rr', item: 'rr-1', outcome: 'PASSED', arch: 'x86_64' },
    ]);
  });
});

describe.skipIf(engine === 'pglite')('across processes (PostgreSQL LISTEN/NOTIFY)', () => {
  it('a subscriber on a second API instance gets emissions and results recorded through the first', async () => {
    const url = server.database.url;
    if (!url) throw new Error('no database URL');
    // A second instance with its own connection pool and its own LISTEN, as another replica would have.
    const database = await openDatabase({ url, dataDir: undefined, poolSize: 2 });
    const other = await App.create({ config: loadConfig({ HOST: '127.0.0.1', PORT: '0', RESULTSBUS_BRIDGE: 'off' }), database, pollMs: 60_000 });
    try {
      const otherUrl = await other.start();
      const { createClient } = await import('graphql-ws');
      const { default: WebSocket } = await import('ws');
      const client = createClient({ url: `${otherUrl.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
      try {
        const before = await latestSeq();
        const live = collect<Followed>(client, FOLLOW, {}, 1);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await server.data(RECORD, { input: { testcase: 'dist.replica', item: 'rep-1', type: 'koji_build', outcome: 'ERROR' } });
        const got = await live;
        expect(got.map((v) => [v.emissions.seq, v.emissions.outcome])).toEqual([[before + 1, 'ERROR']]);

        // resultRecorded: the first instance has no follower of its own; the
        // second one's lease is what makes it announce its results.
        const results = collect<{ resultRecorded: { testcase: string; item: string; outcome: string } }>(
          client,
          `subscription { resultRecorded(filter: { testcase: "dist.replica" }) { testcase item outcome } }`,
          {},
          2,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        await server.data(RECORD, { input: { testcase: 'dist.replica', item: 'rep-1', type: 'koji_build', outcome: 'ERROR' } });
        await server.data(RECORD, { input: { testcase: 'dist.replica', item: 'rep-2', type: 'koji_build', outcome: 'PASSED' } });
        expect((await results).map((v) => v.resultRecorded)).toEqual([
          { testcase: 'dist.replica', item: 'rep-1', outcome: 'ERROR' },
          { testcase: 'dist.replica', item: 'rep-2', outcome: 'PASSED' },
        ]);
      } finally {
        await client.dispose();
      }
    } finally {
      await other.stop();
      await database.close();
    }
  });
});
