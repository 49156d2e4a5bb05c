/**
 * Migration 0008: every group a result names gets a row of `result_groups`
 * (src/results/groups.ts), so that `GET /api/v2.0/groups` lists them; the
 * groups named before it by results recorded through GraphQL get theirs
 * from the migration, and a group that had a row keeps its description.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, type Database, openDatabase, queryRows, type Schema } from '../../src/db/client.ts';
import { migrate, MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';
import { createPostgresDatabase, engine } from '../helpers/database.ts';

/** The migrations up to `lastTag`, in a folder of their own. */
function migrationsUpTo(lastTag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rb-migrations-'));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const last = journal.entries.findIndex((e) => e.tag === lastTag);
  if (last < 0) throw new Error(`no migration ${lastTag}`);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, last + 1) }));
  return dir;
}

let database: Database;
let drop = async (): Promise<void> => {};
let folder: string;

beforeAll(async () => {
  let url: string | undefined;
  if (engine === 'postgres') ({ url, drop } = await createPostgresDatabase());
  database = await openDatabase({ url, dataDir: undefined, poolSize: 2 });
  folder = migrationsUpTo('0007_subjectless_results');
  if (url === undefined) {
    await migratePglite(database.db as unknown as PgliteDatabase<Schema>, { migrationsFolder: folder });
  } else {
    const client = connectPostgres(url, { max: 1, onnotice: () => {} });
    try {
      await migratePostgres(drizzle(client), { migrationsFolder: folder });
    } finally {
      await client.end({ timeout: 5 });
    }
  }
});
afterAll(async () => {
  await database?.close();
  await drop();
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
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
