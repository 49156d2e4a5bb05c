/**
 * Closing a PostgreSQL handle while calls wait for one of its connections:
 * they fail with a clear error instead of never settling.
 */
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { pipelineOf } from '../../src/db/client.ts';
import { createTestDatabase, engine } from '../helpers/database.ts';
import { deferred } from '../helpers/deferred.ts';

it.runIf(engine === 'postgres')('fails the transactions still waiting for a connection when the handle closes', async () => {
  const database = await createTestDatabase({ poolSize: 1 });
  const pipeline = pipelineOf(database.db);
  if (pipeline === undefined) throw new Error('a PostgreSQL handle has a pipeline');
  const held = deferred();
  const running = deferred();
  // The one connection is taken...
  const first = pipeline.transaction(async (tx) => {
    await tx.rows(sql`SELECT 1`);
    running.resolve();
    await held.promise;
  });
  await running.promise;
  // ... so these wait for it.
  const waiting = [pipeline.statement(sql`SELECT 2`), pipeline.transaction((tx) => tx.rowsAndCommit(sql`SELECT 3`))];
  const settled = Promise.allSettled(waiting);
  const closing = database.dispose();
  const outcomes = await settled;
  expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status))).toEqual([
    'Error: the database handle is closed',
    'Error: the database handle is closed',
  ]);
  held.resolve();
  await first.catch(() => {});
  await closing;
  await expect(pipeline.statement(sql`SELECT 4`)).rejects.toThrow('the database handle is closed');
});
