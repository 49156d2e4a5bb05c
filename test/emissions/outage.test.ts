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
import { engine } from '../helpers/database.ts';
import { startBehindProxy } from '../helpers/proxy.ts';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

it.runIf(engine === 'postgres')('a live emissions subscriber waits through a database outage and goes on after it', async () => {
  const served = await startBehindProxy({ pollMs: 100 });
  cleanup.push(() => served.dispose());
  const { url, token, proxy } = served;

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
