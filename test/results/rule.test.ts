/**
 * The rule of design.md, seen through the API: emit on the first result of a
 * key, on a change of the outcome last emitted, or when forced; otherwise
 * store the result as a duplicate of the emission that covers it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/index.ts';
import type { Outcome } from '../../src/generated/graphql.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const Record = graphql(`
  mutation RuleRecord($input: RecordResultInput!) {
    recordResult(input: $input) {
      emitted
      result { resultId outcome forced stateVersion duplicateOf { seq } emission { seq } }
      emission { seq outcome prevOutcome forced topic msgId timestamp body }
      duplicateOf { seq outcome }
    }
  }
`);

const ItemStates = graphql(`
  query RuleItemStates($type: String!, $name: String!) {
    item(type: $type, name: $name) {
      taskStates { testcase arch lastOutcome emittedOutcome resultCount emissionCount stateVersion lastResult { resultId } lastEmission { seq } }
      emissions(first: 100) { edges { node { seq outcome prevOutcome forced } } }
    }
  }
`);

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const key = { testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build' };

async function record(outcome: Outcome, extra: { force?: boolean; arch?: string; testcase?: string; item?: string; type?: string } = {}) {
  const input = { ...key, outcome, refUrl: 'https://taskotron.example.org/artifacts/1/', ...extra };
  return (await server.data(Record, { input })).recordResult;
}

describe('the recording rule', () => {
  it('emits PASSED, PASSED, FAILED, FAILED, PASSED three times, then once more when forced', async () => {
    const seen = [];
    for (const outcome of ['PASSED', 'PASSED', 'FAILED', 'FAILED', 'PASSED'] as const) seen.push(await record(outcome));
    expect(seen.map((r) => r.emitted)).toEqual([true, false, true, false, true]);
    const emissions = seen.flatMap((r) => (r.emission ? [r.emission] : []));
    expect(emissions.map((e) => [e.outcome, e.prevOutcome, e.forced])).toEqual([
      ['PASSED', null, false],
      ['FAILED', 'PASSED', false],
      ['PASSED', 'FAILED', false],
    ]);
    expect(emissions.map((e) => e.seq)).toEqual([1, 2, 3]);

    // Duplicates point at the emission that covers their state.
    expect(seen[1]?.duplicateOf).toEqual({ seq: 1, outcome: 'PASSED' });
    expect(seen[1]?.result.duplicateOf).toEqual({ seq: 1 });
    expect(seen[3]?.duplicateOf).toEqual({ seq: 2, outcome: 'FAILED' });
    expect(seen[0]?.duplicateOf).toBeNull();
    expect(seen[0]?.result.emission).toEqual({ seq: 1 });
    expect(seen.map((r) => r.result.stateVersion)).toEqual([1, 2, 3, 4, 5]);

    const forced = await record('PASSED', { force: true });
    expect(forced.emitted).toBe(true);
    expect(forced.emission).toMatchObject({ seq: 4, outcome: 'PASSED', prevOutcome: 'PASSED', forced: true });
    expect(forced.result.forced).toBe(true);

    // A plain PASSED after the forced one is covered by the forced emission.
    const after = await record('PASSED');
    expect(after.emitted).toBe(false);
    expect(after.duplicateOf).toEqual({ seq: 4, outcome: 'PASSED' });

    const state = (await server.data(ItemStates, { type: key.type, name: key.item })).item;
    expect(state?.taskStates).toEqual([
      {
        testcase: 'dist.depcheck',
        arch: null,
        lastOutcome: 'PASSED',
        emittedOutcome: 'PASSED',
        resultCount: 7,
        emissionCount: 4,
        stateVersion: 7,
        lastResult: { resultId: after.result.resultId },
        lastEmission: { seq: 4 },
      },
    ]);
    expect(state?.emissions.edges.map((e) => e.node.seq)).toEqual([1, 2, 3, 4]);
  });

  it('builds a Taskotron fedmsg body, topic and msg_id into each emission', async () => {
    const r = await record('NEEDS_INSPECTION', { item: 'python-requests-2.31.0-1.fc40', arch: 'x86_64' });
    const e = r.emission;
    expect(e).not.toBeNull();
    if (!e) return;
    expect(e.topic).toBe('org.fedoraproject.dev.taskotron.result.new');
    expect(e.msgId).toMatch(/^\d{4}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(e.msgId.slice(0, 4)).toBe(String(new Date().getUTCFullYear()));
    expect(Number.isInteger(e.timestamp)).toBe(true);
    expect(Math.abs(e.timestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(e.body).toEqual({
      task: { name: 'dist.depcheck', item: 'python-requests-2.31.0-1.fc40', type: 'koji_build', arch: 'x86_64' },
      result: {
        id: r.result.resultId,
        submit_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/),
        prev_outcome: null,
        outcome: 'NEEDS_INSPECTION',
        log_url: 'https://taskotron.example.org/artifacts/1/',
        forced: false,
      },
    });
  });

  it('forcing the first result of a key is a plain first emission', async () => {
    const r = await record('FAILED', { item: 'forced-first-1.0-1.fc40', force: true });
    expect(r.emission).toMatchObject({ prevOutcome: null, forced: false, outcome: 'FAILED' });
    expect(r.result.forced).toBe(true);
  });

  it('keeps keys apart: another testcase, item, type or arch never changes the decision', async () => {
    const base = { testcase: 'dist.rpmlint', item: 'isolation-1.0-1.fc40', type: 'koji_build' };
    const first = await record('PASSED', base);
    expect(first.emitted).toBe(true);
    // Each neighbour differs in one part of the key: each is a first result of its own key...
    const neighbours = [
      { ...base, testcase: 'dist.upgradepath' },
      { ...base, item: 'isolation-1.0-2.fc40' },
      { ...base, type: 'bodhi_update' },
      { ...base, arch: 'x86_64' },
      { ...base, arch: 'aarch64' },
    ];
    for (const n of neighbours) {
      const r = await record('FAILED', n);
      expect(r.emission, JSON.stringify(n)).toMatchObject({ prevOutcome: null, outcome: 'FAILED' });
    }
    // ...and none of them moved this key's state: PASSED is still a duplicate, FAILED a change from PASSED.
    const again = await record('PASSED', base);
    expect(again.emitted).toBe(false);
    expect(again.duplicateOf?.seq).toBe(first.emission?.seq);
    const change = await record('FAILED', base);
    expect(change.emission).toMatchObject({ prevOutcome: 'PASSED', outcome: 'FAILED' });
    // The neighbours keep their own state too.
    for (const n of neighbours) {
      const r = await record('FAILED', n);
      expect(r.emitted, JSON.stringify(n)).toBe(false);
    }
  });
});
