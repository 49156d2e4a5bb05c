/** How long the waits for PostgreSQL may last, and how soon a lost connection is tried again. */

/**
 * Bounds on every wait for PostgreSQL, so that a database that is down, cut
 * off or stuck turns into an error within seconds instead of a request that
 * hangs (see `isDatabaseFault`).
 */
export interface DatabaseTimeouts {
  /** Opening a connection (TCP, TLS, authentication), in ms. @default 5000 */
  connectMs: number;
  /** One statement on the server (`statement_timeout`), in ms; 0: none. @default 15000 */
  statementMs: number;
  /** Waiting for a row lock, e.g. a task state another writer holds (`lock_timeout`), in ms; 0: none. @default 10000 */
  lockMs: number;
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { connectMs: 5000, statementMs: 15_000, lockMs: 10_000 };

/**
 * Seconds before postgres.js tries a lost connection again: quick at first,
 * then at most every half second, so that the process is back within about
 * a second of the database (postgres.js's own default grows to 20 s).
 */
export function reconnectBackoff(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 0.5);
}
