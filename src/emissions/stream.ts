/**
 * The emission stream behind `subscription { emissions(after:) }`: every
 * stored emission past a seq, in seq order, then live ones, with no gap and no
 * duplicate at the seam.
 *
 * There is no seam to get wrong because there is only one loop: read every
 * matching emission in (cursor, horizon], where every seq up to the horizon
 * is committed (the seq the last notification announced, or the committed
 * value of the sequence counter), move the cursor to the horizon, and wait
 * until a NOTIFY says the counter moved or a poll interval passes.
 * Notifications only wake the loop and bound the read; rows always come from
 * the table, so a lost notification delays and never loses.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import { type Database, type Db, queryRows } from '../db/client.ts';
import { EMISSIONS_CHANNEL, RESULTS_CHANNEL } from '../results/record.ts';
import { type CommonFilter, resultsByIds } from '../results/queries.ts';
import type { EmissionView, ResultView } from '../results/views.ts';
import { committedSeq, listEmissions, matchesEverything } from './queries.ts';

/** Rows read per round trip while catching up. */
const PAGE = 500;
/** Emissions committed by this process, kept for its live streams. */
const RECENT = 2000;

export interface LiveFeedOptions {
  /** How often a waiting stream re-reads without a notification, in ms. @default 1000 */
  pollMs?: number;
}

/** How long a lease on result notifications lasts (s), and how often a holder renews it (ms). */
export const RESULT_LEASE_SECONDS = 60;
const RESULT_LEASE_RENEW_MS = 20_000;

/**
 * One LISTEN per process for both channels; streams wait on it. Emits
 * `seq` (highest committed seq announced) and `results` (ids).
 *
 * Results are announced only while some process holds a lease in
 * `result_listeners` (see `RESULTS_FOLLOWED` in `src/results/record.ts`):
 * the feed holds one while it has at least one `onResults` listener,
 * renewing it every 20 s for 60 s, and drops it when the last one leaves. A
 * process that dies keeps the others notifying for at most 60 s.
 */
export class LiveFeed {
  private readonly events = new EventEmitter();
  private latestSeq = 0;
  private stops: Array<() => Promise<void>> = [];
  readonly pollMs: number;
  /**
   * Marks the emission notifications of this process's own recorder
   * (`RecorderOptions.notifyTag`): their emissions come through `offer`.
   */
  readonly tag = randomBytes(8).toString('hex');
  /** This process's name in `result_listeners`. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  private resultFollowers = 0;
  private readonly recent = new Map<number, EmissionView>();
  private renewal: NodeJS.Timeout | undefined;
  /** Lease writes, one after another (a drop must not overtake a later take). */
  private leaseWrites: Promise<void> = Promise.resolve();
  /** The write that took the current lease; `onResults` waits for it. */
  private leaseTaken: Promise<void> = Promise.resolve();

  private constructor(
    readonly db: Db,
    options: LiveFeedOptions,
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.events.setMaxListeners(0);
  }

  static async start(database: Database, options: LiveFeedOptions = {}): Promise<LiveFeed> {
    const feed = new LiveFeed(database.db, options);
    feed.stops.push(
      await database.listen(EMISSIONS_CHANNEL, (payload) => {
        const { seq, tag } = parseEmissionPayload(payload);
        // This process's own: offer() brings the emissions themselves once
        // the statement's answer is in, which on PostgreSQL may come after
        // its notification. Waking the streams now would send them to the
        // table for rows about to be handed over. (Should that answer be
        // lost after the commit, the streams' poll finds the rows.)
        if (tag === feed.tag) return;
        if (Number.isFinite(seq) && seq > feed.latestSeq) feed.latestSeq = seq;
        feed.events.emit('seq', seq);
      }),
    );
    feed.stops.push(
      await database.listen(RESULTS_CHANNEL, (payload) => {
        feed.events.emit('results', parseIdRanges(payload));
      }),
    );
    feed.latestSeq = await committedSeq(database.db);
    return feed;
  }

  /** The highest seq a notification announced (or the committed one at start): every seq up to it is committed. */
  get announcedSeq(): number {
    return this.latestSeq;
  }

  /**
   * Takes emissions this process has just committed (the recorder calls it
   * after the commit), so that its live streams can hand them out without
   * reading them back; and wakes the streams, as their notification would.
   */
  offer(emissions: readonly EmissionView[]): void {
    let top = 0;
    for (const emission of emissions) {
      this.recent.set(emission.seq, emission);
      if (emission.seq > top) top = emission.seq;
    }
    for (const seq of this.recent.keys()) {
      if (this.recent.size <= RECENT) break;
      this.recent.delete(seq);
    }
    // Committed, so every smaller seq is too (see followEmissions).
    if (top > this.latestSeq) {
      this.latestSeq = top;
      this.events.emit('seq', top);
    }
  }

  /** An emission this process committed lately, by seq. */
  recentEmission(seq: number): EmissionView | undefined {
    return this.recent.get(seq);
  }

  /** Resolves when a seq above `cursor` was announced, after `pollMs`, or on abort. */
  waitPast(cursor: number, signal: AbortSignal): Promise<void> {
    if (this.latestSeq > cursor || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.events.off('seq', onSeq);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onSeq = (seq: number): void => {
        if (seq > cursor) done();
      };
      const timer = setTimeout(done, this.pollMs);
      this.events.on('seq', onSeq);
      signal.addEventListener('abort', done);
    });
  }

  /**
   * Calls `listener` with the ids of results recorded by any process from now
   * on. Resolves, with the function that stops it, once this process's lease
   * is committed: every result recorded after that is announced.
   */
  async onResults(listener: (ids: number[]) => void): Promise<() => void> {
    this.events.on('results', listener);
    let followed = true;
    const off = (): void => {
      if (!followed) return;
      followed = false;
      this.events.off('results', listener);
      if (--this.resultFollowers === 0) this.dropLease();
    };
    if (++this.resultFollowers === 1) this.takeLease();
    try {
      await this.leaseTaken;
    } catch (error) {
      off();
      throw error;
    }
    return off;
  }

  private writeLease(write: () => Promise<unknown>): Promise<void> {
    const done = this.leaseWrites.then(async () => {
      await write();
    });
    this.leaseWrites = done.catch(() => {});
    return done;
  }

  private takeLease(): void {
    const renew = (): Promise<void> =>
      this.writeLease(() =>
        queryRows(
          this.db,
          sql`WITH gone AS (DELETE FROM result_listeners WHERE expires_at < now() AND holder <> ${this.holder})
              INSERT INTO result_listeners (holder, expires_at)
              VALUES (${this.holder}, now() + make_interval(secs => ${RESULT_LEASE_SECONDS}))
              ON CONFLICT (holder) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
        ),
      );
    this.leaseTaken = renew();
    // A failed renewal is retried at the next one; the lease outlasts two.
    this.renewal = setInterval(() => void renew().catch(() => {}), RESULT_LEASE_RENEW_MS);
    this.renewal.unref();
  }

  private dropLease(): Promise<void> {
    clearInterval(this.renewal);
    this.renewal = undefined;
    // Best effort: a lease left behind expires on its own.
    return this.writeLease(() => queryRows(this.db, sql`DELETE FROM result_listeners WHERE holder = ${this.holder}`)).catch(() => {});
  }

  async stop(): Promise<void> {
    const stops = this.stops;
    this.stops = [];
    if (this.resultFollowers > 0) {
      this.resultFollowers = 0;
      await this.dropLease();
    }
    await this.leaseWrites;
    await Promise.all(stops.map((s) => s()));
    this.events.removeAllListeners();
  }
}

/** Parses an emission notification: `<seq>` or `<seq>:<tag>`. */
export function parseEmissionPayload(payload: string): { seq: number; tag: string | undefined } {
  const colon = payload.indexOf(':');
  if (colon < 0) return { seq: Number(payload), tag: undefined };
  return { seq: Number(payload.slice(0, colon)), tag: payload.slice(colon + 1) };
}

/** Parses `1-5,9` into [1,2,3,4,5,9]. */
export function parseIdRanges(payload: string): number[] {
  const ids: number[] = [];
  for (const part of payload.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || !Number.isFinite(a)) continue;
    const end = b !== undefined && Number.isFinite(b) ? b : a;
    for (let id = a; id <= end; id++) ids.push(id);
  }
  return ids;
}

/**
 * Wraps a generator so that `return()` (a client unsubscribing) ends it at
 * once, even while it is waiting, by aborting the signal it waits on.
 */
export function abortable<T>(make: (signal: AbortSignal) => AsyncGenerator<T>): AsyncGenerator<T> {
  const controller = new AbortController();
  const inner = make(controller.signal);
  const outer: AsyncGenerator<T> = {
    next: () => inner.next(),
    return: (value) => {
      controller.abort();
      return inner.return(value as T);
    },
    throw: (error) => {
      controller.abort();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]: () => outer,
  };
  return outer;
}

/**
 * @param after yield emissions with a larger seq; `null` means live only
 *   (start at the committed horizon when subscribing)
 */
export function followEmissions(
  feed: LiveFeed,
  after: number | null,
  filter: CommonFilter | null | undefined,
): AsyncGenerator<EmissionView> {
  // A stream that takes every emission can be served from this process's own commits.
  const everything = matchesEverything(filter);
  return abortable(async function* (signal) {
    let cursor = after ?? (await committedSeq(feed.db));
    while (!signal.aborted) {
      // A notification of seq N says every seq up to N is committed: it comes
      // after N's commit, and N's transaction could only take the counter
      // once the one before it had committed. Without one, ask the counter.
      const horizon = feed.announcedSeq > cursor ? feed.announcedSeq : await committedSeq(feed.db);
      if (everything) {
        // What this process committed is at hand, as long as it follows on
        // from the cursor; from the first seq it lacks, the table.
        for (let next = feed.recentEmission(cursor + 1); next !== undefined && next.seq <= horizon; next = feed.recentEmission(cursor + 1)) {
          if (signal.aborted) return;
          yield next;
          cursor = next.seq;
        }
      }
      let full = false;
      while (cursor < horizon && !signal.aborted) {
        const rows = await listEmissions(feed.db, { filter, pastSeq: cursor, maxSeq: horizon, limit: PAGE });
        for (const row of rows) {
          if (signal.aborted) return;
          yield row;
        }
        full = rows.length === PAGE;
        const last = rows[rows.length - 1];
        cursor = full && last !== undefined ? last.seq : horizon;
      }
      if (!full) await feed.waitPast(cursor, signal);
    }
  });
}

/** Live results as they are recorded (from any process), filtered. */
export function followResults(
  feed: LiveFeed,
  matches: (result: ResultView) => boolean,
): AsyncGenerator<ResultView> {
  return abortable(async function* (signal) {
    const queue: number[][] = [];
    let wake: (() => void) | undefined;
    const off = await feed.onResults((ids) => {
      queue.push(ids);
      wake?.();
    });
    const onAbort = (): void => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const ids = queue.shift();
        if (ids === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        const rows = (await resultsByIds(feed.db, ids)).sort((a, b) => a.id - b.id);
        for (const row of rows) if (matches(row)) yield row;
      }
    } finally {
      off();
      signal.removeEventListener('abort', onAbort);
    }
  });
}
