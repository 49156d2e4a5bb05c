/**
 * Results that name no build (issue 12 §2 B). A compose's result carries
 * `productmd.compose.id` and no `item`, a container image's `nvr`: their
 * subject is derived from the data by RESULTSBUS_SUBJECTS, and they are keyed,
 * stored and emitted like any other. A result from which no subject can be
 * derived is stored and served, has no task state and emits nothing, and the
 * answer says so, through REST and GraphQL. `data` is kept as it was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { get, post } from '../helpers/rest.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const COMPOSE = 'Fedora-41-20261201.0';

interface RestResult {
  id: number;
  data: Record<string, string[]>;
}

async function latestSeq(): Promise<number> {
  const data = await server.data<{ emissions: { edges: Array<{ node: { seq: number } }> } }>(
    '{ emissions(first: 1, newestFirst: true) { edges { node { seq } } } }',
  );
  return data.emissions.edges[0]?.node.seq ?? 0;
}

async function stateOf(type: string, name: string): Promise<Array<{ testcase: string; resultCount: number; emissionCount: number }>> {
  const data = await server.data<{ item: { taskStates: Array<{ testcase: string; resultCount: number; emissionCount: number }> } | null }>(
    'query($type: String!, $name: String!) { item(type: $type, name: $name) { taskStates { testcase resultCount emissionCount } } }',
    { type, name },
  );
  return data.item?.taskStates ?? [];
}

describe('a compose result without item', () => {
  it('is stored, served as sent, and keyed as the compose of its productmd.compose.id', async () => {
    const data = { 'productmd.compose.id': COMPOSE, 'productmd.compose.type': 'production', scenario: ['b', 'a', 'b'] };
    const first = await post(server, '/api/v2.0/results', { testcase: 'compose.base_selinux', outcome: 'PASSED', data });
    expect(first.status).toBe(201);
    expect(first.headers.get('x-resultsbus-task-state')).toMatch(/^\d+$/);
    expect(first.headers.get('x-resultsbus-emitted')).toMatch(/^\d+$/);
    // Served as sent: every key, dots and all, lists in their order, no item or type added.
    const expected = { 'productmd.compose.id': [COMPOSE], 'productmd.compose.type': ['production'], scenario: ['b', 'a', 'b'] };
    expect((first.body as RestResult).data).toEqual(expected);
    const id = (first.body as RestResult).id;
    const read = await get(server, `/api/v2.0/results/${id}`);
    expect(read.status).toBe(200);
    expect((read.body as RestResult).data).toEqual(expected);
    expect(Object.keys((read.body as RestResult).data)).toEqual(['productmd.compose.id', 'productmd.compose.type', 'scenario']);
    // What Greenwave asks for a compose finds it.
    const latest = await get(server, `/api/v2.0/results/latest?productmd.compose.id=${COMPOSE}&testcases=compose.base_selinux`);
    expect((latest.body as { data: RestResult[] }).data.map((r) => r.id)).toEqual([id]);

    // The same outcome again: the compose's state already says so.
    const second = await post(server, '/api/v2.0/results', { testcase: 'compose.base_selinux', outcome: 'PASSED', data });
    expect(second.headers.get('x-resultsbus-emitted')).toBe('false');
    expect(second.headers.get('x-resultsbus-task-state')).toBe(first.headers.get('x-resultsbus-task-state'));
    expect(await stateOf('compose', COMPOSE)).toEqual([{ testcase: 'compose.base_selinux', resultCount: 2, emissionCount: 1 }]);

    // GraphQL sees it as the compose's result, data as sent.
    const gql = await server.data<{ result: { item: string; type: string; data: unknown; taskState: { resultCount: number } | null } | null }>(
      `{ result(id: "${id}") { item type data taskState { resultCount } } }`,
    );
    expect(gql.result).toEqual({ item: COMPOSE, type: 'compose', data, taskState: { resultCount: 2 } });
  });

  it('a container image by its nvr and type; an nvr alone as a koji_build', async () => {
    const image = await post(server, '/api/v2.0/results', {
      testcase: 'container.sanity',
      outcome: 'PASSED',
      data: { nvr: 'toolbox-container-41-1', type: 'redhat-container-image' },
    });
    expect(image.status).toBe(201);
    expect(await stateOf('redhat-container-image', 'toolbox-container-41-1')).toEqual([{ testcase: 'container.sanity', resultCount: 1, emissionCount: 1 }]);
    const build = await post(server, '/api/v2.0/results', { testcase: 'build.sanity', outcome: 'FAILED', data: { nvr: 'glibc-2.40-1.fc41' } });
    expect(build.status).toBe(201);
    expect(await stateOf('koji_build', 'glibc-2.40-1.fc41')).toEqual([{ testcase: 'build.sanity', resultCount: 1, emissionCount: 1 }]);
    // The data is what was sent; the subject is not written into it.
    expect((build.body as RestResult).data).toEqual({ nvr: ['glibc-2.40-1.fc41'] });
  });
});

describe('a result with no derivable subject', () => {
  it('through REST: 201, stored and served, no task state, no emission; the headers say so', async () => {
    const before = await latestSeq();
    const bodies = [
      { testcase: 'misc.nosubject', outcome: 'PASSED', data: { 'some.key': 'x', list: ['2', '1'] } },
      { testcase: 'misc.nosubject', outcome: 'FAILED', data: { item: 'only-an-item' } },
      { testcase: 'misc.nosubject', outcome: 'PASSED', data: { item: ['a', 'b'], type: 'koji_build' } },
      { testcase: 'misc.nosubject', outcome: 'PASSED' },
    ];
    const ids: number[] = [];
    for (const body of bodies) {
      const answer = await post(server, '/api/v2.0/results', body);
      expect(answer.status).toBe(201);
      expect(answer.headers.get('x-resultsbus-task-state')).toBe('none');
      expect(answer.headers.get('x-resultsbus-emitted')).toBe('false');
      ids.push((answer.body as RestResult).id);
    }
    expect(await latestSeq()).toBe(before);
    const read = await get(server, `/api/v2.0/results/${ids[0]}`);
    expect((read.body as RestResult).data).toEqual({ 'some.key': ['x'], list: ['2', '1'] });
    expect(((await get(server, `/api/v2.0/results/${ids[2]}`)).body as RestResult).data).toEqual({ item: ['a', 'b'], type: ['koji_build'] });
    const listed = await get(server, '/api/v2.0/results?testcases=misc.nosubject');
    expect((listed.body as { data: RestResult[] }).data.map((r) => r.id)).toEqual([...ids].reverse());
  });

  it('through GraphQL: keyed false, no item, no task state, no emission', async () => {
    const before = await latestSeq();
    const answer = await server.data<{
      recordResult: { emitted: boolean; keyed: boolean; result: { resultId: number; item: string | null; type: string | null; taskState: unknown; stateVersion: number | null; data: unknown } };
    }>(
      `mutation($input: RecordResultInput!) { recordResult(input: $input) {
         emitted keyed result { resultId item type taskState { id } stateVersion data } } }`,
      { input: { testcase: 'misc.nosubject.gql', outcome: 'PASSED', data: { 'a.b': ['z', 'y'] } } },
    );
    expect(answer.recordResult).toMatchObject({
      emitted: false,
      keyed: false,
      result: { item: null, type: null, taskState: null, stateVersion: null, data: { 'a.b': ['z', 'y'] } },
    });
    expect(await latestSeq()).toBe(before);
    // Served through REST too.
    const rest = await get(server, `/api/v2.0/results/${answer.recordResult.result.resultId}`);
    expect((rest.body as RestResult).data).toEqual({ 'a.b': ['z', 'y'] });
    // A batch mixing keyed and unkeyed results keeps input order and emits only for the keyed.
    const batch = await server.data<{ recordResults: { results: Array<{ item: string | null; emission: { seq: number } | null }> } }>(
      `mutation($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { results { item emission { seq } } } }`,
      {
        inputs: [
          { testcase: 'misc.mixed', outcome: 'PASSED', data: { note: 'none' } },
          { testcase: 'misc.mixed', outcome: 'PASSED', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build' },
          { testcase: 'misc.mixed', outcome: 'PASSED', data: { 'productmd.compose.id': COMPOSE } },
        ],
      },
    );
    expect(batch.recordResults.results.map((r) => [r.item, r.emission !== null])).toEqual([
      [null, false],
      ['perl-Specio-0.25-1.fc26', true],
      [COMPOSE, true],
    ]);
  });

  it('GraphQL refuses an item without a type (and a type without an item)', async () => {
    const answer = await server.gql(
      'mutation($input: RecordResultInput!) { recordResult(input: $input) { emitted } }',
      { input: { testcase: 'misc.half', outcome: 'PASSED', item: 'x' } },
    );
    expect(answer.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.type' });
  });
});

describe('RESULTSBUS_SUBJECTS', () => {
  it('has the documented default, takes rules or none, and refuses what is not a rule', () => {
    expect(loadConfig({}).subjectRules).toEqual([
      { nameKey: 'item', type: [{ kind: 'key', key: 'type' }] },
      { nameKey: 'productmd.compose.id', type: [{ kind: 'literal', type: 'compose' }] },
      { nameKey: 'nvr', type: [{ kind: 'key', key: 'type' }, { kind: 'literal', type: 'koji_build' }] },
    ]);
    expect(loadConfig({ RESULTSBUS_SUBJECTS: 'none' }).subjectRules).toEqual([]);
    for (const bad of ['item', 'item=', '=compose', 'item={}', 'a b=c', 'item={type']) {
      expect(() => loadConfig({ RESULTSBUS_SUBJECTS: bad })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ RESULTSBUS_SUBJECTS: 'item' })).toThrow(/^RESULTSBUS_SUBJECTS must be comma-separated rules NAME_KEY=TYPE/);
  });

  it('with none, a compose result has no subject: stored, no state, no emission', async () => {
    const bare = await startServer({ env: { RESULTSBUS_SUBJECTS: 'none' } });
    try {
      const answer = await post(bare, '/api/v2.0/results', { testcase: 'compose.x', outcome: 'PASSED', data: { 'productmd.compose.id': COMPOSE } });
      expect(answer.status).toBe(201);
      expect(answer.headers.get('x-resultsbus-task-state')).toBe('none');
    } finally {
      await bare.close();
    }
  });
});
