/**
 * The short road for `POST /graphql` with `Accept: application/json`
 * (src/graphql/http.ts) must answer exactly what yoga's full road answers.
 * Each request below goes both ways: over HTTP as tasks send it (the short
 * road), and the very same request handed to yoga in-process. Status,
 * headers (but the ones that frame the HTTP message) and body must be the
 * same; two recordings differ in their state, so they compare their shape.
 */
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takesShortRoad } from '../../src/graphql/http.ts';
import { loadConfig } from '../../src/config.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const MAX_BODY_BYTES = loadConfig({}).maxBodyBytes;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

interface Answer {
  status: number;
  type: string | null;
  /** Every header but the ones that differ between any two answers. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Header lines that frame or route a response rather than say anything about
 * it, and the request id, new for every request (the HTTP server sets it in
 * front of both roads; yoga.fetch in-process has none).
 */
const FRAMING = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'x-request-id']);

async function answerOf(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!FRAMING.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  });
  return { status: response.status, type: response.headers.get('content-type'), headers, body: await response.text() };
}

function requestHeaders(accept: string, token: string | null): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept };
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  return headers;
}

async function post(body: string, accept: string, token: string | null): Promise<Answer> {
  return answerOf(await fetch(`${server.url}/graphql`, { method: 'POST', headers: requestHeaders(accept, token), body }));
}

/**
 * The same request on both roads: over HTTP as tasks send it (the short
 * road), and handed to yoga itself in-process, which is what the full road
 * runs.
 */
async function bothRoads(body: string, token: string | null = server.token): Promise<{ short: Answer; full: Answer }> {
  const short = await post(body, 'application/json', token);
  const full = await answerOf(
    await server.app.yoga.fetch(`${server.url}/graphql`, { method: 'POST', headers: requestHeaders('application/json', token), body }),
  );
  return { short, full };
}

const record = (outcome: string, item: string) =>
  JSON.stringify({
    query: 'mutation ($input: RecordResultInput!) { recordResult(input: $input) { emitted result { outcome stateVersion } } }',
    variables: { input: { testcase: 'dist.road', item, type: 'koji_build', outcome } },
  });

/** A selection nested `levels` times: item -> emissions -> item -> ... */
function deep(levels: number): string {
  let selection = 'name';
  for (let i = 0; i < levels; i++) selection = `emissions(first: 1) { edges { node { item { ${selection} } } } }`;
  return selection;
}

describe('POST /graphql with Accept: application/json', () => {
  it('gives the same answer as yoga for queries, mutations and every kind of mistake', async () => {
    const cases: Array<{ name: string; body: string; token?: string | null; status: number }> = [
      { name: 'a query', body: JSON.stringify({ query: '{ testcases(first: 5) { edges { node { name } } } }' }), status: 200 },
      { name: 'operationName and null variables', body: JSON.stringify({ query: 'query A { __typename } query B { testcases(first: 1) { edges { cursor } } }', operationName: 'A', variables: null }), status: 200 },
      { name: 'a syntax error', body: JSON.stringify({ query: '{ testcases(' }), status: 200 },
      { name: 'an unknown field', body: JSON.stringify({ query: '{ nope }' }), status: 200 },
      { name: 'an unknown outcome', body: record('GREEN', 'road-1'), status: 400 },
      { name: 'no token', body: record('PASSED', 'road-2'), token: null, status: 401 },
      { name: 'a wrong token', body: record('PASSED', 'road-3'), token: 'rb_nope', status: 401 },
      { name: 'too deep', body: JSON.stringify({ query: `{ item(type: "koji_build", name: "x") { ${deep(10)} } }` }), status: 200 },
      { name: 'a subscription over POST', body: JSON.stringify({ query: 'subscription { emissions { seq } }' }), status: 406 },
      { name: 'not JSON', body: '{"query": ', status: 400 },
      { name: 'a JSON array', body: '[{"query": "{ __typename }"}]', status: 400 },
      { name: 'query not a string', body: JSON.stringify({ query: 42 }), status: 400 },
      { name: 'variables not an object', body: JSON.stringify({ query: '{ __typename }', variables: [1] }), status: 400 },
      { name: 'an unknown parameter', body: JSON.stringify({ query: '{ __typename }', extra: 1 }), status: 400 },
      { name: 'extensions', body: JSON.stringify({ query: '{ __typename }', extensions: {} }), status: 200 },
    ];
    for (const c of cases) {
      const { short, full } = await bothRoads(c.body, c.token === undefined ? server.token : c.token);
      expect(short, c.name).toEqual(full);
      expect(short.status, c.name).toBe(c.status);
    }
    const tooDeep = await post(JSON.stringify({ query: `{ item(type: "koji_build", name: "x") { ${deep(10)} } }` }), 'application/json', server.token);
    expect(JSON.parse(tooDeep.body)).toMatchObject({ errors: [{ message: expect.stringMatching(/levels deep/) as unknown }] });
  });

  it('records through the short road as through yoga', async () => {
    const { short, full } = await bothRoads(record('PASSED', 'road-ok'));
    expect(short.status).toBe(200);
    expect(short.type).toBe(full.type);
    expect(JSON.parse(short.body)).toEqual({ data: { recordResult: { emitted: true, result: { outcome: 'PASSED', stateVersion: 1 } } } });
    expect(JSON.parse(full.body)).toEqual({ data: { recordResult: { emitted: false, result: { outcome: 'PASSED', stateVersion: 2 } } } });
  });
});

describe('which requests take the short road', () => {
  const request = (headers: Record<string, string>, method = 'POST'): IncomingMessage =>
    ({ method, headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': '20', ...headers } }) as unknown as IncomingMessage;

  it('only a POST with a JSON body of known length, Accept: application/json and no Origin', () => {
    expect(takesShortRoad(request({}), '/graphql', MAX_BODY_BYTES)).toBe(true);
    expect(takesShortRoad(request({ 'content-type': 'application/json; charset=utf-8' }), '/graphql', MAX_BODY_BYTES)).toBe(true);
    expect(takesShortRoad(request({}), '/other', MAX_BODY_BYTES)).toBe(false);
    expect(takesShortRoad(request({}, 'GET'), '/graphql', MAX_BODY_BYTES)).toBe(false);
    expect(takesShortRoad(request({ accept: 'application/graphql-response+json' }), '/graphql', MAX_BODY_BYTES)).toBe(false);
    expect(takesShortRoad(request({ accept: 'text/event-stream' }), '/graphql', MAX_BODY_BYTES)).toBe(false);
    expect(takesShortRoad(request({ origin: 'https://dashboard.example.org' }), '/graphql', MAX_BODY_BYTES)).toBe(false);
    expect(takesShortRoad(request({ 'content-type': 'application/graphql' }), '/graphql', MAX_BODY_BYTES)).toBe(false);
    expect(takesShortRoad(request({ 'content-type': 'multipart/form-data; boundary=x' }), '/graphql', MAX_BODY_BYTES)).toBe(false);
    expect(takesShortRoad(request({ 'content-length': String(MAX_BODY_BYTES + 1) }), '/graphql', MAX_BODY_BYTES)).toBe(false);
    expect(takesShortRoad(request({ 'transfer-encoding': 'chunked' }), '/graphql', MAX_BODY_BYTES)).toBe(false);
    // Without a length, the body is read here whatever the headers, to count its bytes.
    const chunked = (headers: Record<string, string>): IncomingMessage =>
      ({ method: 'POST', headers: { 'transfer-encoding': 'chunked', ...headers } }) as unknown as IncomingMessage;
    expect(takesShortRoad(chunked({ accept: 'application/json', 'content-type': 'application/json' }), '/graphql', MAX_BODY_BYTES)).toBe(true);
    expect(takesShortRoad(chunked({ accept: 'text/html', 'content-type': 'application/graphql' }), '/graphql', MAX_BODY_BYTES)).toBe(true);
    expect(takesShortRoad(chunked({}), '/other', MAX_BODY_BYTES)).toBe(false);
  });
});
