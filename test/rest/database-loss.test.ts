/**
 * The REST API while the database is gone: `/healthcheck` says so as
 * ResultsDB does (503), a write is 503 with `Retry-After: 1` (retryable, as
 * GraphQL's DATABASE_UNAVAILABLE), and both work again once it is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createTestDatabase, engine } from '../helpers/database.ts';
import { startBehindProxy } from '../helpers/proxy.ts';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

const body = { testcase: 'dist.depcheck', outcome: 'PASSED', data: { item: 'cut-1.0-1.fc26', type: 'koji_build' } };

describe('REST without a database', () => {
  it('/healthcheck is 503 {"message": "Unable to communicate with database"} once the database is closed', async () => {
    const database = await createTestDatabase();
    cleanup.push(() => database.dispose());
    const app = await App.create({ config: loadConfig({ HOST: '127.0.0.1', PORT: '0', RESULTSBUS_BRIDGE: 'off' }), database, logger: silentLogger() });
    cleanup.push(() => app.stop());
    const url = await app.start();
    expect((await fetch(`${url}/api/v2.0/healthcheck`)).status).toBe(200);
    await database.dispose();
    const answer = await fetch(`${url}/api/v2.0/healthcheck`);
    expect(answer.status).toBe(503);
    expect(await answer.json()).toEqual({ message: 'Unable to communicate with database' });
  });

  it.runIf(engine === 'postgres')('while PostgreSQL is cut off a POST is 503 with Retry-After: 1; it works again once it is back', async () => {
    const served = await startBehindProxy();
    cleanup.push(() => served.dispose());
    const { url, token, proxy } = served;
    const write = (outcome: string): Promise<Response> =>
      fetch(`${url}/api/v2.0/results`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...body, outcome }),
      });
    expect((await write('PASSED')).status).toBe(201);
    proxy.cut();
    const refused = await write('FAILED');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({
      message: 'the database is not available right now (restarting, unreachable or overloaded); retry in a moment',
    });
    const health = await fetch(`${url}/api/v2.0/healthcheck`);
    expect(health.status).toBe(503);
    proxy.restore();
    const start = Date.now();
    let again = await write('FAILED');
    while (again.status !== 201 && Date.now() - start < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await write('FAILED');
    }
    expect(again.status).toBe(201);
  }, 60_000);
});
