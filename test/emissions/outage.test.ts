/**
 * A live subscriber across a database outage: while PostgreSQL is cut off,
 * the process's one follower of the emissions fails its polls; the streams
 * it serves must wait, not end, and go on with the next emission once the
 * database is back. (Before, the first failed poll ended every live
 * subscription of the process with that error.)
 */
import { createClient } from 'graphql-ws';
import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { App } from '../../src/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { silentLogger } from '../../src/log.ts';
import { createPostgresDatabase, engine } from '../helpers/database.ts';
import { faultProxy } from '../helpers/proxy.ts';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

it.runIf(engine === 'postgres')('a live emissions subscriber waits through a database outage and goes on after it', async () => {
  const created = await createPostgresDatabase();
  cleanup.push(created.drop);
  const proxy = await faultProxy(created.url);
  cleanup.push(() => proxy.close());
  const database = await openDatabase({ url: proxy.url, dataDir: undefined, poolSize: 2 });
  cleanup.push(() => database.close());
  await migrate(database);
  const token = await createToken(database.db, 'test');
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RESULTSBUS_BRIDGE: 'off' });
  const app = await App.create({ config, database, pollMs: 100, logger: silentLogger() });
  cleanup.push(() => app.stop());
  const url = await app.start();

  const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
  cleanup.push(async () => client.dispose());
  const live = client.iterate<{ emissions: { seq: number; outcome: string } }>({ query: 'subscription { emissions { seq outcome } }' });
  const next = async (): Promise<{ seq: number; outcome: string } | string> => {
    const step = await live.next();
    if (step.done) return 'the subscription ended';
    if (step.value.errors) return `the subscription failed: ${JSON.stringify(step.value.errors)}`;
    return step.value.data?.emissions ?? 'no data';
  };
  const record = async (outcome: string): Promise<number> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: 'mutation ($input: RecordResultInput!) { recordResult(input: $input) { emitted } }',
        variables: { input: { testcase: 'dist.depcheck', item: 'outage-1.0-1.fc26', type: 'koji_build', outcome } },
      }),
    });
    return response.status;
  };
  // Subscribed once the follower runs: let the subscribe reach the server.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await record('PASSED')).toBe(200);
  expect(await next()).toEqual({ seq: 1, outcome: 'PASSED' });

  proxy.cut();
  // Several of the follower's polls (every 100 ms) fail meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 800));
  proxy.restore();
  let status = 503;
  for (let i = 0; i < 100 && status !== 200; i++) {
    status = (await fetch(`${url}/readyz`)).status;
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(await record('FAILED')).toBe(200);
  expect(await next()).toEqual({ seq: 2, outcome: 'FAILED' });
}, 60_000);
