/**
 * How a recording transaction runs its statements: pipelined on PostgreSQL
 * (src/db/client.ts `Pipeline`), through drizzle's transaction on PGlite and
 * inside a caller's transaction.
 */
import type { SQL } from 'drizzle-orm';

export interface Statements {
  rows<T>(query: SQL): Promise<T[]>;
  /** The transaction's last statement (the pipelined runner commits with it). */
  last<T>(query: SQL): Promise<T[]>;
}
