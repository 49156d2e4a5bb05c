/**
 * The probes a load balancer or an orchestrator uses: `/healthz` says the
 * process serves HTTP, `/readyz` says the database answers too, so a replica
 * whose database is gone is taken out of rotation instead of failing writes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase, engine, type TestDatabase } from '../helpers/database.ts';
import { startBehindProxy } from '../helpers/proxy.ts';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

async function started(): Promise<{ app: App; database: TestDatabase; url: string }> {
  const database = await createTestDatabase();
  cleanup.push(() => database.dispose());
  const app = await App.create({ config: loadConfig({ HOST: '127.0.0.1', PORT: '0', RESULTSBUS_BRIDGE: 'off' }), database });
  cleanup.push(() => app.stop());
  const url = await app.start();
  return { app, database, url };
}

describe('health probes', () => {
  it('/readyz answers 200 while the database answers and 503 once it does not; /healthz stays 200', async () => {
    const { database, url } = await started();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    // PGlite closed, or the PostgreSQL database dropped under the running app.
    await database.dispose();

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    // No driver text: it can name hosts, users and databases.
    expect(await ready.text()).toBe('not ready: the database is not answering\n');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  });

  it.runIf(engine === 'postgres')(
    'while PostgreSQL is cut off: /readyz says 503 and writes DATABASE_UNAVAILABLE at once; both work again once it is back',
    async () => {
      const served = await startBehindProxy();
      cleanup.push(() => served.dispose());
      const { url, token, proxy } = served;
      const record = (outcome: string): Promise<Response> =>
        fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            query: 'mutation ($input: RecordResultInput!) { recordResult(input: $input) { emitted } }',
            variables: { input: { testcase: 'dist.depcheck', item: 'cut-1.0-1.fc26', type: 'koji_build', outcome } },
          }),
        });
      /** Probes /readyz every 50 ms until it answers `status`; how long that took, in ms. */
      const until = async (status: number): Promise<number> => {
        const start = Date.now();
        while ((await fetch(`${url}/readyz`)).status !== status) {
          if (Date.now() - start > 20_000) throw new Error(`/readyz did not answer ${status} within 20 s`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return Date.now() - start;
      };
      expect((await record('PASSED')).status).toBe(200);
      await until(200);

      proxy.cut();
      const down = await until(503);
      const refused = await record('FAILED');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      const body = (await refused.json()) as { errors: Array<{ extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code).toBe('DATABASE_UNAVAILABLE');

      proxy.restore();
      const up = await until(200);
      expect((await record('FAILED')).status).toBe(200);
      // Liveness bounds, not speeds: without the fixes /readyz stayed 503 for
      // 9-15 s after the database came back (postgres.js's backoff grows to 20 s).
      console.log(`readyz followed the database: 503 after ${down} ms, 200 again after ${up} ms`);
      expect(down).toBeLessThan(5000);
      expect(up).toBeLessThan(5000);
    },
    60_000,
  );

  it('unknown paths outside /graphql are 404, not GraphQL errors', async () => {
    const { url } = await started();
    const response = await fetch(`${url}/nope`);
    expect(response.status).toBe(404);
  });
});
