/**
 * One database handle for both engines: PostgreSQL through postgres.js when a
 * URL is given, embedded PGlite otherwise. Everything above this file sees
 * the same drizzle `Db` and the same `listen`, so there is one code path.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { durablePgliteOptions } from './pglite.ts';
import * as schema from './schema.ts';
import { isDatabaseFault } from './faults.ts';
import { DEFAULT_TIMEOUTS, type DatabaseTimeouts, reconnectBackoff } from './timeouts.ts';
import { socketOf } from './url.ts';

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
  /**
   * A connection of its own, kept until `release()`: what session state such
   * as an advisory lock needs. On PGlite, the one connection there is.
   */
  session(): Promise<Session>;
  close(): Promise<void>;
}

/** One database connection, held. */
export interface Session {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<T>(text: string, params?: Array<string | number | null>): Promise<T[]>;
  /** Gives the connection back (PostgreSQL ends what it held, its locks included). */
  release(): Promise<void>;
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
  /** How long PostgreSQL waits may last (PostgreSQL only). @default DEFAULT_TIMEOUTS */
  timeouts?: Partial<DatabaseTimeouts>;
}

/**
 * A postgres.js client for a PostgreSQL URL. Besides what postgres.js reads
 * from a URL, it takes libpq's `host` parameter: a directory there means the
 * server's Unix socket in it, as in
 * `postgres://resultsbus@localhost/resultsbus?host=/var/run/postgresql`.
 * On one machine the socket costs less per round trip than TCP on 127.0.0.1.
 */
export function connectPostgres(url: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}): postgres.Sql {
  const { url: rest, host, port } = socketOf(url);
  return postgres(rest, {
    // postgres.js fetches the array types on each new connection and drops
    // that query's promise: a connection lost at that moment (a restart,
    // pg_terminate_backend) ends the process with an unhandled rejection
    // (porsager/postgres#1192, #1223). Nothing here needs them: drizzle
    // parses array columns itself, and array parameters go as literals.
    fetch_types: false,
    backoff: reconnectBackoff,
    ...options,
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
  });
}

/** postgres.js options that bound its waits: connect timeout, and the statement and lock timeouts as connection settings. */
function bounded(timeouts: DatabaseTimeouts): { connect_timeout: number; statementMs: number; connection: Record<string, string> } {
  return {
    connect_timeout: timeouts.connectMs / 1000,
    statementMs: timeouts.statementMs,
    // jit off: every statement here touches a few rows, but the planner's
    // estimate for a set-returning function (100 rows each) multiplies up
    // past jit_above_cost on /results/latest with three `_distinct_on`
    // keys, and compiling the plan then took 1.5 s of a 1.7 s execution
    // (bench phase 8). JIT pays off only for long analytical queries.
    connection: { statement_timeout: String(timeouts.statementMs), lock_timeout: String(timeouts.lockMs), jit: 'off' },
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const logger = options.onQuery === undefined ? undefined : { logQuery: options.onQuery };
  if (options.url !== undefined) return openPostgres(options.url, options.poolSize ?? 10, logger, { ...DEFAULT_TIMEOUTS, ...options.timeouts });
  return openPglite(options.dataDir, logger);
}

type QueryLogger = { logQuery: (query: string) => void } | undefined;

function openPostgres(url: string, poolSize: number, logger: QueryLogger, timeouts: DatabaseTimeouts): Database {
  const limits = bounded(timeouts);
  const client = connectPostgres(url, {
    max: poolSize,
    onnotice: () => {},
    // The app reads ids as numbers; bigint columns stay below 2^53 in practice.
    types: { bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) } },
    connect_timeout: limits.connect_timeout,
    connection: { application_name: 'resultsbus', ...limits.connection },
  });
  const db = drizzlePostgres(client, { schema, ...(logger ? { logger } : {}) });
  // After drizzlePostgres: it sets the client's json/jsonb serializers and
  // date parsers, which the pipelined statements share.
  const pipeline = postgresPipeline(url, client, poolSize, logger, limits);
  const listener = new PostgresListener(url, limits.connect_timeout);
  pipelines.set(db, pipeline);
  return {
    db,
    engine: 'postgres',
    url,
    listen: (channel, onPayload) => listener.listen(channel, onPayload),
    async session() {
      // A client of its own with one connection, not `client.reserve()`: a
      // reserved connection that the server closes (pg_terminate_backend, a
      // restart) leaves postgres.js writing to a dead socket, which throws
      // outside any promise. A client of its own fails the query and opens a
      // new connection for the next one (which holds no lock: the caller sees
      // that and knows its session ended).
      // No lifetime either: closing the connection would end the session's locks.
      const conn = connectPostgres(url, {
        max: 1,
        onnotice: () => {},
        connect_timeout: limits.connect_timeout,
        connection: { application_name: 'resultsbus session', ...limits.connection },
        max_lifetime: 0, // 0: none
        idle_timeout: 0,
      });
      let released = false;
      return {
        async query<T>(text: string, params: Array<string | number | null> = []): Promise<T[]> {
          return (await conn.unsafe(text, params)) as unknown as T[];
        },
        async release() {
          if (released) return;
          released = true;
          await conn.end({ timeout: 5 });
        },
      };
    },
    async close() {
      await listener.close();
      await pipeline.close();
      await client.end({ timeout: 5 });
    },
  };
}

/**
 * LISTEN on a connection of its own that comes back by itself. postgres.js's
 * own `listen` re-listens once when its connection closes and, should that
 * fail (the database still down), forgets the channel for good: after an
 * outage the process would hear no notification again and every live stream
 * would fall back to its poll. Here a lost connection is re-established,
 * with backoff, until it listens on every channel again. Notifications sent
 * while it was gone are lost, which the streams' poll covers.
 */
class PostgresListener {
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private conn: postgres.Sql | undefined;
  private restoring = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly connectTimeout: number,
  ) {}

  private connection(): postgres.Sql {
    if (this.conn) return this.conn;
    const options: postgres.Options<Record<string, postgres.PostgresType>> & { onnotify: (channel: string, payload: string) => void } = {
      max: 1,
      idle_timeout: 0,
      max_lifetime: 0,
      onnotice: () => {},
      connect_timeout: this.connectTimeout,
      connection: { application_name: 'resultsbus listen' },
      // Not in postgres.js's types, but an option of its (what its own listen uses).
      onnotify: (channel, payload) => {
        for (const handler of this.handlers.get(channel) ?? []) handler(payload);
      },
      onclose: () => this.restore(),
    };
    this.conn = connectPostgres(this.url, options);
    return this.conn;
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    let handlers = this.handlers.get(channel);
    const first = handlers === undefined;
    if (handlers === undefined) {
      handlers = new Set();
      this.handlers.set(channel, handlers);
    }
    handlers.add(onPayload);
    if (first) {
      try {
        await this.connection().unsafe(`LISTEN ${quoteIdent(channel)}`);
      } catch (error) {
        handlers.delete(onPayload);
        if (handlers.size === 0) this.handlers.delete(channel);
        throw error;
      }
    }
    return async () => {
      const set = this.handlers.get(channel);
      if (!set?.delete(onPayload) || set.size > 0) return;
      this.handlers.delete(channel);
      if (!this.closed) await this.connection().unsafe(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
    };
  }

  /** Listens on every channel again, after the connection closed; tries until it works or the handle closes. */
  private restore(): void {
    if (this.closed || this.restoring || this.handlers.size === 0) return;
    this.restoring = true;
    let attempt = 0;
    const tryOnce = (): void => {
      this.retry = undefined;
      if (this.closed || this.handlers.size === 0) {
        this.restoring = false;
        return;
      }
      const channels = [...this.handlers.keys()].map((c) => `LISTEN ${quoteIdent(c)}`).join('; ');
      this.connection()
        .unsafe(channels)
        .then(
          () => {
            this.restoring = false;
          },
          () => {
            attempt++;
            this.retry = setTimeout(tryOnce, reconnectBackoff(attempt) * 1000);
          },
        );
    };
    tryOnce();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.handlers.clear();
    await this.conn?.end({ timeout: 5 });
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
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
    client = dataDir === undefined ? new PGlite() : new PGlite(durablePgliteOptions(dataDir));
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
    async session() {
      return {
        async query<T>(text: string, params: Array<string | number | null> = []): Promise<T[]> {
          return (await client.query<T>(text, params)).rows;
        },
        async release() {},
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

/**
 * One transaction whose statements go out without waiting for each other's
 * answers (PostgreSQL protocol pipelining), as named prepared statements.
 */
export interface PipelinedTx {
  /** Sends a statement (after every one sent before) and resolves with its rows. */
  rows<T>(query: SQL): Promise<T[]>;
  /**
   * Sends a statement and COMMIT right behind it, in one write, and resolves
   * with the statement's rows once the commit is done. It must be the
   * transaction's last statement. Fails, with nothing committed, when the
   * statement fails or the commit does.
   */
  rowsAndCommit<T>(query: SQL): Promise<T[]>;
}

/** A statement already turned into its text and parameters (for a text built once and reused, see src/rest/queries.ts). */
export interface CompiledQuery {
  text: string;
  params: unknown[];
}

export interface Pipeline {
  /**
   * Runs `body` in one transaction on a connection of its own: BEGIN goes out
   * together with the first statement and COMMIT with the last
   * (`rowsAndCommit`), so a transaction of two statements costs two round
   * trips instead of the six of `db.transaction` (BEGIN, a Parse/Describe
   * round trip before each statement with parameters, COMMIT). Prepared
   * statements also spare the server parsing and planning them each time:
   * only use it for statements whose text is fixed (values as parameters).
   * When `body` throws, or never commits, the transaction is rolled back.
   */
  transaction<R>(body: (tx: PipelinedTx) => Promise<R>): Promise<R>;
  /**
   * Runs one statement as a transaction of its own (autocommit) on a lane,
   * as a prepared statement: one round trip. The same rules for its text,
   * or, for a statement whose text varies, `prepare` says which texts to
   * prepare (the others run unprepared).
   */
  statement<T>(query: SQL, prepare?: (text: string) => boolean): Promise<T[]>;
  /**
   * Runs one read-only statement (autocommit) on a connection it shares
   * with the other reads in flight: postgres.js pipelines them there, and
   * the reads of one turn of the event loop go out in one write and come
   * back in one read. A read holds up the ones behind it on its connection,
   * so only for statements that take no lock and answer in about a
   * millisecond (index lookups). Prepared when `prepare` says so of its
   * text.
   */
  read<T>(query: SQL | CompiledQuery, prepare?: (text: string) => boolean): Promise<T[]>;
}

const pipelines = new WeakMap<object, Pipeline>();

/**
 * How many connections `read` shares out: two, so that reads use both
 * cores of a small machine's database while most of an event loop turn's
 * reads still share a write. Measured on bench phase 8 (`/results/latest`,
 * 16 clients), PostgreSQL's CPU per request went from 1.2-1.3 ms to
 * 0.6-0.9 ms against one lane per request: the statement is cheap, and
 * most of a backend's work was waking up for each one.
 */
const READ_LANES = 2;

/**
 * The pipelined transaction runner of a PostgreSQL database handle; undefined
 * on PGlite (in-process: no round trips to save) and for an open transaction
 * (which has its connection already), where `executor.transaction` is the way.
 */
export function pipelineOf(executor: Executor): Pipeline | undefined {
  return pipelines.get(executor);
}

/** A lane's connection was lost in the middle of a transaction (nothing of it was committed). */
function connectionLost(): Error {
  return Object.assign(new Error('the database connection was lost during the transaction; nothing of it was committed'), {
    code: 'CONNECTION_CLOSED',
  });
}

/**
 * Pipelined transactions run on lanes: postgres.js clients of one connection
 * each, taken by one transaction at a time. Not `client.reserve()`: when the
 * server closes a reserved connection (a restart, pg_terminate_backend),
 * postgres.js goes on writing to its dead socket and throws outside any
 * promise, which ends the process. A lane's `onclose` tells us, synchronously,
 * that its connection is gone; from then on the transaction sends nothing
 * more (a later statement would run on a new connection, outside the
 * transaction) and fails.
 *
 * A lane whose statement failed for a fault of the database (a lost or reset
 * connection, a timeout) is retired, not reused: between a socket's error
 * and its close, postgres.js 3.4.9 queues a statement sent to it (our
 * ROLLBACK) where nothing ever answers it, and then hands the next
 * connection's answers to the wrong statements (porsager/postgres#1142,
 * #1223). A fresh client has none of that state. As a last resort every
 * statement on a lane has a deadline: statement timeout plus connect timeout
 * plus a second; past it the lane is retired and the call fails.
 */
interface Lane {
  sql: postgres.Sql;
  /** How many times its connection has closed. */
  closes: number;
  /** Retired: its client is being closed and it is never used again. */
  retired: boolean;
}

type Answer = Awaited<ReturnType<postgres.Sql['unsafe']>>;

/** A transaction committed whose statement's answer could not be read. */
function answerLost(cause: unknown): Error {
  return Object.assign(new Error('the transaction committed, but its answer could not be read'), { code: 'ANSWER_LOST', cause });
}

/** No answer from the database within a lane's deadline. */
function noAnswer(ms: number): Error {
  return Object.assign(new Error(`the database gave no answer within ${ms} ms; nothing of the transaction was committed, or its answer was lost`), {
    code: 'CONNECTION_CLOSED',
  });
}

function postgresPipeline(
  url: string,
  client: postgres.Sql,
  size: number,
  logger: QueryLogger,
  limits: ReturnType<typeof bounded>,
): Pipeline & { close(): Promise<void> } {
  const dialect = new PgDialect();
  const prepare = (query: SQL | CompiledQuery): { text: string; params: postgres.ParameterOrJSON<never>[] } => {
    const { sql: text, params } = 'text' in query ? { sql: query.text, params: query.params } : dialect.sqlToQuery(query);
    logger?.logQuery(text);
    return { text, params: params as postgres.ParameterOrJSON<never>[] };
  };
  const lanes: Lane[] = [];
  const free: Lane[] = [];
  /** The shared lanes of `read`, with how many reads each has in flight. */
  const readLanes: Array<{ lane: Lane; inFlight: number }> = [];
  const waiting: Array<{ resolve: (lane: Lane) => void; reject: (error: Error) => void }> = [];
  let closed = false;
  const closedError = (): Error => Object.assign(new Error('the database handle is closed'), { code: 'DATABASE_CLOSED' });
  const deadlineMs = limits.statementMs > 0 ? limits.statementMs + limits.connect_timeout * 1000 + 1000 : 0;
  const newLane = (shared = false): Lane => {
    const lane: Lane = {
      sql: connectPostgres(url, {
        max: 1,
        onnotice: () => {},
        // Lanes run only the recording statements, whose texts are fixed and
        // whose values are parameters: one generic plan per statement and
        // connection serves every call. Left to itself the server keeps
        // planning some of them afresh each time.
        connect_timeout: limits.connect_timeout,
        connection: { application_name: 'resultsbus', plan_cache_mode: 'force_generic_plan', ...limits.connection },
        // postgres.js closes a connection when its lifetime (30-60 minutes
        // by default) is up, even between two statements of a transaction,
        // and runs the next one on a new connection, outside it. A lane's
        // connection lives until the server closes it.
        max_lifetime: 0, // 0: none
        idle_timeout: 0,
        onclose: () => {
          lane.closes++;
        },
      }),
      closes: 0,
      retired: false,
    };
    // The same value conversions as the main client, drizzle's included.
    Object.assign(lane.sql.options.parsers, client.options.parsers);
    Object.assign(lane.sql.options.serializers, client.options.serializers);
    if (!shared) lanes.push(lane);
    return lane;
  };
  const retire = (lane: Lane): void => {
    if (lane.retired) return;
    lane.retired = true;
    const at = lanes.indexOf(lane);
    if (at >= 0) lanes.splice(at, 1);
    const shared = readLanes.findIndex((r) => r.lane === lane);
    if (shared >= 0) readLanes.splice(shared, 1);
    // Closing fails whatever is still in flight on it (CONNECTION_DESTROYED).
    void lane.sql.end({ timeout: 0 }).catch(() => {});
  };
  /** Sends one statement on `lane`, bounded by the deadline; a fault of the database retires the lane. */
  const run = (lane: Lane, text: string, params: postgres.ParameterOrJSON<never>[], options?: { prepare: boolean }): Promise<Answer> => {
    if (lane.retired) throw connectionLost();
    const query = lane.sql.unsafe(text, params, options);
    return new Promise<Answer>((resolve, reject) => {
      const timer =
        deadlineMs > 0
          ? setTimeout(() => {
              retire(lane);
              reject(noAnswer(deadlineMs));
            }, deadlineMs)
          : undefined;
      query.then(
        (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (isDatabaseFault(error)) retire(lane);
          reject(error);
        },
      );
    });
  };
  const acquire = (): Promise<Lane> | Lane => {
    if (closed) throw closedError();
    const lane = free.pop();
    if (lane) return lane;
    if (lanes.length < size) return newLane();
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
  const release = (lane: Lane): void => {
    const next = waiting.shift();
    // A retired lane's place goes to a new one.
    if (next) next.resolve(lane.retired ? newLane() : lane);
    else if (!lane.retired) free.push(lane);
  };
  return {
    async close() {
      // Calls still waiting for a lane fail now instead of never settling;
      // the ones on a lane finish (or fail) with its connection.
      closed = true;
      for (const waiter of waiting.splice(0)) waiter.reject(closedError());
      await Promise.all([...lanes, ...readLanes.map((r) => r.lane)].map((lane) => lane.sql.end({ timeout: 5 })));
    },
    async statement<T>(query: SQL, prepareIf?: (text: string) => boolean): Promise<T[]> {
      const lane = await acquire();
      try {
        const { text, params } = prepare(query);
        return (await run(lane, text, params, { prepare: prepareIf === undefined || prepareIf(text) })) as unknown as T[];
      } finally {
        release(lane);
      }
    },
    async read<T>(query: SQL | CompiledQuery, prepareIf?: (text: string) => boolean): Promise<T[]> {
      if (closed) throw closedError();
      let pick = readLanes.length < READ_LANES ? undefined : readLanes.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      if (pick === undefined) {
        pick = { lane: newLane(true), inFlight: 0 };
        readLanes.push(pick);
      }
      const { text, params } = prepare(query);
      pick.inFlight++;
      try {
        return (await run(pick.lane, text, params, { prepare: prepareIf === undefined || prepareIf(text) })) as unknown as T[];
      } finally {
        pick.inFlight--;
      }
    },
    async transaction(body) {
      const lane = await acquire();
      const generation = lane.closes;
      const send = (text: string, params: postgres.ParameterOrJSON<never>[] = [], options?: { prepare: boolean }) => {
        if (lane.closes !== generation) {
          retire(lane);
          throw connectionLost();
        }
        return run(lane, text, params, options);
      };
      // Whether a transaction may be open on the lane and needs a ROLLBACK.
      let open = true;
      try {
        // Sent with the first statement: postgres.js writes the queries of
        // one tick together and keeps their order on the connection.
        const began = send('BEGIN').then(() => undefined);
        began.catch(() => {});
        const tx: PipelinedTx = {
          async rows<T>(query: SQL): Promise<T[]> {
            const { text, params } = prepare(query);
            const rows = await send(text, params, { prepare: true });
            await began;
            return rows as unknown as T[];
          },
          async rowsAndCommit<T>(query: SQL): Promise<T[]> {
            // Not waiting for BEGIN's answer, which cost a round trip of its
            // own: the statement and COMMIT follow it on the same connection,
            // and the server runs them in order. A BEGIN lost with its
            // connection fails every query postgres.js wrote behind it (it
            // rejects them all when the connection closes), and `send`
            // refuses any later one; waiting would not have changed that.
            const { text, params } = prepare(query);
            const statement = send(text, params, { prepare: true });
            const commit = send('COMMIT');
            const [begun, rows, committed] = await Promise.allSettled([began, statement, commit]);
            // Either way the transaction is over: committed, or (a failed
            // statement turns COMMIT into ROLLBACK) rolled back.
            if (committed.status === 'fulfilled' || rows.status === 'rejected') open = false;
            if (begun.status === 'rejected') throw begun.reason;
            if (rows.status === 'rejected') {
              // COMMIT answered COMMIT: the statement ran, only its answer
              // could not be read here. The transaction is committed, so
              // nothing may treat it as rolled back (and record it again).
              if (committed.status === 'fulfilled' && committed.value.command === 'COMMIT') throw answerLost(rows.reason);
              throw rows.reason;
            }
            if (committed.status === 'rejected') throw committed.reason;
            if (committed.value.command !== 'COMMIT') throw new Error(`the transaction ended with ${committed.value.command}, not COMMIT`);
            return rows.value as unknown as T[];
          },
        };
        return await body(tx);
      } finally {
        // A lost connection took its transaction with it: nothing to roll
        // back. A retired lane's closing ends it on the server.
        if (open && lane.closes === generation && !lane.retired) await send('ROLLBACK').catch(() => {});
        if (lane.closes !== generation) retire(lane);
        release(lane);
      }
    },
  };
}
