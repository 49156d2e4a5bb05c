/**
 * What the server logs about requests: a user's mistake is no error line; an
 * unexpected error is one error line, with the request id the client got
 * back in `x-request-id`, on either road through yoga.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MemoryLogger, memoryLogger } from '../helpers/log.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const RECORD = `mutation ($input: RecordResultInput!) { recordResult(input: $input) { emitted } }`;

let server: TestServer;
let log: MemoryLogger;
beforeAll(async () => {
  log = memoryLogger('debug');
  server = await startServer({ logger: log.logger });
});
afterAll(async () => {
  await server.close();
});

interface Answer {
  status: number;
  reqId: string | null;
  body: { errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

/** A POST as a task sends it (the short road), with headers of the caller's choosing. */
async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${server.token}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, reqId: response.headers.get('x-request-id'), body: (await response.json()) as Answer['body'] };
}

const errorLines = () => log.lines().filter((line) => line.level === 'error' || line.level === 'fatal');

describe('logging of requests', () => {
  it('a user mistake (a bad outcome, as a variable or a literal; a value of the wrong type; an empty name) logs no error line', async () => {
    const before = log.lines().length;
    const input = { testcase: 'dist.log', item: 'log-1.0-1.fc26', type: 'koji_build', outcome: 'PASSED' };
    const answers = [
      await post(RECORD, { input: { ...input, outcome: 'BOGUS' } }),
      await post('mutation { recordResult(input: { testcase: "dist.log", item: "x", type: "koji_build", outcome: BOGUS }) { emitted } }', {}),
      // These two were logged as "unexpected error", with a stack, before: graphql-js's
      // coercion errors, which the server gives their code to.
      await post(RECORD, { input: { ...input, outcome: 5 } }),
      await post(RECORD, { input: { ...input, force: 'yes' } }),
      await post(RECORD, { input: { ...input, testcase: '' } }),
    ];
    for (const answer of answers) expect(answer.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(errorLines()).toEqual([]);
    const logged = log.lines().slice(before);
    // Nothing above debug: an operator at the default level sees none of it...
    expect(logged.filter((line) => line.level !== 'debug' && line.level !== 'trace')).toEqual([]);
    // ...and the coerced ones are coded where graphql-js makes them, so they
    // never reach the logger as masked errors at all.
    expect(logged.filter((line) => line.msg === 'user error')).toEqual([]);
  });

  it('an unexpected error logs exactly one error line, with the request id sent back to the client', async () => {
    // A fault the user cannot cause: a table gone from under the server.
    await server.database.db.execute(sql`ALTER TABLE bridge_cursors RENAME TO bridge_cursors_gone`);
    try {
      const given = await post('{ bridgeStatus { cursor } }', {}, { 'x-request-id': 'ci-run-42.7' });
      expect(given.reqId).toBe('ci-run-42.7');
      expect(given.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['Unexpected error.', 'INTERNAL_SERVER_ERROR']]);
      // Through yoga's full road (a GET), without an id of the caller's: the server makes one.
      const made = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ bridgeStatus { cursor } }')}`, { headers: { accept: 'application/json' } });
      const madeId = made.headers.get('x-request-id');
      expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
      expect(((await made.json()) as Answer['body']).errors?.map((e) => e.extensions?.code)).toEqual(['INTERNAL_SERVER_ERROR']);

      const errors = errorLines();
      expect(errors.map((line) => [line.msg, line.reqId])).toEqual([
        ['unexpected error', 'ci-run-42.7'],
        ['unexpected error', madeId],
      ]);
      // The cause is in the line, bounded, with where it came from.
      for (const line of errors) {
        expect(line.err?.message).toMatch(/bridge_cursors/);
        expect(line.err?.stack).toBeTypeOf('string');
      }
    } finally {
      await server.database.db.execute(sql`ALTER TABLE bridge_cursors_gone RENAME TO bridge_cursors`);
    }
  });

  it('a subscription that fails unexpectedly (over server-sent events) logs one error line, with its request id', async () => {
    await post(RECORD, { input: { testcase: 'dist.log', item: 'sse-1.0-1.fc26', type: 'koji_build', outcome: 'PASSED' } });
    const before = errorLines().length;
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('subscription { emissions(after: 0) { seq } }')}`, {
      headers: { accept: 'text/event-stream', 'x-request-id': 'sse-follow-1' },
      signal: AbortSignal.timeout(60_000),
    });
    expect(response.headers.get('x-request-id')).toBe('sse-follow-1');
    const reader = response.body?.getReader();
    if (reader === undefined) throw new Error('no body');
    let text = '';
    const readUntil = async (what: string): Promise<void> => {
      while (!text.includes(what)) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`the stream ended before ${what}: ${text}`);
        text += Buffer.from(chunk.value).toString('utf8');
      }
    };
    await readUntil('"seq":1');
    // The stream's next read (a poll, at most a second away) fails.
    await server.database.db.execute(sql`ALTER TABLE emission_sequence RENAME TO emission_sequence_gone`);
    try {
      await readUntil('INTERNAL_SERVER_ERROR');
      await reader.cancel();
    } finally {
      await server.database.db.execute(sql`ALTER TABLE emission_sequence_gone RENAME TO emission_sequence`);
    }
    expect(errorLines().slice(before).map((line) => [line.msg, line.reqId])).toEqual([['unexpected error', 'sse-follow-1']]);
  });

  it('an unexpected error of the REST API logs one error line, with the request id sent back', async () => {
    const before = errorLines().length;
    await server.database.db.execute(sql`ALTER TABLE testcases RENAME TO testcases_gone`);
    try {
      const response = await fetch(`${server.url}/api/v2.0/testcases`, { headers: { 'x-request-id': 'rest-list-3' } });
      expect(response.status).toBe(500);
      expect(response.headers.get('x-request-id')).toBe('rest-list-3');
    } finally {
      await server.database.db.execute(sql`ALTER TABLE testcases_gone RENAME TO testcases`);
    }
    expect(errorLines().slice(before).map((line) => [line.msg, line.reqId])).toEqual([['unexpected error', 'rest-list-3']]);
  });
});
