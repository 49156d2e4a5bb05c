/**
 * Mistakes that used to end as a masked INTERNAL_SERVER_ERROR (or an uncoded
 * error), each with the message and code a user now gets. The fuzz suite
 * (fuzz.test.ts) tries many more of each kind; these pin down the answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let itemId: string;
const good = { testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome: 'PASSED' };
const Record = 'mutation MistakesRecord($input: RecordResultInput!) { recordResult(input: $input) { emitted } }';

beforeAll(async () => {
  server = await startServer();
  await server.data(Record, { input: good });
  itemId = (await server.data<{ item: { id: string } }>(`{ item(type: "koji_build", name: "perl-Specio-0.25-1.fc26") { id } }`)).item.id;
});
afterAll(async () => {
  await server.close();
});

const errorOf = (response: { errors?: Array<{ message: string; extensions?: { code?: string; field?: string } }> }) => {
  const e = response.errors?.[0];
  return { message: e?.message, code: e?.extensions?.code, field: e?.extensions?.field };
};

async function resultCount(): Promise<number> {
  return (await server.data<{ results: { edges: unknown[] } }>(`{ results(first: 100) { edges { cursor } } }`)).results.edges.length;
}

describe('strings PostgreSQL cannot store, and lists too long for one statement', () => {
  it('refuses NUL in a filter, a name argument or a cursor with BAD_USER_INPUT', async () => {
    expect(errorOf(await server.gql(`query ($s: [String!]) { results(filter: { testcase: $s }) { edges { cursor } } }`, { s: 'dist\u0000' }))).toEqual({
      message: 'filter.testcase: must not contain NUL characters',
      code: 'BAD_USER_INPUT',
      field: 'filter.testcase',
    });
    expect(errorOf(await server.gql(`{ item(type: "koji_build", name: "a\\u0000") { id } }`))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'name' });
    const cursor = Buffer.from('testcase:\u0000').toString('base64url');
    expect(errorOf(await server.gql(`{ testcases(after: "${cursor}") { edges { cursor } } }`))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('refuses a cursor whose number is past its column', async () => {
    const cursor = Buffer.from('item:2147483648').toString('base64url');
    expect(errorOf(await server.gql(`{ items(after: "${cursor}") { edges { cursor } } }`))).toEqual({
      message: `after: "${cursor}" is not a cursor of this connection`,
      code: 'BAD_USER_INPUT',
      field: 'after',
    });
  });

  it('refuses 100,000 ids or outcomes, saying how many are allowed', async () => {
    const ids = Array.from({ length: 100_000 }, () => itemId);
    expect(errorOf(await server.gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids }))).toEqual({
      message: 'ids: has 100000 entries; at most 500 are allowed',
      code: 'BAD_USER_INPUT',
      field: 'ids',
    });
    const outcomes = Array.from({ length: 100_000 }, () => 'FAILED');
    expect(errorOf(await server.gql(`query ($o: [Outcome!]) { emissions(filter: { outcome: $o }) { edges { cursor } } }`, { o: outcomes }))).toMatchObject({
      message: 'filter.outcome: has 100000 entries; at most 500 are allowed',
      code: 'BAD_USER_INPUT',
    });
  });
});

describe('requests graphql-js or yoga refused without a code', () => {
  it('answers the same global ID twice in one query', async () => {
    const response = await server.gql(`{ a: node(id: "${itemId}") { id } b: node(id: "${itemId}") { id } }`);
    expect(response).toEqual({ data: { a: { id: itemId }, b: { id: itemId } } });
  });

  it('codes null for a non-null variable as BAD_USER_INPUT', async () => {
    expect(errorOf(await server.gql(Record, { input: null }))).toMatchObject({
      message: 'Variable "$input" of non-null type "RecordResultInput!" must not be null.',
      code: 'BAD_USER_INPUT',
    });
  });

  it('answers a GET whose variables are not JSON with 400 and BAD_USER_INPUT', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}&variables={bad`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0]?.message).toMatch(/^the request's parameters are not valid JSON/);
  });
});

describe('writes', () => {
  it('refuses "Bearer<TAB>token" and answers UNAUTHENTICATED with HTTP 401', async () => {
    const before = await resultCount();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer\t${server.token}` },
      body: JSON.stringify({ query: Record, variables: { input: good } }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ data: null, errors: [{ extensions: { code: 'UNAUTHENTICATED' }, path: ['recordResult'] }] });
    expect(await resultCount()).toBe(before);
  });

  it('refuses CR/LF in a refUrl and control characters in names, writing nothing', async () => {
    const before = await resultCount();
    expect(errorOf(await server.gql(Record, { input: { ...good, refUrl: 'https://ci.example.org/log\r\nSet-Cookie: x' } }))).toEqual({
      message: 'input.refUrl: must not contain control characters (found U+000D, e.g. a tab or line break); use printable characters',
      code: 'BAD_USER_INPUT',
      field: 'input.refUrl',
    });
    expect(errorOf(await server.gql(Record, { input: { ...good, item: 'perl\tSpecio' } }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.item' });
    expect(await resultCount()).toBe(before);
  });
});
