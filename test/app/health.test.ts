/**
 * The probes a load balancer or an orchestrator uses: `/healthz` says the
 * process serves HTTP, `/readyz` says the database answers too, so a replica
 * whose database is gone is taken out of rotation instead of failing writes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

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
    expect(await ready.text()).toMatch(/^database not answering: /);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
  });

  it('unknown paths outside /graphql are 404, not GraphQL errors', async () => {
    const { url } = await started();
    const response = await fetch(`${url}/nope`);
    expect(response.status).toBe(404);
  });
});
