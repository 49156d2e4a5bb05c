/**
 * The REST API while the database is gone: `/healthcheck` says so as
 * ResultsDB does (503), a write is 503 with `Retry-After: 1` (retryable, as
 * GraphQL's DATABASE_UNAVAILABLE), and both work again once it is back;
 * reads on the connections they share (Pipeline.read) answer right or 503
 * while those connections are terminated.
 */
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { createTestDatabase, engine } from '../helpers/database.ts';
import { startBehindProxy } from '../helpers/proxy.ts';
import { startServer } from '../helpers/server.ts';

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

describe('REST reads while PostgreSQL terminates their connections', () => {
  it.runIf(engine === 'postgres')(
    "Greenwave's reads, which share connections, answer right or 503 while those are terminated, and right again after",
    async () => {
      const server = await startServer();
      cleanup.push(() => server.close());
      const admin = postgres(server.database.url ?? '', { max: 1, onnotice: () => {} });
      cleanup.push(() => admin.end({ timeout: 5 }));
      const posted = await fetch(`${server.url}/api/v2.0/results`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
        body: JSON.stringify({ ...body, data: { ...body.data, scenario: 'x' } }),
      });
      expect(posted.status).toBe(201);
      const id = ((await posted.json()) as { id: number }).id;
      const query = `${server.url}/api/v2.0/results/latest?item=cut-1.0-1.fc26&type=koji_build&testcases=dist.depcheck&_distinct_on=scenario,system_architecture,system_variant`;
      const seen = { ok: 0, unavailable: 0 };
      let running = true;
      const reader = async (): Promise<void> => {
        while (running) {
          const answer = await fetch(query);
          const parsed = (await answer.json()) as { data?: Array<{ id: number }>; message?: string };
          if (answer.status === 200) {
            // Never another statement's answer: exactly this result.
            expect(parsed.data?.map((r) => r.id)).toEqual([id]);
            seen.ok++;
          } else {
            expect(answer.status, JSON.stringify(parsed)).toBe(503);
            seen.unavailable++;
          }
        }
      };
      const readers = Array.from({ length: 8 }, () => reader());
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'resultsbus'`;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      running = false;
      await Promise.all(readers);
      expect(seen.ok).toBeGreaterThan(0);
      const after = await fetch(query);
      expect(after.status).toBe(200);
      expect(((await after.json()) as { data: Array<{ id: number }> }).data.map((r) => r.id)).toEqual([id]);
    },
    60_000,
  );
});
