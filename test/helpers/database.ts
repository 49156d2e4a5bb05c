/**
 * A database of its own for each test: in-memory PGlite, or a fresh database
 * on the PostgreSQL at TEST_DATABASE_URL, dropped again at disposal.
 */
import { randomBytes } from 'node:crypto';
import { connectPostgres, type Database, type Engine, openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';

/** The engine this run of the suite is on. */
export const engine: Engine = process.env['TEST_DATABASE_URL'] ? 'postgres' : 'pglite';

export interface TestDatabase extends Database {
  /** Closes the handle and, on PostgreSQL, drops the database. */
  dispose(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Called with every statement drizzle runs. */
  onQuery?: (query: string) => void;
  /** postgres.js pool size. @default 10 */
  poolSize?: number;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Creates an empty database on the server of `base` (TEST_DATABASE_URL unless
 * given); returns its name, its URL and a function that drops it.
 */
export async function createPostgresDatabase(
  base = process.env['TEST_DATABASE_URL'],
  prefix = 'rb_test',
): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = connectPostgres(base, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return {
    name,
    url: withDatabase(base, name),
    drop: async () => {
      const a = connectPostgres(base, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end({ timeout: 5 });
      }
    },
  };
}

/** A migrated, empty database on this run's engine. */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  let drop = async (): Promise<void> => {};
  let url: string | undefined;
  if (engine === 'postgres') ({ url, drop } = await createPostgresDatabase());
  const database = await openDatabase({ url, dataDir: undefined, poolSize: options.poolSize ?? 10, onQuery: options.onQuery });
  await migrate(database);
  return {
    ...database,
    listen: database.listen.bind(database),
    close: database.close.bind(database),
    dispose: async () => {
      await database.close();
      await drop();
    },
  };
}
