/**
 * Query depth and cost limits (RESULTSBUS_MAX_QUERY_DEPTH,
 * RESULTSBUS_MAX_QUERY_COST): a query over them is refused with
 * QUERY_TOO_COMPLEX before it runs, over HTTP and over graphql-ws alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let statements = 0;

beforeAll(async () => {
  server = await startServer({
    env: { RESULTSBUS_MAX_QUERY_DEPTH: '6', RESULTSBUS_MAX_QUERY_COST: '1000' },
    onQuery: () => {
      statements += 1;
    },
  });
  await server.data(
    `mutation LimitsSeed($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { results { resultId } } }`,
    { inputs: [{ testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome: 'PASSED' }] },
  );
});
afterAll(async () => {
  await server.close();
});

/** Sends `query` and returns its errors, checking that a refused query ran no SQL at all. */
async function refused(query: string, variables: Record<string, unknown> = {}): Promise<Array<{ message: string; code: string | undefined }>> {
  const before = statements;
  const response = await server.gql(query, variables, { token: null });
  const errors = (response.errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code }));
  if (errors.some((e) => e.code === 'QUERY_TOO_COMPLEX')) {
    expect(response.data ?? null).toBeNull();
    expect(statements).toBe(before);
  }
  return errors;
}

describe('query depth', () => {
  // results(1) edges(2) node(3) itemNode(4) taskStates(5) lastResult(6) id(7)
  const seven = `{ results(first: 1) { edges { node { itemNode { taskStates { lastResult { id } } } } } } }`;
  const six = `{ results(first: 1) { edges { node { itemNode { taskStates { testcase } } } } } }`;

  it('answers a query at the limit', async () => {
    expect(await refused(six)).toEqual([]);
  });

  it('refuses a query one level deeper, saying how deep it is and what is allowed', async () => {
    expect(await refused(seven)).toEqual([{ code: 'QUERY_TOO_COMPLEX', message: 'query is 7 levels deep; at most 6 are allowed' }]);
  });

  it('counts the levels inside fragments and inline fragments', async () => {
    const viaFragments = `
      query LimitsDepthFragments { results(first: 1) { edges { ...E } } }
      fragment E on ResultEdge { node { ... on Result { itemNode { ...S } } } }
      fragment S on Item { taskStates { lastResult { id } } }
    `;
    expect(await refused(viaFragments)).toEqual([{ code: 'QUERY_TOO_COMPLEX', message: 'query is 7 levels deep; at most 6 are allowed' }]);
  });
});

describe('query cost', () => {
  // results, a database read (10): 10 + first * (edges 1 + node (1 + 2 fields)) = 10 + 4 * first
  const page = `query LimitsPage($n: Int) { results(first: $n) { edges { node { id testcase } } } }`;

  it('answers a page whose cost is within the limit', async () => {
    expect(await refused(page, { n: 247 })).toEqual([]); // 998
  });

  it('refuses a page size that makes it too expensive, literal or from a variable', async () => {
    const expected = [
      {
        code: 'QUERY_TOO_COMPLEX',
        message: 'query would cost about 1002 (fields times page sizes); at most 1000 is allowed; ask for smaller pages',
      },
    ];
    // The same document just answered with a smaller page: a verdict cached
    // per document text must not let the larger one through.
    expect(await refused(page, { n: 247 })).toEqual([]);
    expect(await refused(page, { n: 248 })).toEqual(expected);
    expect(await refused(`{ results(first: 248) { edges { node { id testcase } } } }`)).toEqual(expected);
  });

  it("uses a variable's default value when the request does not give it", async () => {
    const withDefault = `query LimitsDefault($n: Int = 250) { results(first: $n) { edges { node { id testcase } } } }`;
    expect(await refused(withDefault)).toEqual([expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' })]);
    // A given value wins over the default.
    expect(await refused(withDefault, { n: 10 })).toEqual([]);
  });

  it('multiplies nested connections, and counts a connection without `first` at the default page of 50', async () => {
    // 10 + n * (edges 1 + node 1 + results (10 + n * (edges 1 + cursor 1))): 960 for 19, 1050 for 20.
    const nested = `query LimitsNested($n: Int) { items(first: $n) { edges { node { results(first: $n) { edges { cursor } } } } } }`;
    expect(await refused(nested, { n: 19 })).toEqual([]);
    expect(await refused(nested, { n: 20 })).toEqual([
      {
        code: 'QUERY_TOO_COMPLEX',
        message: 'query would cost about 1050 (fields times page sizes); at most 1000 is allowed; ask for smaller pages',
      },
    ]);
    // 10 + 50 * (1 + (1 + 20 fields)) = 1110 without `first`.
    const fields = Array.from({ length: 20 }, (_, i) => `f${i}: testcase`).join(' ');
    expect(await refused(`{ results { edges { node { ${fields} } } } }`)).toEqual([expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' })]);
  });

  it('counts every alias of a field', async () => {
    // Two aliases of a page costing 10 + 4 * 125 = 510 each.
    expect(await refused(`{ a: results(first: 125) { edges { node { id testcase } } } }`)).toEqual([]);
    expect(
      await refused(`{ a: results(first: 125) { edges { node { id testcase } } } b: results(first: 125) { edges { node { id testcase } } } }`),
    ).toEqual([expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' })]);
  });

  it('refuses a fragment that doubles at every level without spending the time the doubling would', async () => {
    // 2^60 copies of one field if fragments were expanded one by one; the
    // answer must come at once (the test's timeout is the safety net).
    let document = 'fragment F0 on Query { testcases(first: 1) { edges { cursor } } }\n';
    for (let i = 1; i <= 60; i++) document += `fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }\n`;
    document += 'query LimitsBomb { ...F60 }';
    expect(await refused(document)).toEqual([
      {
        code: 'QUERY_TOO_COMPLEX',
        message: 'query would cost about more than 10^15 (fields times page sizes); at most 1000 is allowed; ask for smaller pages',
      },
    ]);
  }, 30_000);
});

describe('limits over graphql-ws', () => {
  it('refuses a subscription over the limits the same way', async () => {
    const client = server.wsClient();
    const deep = `subscription LimitsWs { emissions(after: 0) { item { results(first: 1) { edges { node { taskState { lastResult { id } } } } } } } }`;
    await expect(collect(client, deep, {}, 1, 30_000)).rejects.toThrow(/QUERY_TOO_COMPLEX/);
    // Within the limits it streams.
    const ok = await collect<{ emissions: { seq: number } }>(client, `subscription LimitsWsOk { emissions(after: 0) { seq } }`, {}, 1, 30_000);
    expect(ok).toEqual([{ emissions: { seq: 1 } }]);
  });
});
