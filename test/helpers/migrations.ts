/** Databases migrated only up to an earlier migration, for the tests of a later one's changes to existing rows. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { connectPostgres, type Database, openDatabase, type Schema } from '../../src/db/client.ts';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';
import { createPostgresDatabase, engine } from './database.ts';

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

export interface OldDatabase {
  database: Database;
  /** Closes the handle and drops the database. */
  dispose(): Promise<void>;
}

/** A database of this run's engine migrated up to `lastTag` (e.g. `0007_subjectless_results`) and no further. */
export async function databaseAt(lastTag: string): Promise<OldDatabase> {
  let url: string | undefined;
  let drop = async (): Promise<void> => {};
  if (engine === 'postgres') ({ url, drop } = await createPostgresDatabase());
  const database = await openDatabase({ url, dataDir: undefined, poolSize: 2 });
  const folder = migrationsUpTo(lastTag);
  try {
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
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return {
    database,
    async dispose() {
      await database.close();
      await drop();
    },
  };
}
