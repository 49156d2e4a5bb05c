/**
 * Opening the database for a command. Failures the user's setup causes (a
 * PGlite directory another process holds, a PostgreSQL that cannot be
 * reached or refuses us) become one-line errors that say what to check,
 * instead of a stack trace; anything else is left alone.
 */
import type { Config } from '../config.ts';
import { type Database, openDatabase } from '../db/client.ts';
import { codeOf, rootCause } from '../db/faults.ts';
import { migrate } from '../db/migrate.ts';
import { CliError } from './args.ts';

// Network failures (from node) and the PostgreSQL errors of a wrong URL:
// bad password, no such role, no such database, too many connections.
const SETUP_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'CONNECT_TIMEOUT',
  '28P01',
  '28000',
  '3D000',
  '53300',
]);

/** The URL without its password, fit to print. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL';
  }
}

function explain(error: unknown, config: Config): CliError | undefined {
  if (config.databaseUrl === undefined) return undefined;
  const root = rootCause(error);
  const code = codeOf(root) ?? codeOf(error);
  if (code === undefined || !SETUP_CODES.has(code)) return undefined;
  const message = root instanceof Error ? root.message : String(root);
  return new CliError(`cannot use the PostgreSQL at ${safeUrl(config.databaseUrl)}: ${message}; check DATABASE_URL and that the server is up`, 1);
}

/**
 * Opens the configured database and applies the migrations. On PGlite the
 * open itself can only fail for reasons of the data directory (held by
 * another process, not writable), so those are reported as such.
 */
export async function openMigrated(config: Config, poolSize: number): Promise<Database> {
  let database: Database;
  try {
    database = await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize,
      timeouts: { connectMs: config.dbConnectTimeoutMs, statementMs: config.dbStatementTimeoutMs, lockMs: config.dbLockTimeoutMs },
    });
  } catch (error) {
    if (config.databaseUrl === undefined) {
      const message = error instanceof Error ? error.message : String(error);
      throw new CliError(message.includes(config.dataDir) ? message : `cannot open the PGlite data directory ${config.dataDir}: ${message}`, 1);
    }
    throw explain(error, config) ?? error;
  }
  try {
    await migrate(database);
  } catch (error) {
    await database.close().catch(() => {});
    throw explain(error, config) ?? error;
  }
  return database;
}
