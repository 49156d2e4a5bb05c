/**
 * The emission stream behind `subscription { emissions(after:) }`: every
 * stored emission past a seq, in seq order, then live ones, with no gap and no
 * duplicate at the seam.
 *
 * One follower per process serves every live subscriber: it holds a cursor
 * (`head`) at the committed horizon, takes each new emission once (from this
 * process's own commits through `offer`, else from the table below the
 * horizon, where every seq is committed: the seq the last notification
 * announced, or the committed value of the sequence counter), and hands it to
 * every live subscriber whose filter it matches, in memory. It waits for a
 * NOTIFY or one poll interval for the whole process, and runs only while
 * someone subscribes. Notifications only wake it and bound the read; rows
 * always come from the table, so a lost notification delays and never loses.
 *
 * A subscriber behind the head (`after:` in the past, or one that fell too
 * far behind) reads the table on its own, in pages with its filter, up to the
 * head; once its cursor has reached the head it joins the shared hand-out in
 * the same synchronous step, so the next seq it gets is the one after.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import { type Database, type Db, queryRows } from '../db/client.ts';
import { isDatabaseFault } from '../db/faults.ts';
import { EMISSIONS_CHANNEL, RESULTS_CHANNEL } from '../results/record.ts';
import { type CommonFilter, resultsByIds } from '../results/queries.ts';
import type { EmissionView, ResultView } from '../results/views.ts';
import { committedSeq, emissionMatcher, listEmissions } from './queries.ts';

/** Rows read per round trip while catching up. */
const PAGE = 500;

/** Emissions committed by this process, kept for its live streams. */
const RECENT = 2000;

export interface LiveFeedOptions {
  /** How often the process's follower re-reads without a notification, in ms (one poll for all subscribers). @default 1000 */
  pollMs?: number;
  /**
   * Emissions queued for one live subscriber that does not keep up; past it,
   * the subscriber leaves the shared hand-out and catches up from the table
   * on its own, so a slow client costs reads, never unbounded memory.
   * @default 5000
   */
  maxQueued?: number;
}

/**
 * The emissions of one read, as handed to every subscriber. Its identity
 * scopes what the subscribers' executions load for them (see
 * `eventLoaders` in src/graphql/context.ts): shared by all, made anew for
 * every batch.
 */
export class EmissionBatch {
  private groups: Promise<Map<number, string[]>> | undefined;

  constructor(
    private readonly db: Db,
    readonly emissions: readonly EmissionView[],
  ) {}

  /** The groups of each emission's result, read once for every subscriber that filters by group. */
  groupsByResult(): Promise<Map<number, string[]>> {
    this.groups ??= resultsByIds(
      this.db,
      this.emissions.map((e) => e.resultId),
    ).then((rows) => new Map(rows.map((r) => [r.id, r.groups])));
    return this.groups;
  }
}

/** One emission as a subscriber gets it, with the batch it came in. */
export interface LiveEmission {
  emission: EmissionView;
  batch: EmissionBatch;
}

/** Results recorded in one notification, read once for every `resultRecorded` subscriber. */
export interface ResultBatch {
  results: readonly ResultView[];
  /** One event per result, the same objects for every subscriber (what they execute is shared by event). */
  events: readonly LiveResult[];
}

/** One live result as a subscriber gets it, with the batch it came in. */
export interface LiveResult {
  result: ResultView;
  batch: ResultBatch;
}

/** A subscriber of the shared follower. */
interface Tap {
  /** Whether `filter` would let this emission through (everything but `group`, which needs the result). */
  accepts: (emission: EmissionView) => boolean;
  /** Joined the shared hand-out (else catching up on its own). */
  live: boolean;
  /** Every emission up to this seq was considered for it. */
  cursor: number;
  queue: LiveEmission[];
  wake: (() => void) | undefined;
  /** Set when the follower failed or stopped: the stream ends with it. */
  ended: { error: unknown } | undefined;
  /** Set while the subscriber takes its emissions pushed (see `EmissionStream.nextOrPush`): nothing is queued then. */
  push: EmissionPush | undefined;
}

/**
 * A subscriber that takes a live stream's events as they are handed out,
 * instead of pulling them one by one (see `EmissionStream.startPush`).
 */
export interface EmissionPush {
  /** The events of one hand-out that the subscriber's filter accepts, in seq order; called in the hand-out's synchronous step. */
  deliver(events: readonly LiveEmission[]): void;
  /** The stream ended after what was delivered: the feed stopped (`error` undefined) or failed. */
  ended(error: unknown): void;
}

/** How long a lease on result notifications lasts (s), and how often a holder renews it (ms). */
export const RESULT_LEASE_SECONDS = 60;
const RESULT_LEASE_RENEW_MS = 20_000;

/**
 * One LISTEN per process for both channels, and the process's one follower
 * of the emissions (see the top of this file). Emits `seq` (highest
 * committed seq announced) and `results` (ids). The follower runs while
 * someone follows emissions. A read of it that fails for a fault of the
 * database is tried again at the next wake (the streams wait meanwhile); one
 * that fails otherwise ends the streams it serves with that error (as a
 * stream's own read failing would end it), and the next subscriber starts it
 * again.
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
  private readonly maxQueued: number;
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
  private readonly taps = new Set<Tap>();
  /** Every emission up to it was handed to the live taps. @internal EmissionStream's */
  head = 0;
  /** Resolves once `head` is read for the current run of the follower. */
  private headRead: Promise<void> | undefined;
  private following: AbortController | undefined;
  private stopped = false;
  /** One read per results notification, shared by its subscribers (the same ids array reaches each). */
  private readonly resultBatches = new WeakMap<number[], Promise<ResultBatch>>();

  private constructor(
    readonly db: Db,
    options: LiveFeedOptions,
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.maxQueued = options.maxQueued ?? 5000;
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
      // A copy: the recording's answer holds the same object, and a row a
      // subscription event resolves is bound to the event's loaders.
      this.recent.set(emission.seq, { ...emission });
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
   * Registers a subscriber, not yet live, and starts the follower if it is
   * the first. Resolves once the follower knows its head.
   */
  /** @internal EmissionStream's */
  async tap(accepts: (emission: EmissionView) => boolean): Promise<Tap> {
    if (this.stopped) throw new Error('the live feed is stopped');
    const tap: Tap = { accepts, live: false, cursor: 0, queue: [], wake: undefined, ended: undefined, push: undefined };
    this.taps.add(tap);
    if (this.following === undefined) this.startFollowing();
    try {
      await this.headRead;
    } catch (error) {
      this.untap(tap);
      throw error;
    }
    return tap;
  }

  /** @internal EmissionStream's */
  untap(tap: Tap): void {
    this.taps.delete(tap);
    // With nobody left, not even the poll runs.
    if (this.taps.size === 0) this.following?.abort();
  }

  /**
   * Makes `tap` live at `cursor` when the cursor has reached the head; in the
   * same synchronous step, so the next batch handed out starts right after.
   */
  /** @internal EmissionStream's */
  join(tap: Tap, cursor: number): boolean {
    if (cursor < this.head) return false;
    tap.cursor = cursor;
    tap.live = true;
    return true;
  }

  private startFollowing(): void {
    const run = new AbortController();
    this.following = run;
    const read = committedSeq(this.db).then((seq) => {
      // A run that starts with nobody live begins at the horizon (what was
      // committed while nobody followed went to no one); one that follows an
      // aborted run with a live subscriber continues from the head it has.
      let live = false;
      for (const tap of this.taps) live ||= tap.live;
      if (!live) this.head = seq;
    });
    this.headRead = read;
    void read
      .then(() => this.follow(run.signal))
      .catch((error: unknown) => this.endTaps({ error }))
      .finally(() => {
        if (this.following === run) this.following = undefined;
        // Someone subscribed while this run was winding down.
        if (this.taps.size > 0 && !this.stopped && this.following === undefined) this.startFollowing();
      });
  }

  /**
   * The one loop of the process: wait, read past the head once, hand out. A
   * read that fails for a fault of the database (down, restarting, cut off)
   * is tried again at the next wake, so that live subscribers ride out an
   * outage instead of all ending with it; any other failure ends them.
   */
  private async follow(signal: AbortSignal): Promise<void> {
    while (this.taps.size > 0 && !signal.aborted) {
      await this.waitPast(this.head, signal);
      if (signal.aborted) return;
      try {
        await this.readPastHead(signal);
      } catch (error) {
        if (!isDatabaseFault(error)) throw error;
        // A poll interval before the next try, even when a notification
        // announced more: nothing of the head moved.
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, this.pollMs);
          signal.addEventListener('abort', done);
        });
      }
    }
  }

  /** Reads what was committed past the head and hands it out. */
  private async readPastHead(signal: AbortSignal): Promise<void> {
    // A notification of seq N says every seq up to N is committed: it comes
    // after N's commit, and N's transaction could only take the counter
    // once the one before it had committed. Without one (a poll), ask the counter.
    const horizon = this.latestSeq > this.head ? this.latestSeq : await committedSeq(this.db);
    while (horizon > this.head && !signal.aborted) {
      // What this process committed is at hand, as long as it follows on
      // from the head; from the first seq it lacks, the table.
      const rows: EmissionView[] = [];
      for (let next = this.recent.get(this.head + 1); next !== undefined && next.seq <= horizon && rows.length < PAGE; next = this.recent.get(next.seq + 1)) {
        rows.push(next);
      }
      let top: number;
      if (rows.length > 0) {
        top = rows[rows.length - 1]?.seq ?? this.head;
      } else {
        rows.push(...(await listEmissions(this.db, { pastSeq: this.head, maxSeq: horizon, limit: PAGE })));
        const last = rows[rows.length - 1];
        top = rows.length === PAGE && last !== undefined ? last.seq : horizon;
      }
      if (signal.aborted) return;
      this.handOut(new EmissionBatch(this.db, rows), top);
    }
  }

  private handOut(batch: EmissionBatch, top: number): void {
    const events = batch.emissions.map((emission) => ({ emission, batch }));
    for (const tap of this.taps) {
      if (!tap.live) continue;
      if (tap.push !== undefined) {
        let accepted: LiveEmission[] | undefined;
        for (const event of events) {
          if (event.emission.seq > tap.cursor && tap.accepts(event.emission)) (accepted ??= []).push(event);
        }
        if (top > tap.cursor) tap.cursor = top;
        if (accepted !== undefined) tap.push.deliver(accepted);
        continue;
      }
      for (const event of events) {
        if (event.emission.seq > tap.cursor && tap.accepts(event.emission)) tap.queue.push(event);
      }
      if (top > tap.cursor) tap.cursor = top;
      if (tap.queue.length > this.maxQueued) {
        tap.live = false;
        tap.queue = [];
      }
      tap.wake?.();
    }
    this.head = top;
  }

  private endTaps(ended: { error: unknown } | undefined): void {
    for (const tap of this.taps) {
      tap.ended = ended ?? { error: undefined };
      tap.push?.ended(tap.ended.error);
      tap.wake?.();
    }
    this.taps.clear();
  }

  /**
   * Live subscribers of the shared follower: how many, and how many of them
   * are catching up on their own.
   */
  get subscribers(): { live: number; catchingUp: number } {
    let live = 0;
    for (const tap of this.taps) if (tap.live) live++;
    return { live, catchingUp: this.taps.size - live };
  }

  /** The rows of one results notification, read once for all its subscribers. */
  private resultBatch(ids: number[]): Promise<ResultBatch> {
    let batch = this.resultBatches.get(ids);
    if (batch === undefined) {
      batch = resultsByIds(this.db, ids).then((rows) => {
        const made: { results: ResultView[]; events: LiveResult[] } = { results: rows.sort((a, b) => a.id - b.id), events: [] };
        made.events = made.results.map((result) => ({ result, batch: made }));
        return made;
      });
      this.resultBatches.set(ids, batch);
    }
    return batch;
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

  /** See `followEmissions`. */
  followEmissions(after: number | null, filter: CommonFilter | null | undefined): EmissionStream {
    return new EmissionStream(this, after, filter);
  }

  /** See `followResults`. */
  followResults(matches: (result: ResultView) => boolean): AsyncGenerator<LiveResult> {
    const feed = this;
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
          const batch = await feed.resultBatch(ids);
          for (const event of batch.events) if (matches(event.result)) yield event;
        }
      } finally {
        off();
        signal.removeEventListener('abort', onAbort);
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.following?.abort();
    this.endTaps(undefined);
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

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One subscriber's emissions (see `followEmissions`): pulled with `next()`,
 * or, while it is live with nothing queued, pushed to it as the follower
 * hands them out (`nextOrPush`), which spares a round of promises per
 * emission and subscriber; a pushed subscriber that falls behind goes back
 * to pulling (`stopPush`) and catches up from the table.
 */
export class EmissionStream implements AsyncIterableIterator<LiveEmission> {
  private tap: Tap | undefined;
  private opening: Promise<Tap> | undefined;
  /** Every matching emission up to this seq was handed to the subscriber; undefined until the stream has opened. */
  private cursor: number | undefined;
  /** A page read while catching up, and the cursor once it is all handed out. */
  private page: LiveEmission[] = [];
  private pageTop = 0;
  private readonly accepts: (emission: EmissionView) => boolean;
  private readonly group: string | undefined;
  private closed = false;
  /** The cursor when pushing began. */
  private pushedFrom = 0;

  constructor(
    private readonly feed: LiveFeed,
    private readonly after: number | null,
    private readonly filter: CommonFilter | null | undefined,
  ) {
    this.accepts = emissionMatcher(filter);
    this.group = filter?.group ?? undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async open(): Promise<Tap> {
    this.opening ??= this.feed.tap(this.accepts).then((tap) => {
      this.tap = tap;
      this.cursor = this.after ?? this.feed.head;
      if (this.closed) this.feed.untap(tap);
      return tap;
    });
    return this.opening;
  }

  next(): Promise<IteratorResult<LiveEmission, undefined>> {
    return this.pull(undefined) as Promise<IteratorResult<LiveEmission, undefined>>;
  }

  /**
   * `next()`, except that once the stream is live with nothing left to pull,
   * it hands the following emissions to `push` in the follower's hand-out
   * instead of queueing them, and resolves with `'pushing'`. A stream with a
   * `group` filter (which needs a read per batch first) is only pulled.
   */
  nextOrPush(push: EmissionPush): Promise<IteratorResult<LiveEmission, undefined> | 'pushing'> {
    return this.pull(this.group === undefined ? push : undefined);
  }

  private async pull(push: EmissionPush | undefined): Promise<IteratorResult<LiveEmission, undefined> | 'pushing'> {
    if (this.closed) return DONE;
    const tap = this.tap ?? (await this.open());
    const feed = this.feed;
    while (!this.closed) {
      const paged = this.page.shift();
      if (paged !== undefined) {
        this.cursor = paged.emission.seq;
        return { done: false, value: paged };
      }
      const cursor = Math.max(this.cursor ?? 0, this.pageTop);
      this.cursor = cursor;
      if (!tap.live && !feed.join(tap, cursor)) {
        const target = feed.head;
        const rows = await listEmissions(feed.db, { filter: this.filter, pastSeq: cursor, maxSeq: target, limit: PAGE });
        const batch = new EmissionBatch(feed.db, rows);
        this.page = rows.map((emission) => ({ emission, batch }));
        const last = rows[rows.length - 1];
        this.pageTop = rows.length === PAGE && last !== undefined ? last.seq : Math.max(cursor, target);
        continue;
      }
      const next = tap.queue.shift();
      if (next !== undefined) {
        if (this.group !== undefined && !(await next.batch.groupsByResult()).get(next.emission.resultId)?.includes(this.group)) continue;
        if (this.closed) break;
        this.cursor = next.emission.seq;
        return { done: false, value: next };
      }
      if (tap.ended !== undefined) {
        this.closed = true;
        if (tap.ended.error !== undefined) throw tap.ended.error;
        return DONE;
      }
      // Left the hand-out for falling behind: catch up from the last one handed out.
      if (!tap.live) continue;
      if (push !== undefined) {
        this.pushedFrom = cursor;
        tap.push = push;
        return 'pushing';
      }
      await new Promise<void>((resolve) => {
        tap.wake = () => {
          tap.wake = undefined;
          resolve();
        };
      });
    }
    return DONE;
  }

  /**
   * Back to `next()`: the subscriber got every emission pushed up to `last`
   * (none: up to where pushing began) and catches up from the table past it.
   */
  stopPush(last: LiveEmission | undefined): void {
    const tap = this.tap;
    if (tap === undefined || tap.push === undefined) return;
    tap.push = undefined;
    this.cursor = last?.emission.seq ?? this.pushedFrom;
    this.pageTop = 0;
    tap.live = false;
    tap.queue = [];
  }

  async return(_value?: unknown): Promise<IteratorReturnResult<undefined>> {
    if (!this.closed) {
      this.closed = true;
      const tap = this.tap;
      if (tap !== undefined) {
        tap.push = undefined;
        tap.wake?.();
        this.feed.untap(tap);
      }
    }
    return DONE;
  }

  async throw(error: unknown): Promise<IteratorReturnResult<undefined>> {
    await this.return();
    throw error;
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
 *   (start at the head of the process's follower, the committed horizon it
 *   has reached)
 */
export function followEmissions(
  feed: LiveFeed,
  after: number | null,
  filter: CommonFilter | null | undefined,
): EmissionStream {
  return feed.followEmissions(after, filter);
}

/** Live results as they are recorded (from any process), filtered. */
export function followResults(feed: LiveFeed, matches: (result: ResultView) => boolean): AsyncGenerator<LiveResult> {
  return feed.followResults(matches);
}
