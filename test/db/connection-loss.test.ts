/**
 * PostgreSQL closing the server's connections under load (a restart, a
 * failover, pg_terminate_backend): requests in flight fail, the process stays
 * up and keeps answering. It used to die of an uncaught TypeError inside
 * postgres.js, which wrote to the dead socket of a reserved connection.
 */
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { engine } from '../helpers/database.ts';
import { startServer } from '../helpers/server.ts';

it.runIf(engine === 'postgres')('terminated backends under load fail requests, not the process', async () => {
  const server = await startServer();
  const admin = postgres(server.database.url ?? '', { max: 1, onnotice: () => {} });
  let answered = 0;
  let running = true;
  const loops = Array.from({ length: 8 }, async (_, k) => {
    for (let n = 0; running; n++) {
      const input = { testcase: 'dist.depcheck', item: `loss-${k}-1.0-1.fc26`, type: 'koji_build', outcome: n % 2 ? 'PASSED' : 'FAILED' };
      await server.gql('mutation($input: RecordResultInput!) { recordResult(input: $input) { emitted } }', { input }).then(
        () => answered++,
        () => answered++,
      );
    }
  });
  try {
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'resultsbus'`;
    }
    running = false;
    // Every request settles: a recording connection that failed is replaced,
    // and every wait is bounded (it used to hang on a ROLLBACK sent to a dead
    // connection).
    const late = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000).unref());
    expect(await Promise.race([Promise.all(loops), late])).not.toBe('hung');
    expect(answered).toBeGreaterThan(20);
    // The pool reconnects: within moments reads and writes work again.
    const eventually = async (query: string, variables?: Record<string, unknown>): Promise<unknown> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const response = await server.gql(query, variables);
        if (response.errors === undefined || Date.now() > deadline) return response.errors;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    expect(await eventually('{ emissions(first: 1) { edges { node { seq } } } }')).toBeUndefined();
    expect(
      await eventually('mutation($input: RecordResultInput!) { recordResult(input: $input) { emitted } }', {
        input: { testcase: 'dist.depcheck', item: 'after-loss-1.0-1.fc26', type: 'koji_build', outcome: 'PASSED' },
      }),
    ).toBeUndefined();
  } finally {
    running = false;
    await admin.end({ timeout: 5 });
    await server.close();
  }
}, 120_000);
