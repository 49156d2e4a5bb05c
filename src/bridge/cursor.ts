/**
 * A bridge's place in the emission stream, kept in `bridge_cursors`, and what
 * `bridgeStatus` reports about it.
 */
import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../db/client.ts';
import { committedSeq } from '../emissions/queries.ts';

/** The advisory lock class of bridges ('rbus'); the object id is `hashtext(name)`. */
export const BRIDGE_LOCK_CLASS = 0x72627573;

/** The last seq the bridge `name` has published (0 before its first message). */
export async function readCursor(db: Executor, name: string): Promise<number> {
  const rows = await queryRows<{ seq: number | string }>(db, sql`SELECT seq FROM bridge_cursors WHERE name = ${name}`);
  return Number(rows[0]?.seq ?? 0);
}

/**
 * Records that every seq in (`from`, `to`] has gone out: moves the cursor
 * (never backwards) and stamps `published_at` on the emissions that had
 * none. One statement, so both happen or neither.
 */
export async function advanceCursor(db: Executor, name: string, from: number, to: number): Promise<void> {
  await db.execute(sql`
    WITH published AS (
      UPDATE emissions SET published_at = now()
      WHERE seq > ${from} AND seq <= ${to} AND published_at IS NULL
    )
    INSERT INTO bridge_cursors (name, seq, last_published_at, updated_at)
    VALUES (${name}, ${to}, now(), now())
    ON CONFLICT (name) DO UPDATE SET
      seq = GREATEST(bridge_cursors.seq, EXCLUDED.seq),
      last_published_at = EXCLUDED.last_published_at,
      updated_at = EXCLUDED.updated_at`);
}

export interface BridgeStatusView {
  name: string;
  /** The last seq it published. */
  cursor: number;
  /** The highest committed seq. */
  latestSeq: number;
  /** Emissions not yet published: `latestSeq - cursor`. */
  lag: number;
  lastPublishedAt: Date | null;
  /** Whether a bridge of this name holds its lock now (is publishing, not a standby). */
  active: boolean;
}

/** What only the process that runs a bridge knows of it: its bus connection. */
export interface BridgeLiveView {
  /** `fedmsg` or `AMQP`. */
  kind: string;
  state: string;
  /** Active, with its bus taking messages (AMQP: connected to the broker). */
  connected: boolean;
  /** Messages sent and not yet confirmed by the broker. */
  unconfirmed: number;
  lastError: { message: string; at: Date } | undefined;
}

export async function bridgeStatus(db: Executor, name: string): Promise<BridgeStatusView> {
  const [rows, latestSeq, locks] = await Promise.all([
    queryRows<{ seq: number | string; last_published_at: Date | string | null }>(
      db,
      sql`SELECT seq, last_published_at FROM bridge_cursors WHERE name = ${name}`,
    ),
    committedSeq(db),
    queryRows<{ held: number | string }>(
      db,
      // pg_locks covers the whole cluster; advisory locks are per database.
      sql`SELECT count(*) AS held FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND objsubid = 2
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND classid = ${BRIDGE_LOCK_CLASS}::oid AND objid = hashtext(${name})::oid`,
    ),
  ]);
  const row = rows[0];
  const cursor = Number(row?.seq ?? 0);
  const last = row?.last_published_at ?? null;
  return {
    name,
    cursor,
    latestSeq,
    lag: Math.max(0, latestSeq - cursor),
    lastPublishedAt: last === null ? null : new Date(last),
    active: Number(locks[0]?.held ?? 0) > 0,
  };
}
