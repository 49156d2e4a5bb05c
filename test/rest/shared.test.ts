/**
 * One recorder behind both APIs: a result POSTed to `/api/v2.0/results` and
 * a GraphQL `recordResult` for the same key share one task state and obey
 * one rule, and each API shows what the other recorded, field for field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post } from '../helpers/rest.ts';
import { collect, startServer, type TestServer } from '../helpers/server.ts';

const RecordResult = `
  mutation SharedRecord($input: RecordResultInput!) {
    recordResult(input: $input) { emitted result { resultId } emission { seq outcome prevOutcome } duplicateOf { seq } }
  }
`;

interface Recorded {
  recordResult: {
    emitted: boolean;
    result: { resultId: number };
    emission: { seq: number; outcome: string; prevOutcome: string | null } | null;
    duplicateOf: { seq: number } | null;
  };
}

let server: TestServer;
let base: string;
beforeAll(async () => {
  server = await startServer();
  base = `${server.url}/api/v2.0`;
});
afterAll(async () => {
  await server.close();
});

const NVR = 'perl-Specio-0.25-1.fc26';

async function stateOf(testcase: string): Promise<{ lastOutcome: string; emittedOutcome: string; resultCount: number; emissionCount: number } | undefined> {
  const data = await server.data<{
    item: { taskStates: Array<{ testcase: string; lastOutcome: string; emittedOutcome: string; resultCount: number; emissionCount: number }> } | null;
  }>(`{ item(type: "koji_build", name: "${NVR}") { taskStates { testcase lastOutcome emittedOutcome resultCount emissionCount } } }`);
  const state = data.item?.taskStates.find((s) => s.testcase === testcase);
  if (state === undefined) return undefined;
  const { lastOutcome, emittedOutcome, resultCount, emissionCount } = state;
  return { lastOutcome, emittedOutcome, resultCount, emissionCount };
}

async function emissions(testcase: string): Promise<Array<{ seq: number; outcome: string; prevOutcome: string | null }>> {
  const data = await server.data<{ emissions: { edges: Array<{ node: { seq: number; outcome: string; prevOutcome: string | null } }> } }>(
    `{ emissions(first: 50, filter: { testcase: "${testcase}" }) { edges { node { seq outcome prevOutcome } } } }`,
  );
  return data.emissions.edges.map((e) => e.node);
}

describe('one task state, one rule', () => {
  it('PASSED via REST then PASSED via GraphQL: one emission; FAILED via REST then emits again', async () => {
    const live = collect<{ emissions: { seq: number; outcome: string; testcase: { name: string } | null } }>(
      server.wsClient(),
      'subscription { emissions(after: 0, filter: { testcase: "dist.shared" }) { seq outcome } }',
      {},
      2,
    );
    const first = await post(server, '/api/v2.0/results', { testcase: 'dist.shared', outcome: 'PASSED', data: { item: NVR, type: 'koji_build' } });
    expect(first.status).toBe(201);
    const second = await server.data<Recorded>(RecordResult, { input: { testcase: 'dist.shared', item: NVR, type: 'koji_build', outcome: 'PASSED' } });
    expect(second.recordResult.emitted).toBe(false);
    expect(second.recordResult.duplicateOf).not.toBeNull();
    expect(await emissions('dist.shared')).toEqual([{ seq: second.recordResult.duplicateOf?.seq, outcome: 'PASSED', prevOutcome: null }]);
    expect(await stateOf('dist.shared')).toEqual({ lastOutcome: 'PASSED', emittedOutcome: 'PASSED', resultCount: 2, emissionCount: 1 });

    const third = await post(server, '/api/v2.0/results', { testcase: 'dist.shared', outcome: 'failed', data: { item: NVR, type: 'koji_build' } });
    expect(third.status).toBe(201);
    const all = await emissions('dist.shared');
    expect(all.map((e) => [e.outcome, e.prevOutcome])).toEqual([
      ['PASSED', null],
      ['FAILED', 'PASSED'],
    ]);
    expect(await stateOf('dist.shared')).toEqual({ lastOutcome: 'FAILED', emittedOutcome: 'FAILED', resultCount: 3, emissionCount: 2 });
    // The live stream got the REST-recorded emissions, as it gets GraphQL's.
    expect((await live).map((e) => [e.emissions.seq, e.emissions.outcome])).toEqual(all.map((e) => [e.seq, e.outcome]));
  });

  it('concurrent REST and GraphQL writers of one state: one emission between them', async () => {
    const writes = Array.from({ length: 16 }, (_, i) =>
      i % 2 === 0
        ? post(server, '/api/v2.0/results', { testcase: 'dist.race', outcome: 'PASSED', data: { item: NVR, type: 'koji_build' } }).then((a) => a.status)
        : server
            .data<Recorded>(RecordResult, { input: { testcase: 'dist.race', item: NVR, type: 'koji_build', outcome: 'PASSED' } })
            .then(() => 201),
    );
    expect(await Promise.all(writes)).toEqual(Array.from({ length: 16 }, () => 201));
    expect((await emissions('dist.race')).map((e) => [e.outcome, e.prevOutcome])).toEqual([['PASSED', null]]);
    expect(await stateOf('dist.race')).toEqual({ lastOutcome: 'PASSED', emittedOutcome: 'PASSED', resultCount: 16, emissionCount: 1 });
  });

  it('GraphQL first, then REST: REST is the duplicate', async () => {
    const first = await server.data<Recorded>(RecordResult, {
      input: { testcase: 'dist.shared2', item: NVR, type: 'koji_build', arch: 'x86_64', outcome: 'FAILED' },
    });
    expect(first.recordResult.emitted).toBe(true);
    const again = await post(server, '/api/v2.0/results', {
      testcase: 'dist.shared2',
      outcome: 'FAILED',
      data: { item: [NVR], type: 'koji_build', arch: 'x86_64' },
    });
    expect(again.status).toBe(201);
    const ids = (await emissions('dist.shared2')).map((e) => e.seq);
    expect(ids).toEqual([first.recordResult.emission?.seq]);
  });
});

describe('each API shows what the other recorded', () => {
  it('a GraphQL result through REST: data as lists with the key in it, groups, note, ref_url, testcase', async () => {
    const recorded = await server.data<Recorded>(RecordResult, {
      input: {
        testcase: 'dist.fields',
        item: NVR,
        type: 'koji_build',
        arch: 'noarch',
        outcome: 'NEEDS_INSPECTION',
        note: '2 unresolved deps',
        refUrl: 'https://taskotron.example.org/artifacts/43/',
        data: { checked: ['foo.spec', 'bar.spec'], scenario: 'one' },
        groups: ['nightly'],
      },
    });
    const id = recorded.recordResult.result.resultId;
    const read = await get(server, `/api/v2.0/results/${id}`);
    expect(read.status).toBe(200);
    const body = read.body as Record<string, unknown>;
    expect(body).toEqual({
      id,
      href: `${base}/results/${id}`,
      testcase: { name: 'dist.fields', ref_url: null, href: `${base}/testcases/dist.fields` },
      outcome: 'NEEDS_INSPECTION',
      note: '2 unresolved deps',
      ref_url: 'https://taskotron.example.org/artifacts/43/',
      submit_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
      groups: ['nightly'],
      data: { arch: ['noarch'], checked: ['foo.spec', 'bar.spec'], item: [NVR], scenario: ['one'], type: ['koji_build'] },
    });
    // The GraphQL time and the REST time are one time.
    const graph = await server.data<{ result: { submittedAt: string } }>(`{ result(id: "${id}") { submittedAt } }`);
    expect(`${String(body['submit_time']).slice(0, 23)}Z`).toBe(new Date(graph.result.submittedAt).toISOString());
    // A group a GraphQL result names is a group of ResultsDB's: found by uuid and listed by GET /groups.
    const listed = await get(server, '/api/v2.0/groups?uuid=nightly');
    expect((listed.body as { data: Array<{ uuid: string; results_count: number }> }).data.map((g) => [g.uuid, g.results_count])).toEqual([['nightly', 1]]);
    const group = await get(server, '/api/v2.0/groups/nightly');
    expect(group.body).toEqual({
      uuid: 'nightly',
      description: null,
      ref_url: null,
      results: `${base}/results?groups=nightly`,
      results_count: 1,
      href: `${base}/groups/nightly`,
    });
    expect((await get(server, '/api/v2.0/groups/nightly/results')).status).toBe(200);
  });

  it('a REST result through GraphQL: key, outcome, note, refUrl, data as sent, groups, submittedAt', async () => {
    const created = await post(server, '/api/v2.0/results', {
      testcase: { name: 'dist.fields2', ref_url: 'https://example.org/dist.fields2' },
      outcome: 'info',
      note: 'note',
      ref_url: 'https://example.org/log',
      submit_time: '2026-06-01T12:00:00.250000',
      data: { item: NVR, type: 'koji_build', arch: ['i686'], moo: ['boo', 'woof'] },
      groups: ['g1'],
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: number }).id;
    const graph = await server.data<{ result: Record<string, unknown> }>(
      `{ result(id: "${id}") { resultId testcase item type arch outcome note refUrl data groups submittedAt } }`,
    );
    expect(graph.result).toEqual({
      resultId: id,
      testcase: 'dist.fields2',
      item: NVR,
      type: 'koji_build',
      arch: 'i686',
      outcome: 'INFO',
      note: 'note',
      refUrl: 'https://example.org/log',
      data: { item: NVR, type: 'koji_build', arch: ['i686'], moo: ['boo', 'woof'] },
      groups: ['g1'],
      submittedAt: '2026-06-01T12:00:00.250Z',
    });
  });

  it("an emission's body carries the result's own submit_time (Taskotron's result.submit_time), for a new key and a known one", async () => {
    // The first result of a new testcase creates its key; the next one of the key finds it locked by id.
    for (const [outcome, at, expected] of [
      ['PASSED', '2026-05-01T08:00:00.000000', '2026-05-01 08:00:00 UTC'],
      ['FAILED', '2026-05-02T09:30:15.999999', '2026-05-02 09:30:15 UTC'],
    ] as const) {
      const created = await post(server, '/api/v2.0/results', {
        testcase: 'dist.submit-time',
        outcome,
        submit_time: at,
        data: { item: NVR, type: 'koji_build' },
      });
      expect(created.status).toBe(201);
      expect((created.body as { submit_time: string }).submit_time).toBe(at);
      const id = (created.body as { id: number }).id;
      const graph = await server.data<{ result: { emission: { body: { result: { submit_time: string; outcome: string } } } | null } }>(
        `{ result(id: "${id}") { emission { body } } }`,
      );
      expect(graph.result.emission?.body.result).toMatchObject({ submit_time: expected, outcome });
    }
  });
});

describe('write auth', () => {
  const body = { testcase: 'dist.auth', outcome: 'PASSED', data: { item: NVR, type: 'koji_build' } };

  it('refuses writes without a valid token by default (401, ResultsDB\'s message shape), and writes nothing', async () => {
    for (const [path, payload] of [
      ['/api/v2.0/results', body],
      ['/api/v2.0/testcases', { name: 'dist.auth' }],
      ['/api/v2.0/groups', { uuid: 'auth-group' }],
    ] as const) {
      const none = await post(server, path, payload, { token: null });
      expect(none.status).toBe(401);
      expect(none.body).toEqual({
        message: 'writing needs an "Authorization: Bearer <token>" header; use the token `serve` printed at its first start, or create one with `resultsbus token create NAME` (on PGlite, with the server stopped)',
      });
      const wrong = await post(server, path, payload, { token: 'rb_not-a-token' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ message: 'the bearer token is not valid (unknown or revoked)' });
    }
    expect((await get(server, '/api/v2.0/testcases/dist.auth')).status).toBe(404);
    expect((await get(server, '/api/v2.0/groups/auth-group')).status).toBe(404);
    expect((await get(server, '/api/v2.0/results?testcases=dist.auth')).body).toEqual({ data: [], prev: null, next: null });
  });

  it('reads need no token', async () => {
    expect((await get(server, '/api/v2.0/results', { token: null })).status).toBe(200);
  });

  it('RESULTSBUS_WRITE_AUTH=none opens writes, REST and GraphQL alike', async () => {
    const open = await startServer({ env: { RESULTSBUS_WRITE_AUTH: 'none' } });
    try {
      const created = await post(open, '/api/v2.0/results', body, { token: null });
      expect(created.status).toBe(201);
      const graph = await open.gql<Recorded>(
        RecordResult,
        { input: { testcase: 'dist.auth', item: NVR, type: 'koji_build', outcome: 'PASSED' } },
        { token: null },
      );
      expect(graph.errors).toBeUndefined();
      expect(graph.data?.recordResult.emitted).toBe(false);
      expect((await post(open, '/api/v2.0/testcases', { name: 'dist.open' }, { token: null })).status).toBe(201);
    } finally {
      await open.close();
    }
  });
});
