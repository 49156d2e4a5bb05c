/**
 * How a live `emissions` subscriber gets what was just committed
 * (src/emissions/stream.ts):
 * - woken by a notification of seq N, the process's follower reads up to N
 *   without asking the sequence counter first: every seq up to N is
 *   committed once N's notification arrives; without a notification (a
 *   poll), it asks the counter;
 * - what this process committed is handed over as the recorder made it, with
 *   no read at all, to filtered subscribers too; it must be what the table
 *   holds;
 * - the notifications of this process's own commits carry its feed's tag
 *   and wake nothing: the hand-over does (another process's do).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { LiveFeed } from '../../src/emissions/stream.ts';
import { EMISSIONS_CHANNEL } from '../../src/results/record.ts';
import { createTestDatabase, engine } from '../helpers/database.ts';
import { collect, startServer, type TestServer } from '../helpers/server.ts';

const RECORD = `mutation ($input: RecordResultInput!) { recordResult(input: $input) { emission { seq } } }`;
const FOLLOW = `subscription { emissions(filter: { testcase: "dist.horizon" }) { seq outcome } }`;

let server: TestServer;
let statements: string[] = [];
beforeAll(async () => {
  // No polling during the test: only notifications wake the stream.
  server = await startServer({ pollMs: 60_000, onQuery: (q) => statements.push(q) });
});
afterAll(async () => {
  await server.close();
});

const readsCounter = (q: string): boolean => /^select .* from "emission_sequence"/i.test(q);
const readsEmissions = (q: string): boolean => /^select .* from "emissions"/i.test(q);

describe(`the live stream's horizon (${engine})`, () => {
  it('a filtered subscriber too gets what this process committed from the shared follower: no read of the table, none of the counter', async () => {
    const live = collect<{ emissions: { seq: number; outcome: string } }>(server.wsClient(), FOLLOW, {}, 3);
    // Let the subscription start (it reads the counter once, to begin live).
    await new Promise((resolve) => setTimeout(resolve, 300));
    statements = [];
    const seqs: number[] = [];
    for (const outcome of ['PASSED', 'FAILED', 'PASSED']) {
      const data = await server.data<{ recordResult: { emission: { seq: number } | null } }>(RECORD, {
        input: { testcase: 'dist.horizon', item: 'horizon-1.0-1.fc40', type: 'koji_build', outcome },
      });
      seqs.push(data.recordResult.emission?.seq ?? -1);
    }
    const got = await live;
    expect(got.map((v) => v.emissions)).toEqual([
      { seq: seqs[0], outcome: 'PASSED' },
      { seq: seqs[1], outcome: 'FAILED' },
      { seq: seqs[2], outcome: 'PASSED' },
    ]);
    // The process's one follower takes the recorder's hand-over and filters it in memory.
    expect(statements.filter(readsEmissions)).toEqual([]);
    expect(statements.filter(readsCounter)).toEqual([]);
  });

  it('without a filter, hands over what this process committed, without reading the table, field for field as the table has it', async () => {
    const FIELDS = 'id seq msgId topic timestamp body outcome prevOutcome forced createdAt publishedAt arch testcase item { name type } result { resultId outcome }';
    type Fields = { seq: number } & Record<string, unknown>;
    const live = collect<{ emissions: Fields }>(server.wsClient(), `subscription { emissions { ${FIELDS} } }`, {}, 5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    statements = [];
    const base = { testcase: 'dist.fast', item: 'fast-1.0-1.fc40', type: 'koji_build' };
    for (const outcome of ['PASSED', 'FAILED', 'PASSED']) await server.data(RECORD, { input: { ...base, outcome } });
    // And a batch: two new keys, so both emit.
    await server.data(`mutation ($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { emissions { seq } } }`, {
      inputs: [
        { ...base, arch: 'x86_64', outcome: 'ERROR', note: 'n', refUrl: 'https://example.org/log' },
        { ...base, arch: 'aarch64', outcome: 'INFO' },
      ],
    });
    const got = (await live).map((v) => v.emissions);
    // The notifications of these commits are this process's own (tagged):
    // the stream waits for the recorder's hand-over instead of reading the
    // table, on PostgreSQL too, where a notification comes on another
    // connection and often before the recording's answer.
    expect(statements.filter(readsEmissions)).toEqual([]);
    const stored = await server.data<{ emissions: { edges: Array<{ node: Fields }> } }>(
      `query { emissions(filter: { testcase: "dist.fast" }, first: 10) { edges { node { ${FIELDS} } } } }`,
    );
    expect(got).toEqual(stored.emissions.edges.map((e) => e.node));
    expect(got.map((e) => e.seq)).toEqual([...got.map((e) => e.seq)].sort((a, b) => a - b));
  });

  it("wakes on another process's notification and not on its own, which it gets from the recorder", async () => {
    // A database of its own: the notifications below announce seqs that do
    // not exist, which would move the server's streams past real ones.
    const database = await createTestDatabase();
    const feed = await LiveFeed.start(database, { pollMs: 60_000 });
    try {
      const woken: number[] = [];
      const from = feed.announcedSeq;
      const notify = (payload: string): Promise<unknown> => queryRows(database.db, sql`SELECT pg_notify(${EMISSIONS_CHANNEL}, ${payload})`);
      const wake = (): Promise<void> =>
        feed.waitPast(feed.announcedSeq, new AbortController().signal).then(() => {
          woken.push(feed.announcedSeq);
        });
      // Its own tag: no wake (the emission comes through offer()).
      const own = wake();
      await notify(`${from + 5}:${feed.tag}`);
      // A later notification of another process is announced: the wait ends on it, not on the own one.
      await notify(`${from + 7}:0123456789abcdef`);
      await own;
      expect(woken).toEqual([from + 7]);
      // So is one without a tag (a recording inside a caller's transaction, or an older version).
      const plain = wake();
      await notify(`${from + 9}`);
      await plain;
      expect(woken).toEqual([from + 7, from + 9]);
    } finally {
      await feed.stop();
      await database.dispose();
    }
  });
});
