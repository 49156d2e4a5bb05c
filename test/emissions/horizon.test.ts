/**
 * A live `emissions` subscriber woken by a notification of seq N reads up to
 * N without asking the sequence counter first: every seq up to N is committed
 * once N's notification arrives (src/emissions/stream.ts). Rows still come
 * from the table. Without a notification (a poll), it asks the counter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine } from '../helpers/database.ts';
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
  it('comes from the notification: live emissions are read from the table without asking the counter', async () => {
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
    expect(statements.filter(readsEmissions).length).toBeGreaterThan(0);
    expect(statements.filter(readsCounter)).toEqual([]);
  });
});
