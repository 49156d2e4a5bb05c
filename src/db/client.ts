/**
 * One database handle for both engines: PostgreSQL through postgres.js when a
 * URL is given, embedded PGlite otherwise. Everything above this file sees
 * the same drizzle `Db` and the same `listen`, so there is one code path.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Anything a write or a read can run on: the database or an open transaction. */
export type Executor = Db | Tx;

export type Engine = 'postgres' | 'pglite';

export interface Database {
  readonly db: Db;
  readonly engine: Engine;
  /** The PostgreSQL URL (postgres only). */
  readonly url: string | undefined;
  /**
   * Calls `onPayload` for each NOTIFY on `channel` (from any process on
   * PostgreSQL). Resolves once listening; the returned function stops it.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL URL; when undefined, PGlite is used. */
  url: string | undefined;
  /** PGlite data directory; `undefined` keeps PGlite in memory (tests). */
  dataDir: string | undefined;
  /** postgres.js pool size. @default 10 */
  poolSize?: number;
  /** Called with the text of every statement drizzle runs (tests count queries with it). @default undefined */
  onQuery?: (query: string) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const logger = options.onQuery === undefined ? undefined : { logQuery: options.onQuery };
  if (options.url !== undefined) return openPostgres(options.url, options.poolSize ?? 10, logger);
  return openPglite(options.dataDir, logger);
}

type QueryLogger = { logQuery: (query: string) => void } | undefined;

function openPostgres(url: string, poolSize: number, logger: QueryLogger): Database {
  const client = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    // The app reads ids as numbers; bigint columns stay below 2^53 in practice.
    types: { bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) } },
    connection: { application_name: 'resultsbus' },
  });
  const db = drizzlePostgres(client, { schema, ...(logger ? { logger } : {}) });
  return {
    db,
    engine: 'postgres',
    url,
    async listen(channel, onPayload) {
      const sub = await client.listen(channel, onPayload);
      return async () => {
        await sub.unlisten();
      };
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * PGlite is one process's database: two processes on one data directory
 * would corrupt it. A pid file makes the second one fail with a clear error.
 */
function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lock = join(dataDir, 'resultsbus.pid');
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(readFileSync(lock, 'utf8').trim());
    let alive = false;
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch (error) {
        alive = (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (alive) {
      throw new Error(
        `the data directory ${dataDir} is in use by process ${pid} (a running resultsbus?); stop it first, or set DATABASE_URL to share a PostgreSQL between processes`,
      );
    }
    rmSync(lock, { force: true });
  }
}

async function openPglite(dataDir: string | undefined, logger: QueryLogger): Promise<Database> {
  const unlock = dataDir === undefined ? () => {} : lockDataDir(dataDir);
  let client: PGlite;
  try {
    client = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
    await client.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  const db = drizzlePglite(client, { schema, ...(logger ? { logger } : {}) });
  return {
    db,
    engine: 'pglite',
    url: undefined,
    async listen(channel, onPayload) {
      const unsubscribe = await client.listen(channel, onPayload);
      return async () => {
        await unsubscribe();
      };
    },
    async close() {
      try {
        await client.close();
      } finally {
        unlock();
      }
    },
  };
}

/**
 * Runs a raw statement and returns its rows. postgres.js gives an array,
 * PGlite an object with `rows`; callers should not have to care.
 */
export async function queryRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result: unknown = await executor.execute(query);
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}
