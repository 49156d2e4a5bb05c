/**
 * `resultsbus serve` as an operator runs it: a process on a free port over a
 * store of its own (a PGlite directory, or a fresh PostgreSQL database). One
 * story, in order: first start, what it serves, a second process on the same
 * store, SIGTERM, and a restart that keeps tokens and data.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engine } from '../helpers/database.ts';
import { collect } from '../helpers/server.ts';
import { createStore, freePort, killAll, logLines, migrationCount, postGraphQL, type Served, serve, type Store } from '../cli/process.ts';

const Record = `
  mutation ServeRecord($input: RecordResultInput!) {
    recordResult(input: $input) { emitted emission { seq outcome } duplicateOf { seq } }
  }
`;

const input = { testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome: 'PASSED' };

const FIRST_TOKEN = /^resultsbus: created the first API token "default" \(shown only this once\):\n\n {4}(rb_[A-Za-z0-9_-]{43})\n$/m;
const ANY_TOKEN = /rb_[A-Za-z0-9_-]{43}/g;

let store: Store;
let first: Served;
let token: string;

beforeAll(async () => {
  store = await createStore();
  first = await serve(store.env);
});
afterAll(async () => {
  await killAll();
  await store.dispose();
});

describe('resultsbus serve', () => {
  it('on an empty store: applies the migrations, prints a first token once, and that token can write', async () => {
    const match = FIRST_TOKEN.exec(first.stdout());
    expect(match, first.stdout()).not.toBeNull();
    token = match?.[1] ?? '';
    expect(first.stdout().match(ANY_TOKEN)).toEqual([token]);
    expect(first.stdout()).toContain(engine === 'pglite' ? `on PGlite in ${store.dataDir}` : 'on PostgreSQL');

    // The token's three lines are the only plain ones; the rest is JSON lines (stdout is not a terminal).
    const plain = first.stdout().split('\n').filter((line) => line !== '' && !line.startsWith('{'));
    expect(plain).toEqual([
      'resultsbus: created the first API token "default" (shown only this once):',
      `    ${token}`,
      'resultsbus: send it as "Authorization: Bearer <token>"; manage tokens with `resultsbus token`.',
    ]);
    const lines = logLines(first.stdout());
    const summary = { level: 'info', name: 'resultsbus', pid: first.pid, engine, signing: 'off', bridgeRole: 'in-process', bridge: 'default', logLevel: 'info' };
    expect(lines.find((line) => line.msg === 'starting')).toMatchObject({ ...summary, port: first.port });
    expect(lines.find((line) => line.msg.startsWith('serving '))).toMatchObject({ ...summary, url: first.url });
    expect(lines.find((line) => line.role === 'active')).toMatchObject({ level: 'info', bridge: 'default', endpoint: first.fedmsgEndpoint });
    expect(lines.every((line) => typeof line.time === 'string' && !Number.isNaN(Date.parse(String(line.time))))).toBe(true);
    expect(lines.filter((line) => line.level !== 'info')).toEqual([]);

    // The tables exist (the migrations ran): reads work on the empty store.
    const read = await postGraphQL(first.url, '{ emissions(first: 5) { edges { node { seq } } } }');
    expect(read).toEqual({ data: { emissions: { edges: [] } } });

    const written = await postGraphQL(first.url, Record, { input }, token);
    expect(written).toEqual({ data: { recordResult: { emitted: true, emission: { seq: 1, outcome: 'PASSED' }, duplicateOf: null } } });

    const anonymous = await postGraphQL(first.url, Record, { input });
    expect(anonymous.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
  });

  it('answers /healthz, /readyz, GraphiQL on /graphql for a browser, and the dashboard at /', async () => {
    const health = await fetch(`${first.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');

    const ready = await fetch(`${first.url}/readyz`);
    expect(ready.status).toBe(200);
    // The built-in bridge reports too (it may still be in its post-init pause: lag 1).
    expect(await ready.text()).toMatch(/^ready\nbridge default: active, cursor [01], latest seq 1, lag [01]\n$/);

    const page = await fetch(`${first.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<title>resultsbus</title>');
    expect(html.toLowerCase()).toContain('graphiql');

    // The dashboard (built by npm ci's prepare script) at /.
    const root = await fetch(first.url, { redirect: 'manual' });
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await root.text()).toContain('<div id="app"></div>');
  });

  it.runIf(engine === 'pglite')('a second serve on the same PGlite directory fails with a clear message and leaves the first alone', async () => {
    const second = serve(store.env);
    await expect(second).rejects.toThrow(/exited \(1\) before serving/);
    const message = await second.catch((error: unknown) => String(error));
    expect(message).toContain(`resultsbus: the data directory ${store.dataDir} is in use by process ${first.pid} (a running resultsbus?)`);
    expect(message).toContain('set DATABASE_URL to share a PostgreSQL between processes');
    expect(message).not.toMatch(/^\s+at /m);

    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(existsSync(join(store.dataDir ?? '', 'resultsbus.pid'))).toBe(true);
  });

  it.runIf(engine === 'postgres')('a second serve on the same PostgreSQL runs beside the first and streams what the first records', async () => {
    const second = await serve(store.env);
    try {
      // The token exists already: no new one.
      expect(second.stdout().match(ANY_TOKEN)).toBeNull();
      const client = createClient({ url: `${second.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
      try {
        const streamed = collect<{ emissions: { seq: number; outcome: string } }>(
          client,
          'subscription { emissions(after: 1) { seq outcome } }',
          {},
          1,
        );
        const written = await postGraphQL(first.url, Record, { input: { ...input, outcome: 'FAILED' } }, token);
        expect(written.data).toEqual({ recordResult: { emitted: true, emission: { seq: 2, outcome: 'FAILED' }, duplicateOf: null } });
        expect(await streamed).toEqual([{ emissions: { seq: 2, outcome: 'FAILED' } }]);
      } finally {
        await client.dispose();
      }
    } finally {
      expect((await second.stop()).code).toBe(0);
    }
  });

  it('stops on SIGTERM with exit code 0 and releases its port', async () => {
    const exit = await first.stop('SIGTERM', 15_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.stdout).toMatch(/\n\{[^\n]*\}\n$/);
    expect(logLines(exit.stdout).slice(-2).map((line) => [line.msg, line.signal])).toEqual([
      ['SIGTERM, stopping', 'SIGTERM'],
      ['stopped', undefined],
    ]);
    await expect(fetch(`${first.url}/healthz`)).rejects.toThrow();
    if (engine === 'pglite') expect(existsSync(join(store.dataDir ?? '', 'resultsbus.pid'))).toBe(false);
  });

  it('a restart prints no new token; the first token and the recorded state are still there', async () => {
    const again = await serve({ ...store.env, RESULTSBUS_LOG_FORMAT: 'pretty' });
    try {
      expect(again.stdout()).not.toContain('created the first API token');
      // RESULTSBUS_LOG_FORMAT=pretty: one readable line per event, fields after the message.
      expect(again.stdout()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}starting {2}engine=(pglite|postgres) .*signing=off bridgeRole=in-process bridge=default/m);
      expect(again.stdout()).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO {2}serving ${again.url}/graphql .* url=${again.url}$`, 'm'));
      expect(again.stdout()).not.toContain('{"');
      expect(again.stdout().match(ANY_TOKEN)).toBeNull();
      const outcome = engine === 'postgres' ? 'FAILED' : 'PASSED';
      const written = await postGraphQL(again.url, Record, { input: { ...input, outcome } }, token);
      const covering = engine === 'postgres' ? 2 : 1;
      expect(written).toEqual({ data: { recordResult: { emitted: false, emission: null, duplicateOf: { seq: covering } } } });
    } finally {
      expect((await again.stop()).code).toBe(0);
    }
    // Started twice (or three times), migrated once each time: no migration applied twice, none missing.
    expect(await store.appliedMigrations()).toBe(migrationCount());
  });
});

describe('resultsbus serve on a port in use', () => {
  let other: Store | undefined;
  let squatter: Server | undefined;
  afterAll(async () => {
    await killAll();
    await new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve()));
    await other?.dispose();
  });

  it('fails with exit code 1 and a message naming the address, prints no token, and releases the store', async () => {
    other = await createStore();
    const port = await freePort();
    const taken = createServer();
    squatter = taken;
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', () => resolve()));

    const attempt = serve(other.env, { port });
    await expect(attempt).rejects.toThrow(/exited \(1\) before serving/);
    const message = await attempt.catch((error: unknown) => String(error));
    expect(message).toContain(`resultsbus: cannot listen on 127.0.0.1:${port}: the port is in use; set PORT (and HOST) to a free address`);
    expect(message).not.toMatch(/^\s+at /m);
    expect(message).not.toContain('Internal error emitted on the WebSocket server');
    if (engine === 'pglite') expect(existsSync(join(other.dataDir ?? '', 'resultsbus.pid'))).toBe(false);
    // The store was empty: the failed start must not have used up the one showing of the first token.
    expect(message).not.toContain('created the first API token');
    expect(message).not.toMatch(new RegExp(ANY_TOKEN.source));
  });

  it('a later start on a free port creates and prints the first token then, and it can write', async () => {
    if (!other) throw new Error('the previous test made no store');
    const served = await serve(other.env);
    try {
      const match = FIRST_TOKEN.exec(served.stdout());
      expect(match, served.stdout()).not.toBeNull();
      const written = await postGraphQL(served.url, Record, { input }, match?.[1]);
      expect(written.data).toEqual({ recordResult: { emitted: true, emission: { seq: 1, outcome: 'PASSED' }, duplicateOf: null } });
    } finally {
      expect((await served.stop()).code).toBe(0);
    }
  });
});
