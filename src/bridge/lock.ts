/**
 * One publishing bridge per name: a PostgreSQL advisory lock held on a
 * connection of the bridge's own. A second bridge of the same name waits as a
 * standby, trying the lock every poll interval; when the active one dies its
 * connection closes, PostgreSQL drops the lock, and the standby takes it.
 */
import type { Database, Session } from '../db/client.ts';
import { BRIDGE_LOCK_CLASS } from './cursor.ts';

/** How long the check that the lock is still held may take, in ms. */
const HELD_TIMEOUT_MS = 5000;

export class BridgeLock {
  private constructor(
    private readonly session: Session,
    readonly name: string,
  ) {}

  /**
   * Waits until this process holds the lock of bridge `name`; resolves
   * `undefined` when `signal` aborts first. Database errors while waiting are
   * reported to `onError` and retried, so a standby outlives a database
   * restart.
   */
  static async acquire(
    database: Database,
    name: string,
    options: { pollMs: number; signal: AbortSignal; onWaiting?: () => void; onError?: (error: unknown) => void },
  ): Promise<BridgeLock | undefined> {
    let told = false;
    while (!options.signal.aborted) {
      let session: Session | undefined;
      try {
        session = await database.session();
        while (!options.signal.aborted) {
          const [row] = await session.query<{ locked: boolean }>(
            'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
            [BRIDGE_LOCK_CLASS, name],
          );
          if (row?.locked === true) {
            const lock = new BridgeLock(session, name);
            session = undefined;
            if (options.signal.aborted) {
              await lock.release();
              return undefined;
            }
            return lock;
          }
          if (!told) {
            told = true;
            options.onWaiting?.();
          }
          await sleep(options.pollMs, options.signal);
        }
      } catch (error) {
        options.onError?.(error);
        await sleep(options.pollMs, options.signal);
      } finally {
        await session?.release();
      }
    }
    return undefined;
  }

  /**
   * Whether the lock is still ours: false when its connection was lost, or
   * gives no answer within `HELD_TIMEOUT_MS` (a cut-off network: the server
   * may go on holding the lock for a while, and nobody else can take it
   * meanwhile, but this bridge can no longer know it publishes alone).
   */
  async held(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<[]>((resolve) => {
      timer = setTimeout(() => resolve([]), HELD_TIMEOUT_MS);
    });
    try {
      const [row] = await Promise.race([late, this.session.query<{ held: number | string }>(
        `SELECT count(*) AS held FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() AND objsubid = 2
           AND classid = $1::oid AND objid = hashtext($2)::oid`,
        [BRIDGE_LOCK_CLASS, this.name],
      )]);
      return Number(row?.held ?? 0) > 0;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async release(): Promise<void> {
    try {
      await this.session.query('SELECT pg_advisory_unlock($1, hashtext($2))', [BRIDGE_LOCK_CLASS, this.name]);
    } catch {
      // The connection is gone, and the lock with it.
    }
    await this.session.release();
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
