/**
 * The emission stream behind `subscription { emissions(after:) }`: every
 * stored emission past a seq, in seq order, then live ones, with no gap and no
 * duplicate at the seam.
 *
 * There is no seam to get wrong because there is only one loop: read every
 * matching emission in (cursor, horizon], where the horizon is the committed
 * value of the sequence counter (all seqs up to it are committed), move the
 * cursor to the horizon, and wait until a NOTIFY says the counter moved or a
 * poll interval passes. Notifications only wake the loop; rows always come
 * from the table, so a lost notification delays and never loses.
 */
import { EventEmitter } from 'node:events';
import type { Database, Db } from '../db/client.ts';
import { EMISSIONS_CHANNEL, RESULTS_CHANNEL } from '../results/record.ts';
import { type CommonFilter, resultsByIds } from '../results/queries.ts';
import type { EmissionView, ResultView } from '../results/views.ts';
import { committedSeq, listEmissions } from './queries.ts';

/** Rows read per round trip while catching up. */
const PAGE = 500;

export interface LiveFeedOptions {
  /** How often a waiting stream re-reads without a notification, in ms. @default 1000 */
  pollMs?: number;
}

/**
 * One LISTEN per process for both channels; streams wait on it. Emits
 * `seq` (highest committed seq announced) and `results` (ids).
 */
export class LiveFeed {
  private readonly events = new EventEmitter();
  private latestSeq = 0;
  private stops: Array<() => Promise<void>> = [];
  readonly pollMs: number;

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
        const seq = Number(payload);
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

  onResults(listener: (ids: number[]) => void): () => void {
    this.events.on('results', listener);
    return () => this.events.off('results', listener);
  }

  async stop(): Promise<void> {
    const stops = this.stops;
    this.stops = [];
    await Promise.all(stops.map((s) => s()));
    this.events.removeAllListeners();
  }
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
  return abortable(async function* (signal) {
    let cursor = after ?? (await committedSeq(feed.db));
    while (!signal.aborted) {
      const horizon = await committedSeq(feed.db);
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
    const off = feed.onResults((ids) => {
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
