/**
 * Writes need `Authorization: Bearer <token>`; reads are public. A refused
 * write is UNAUTHENTICATED and writes nothing.
 */
import { createClient } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createToken, revokeToken } from '../../src/auth/tokens.ts';
import { collect, startServer, type TestServer } from '../helpers/server.ts';

const RecordOne = `
  mutation AuthRecord($input: RecordResultInput!) { recordResult(input: $input) { result { resultId } } }
`;
const RecordMany = `
  mutation AuthRecordMany($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { results { resultId } } }
`;
const input = { testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome: 'PASSED' };

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

/** How many results, items and emissions a reader can see. */
async function written(): Promise<{ results: number; items: number; emissions: number }> {
  const data = await server.data<{ results: { edges: unknown[] }; items: { edges: unknown[] }; emissions: { edges: unknown[] } }>(
    `{ results(first: 500) { edges { cursor } } items(first: 500) { edges { cursor } } emissions(first: 500) { edges { cursor } } }`,
    {},
    { token: null },
  );
  return { results: data.results.edges.length, items: data.items.edges.length, emissions: data.emissions.edges.length };
}

/** Sends a raw Authorization header (or none) with a write. */
async function recordWithHeader(authorization: string | undefined, query = RecordOne, variables: Record<string, unknown> = { input }) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (authorization !== undefined) headers['authorization'] = authorization;
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

describe('writing', () => {
  it('refuses a write without a token, or with a malformed or unknown one, as UNAUTHENTICATED, and writes nothing', async () => {
    const before = await written();
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['no header', undefined, /Authorization: Bearer <token>/],
      ['empty bearer', 'Bearer ', /Authorization: Bearer <token>/],
      ['another scheme', `Basic ${Buffer.from('user:pass').toString('base64')}`, /Authorization: Bearer <token>/],
      ['the token without a scheme', server.token, /Authorization: Bearer <token>/],
      ['a token that never existed', 'Bearer rb_never-issued-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /not valid \(unknown or revoked\)/],
      ['a real token with one character changed', `Bearer ${server.token.slice(0, -1)}${server.token.endsWith('A') ? 'B' : 'A'}`, /not valid/],
    ];
    for (const [what, header, message] of cases) {
      for (const [query, variables] of [
        [RecordOne, { input }],
        [RecordMany, { inputs: [input] }],
      ] as const) {
        const response = await recordWithHeader(header, query, variables);
        expect(response.errors?.[0]?.extensions?.code, what).toBe('UNAUTHENTICATED');
        expect(response.errors?.[0]?.message, what).toMatch(message);
        expect(response.data ?? null, what).toBeNull();
      }
    }
    expect(await written()).toEqual(before);
  });

  it('takes a write with the bearer token, whatever the case of "Bearer"', async () => {
    const before = await written();
    expect((await recordWithHeader(`Bearer ${server.token}`)).errors).toBeUndefined();
    expect((await recordWithHeader(`bearer ${server.token}`)).errors).toBeUndefined();
    const after = await written();
    expect(after.results).toBe(before.results + 2);
  });

  it('checks the token before the input, so an unauthenticated caller learns nothing about validation', async () => {
    const response = await recordWithHeader(undefined, RecordOne, { input: { ...input, item: '' } });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('reading', () => {
  it('needs no token', async () => {
    await server.data(RecordOne, { input });
    const response = await server.gql(
      `{ results(first: 1) { edges { node { testcase } } } items(first: 1) { edges { node { name } } } testcases { edges { node { name } } } emissions { edges { node { seq } } } }`,
      {},
      { token: null },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toMatchObject({ testcases: { edges: [{ node: { name: 'dist.depcheck' } }] } });
  });
});

describe('revoked tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a token revoked before this server ever saw it', async () => {
    const token = await createToken(server.database.db, 'revoked-unused');
    await revokeToken(server.database.db, 'revoked-unused');
    const before = await written();
    const response = await server.gql(RecordOne, { input }, { token });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await written()).toEqual(before);
  });

  it('refuses a token revoked while in use once the verifier cache time (5 s) has passed', async () => {
    // A server remembers a valid token for 5 s (see TokenVerifier), so within
    // that time a revoked token may still work; after it, it must not. The
    // clock is moved instead of waited for.
    const token = await createToken(server.database.db, 'revoked-in-use');
    expect((await server.gql(RecordOne, { input }, { token })).errors).toBeUndefined();
    await revokeToken(server.database.db, 'revoked-in-use');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5_001);
    const before = await written();
    const response = await server.gql(RecordOne, { input }, { token });
    expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await written()).toEqual(before);
    // The server's own token still works.
    expect((await server.gql(RecordOne, { input })).errors).toBeUndefined();
  });
});

describe('over graphql-ws', () => {
  it('takes the token from the connection parameters, and refuses a write without it', async () => {
    const anonymous = server.wsClient();
    await expect(collect(anonymous, RecordOne, { input }, 1)).rejects.toThrow(/UNAUTHENTICATED/);

    const authorized = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${server.token}` },
    });
    try {
      const [data] = await collect<{ recordResult: { result: { resultId: number } } }>(authorized, RecordOne, { input }, 1);
      expect(data?.recordResult.result.resultId).toEqual(expect.any(Number));
    } finally {
      await authorized.dispose();
    }
  });
});
