/**
 * Migration 0008: every group a result names gets a row of `result_groups`
 * (src/results/groups.ts), so that `GET /api/v2.0/groups` lists them; the
 * groups named before it by results recorded through GraphQL get theirs
 * from the migration, and a group that had a row keeps its description.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { type Database, queryRows } from '../../src/db/client.ts';
import { databaseAt, type OldDatabase } from '../helpers/migrations.ts';

let old: OldDatabase;
let database: Database;

beforeAll(async () => {
  old = await databaseAt('0007_subjectless_results');
  ({ database } = old);
});
afterAll(async () => {
  await old?.dispose();
});

describe('migration 0008 on groups named before it', () => {
  it('gives every group results name a row, once, and keeps the rows there were', async () => {
    const { db } = database;
    await queryRows(db, sql`INSERT INTO result_groups (uuid, description) VALUES ('described', 'made through REST')`);
    await queryRows(
      db,
      sql`INSERT INTO results (testcase_id, outcome, groups, submitted_at) VALUES
            (1, 'PASSED', ARRAY['nightly', 'described'], now()),
            (1, 'FAILED', ARRAY['nightly', 'weekly'], now()),
            (1, 'PASSED', '{}', now())`,
    );
    await migrate(database);
    const rows = await queryRows<{ uuid: string; description: string | null }>(db, sql`SELECT uuid, description FROM result_groups ORDER BY uuid`);
    expect(rows).toEqual([
      { uuid: 'described', description: 'made through REST' },
      { uuid: 'nightly', description: null },
      { uuid: 'weekly', description: null },
    ]);
  });
});
