/**
 * How a recording transaction runs its statements: pipelined on PostgreSQL
 * (src/db/client.ts `Pipeline`), through drizzle's transaction on PGlite and
 * inside a caller's transaction.
 */
import type { SQL } from 'drizzle-orm';
import { type Executor, type PipelinedTx, queryRows } from '../db/client.ts';

export interface Statements {
  rows<T>(query: SQL): Promise<T[]>;
  /** The transaction's last statement (the pipelined runner commits with it). */
  last<T>(query: SQL): Promise<T[]>;
}

/** The statements of a drizzle transaction (PGlite's, or a caller's): each awaited in turn, the last like the others. */
export function drizzleStatements(tx: Executor): Statements {
  const rows = <T>(query: SQL): Promise<T[]> => queryRows<T>(tx, query);
  return { rows, last: rows };
}

/** The statements of a pipelined transaction (PostgreSQL): the last one sent with the COMMIT behind it. */
export function pipelineStatements(tx: PipelinedTx): Statements {
  return { rows: tx.rows, last: tx.rowsAndCommit };
}
