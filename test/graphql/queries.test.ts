/**
 * The read side of the API as a dashboard uses it: single objects by id,
 * `node(id)`, filtered lists, cursor pages, items with their task states and
 * history, testcases and emissions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.ts';

interface Recorded {
  id: string;
  resultId: number;
  submittedAt: string;
  emission: { id: string; seq: number } | null;
}

interface Edge<T> {
  cursor: string;
  node: T;
}
interface Page<T> {
  edges: Array<Edge<T>>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const RecordBatch = `
  mutation QueriesRecord($inputs: [RecordResultInput!]!) {
    recordResults(inputs: $inputs) { results { id resultId submittedAt emission { id seq } } }
  }
`;

const PERL = 'perl-Specio-0.25-1.fc26';
const PYTHON = 'python-requests-2.31.0-1.fc40';
const UPDATE = 'FEDORA-2026-0a1b2c3d4e';

// Two batches recorded one after the other, so that `since`/`until` can tell them apart.
const first = [
  {
    testcase: 'dist.depcheck',
    item: PERL,
    type: 'koji_build',
    arch: 'x86_64',
    outcome: 'PASSED',
    note: 'all deps resolved',
    refUrl: 'https://taskotron.example.org/artifacts/1/',
    data: { compose: 'Fedora-26-20170101.n.0', tags: ['f26', 'f26-updates'] },
    groups: ['g-alpha'],
  },
  { testcase: 'dist.depcheck', item: PERL, type: 'koji_build', arch: 'noarch', outcome: 'FAILED' },
  { testcase: 'dist.rpmlint', item: PERL, type: 'koji_build', outcome: 'INFO' },
  { testcase: 'dist.upgradepath', item: UPDATE, type: 'bodhi_update', outcome: 'PASSED', groups: ['g-beta'] },
  { testcase: 'distx.abicheck', item: PYTHON, type: 'koji_build', arch: 'x86_64', outcome: 'NEEDS_INSPECTION' },
  { testcase: 'dist_legacy', item: PYTHON, type: 'koji_build', outcome: 'PASSED' },
] as const;
const second = [
  // Same outcome as last emitted: stored as a duplicate, no emission.
  { testcase: 'dist.depcheck', item: PERL, type: 'koji_build', arch: 'x86_64', outcome: 'PASSED' },
  // A change (FAILED -> PASSED): emits with prevOutcome FAILED.
  { testcase: 'dist.depcheck', item: PERL, type: 'koji_build', arch: 'noarch', outcome: 'PASSED' },
  { testcase: 'dist.rpmlint', item: PYTHON, type: 'koji_build', outcome: 'ERROR', groups: ['g-alpha'] },
] as const;

let server: TestServer;
let a: Recorded[];
let b: Recorded[];

/** The result of input `i` of the first (`a`) or second (`b`) batch. */
function r(batch: Recorded[], i: number): Recorded {
  const got = batch[i];
  if (!got) throw new Error(`no result ${i}`);
  return got;
}

beforeAll(async () => {
  server = await startServer();
  a = (await server.data<{ recordResults: { results: Recorded[] } }>(RecordBatch, { inputs: first })).recordResults.results;
  b = (await server.data<{ recordResults: { results: Recorded[] } }>(RecordBatch, { inputs: second })).recordResults.results;
});
afterAll(async () => {
  await server.close();
});

/** Reads run without a token: they are public. */
async function read<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return server.data<T>(query, variables, { token: null });
}

async function resultIds(filter: Record<string, unknown>): Promise<number[]> {
  const { results } = await read<{ results: Page<{ resultId: number }> }>(
    `query QueriesResultIds($filter: ResultFilter) { results(filter: $filter, first: 500) { edges { node { resultId } } } }`,
    { filter },
  );
  return results.edges.map((e) => e.node.resultId);
}

const ids = (...rs: Recorded[]): number[] => rs.map((x) => x.resultId).sort((x, y) => y - x);

describe('result(id) and node(id)', () => {
  it('returns every field of a result, by global ID and by number', async () => {
    const query = `
      query QueriesResult($id: ID!) {
        result(id: $id) {
          id resultId testcase item type arch outcome note refUrl data groups submittedAt forced stateVersion
          emission { seq outcome prevOutcome }
          duplicateOf { seq }
          itemNode { type name }
          taskState { testcase arch lastOutcome }
        }
      }
    `;
    const target = r(a, 0);
    const byGlobal = await read<{ result: Record<string, unknown> }>(query, { id: target.id });
    const byNumber = await read<{ result: Record<string, unknown> }>(query, { id: String(target.resultId) });
    expect(byNumber).toEqual(byGlobal);
    expect(byGlobal.result).toEqual({
      id: target.id,
      resultId: target.resultId,
      testcase: 'dist.depcheck',
      item: PERL,
      type: 'koji_build',
      arch: 'x86_64',
      outcome: 'PASSED',
      note: 'all deps resolved',
      refUrl: 'https://taskotron.example.org/artifacts/1/',
      data: { compose: 'Fedora-26-20170101.n.0', tags: ['f26', 'f26-updates'] },
      groups: ['g-alpha'],
      submittedAt: target.submittedAt,
      forced: false,
      stateVersion: 1,
      emission: { seq: target.emission?.seq, outcome: 'PASSED', prevOutcome: null },
      duplicateOf: null,
      itemNode: { type: 'koji_build', name: PERL },
      // The key has seen a second PASSED since.
      taskState: { testcase: 'dist.depcheck', arch: 'x86_64', lastOutcome: 'PASSED' },
    });
    expect(new Date(target.submittedAt).toISOString()).toBe(target.submittedAt);
  });

  it('shows a duplicate with the emission that covers it and no emission of its own', async () => {
    const dup = r(b, 0);
    const { result } = await read<{ result: { stateVersion: number; emission: null; duplicateOf: { seq: number } } }>(
      `query QueriesDup($id: ID!) { result(id: $id) { stateVersion emission { seq } duplicateOf { seq } } }`,
      { id: dup.id },
    );
    expect(result).toEqual({ stateVersion: 2, emission: null, duplicateOf: { seq: r(a, 0).emission?.seq } });
  });

  it('gives null for an id nothing has, and BAD_USER_INPUT for an ID of another type or out of range', async () => {
    expect(await read(`{ result(id: "987654") { id } }`)).toEqual({ result: null });
    const emissionId = r(a, 0).emission?.id;
    for (const id of [emissionId, 'not-an-id', '99999999999999999999999']) {
      const response = await server.gql(`query QueriesBadId($id: ID!) { result(id: $id) { id } }`, { id }, { token: null });
      expect(response.errors?.[0]?.extensions, String(id)).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
      expect(response.errors?.[0]?.message).toMatch(/not the ID of a Result/);
    }
  });

  it('node(id) fetches results, emissions, items, task states and testcases by their global IDs', async () => {
    const { item } = await read<{ item: { id: string; taskStates: Array<{ id: string; testcase: string; arch: string | null }> } }>(
      `query QueriesItemIds($type: String!, $name: String!) { item(type: $type, name: $name) { id taskStates { id testcase arch } } }`,
      { type: 'koji_build', name: PERL },
    );
    const { testcases } = await read<{ testcases: Page<{ id: string; name: string }> }>(
      `{ testcases(name: "dist.rpmlint") { edges { node { id name } } } }`,
    );
    const state = item.taskStates.find((s) => s.testcase === 'dist.rpmlint');
    const testcase = testcases.edges[0]?.node;
    const nodeQuery = `
      query QueriesNode($id: ID!) {
        node(id: $id) {
          __typename id
          ... on Result { resultId }
          ... on Emission { seq }
          ... on Item { name }
          ... on TaskState { testcase arch }
          ... on Testcase { name }
        }
      }
    `;
    const node = async (id: string | undefined) => (await read<{ node: Record<string, unknown> | null }>(nodeQuery, { id })).node;
    expect(await node(r(a, 2).id)).toEqual({ __typename: 'Result', id: r(a, 2).id, resultId: r(a, 2).resultId });
    expect(await node(r(a, 1).emission?.id)).toEqual({ __typename: 'Emission', id: r(a, 1).emission?.id, seq: r(a, 1).emission?.seq });
    expect(await node(item.id)).toEqual({ __typename: 'Item', id: item.id, name: PERL });
    expect(await node(state?.id)).toEqual({ __typename: 'TaskState', id: state?.id, testcase: 'dist.rpmlint', arch: null });
    expect(await node(testcase?.id)).toEqual({ __typename: 'Testcase', id: testcase?.id, name: 'dist.rpmlint' });

    const { nodes } = await read<{ nodes: Array<{ __typename: string } | null> }>(
      `query QueriesNodes($ids: [ID!]!) { nodes(ids: $ids) { __typename } }`,
      { ids: [item.id, r(a, 0).id] },
    );
    expect(nodes).toEqual([{ __typename: 'Item' }, { __typename: 'Result' }]);
  });

  it('node(id) gives null for a well-formed ID nothing has, and BAD_USER_INPUT for a malformed one', async () => {
    const global = (raw: string): string => Buffer.from(raw).toString('base64');
    expect(await read(`query QueriesNodeNone($id: ID!) { node(id: $id) { id } }`, { id: global('Result:987654') })).toEqual({ node: null });
    for (const raw of ['Result:abc', 'Item:3000000000', 'Emission:-1', 'Nonsense:1']) {
      const response = await server.gql(`query QueriesNodeBad($id: ID!) { node(id: $id) { id } }`, { id: global(raw) }, { token: null });
      expect(response.errors?.[0]?.extensions, raw).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
    }
    const garbage = await server.gql(`{ node(id: "%%%") { id } }`, {}, { token: null });
    expect(garbage.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'id' });
  });
});

describe('results(filter)', () => {
  it('lists results newest first', async () => {
    expect(await resultIds({})).toEqual(ids(...a, ...b));
  });

  it('filters by testcase, exactly or by a prefix ending in *', async () => {
    expect(await resultIds({ testcase: 'dist.depcheck' })).toEqual(ids(r(a, 0), r(a, 1), r(b, 0), r(b, 1)));
    expect(await resultIds({ testcase: 'dist.*' })).toEqual(ids(r(a, 0), r(a, 1), r(a, 2), r(a, 3), r(b, 0), r(b, 1), r(b, 2)));
    // `_` in a prefix is a character, not a LIKE wildcard.
    expect(await resultIds({ testcase: 'dist_*' })).toEqual(ids(r(a, 5)));
    expect(await resultIds({ testcase: 'dist' })).toEqual([]);
  });

  it('filters by item, type and arch', async () => {
    expect(await resultIds({ item: PYTHON })).toEqual(ids(r(a, 4), r(a, 5), r(b, 2)));
    expect(await resultIds({ type: 'bodhi_update' })).toEqual(ids(r(a, 3)));
    expect(await resultIds({ item: PERL, type: 'bodhi_update' })).toEqual([]);
    expect(await resultIds({ arch: 'x86_64' })).toEqual(ids(r(a, 0), r(a, 4), r(b, 0)));
    expect(await resultIds({ arch: 'noarch', item: PERL })).toEqual(ids(r(a, 1), r(b, 1)));
  });

  it('filters by one outcome or several', async () => {
    expect(await resultIds({ outcome: ['FAILED'] })).toEqual(ids(r(a, 1)));
    expect(await resultIds({ outcome: ['FAILED', 'ERROR', 'INFO'] })).toEqual(ids(r(a, 1), r(a, 2), r(b, 2)));
    // A single value is coerced to a list, as GraphQL does for list inputs.
    const { results } = await read<{ results: Page<{ resultId: number }> }>(`{ results(filter: { outcome: ERROR }) { edges { node { resultId } } } }`);
    expect(results.edges.map((e) => e.node.resultId)).toEqual(ids(r(b, 2)));
  });

  it('filters by submission time, both bounds inclusive', async () => {
    const t1 = r(a, 0).submittedAt;
    const t2 = r(b, 0).submittedAt;
    // Each batch has one submission time; the second came later.
    expect(new Set(a.map((x) => x.submittedAt))).toEqual(new Set([t1]));
    expect(t2 > t1).toBe(true);
    expect(await resultIds({ since: t2 })).toEqual(ids(...b));
    expect(await resultIds({ until: t1 })).toEqual(ids(...a));
    expect(await resultIds({ since: t1, until: t1 })).toEqual(ids(...a));
    expect(await resultIds({ since: t2, testcase: 'dist.depcheck' })).toEqual(ids(r(b, 0), r(b, 1)));
  });

  it('filters by group', async () => {
    expect(await resultIds({ group: 'g-alpha' })).toEqual(ids(r(a, 0), r(b, 2)));
    expect(await resultIds({ group: 'g-beta' })).toEqual(ids(r(a, 3)));
    expect(await resultIds({ group: 'g-gamma' })).toEqual([]);
  });

  it('takes ISO 8601 dates and date-times with a zone', async () => {
    expect(await resultIds({ since: '2000-01-01' })).toEqual(ids(...a, ...b));
    expect(await resultIds({ until: '2000-01-01T00:00:00+02:00' })).toEqual([]);
  });

  it('refuses anything else as a time with BAD_USER_INPUT, rather than guessing', async () => {
    // "5" would be the year 2005 to `new Date`, and a time without a zone the server's local time.
    for (const s of ['yesterday', '5', 'March 7', '2026-11-24T12:00:00', '2026-13-45']) {
      const response = await server.gql(`query QueriesBadTime($s: DateTime) { results(filter: { since: $s }) { edges { cursor } } }`, { s });
      expect(response.errors?.[0]?.extensions?.code, s).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.message).toContain(`ISO 8601`);
      expect(response.errors?.[0]?.message).toContain(JSON.stringify(s));
    }
    const literal = await server.gql(`{ results(filter: { since: 5 }) { edges { cursor } } }`);
    expect(literal.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(literal.errors?.[0]?.message).toMatch(/got 5$/);
  });
});

describe('cursor pagination', () => {
  const pageQuery = `
    query QueriesPage($first: Int, $after: String) {
      results(first: $first, after: $after) {
        edges { cursor node { resultId } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      }
    }
  `;

  it('walks all results in pages of two, each exactly once, newest first', async () => {
    const seen: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { results }: { results: Page<{ resultId: number }> } = await read(pageQuery, { first: 2, after });
      pages += 1;
      expect(results.edges.length).toBeLessThanOrEqual(2);
      expect(results.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(results.pageInfo.startCursor).toBe(results.edges[0]?.cursor ?? null);
      expect(results.pageInfo.endCursor).toBe(results.edges[results.edges.length - 1]?.cursor ?? null);
      seen.push(...results.edges.map((e) => e.node.resultId));
      if (!results.pageInfo.hasNextPage) break;
      after = results.pageInfo.endCursor;
      expect(pages).toBeLessThan(10);
    }
    expect(seen).toEqual(ids(...a, ...b));
    expect(pages).toBe(5); // 9 results
  });

  it('accepts first from 0 to 500 and refuses 501, negative values and backward paging', async () => {
    const none = (await read<{ results: Page<unknown> }>(pageQuery, { first: 0 })).results;
    expect(none.edges).toEqual([]);
    expect(none.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
    expect((await read<{ results: Page<unknown> }>(pageQuery, { first: 500 })).results.edges).toHaveLength(9);
    for (const first of [501, -1]) {
      const response = await server.gql(pageQuery, { first });
      expect(response.errors?.[0]?.extensions, String(first)).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
      expect(response.errors?.[0]?.message).toMatch(/0 to 500/);
    }
    const backward = await server.gql(`{ results(last: 2) { edges { cursor } } }`);
    expect(backward.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Every connection has the same limit.
    for (const field of ['items', 'testcases', 'emissions']) {
      const response = await server.gql(`{ ${field}(first: 501) { edges { cursor } } }`);
      expect(response.errors?.[0]?.extensions, field).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
    }
  });

  it('refuses a cursor that is not from the same connection', async () => {
    const { items } = await read<{ items: Page<unknown> }>(`{ items(first: 1) { edges { cursor } pageInfo { endCursor } } }`);
    for (const after of [items.pageInfo.endCursor, 'garbage']) {
      const response = await server.gql(pageQuery, { first: 2, after });
      expect(response.errors?.[0]?.extensions, String(after)).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });
});

interface TaskStateOut {
  testcase: string;
  arch: string | null;
  lastOutcome: string | null;
  emittedOutcome: string | null;
  lastResult: { resultId: number } | null;
  lastEmission: { seq: number } | null;
  resultCount: number;
  emissionCount: number;
  stateVersion: number;
  updatedAt: string;
}

describe('item(type, name) and items(filter)', () => {
  it('shows an item with its current state per testcase and arch', async () => {
    const { item } = await read<{ item: { type: string; name: string; createdAt: string; taskStates: TaskStateOut[] } }>(
      `query QueriesItem($type: String!, $name: String!) {
        item(type: $type, name: $name) {
          type name createdAt
          taskStates {
            testcase arch lastOutcome emittedOutcome resultCount emissionCount stateVersion updatedAt
            lastResult { resultId } lastEmission { seq }
          }
        }
      }`,
      { type: 'koji_build', name: PERL },
    );
    expect(item.type).toBe('koji_build');
    expect(item.name).toBe(PERL);
    const t1 = r(a, 0).submittedAt;
    const t2 = r(b, 0).submittedAt;
    // By testcase, then arch.
    expect(item.taskStates).toEqual([
      {
        testcase: 'dist.depcheck',
        arch: 'noarch',
        lastOutcome: 'PASSED',
        emittedOutcome: 'PASSED',
        resultCount: 2,
        emissionCount: 2,
        stateVersion: 2,
        updatedAt: t2,
        lastResult: { resultId: r(b, 1).resultId },
        lastEmission: { seq: r(b, 1).emission?.seq },
      },
      {
        testcase: 'dist.depcheck',
        arch: 'x86_64',
        lastOutcome: 'PASSED',
        emittedOutcome: 'PASSED',
        resultCount: 2,
        emissionCount: 1,
        stateVersion: 2,
        updatedAt: t2,
        lastResult: { resultId: r(b, 0).resultId },
        lastEmission: { seq: r(a, 0).emission?.seq },
      },
      {
        testcase: 'dist.rpmlint',
        arch: null,
        lastOutcome: 'INFO',
        emittedOutcome: 'INFO',
        resultCount: 1,
        emissionCount: 1,
        stateVersion: 1,
        updatedAt: t1,
        lastResult: { resultId: r(a, 2).resultId },
        lastEmission: { seq: r(a, 2).emission?.seq },
      },
    ]);
  });

  it('filters task states by testcase, and gives null for an unknown item', async () => {
    const query = `
      query QueriesStates($type: String!, $name: String!, $testcase: [String!]) {
        item(type: $type, name: $name) { taskStates(testcase: $testcase) { testcase arch } }
      }
    `;
    const states = async (testcase: string) =>
      (await read<{ item: { taskStates: Array<{ testcase: string; arch: string | null }> } }>(query, { type: 'koji_build', name: PERL, testcase })).item
        .taskStates;
    expect(await states('dist.rpmlint')).toEqual([{ testcase: 'dist.rpmlint', arch: null }]);
    expect(await states('dist.*')).toHaveLength(3);
    expect(await states('dist.dep')).toEqual([]);
    // The type is part of the item's identity.
    expect(await read(query, { type: 'bodhi_update', name: PERL })).toEqual({ item: null });
  });

  it("lists an item's results newest first, optionally for one testcase, and pages through them", async () => {
    const query = `
      query QueriesItemResults($name: String!, $testcase: [String!], $first: Int, $after: String) {
        item(type: "koji_build", name: $name) {
          results(testcase: $testcase, first: $first, after: $after) {
            edges { node { resultId testcase } }
            pageInfo { hasNextPage endCursor }
          }
        }
      }
    `;
    type Out = { item: { results: Page<{ resultId: number; testcase: string }> } };
    const all = (await read<Out>(query, { name: PERL })).item.results;
    expect(all.edges.map((e) => e.node.resultId)).toEqual(ids(r(a, 0), r(a, 1), r(a, 2), r(b, 0), r(b, 1)));
    const rpmlint = (await read<Out>(query, { name: PERL, testcase: 'dist.rpmlint' })).item.results;
    expect(rpmlint.edges.map((e) => e.node.resultId)).toEqual([r(a, 2).resultId]);
    const page1 = (await read<Out>(query, { name: PERL, first: 3 })).item.results;
    const page2 = (await read<Out>(query, { name: PERL, first: 3, after: page1.pageInfo.endCursor })).item.results;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect([...page1.edges, ...page2.edges].map((e) => e.node.resultId)).toEqual(all.edges.map((e) => e.node.resultId));
  });

  it("lists an item's emissions in seq order or newest first", async () => {
    const query = `
      query QueriesItemEmissions($newestFirst: Boolean, $testcase: [String!]) {
        item(type: "koji_build", name: "${PERL}") { emissions(newestFirst: $newestFirst, testcase: $testcase) { edges { node { seq outcome prevOutcome } } } }
      }
    `;
    type Out = { item: { emissions: Page<{ seq: number; outcome: string; prevOutcome: string | null }> } };
    const seqs = [r(a, 0), r(a, 1), r(a, 2), r(b, 1)].map((x) => x.emission?.seq);
    expect((await read<Out>(query)).item.emissions.edges.map((e) => e.node.seq)).toEqual(seqs);
    expect((await read<Out>(query, { newestFirst: true })).item.emissions.edges.map((e) => e.node.seq)).toEqual([...seqs].reverse());
    expect((await read<Out>(query, { testcase: 'dist.depcheck' })).item.emissions.edges.map((e) => e.node)).toEqual([
      { seq: r(a, 0).emission?.seq, outcome: 'PASSED', prevOutcome: null },
      { seq: r(a, 1).emission?.seq, outcome: 'FAILED', prevOutcome: null },
      { seq: r(b, 1).emission?.seq, outcome: 'PASSED', prevOutcome: 'FAILED' },
    ]);
  });

  it('lists items in the order first seen, filtered by type, name, testcase, outcome and arch', async () => {
    const names = async (filter: Record<string, unknown>) =>
      (await read<{ items: Page<{ name: string }> }>(`query QueriesItems($filter: ItemFilter) { items(filter: $filter) { edges { node { name } } } }`, { filter })).items.edges.map(
        (e) => e.node.name,
      );
    // One batch creates its new items in (type, name) order, so this is their order of creation.
    expect(await names({})).toEqual([UPDATE, PERL, PYTHON]);
    expect(await names({ type: 'koji_build' })).toEqual([PERL, PYTHON]);
    expect(await names({ name: PYTHON })).toEqual([PYTHON]);
    expect(await names({ name: 'p*' })).toEqual([PERL, PYTHON]);
    expect(await names({ name: 'python' })).toEqual([]);
    expect(await names({ testcase: 'dist.rpmlint' })).toEqual([PERL, PYTHON]);
    expect(await names({ testcase: 'distx.*' })).toEqual([PYTHON]);
    // Outcome is the task state's last outcome: PERL's noarch FAILED was followed by PASSED.
    expect(await names({ outcome: ['FAILED'] })).toEqual([]);
    expect(await names({ outcome: ['ERROR', 'NEEDS_INSPECTION'] })).toEqual([PYTHON]);
    expect(await names({ arch: 'noarch' })).toEqual([PERL]);
    // All conditions hold for one and the same task state.
    expect(await names({ testcase: 'dist.rpmlint', arch: 'x86_64' })).toEqual([]);
    expect(await names({ testcase: 'distx.abicheck', arch: 'x86_64', outcome: ['NEEDS_INSPECTION'] })).toEqual([PYTHON]);

    const page1 = (await read<{ items: Page<{ name: string }> }>(`{ items(first: 2) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`)).items;
    const page2 = (
      await read<{ items: Page<{ name: string }> }>(`query QueriesItems2($after: String) { items(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage } } }`, {
        after: page1.pageInfo.endCursor,
      })
    ).items;
    expect([page1.pageInfo.hasNextPage, page2.pageInfo.hasNextPage]).toEqual([true, false]);
    expect([...page1.edges, ...page2.edges].map((e) => e.node.name)).toEqual([UPDATE, PERL, PYTHON]);
  });
});

describe('testcases', () => {
  it('lists testcases by name, by prefix, and in pages', async () => {
    const names = async (name?: string) =>
      (await read<{ testcases: Page<{ name: string; createdAt: string }> }>(`query QueriesTestcases($name: String) { testcases(name: $name) { edges { node { name createdAt } } } }`, {
        name,
      })).testcases.edges.map((e) => e.node.name);
    expect(await names()).toEqual(['dist.depcheck', 'dist.rpmlint', 'dist.upgradepath', 'dist_legacy', 'distx.abicheck']);
    expect(await names('dist.*')).toEqual(['dist.depcheck', 'dist.rpmlint', 'dist.upgradepath']);
    expect(await names('dist_*')).toEqual(['dist_legacy']);
    expect(await names('dist.rpmlint')).toEqual(['dist.rpmlint']);

    const query = `query QueriesTestcasePage($after: String) { testcases(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const { testcases }: { testcases: Page<{ name: string }> } = await read(query, { after });
      seen.push(...testcases.edges.map((e) => e.node.name));
      if (!testcases.pageInfo.hasNextPage) break;
      after = testcases.pageInfo.endCursor;
    }
    expect(seen).toEqual(await names());
  });
});

interface EmissionOut {
  seq: number;
  msgId: string;
  topic: string;
  timestamp: number;
  body: unknown;
  outcome: string;
  prevOutcome: string | null;
  forced: boolean;
  testcase: string;
  arch: string | null;
  createdAt: string;
  result: { resultId: number };
  item: { type: string; name: string };
}

describe('emissions(filter)', () => {
  const query = `
    query QueriesEmissions($filter: EmissionFilter, $newestFirst: Boolean, $first: Int, $after: String) {
      emissions(filter: $filter, newestFirst: $newestFirst, first: $first, after: $after) {
        edges { node { seq msgId topic timestamp body outcome prevOutcome forced testcase arch createdAt result { resultId } item { type name } } }
        pageInfo { hasNextPage endCursor }
      }
    }
  `;
  const seqs = async (variables: Record<string, unknown>) =>
    (await read<{ emissions: Page<EmissionOut> }>(query, variables)).emissions.edges.map((e) => e.node.seq);

  it('lists emissions in seq order with everything a fedmsg needs', async () => {
    const { emissions } = await read<{ emissions: Page<EmissionOut> }>(query);
    const all = [...a, ...b].flatMap((x) => (x.emission ? [x] : []));
    expect(emissions.edges.map((e) => e.node.seq)).toEqual(all.map((x) => x.emission?.seq));
    expect(emissions.edges.map((e) => e.node.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const change = emissions.edges.find((e) => e.node.seq === r(b, 1).emission?.seq)?.node;
    expect(change).toEqual({
      seq: r(b, 1).emission?.seq,
      msgId: expect.stringMatching(/^\d{4}-[0-9a-f-]{36}$/),
      topic: 'org.fedoraproject.dev.taskotron.result.new',
      timestamp: Math.floor(new Date(r(b, 1).submittedAt).getTime() / 1000),
      body: {
        task: { name: 'dist.depcheck', item: PERL, type: 'koji_build', arch: 'noarch' },
        result: {
          id: r(b, 1).resultId,
          submit_time: expect.stringMatching(/ UTC$/),
          prev_outcome: 'FAILED',
          outcome: 'PASSED',
          log_url: null,
          forced: false,
        },
      },
      outcome: 'PASSED',
      prevOutcome: 'FAILED',
      forced: false,
      testcase: 'dist.depcheck',
      arch: 'noarch',
      createdAt: r(b, 1).submittedAt,
      result: { resultId: r(b, 1).resultId },
      item: { type: 'koji_build', name: PERL },
    });
  });

  it('filters by testcase, item, type, arch, outcome, time and group', async () => {
    const seqOf = (...rs: Recorded[]) => rs.map((x) => x.emission?.seq);
    expect(await seqs({ filter: { testcase: 'dist.depcheck' } })).toEqual(seqOf(r(a, 0), r(a, 1), r(b, 1)));
    expect(await seqs({ filter: { testcase: 'dist*' } })).toEqual(seqOf(...a, r(b, 1), r(b, 2)));
    expect(await seqs({ filter: { item: PYTHON } })).toEqual(seqOf(r(a, 4), r(a, 5), r(b, 2)));
    expect(await seqs({ filter: { type: 'bodhi_update' } })).toEqual(seqOf(r(a, 3)));
    expect(await seqs({ filter: { arch: 'x86_64' } })).toEqual(seqOf(r(a, 0), r(a, 4)));
    expect(await seqs({ filter: { outcome: ['FAILED', 'ERROR'] } })).toEqual(seqOf(r(a, 1), r(b, 2)));
    expect(await seqs({ filter: { since: r(b, 0).submittedAt } })).toEqual(seqOf(r(b, 1), r(b, 2)));
    expect(await seqs({ filter: { until: r(a, 0).submittedAt } })).toEqual(seqOf(...a));
    expect(await seqs({ filter: { group: 'g-alpha' } })).toEqual(seqOf(r(a, 0), r(b, 2)));
  });

  it('pages forwards and newest first', async () => {
    const all = await seqs({});
    expect(await seqs({ newestFirst: true })).toEqual([...all].reverse());
    const p1 = (await read<{ emissions: Page<EmissionOut> }>(query, { newestFirst: true, first: 3 })).emissions;
    const p2 = (await read<{ emissions: Page<EmissionOut> }>(query, { newestFirst: true, first: 10, after: p1.pageInfo.endCursor })).emissions;
    expect([...p1.edges, ...p2.edges].map((e) => e.node.seq)).toEqual([...all].reverse());
    expect([p1.pageInfo.hasNextPage, p2.pageInfo.hasNextPage]).toEqual([true, false]);
  });
});
