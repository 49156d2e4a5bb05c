/**
 * Expensive requests are refused by what they would cost, before any
 * database work: aliases, tokens and nesting per document, database reads
 * priced above scalars, mutations per request; and one size limit for HTTP
 * bodies (with or without a length) and graphql-ws messages, plus a time
 * limit for sending a request.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let statements = 0;
const MAX_BODY = 1_000_000;

beforeAll(async () => {
  server = await startServer({
    env: { RESULTSBUS_MAX_QUERY_COST: '1000', RESULTSBUS_MAX_BODY_BYTES: String(MAX_BODY) },
    onQuery: () => {
      statements += 1;
    },
  });
  await server.data(`mutation { recordResult(input: { testcase: "dist.depcheck", item: "perl-Specio-0.25-1.fc26", type: "koji_build", outcome: PASSED }) { emitted } }`);
});
afterAll(async () => {
  await server.close();
});

async function resultCount(): Promise<number> {
  const data = await server.data<{ results: { edges: unknown[] } }>(`{ results(first: 100) { edges { cursor } } }`, {}, { token: null });
  return data.results.edges.length;
}

/** Sends `query` and returns its error codes and messages, checking that no SQL ran for it. */
async function refusedBeforeTheDatabase(query: string): Promise<Array<{ code: string | undefined; message: string }>> {
  const before = statements;
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${server.token}` },
    body: JSON.stringify({ query }),
  });
  expect(response.status).toBeLessThan(500);
  const body = (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  expect(statements).toBe(before);
  expect(body.data ?? null).toBeNull();
  return (body.errors ?? []).map((e) => ({ code: e.extensions?.code, message: e.message }));
}

const aliases = (n: number, field: string): string => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');

describe('documents priced by their work', () => {
  it('refuses 10,000 aliases of bridgeStatus before reading anything', async () => {
    const errors = await refusedBeforeTheDatabase(`{ ${aliases(10_000, 'bridgeStatus { cursor }')} }`);
    expect(errors).toEqual([expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' })]);
  });

  it('refuses 5,000 aliases of item before reading anything', async () => {
    const errors = await refusedBeforeTheDatabase(`{ ${aliases(5_000, 'item(type: "k", name: "n") { id }')} }`);
    expect(errors).toEqual([expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' })]);
  });

  it('counts aliases against RESULTSBUS_MAX_QUERY_ALIASES (100)', async () => {
    const ok = await server.gql(`{ results(first: 1) { edges { node { ${aliases(100, 'testcase')} } } } }`, {}, { token: null });
    expect(ok.errors).toBeUndefined();
    expect(await refusedBeforeTheDatabase(`{ results(first: 1) { edges { node { ${aliases(101, 'testcase')} } } } }`)).toEqual([
      { code: 'QUERY_TOO_COMPLEX', message: 'query uses 101 aliases; at most 100 are allowed' },
    ]);
  });

  it('prices a field that reads the database above a scalar', async () => {
    // 100 scalars cost about 100; 100 item reads cost 100 * (10 + 1) = 1100 > 1000.
    expect(await refusedBeforeTheDatabase(`{ ${aliases(100, 'item(type: "k", name: "n") { id }')} }`)).toEqual([
      { code: 'QUERY_TOO_COMPLEX', message: 'query would cost about 1100 (fields times page sizes); at most 1000 is allowed; ask for smaller pages' },
    ]);
    const within = await server.gql(`{ ${aliases(90, 'item(type: "k", name: "n") { id }')} }`, {}, { token: null });
    expect(within.errors).toBeUndefined();
  });

  it('refuses 1,000 aliased recordResult, and 11 too: at most 10 mutations a request', async () => {
    const before = await resultCount();
    const one = 'recordResult(input: { testcase: "dist.alias", item: "x", type: "koji_build", outcome: PASSED }) { emitted }';
    expect((await refusedBeforeTheDatabase(`mutation { ${aliases(1_000, one)} }`))[0]?.code).toBe('QUERY_TOO_COMPLEX');
    expect(await refusedBeforeTheDatabase(`mutation { ${aliases(11, one)} }`)).toEqual([
      {
        code: 'QUERY_TOO_COMPLEX',
        message: 'request runs 11 mutations; at most 10 are allowed per request; record many results with one recordResults',
      },
    ]);
    expect(await resultCount()).toBe(before);
    const ten = await server.gql(`mutation { ${aliases(10, one)} }`);
    expect(ten.errors).toBeUndefined();
    expect(await resultCount()).toBe(before + 10);
  });

  it('refuses a document with more tokens than RESULTSBUS_MAX_QUERY_TOKENS (20,000) while parsing it', async () => {
    const fields = Array.from({ length: 20_001 }, () => 'testcase').join(' ');
    expect(await refusedBeforeTheDatabase(`{ results(first: 1) { edges { node { ${fields} } } } }`)).toEqual([
      { code: 'QUERY_TOO_COMPLEX', message: 'query has more than 20000 tokens; at most 20000 are allowed; send large inputs as variables' },
    ]);
  });

  it('refuses 5,000 levels of selections or of list literals before parsing them', async () => {
    const nestedSelection = `{ ${'item(type: "k", name: "n") { '.repeat(5_000)}id${' }'.repeat(5_000)} }`;
    const nestedList = `{ nodes(ids: ${'['.repeat(5_000)}"x"${']'.repeat(5_000)}) { id } }`;
    const expected = [{ code: 'QUERY_TOO_COMPLEX', message: 'query nests brackets more than 64 levels deep; at most 64 are allowed' }];
    expect(await refusedBeforeTheDatabase(nestedSelection)).toEqual(expected);
    expect(await refusedBeforeTheDatabase(nestedList)).toEqual(expected);
    // Brackets inside strings and comments do not count.
    const quoted = await server.gql(`{ item(type: "${'{'.repeat(100)}", name: """${'['.repeat(100)}""") { id } } # ${'('.repeat(100)}`, {}, { token: null });
    expect(quoted).toEqual({ data: { item: null } });
  });

  it('refuses the same over graphql-ws', async () => {
    const client = server.wsClient();
    const before = statements;
    await expect(collect(client, `subscription { ${'emissions(after: 0) { item { '.repeat(3_000)} name ${'} } '.repeat(3_000)} }`, {}, 1)).rejects.toThrow(
      /QUERY_TOO_COMPLEX/,
    );
    await expect(collect(client, `subscription { emissions(after: 0) { ${aliases(101, 'seq')} } }`, {}, 1)).rejects.toThrow(/101 aliases/);
    expect(statements).toBe(before);
  });
});

/** POSTs `total` bytes in chunks without a Content-Length; resolves with the answer, rejects on a reset. */
function postChunked(total: number, accept: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.url);
    const req = request(
      { host: url.hostname, port: url.port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', accept, 'transfer-encoding': 'chunked' } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = `${JSON.stringify({ query: '{ __typename }' }).slice(0, -1)}${' '.repeat(16_000)}`;
    let sent = 0;
    const write = (): void => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

describe('one size limit for both transports', () => {
  it('answers 413 to a body over RESULTSBUS_MAX_BODY_BYTES, with a length or chunked, on either road', async () => {
    const big = JSON.stringify({ query: `{ __typename } #${'x'.repeat(MAX_BODY)}` });
    const withLength = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: big });
    expect(withLength.status).toBe(413);
    const expected = { errors: [{ message: 'Request body too large', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] };
    expect(await withLength.json()).toEqual(expected);
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const chunked = await postChunked(MAX_BODY * 3, accept);
      expect(chunked.status, accept).toBe(413);
      expect(JSON.parse(chunked.body), accept).toEqual(expected);
    }
  });

  it.each(['application/json', 'application/graphql-response+json'])('answers a chunked body within the limit as any other (Accept: %s)', async (accept) => {
    const url = new URL(server.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', accept, 'transfer-encoding': 'chunked' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.write('{"query": "{ testcases(name: \\"dist.depcheck\\") ');
      req.end('{ edges { node { name } } } }"}');
    });
    expect(JSON.parse(answer)).toEqual({ data: { testcases: { edges: [{ node: { name: 'dist.depcheck' } }] } } });
  });

  it('closes a graphql-ws socket whose message is over the same limit (1009), and goes on serving', async () => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => socket.once('message', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { emissions { seq } } #${'x'.repeat(MAX_BODY)}` } }));
    expect(await closed).toBe(1009);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('a request timeout', () => {
  it('answers 408 and closes the socket of a client that sends part of its body and stops', async () => {
    const slow = await startServer({ env: { RESULTSBUS_REQUEST_TIMEOUT_MS: '300' } });
    try {
      const url = new URL(slow.url);
      const socket = connect(Number(url.port), url.hostname);
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: 100\r\n\r\n{"query":`,
      );
      await closed;
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect((await fetch(`${slow.url}/healthz`)).status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});
