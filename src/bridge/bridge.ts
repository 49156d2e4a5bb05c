/**
 * A bridge: follows the emission stream from its stored cursor and publishes
 * each emission to a sink: a fedmsg on the ZeroMQ PUB socket (with replay
 * beside it, src/fedmsg/sink.ts) or fedora-messaging messages on a RabbitMQ
 * exchange (src/amqp/sink.ts). Each bridge has a name of its own, so both
 * buses can run at once and each advances on its own.
 *
 * - One bridge per name publishes (an advisory lock); others wait as
 *   standbys and take over when it dies.
 * - The cursor moves only past messages that are done: handed to PUB, or
 *   confirmed by the broker (and then only over an unbroken run of them), in
 *   one statement that also stamps the emissions' `published_at`. It is
 *   written every `cursorFlushMs` while messages flow, not per message: a
 *   crash re-sends what went out since the last write. That is
 *   at-least-once, and harmless because a re-send is byte-identical (each
 *   message is a pure function of the row and the settings).
 * - Nothing here waits for a consumer: PUB drops past its high-water mark,
 *   and the broker queues; a bus that is down or refuses is retried with
 *   backoff, while recording goes on.
 */
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { EmissionForBus, EnvelopeOptions } from '../fedmsg/envelope.ts';
import { FedmsgSink } from '../fedmsg/sink.ts';
import { loadSigner } from '../fedmsg/signing.ts';
import { advanceCursor, readCursor } from './cursor.ts';
import { BridgeLock, sleep } from './lock.ts';
import type { BusSink, Delivery } from './sink.ts';
import type { EmissionSource } from './source.ts';
import { createLogger, type Logger } from '../log.ts';

/** How long a stopping bridge waits for the confirms of what it sent, in ms, before it writes its cursor. */
const DRAIN_MS = 2000;

/** What every bridge takes, whatever its bus. */
export interface StreamBridgeOptions {
  /** Where the cursor, the lock and the replayed rows live. */
  database: Database;
  /** The emission stream to follow. */
  source: EmissionSource;
  /** The bridge's name (its cursor row and its lock). @default "default" */
  name?: string | undefined;
  /** How often a standby tries the lock, and the active bridge checks it still holds it, in ms. @default 1000 */
  standbyPollMs?: number | undefined;
  /** How often the cursor is written while messages flow, in ms. @default 100 */
  cursorFlushMs?: number | undefined;
  /**
   * Pause between opening the sink and the first message, in ms, so that
   * subscribers (re)connecting after a restart are there to get it:
   * PUB sends nothing to a subscriber it has not seen yet. fedmsg's
   * `post_init_sleep`. @default 500
   */
  postInitSleepMs?: number | undefined;
  /** Pause before resubscribing after the stream was lost or a message failed, in ms. @default 1000 */
  retryMs?: number | undefined;
  /**
   * Most messages sent and not yet confirmed at once; the bridge waits for
   * confirms past it. @default 1000
   */
  maxUnconfirmed?: number | undefined;
  /** Where the bridge says what it does (takes over, steps down, loses the stream...). @default JSON lines on stdout at level info */
  logger?: Logger | undefined;
}

/** The fedmsg (ZeroMQ) bridge's options. */
export interface BridgeOptions extends StreamBridgeOptions {
  /** PUB endpoint. */
  endpoint: string;
  /** REP endpoint for replay; `undefined` serves no replay. */
  replayEndpoint: string | undefined;
  /** PUB high-water mark per subscriber. @default 10000 */
  highWaterMark?: number | undefined;
  /** Most messages per replay reply. @default 1000 */
  replayMax?: number | undefined;
  /** Username and signer of the envelopes. */
  envelope: EnvelopeOptions;
}

export type BridgeState = 'starting' | 'standby' | 'active' | 'stopped';

/** The envelope settings of the configuration; reads the signing key and certificate when signing. */
export async function envelopeOptions(config: Config): Promise<EnvelopeOptions> {
  if (!config.fedmsgSign) return { username: config.fedmsgUsername };
  // loadConfig has made sure both are set when signing is on.
  const signer = await loadSigner(config.fedmsgCert ?? '', config.fedmsgKey ?? '');
  return { username: config.fedmsgUsername, signer };
}

/** The bridge options that come straight from the configuration. */
export function bridgeSettings(
  config: Config,
): Pick<BridgeOptions, 'name' | 'endpoint' | 'replayEndpoint' | 'highWaterMark' | 'replayMax' | 'standbyPollMs' | 'postInitSleepMs'> {
  return {
    name: config.bridgeName,
    endpoint: config.fedmsgEndpoint,
    replayEndpoint: config.fedmsgReplayEndpoint,
    highWaterMark: config.fedmsgHighWaterMark,
    replayMax: config.fedmsgReplayMax,
    standbyPollMs: config.bridgeStandbyPollMs,
    postInitSleepMs: config.fedmsgPostInitSleepMs,
  };
}

export class Bridge {
  readonly name: string;
  private readonly controller = new AbortController();
  private readonly log: Logger;
  private readonly sink: BusSink<unknown>;
  private publishErrorCount = 0;
  private stateValue: BridgeState = 'starting';
  private sentSeq = 0;
  private flushedSeq = 0;
  private unconfirmedCount = 0;
  private lastErrorValue: { message: string; at: Date } | undefined;
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly running: Promise<void>;
  private readonly settled: Promise<void>;
  private settle: (error?: unknown) => void = () => {};
  /** Whether `start()` has been answered (bound, standby, or failed). */
  private started = false;

  private constructor(
    private readonly options: StreamBridgeOptions,
    makeSink: (log: Logger) => BusSink<unknown>,
  ) {
    this.name = options.name ?? 'default';
    this.log = (options.logger ?? createLogger()).child({ bridge: this.name });
    this.sink = makeSink(this.log);
    this.settled = new Promise<void>((resolve, reject) => {
      this.settle = (error) => {
        this.started = true;
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    this.settled.catch(() => {});
    this.running = this.run().catch((error: unknown) => {
      this.settle(error);
    });
  }

  /**
   * Starts the fedmsg bridge and resolves once it publishes or waits as a
   * standby. Rejects when it cannot bind its sockets (the error says which
   * setting to change); it has then released everything.
   */
  static start(options: BridgeOptions): Promise<Bridge> {
    return Bridge.startWith(
      options,
      (log) =>
        new FedmsgSink({
          database: options.database,
          name: options.name ?? 'default',
          endpoint: options.endpoint,
          replayEndpoint: options.replayEndpoint,
          highWaterMark: options.highWaterMark,
          replayMax: options.replayMax,
          envelope: options.envelope,
          logger: log,
        }),
    );
  }

  /**
   * Starts a bridge that publishes to the sink `makeSink` makes (given the
   * bridge's logger); resolves as `start` does.
   */
  static async startWith<M>(options: StreamBridgeOptions, makeSink: (log: Logger) => BusSink<M>): Promise<Bridge> {
    const bridge = new Bridge(options, makeSink as (log: Logger) => BusSink<unknown>);
    try {
      await bridge.settled;
    } catch (error) {
      await bridge.stop();
      throw error;
    }
    return bridge;
  }

  get state(): BridgeState {
    return this.stateValue;
  }

  /** What its bus is (`fedmsg`, `AMQP`). */
  get kind(): string {
    return this.sink.kind;
  }

  /** The bound PUB endpoint while an active fedmsg bridge (with the port chosen for `*`). */
  get endpoint(): string | undefined {
    return this.sink instanceof FedmsgSink ? this.sink.endpoint : undefined;
  }

  /** The bound replay endpoint while an active fedmsg bridge. */
  get replayEndpoint(): string | undefined {
    return this.sink instanceof FedmsgSink ? this.sink.replayEndpoint : undefined;
  }

  /** Messages it could not make, send or have confirmed since it started (each was tried again). */
  get publishErrors(): number {
    return this.publishErrorCount;
  }

  /** Whether it is active and its bus takes messages now (AMQP: connected to the broker). */
  get connected(): boolean {
    return this.stateValue === 'active' && this.sink.connected;
  }

  /** Messages sent and not yet confirmed by the bus. */
  get unconfirmed(): number {
    return this.unconfirmedCount;
  }

  /** The last seq that is done (sent, and confirmed where the bus confirms), stored or not yet. */
  get doneSeq(): number {
    return this.sentSeq;
  }

  /** The last thing that went wrong (bus, stream, cursor), and when; `undefined` when nothing did. */
  get lastError(): { message: string; at: Date } | undefined {
    const own = this.lastErrorValue;
    const bus = this.sink.lastError;
    if (own === undefined || (bus !== undefined && bus.at > own.at)) return bus;
    return own;
  }

  private noteError(message: string): void {
    this.lastErrorValue = { message, at: new Date() };
  }

  private async run(): Promise<void> {
    const { database } = this.options;
    const signal = this.controller.signal;
    const pollMs = this.options.standbyPollMs ?? 1000;
    while (!signal.aborted) {
      const lock = await BridgeLock.acquire(database, this.name, {
        pollMs,
        signal,
        onWaiting: () => {
          this.stateValue = 'standby';
          this.log.info({ role: 'standby' }, `bridge "${this.name}": another bridge of this name is publishing; waiting as a standby`);
          this.settle();
        },
        onError: (error) => {
          this.noteError(`cannot reach the database: ${describe(error)}`);
          this.log.warn({ err: error }, `bridge "${this.name}": cannot reach the database (${describe(error)}); retrying`);
          // The caller is not kept waiting: the bridge goes on trying.
          if (!this.started) {
            this.stateValue = 'standby';
            this.settle();
          }
        },
      });
      if (lock === undefined) break;
      let failed = false;
      try {
        await this.sink.open();
        this.stateValue = 'active';
        this.settle();
        await sleep(this.options.postInitSleepMs ?? 500, signal);
        await this.publishWhileHeld(lock);
      } catch (error) {
        // At start the caller hears of it. Later (a standby that took over
        // and cannot bind, a database that went away under the cursor read)
        // the bridge says so, lets go of the lock, and tries again: it must
        // not die quietly inside a server that goes on recording.
        if (!this.started) throw error;
        failed = true;
        this.noteError(describe(error));
        this.log.error({ err: error, role: 'standby' }, `bridge "${this.name}": ${describe(error)}; trying again`);
      } finally {
        this.stateValue = signal.aborted ? 'stopped' : 'standby';
        await this.flush();
        await this.sink.close();
        await lock.release();
      }
      if (failed) await sleep(pollMs, signal);
    }
    this.stateValue = 'stopped';
  }

  /**
   * Follows the stream from the stored cursor until stopped or until the lock
   * is lost (its connection died: another bridge may be publishing by now).
   */
  private async publishWhileHeld(lock: BridgeLock): Promise<void> {
    const { database, source } = this.options;
    const pollMs = this.options.standbyPollMs ?? 1000;
    const follow = new AbortController();
    const stopFollowing = (): void => follow.abort();
    // A stop that came first (during the post-init pause) fires no event.
    if (this.controller.signal.aborted) return;
    this.controller.signal.addEventListener('abort', stopFollowing);
    const watchdog = (async () => {
      while (!follow.signal.aborted) {
        await sleep(pollMs, follow.signal);
        if (follow.signal.aborted) return;
        if (!(await lock.held())) {
          this.noteError('lost its lock (database connection gone)');
          this.log.warn({ role: 'standby' }, `bridge "${this.name}": lost its lock (database connection gone); stepping down`);
          follow.abort();
        }
      }
    })();
    try {
      this.sentSeq = this.flushedSeq = await readCursor(database.db, this.name);
      while (!follow.signal.aborted) {
        try {
          await this.sink.ready(follow.signal);
          if (follow.signal.aborted) break;
          await this.follow(source, follow.signal);
          if (!follow.signal.aborted) throw new Error('the emission stream ended');
        } catch (error) {
          if (follow.signal.aborted) break;
          if (error instanceof PublishError) {
            this.publishErrorCount++;
            this.noteError(error.message);
            this.log.error({ err: error.cause, seq: error.seq }, `bridge "${this.name}": ${error.message}; trying again after seq ${this.sentSeq}`);
            await this.sink.reset(error.cause);
          } else {
            this.noteError(`lost the emission stream: ${describe(error)}`);
            this.log.warn({ err: error }, `bridge "${this.name}": lost the emission stream (${describe(error)}); resuming after seq ${this.sentSeq}`);
          }
          await sleep(this.options.retryMs ?? 1000, follow.signal);
        }
      }
    } finally {
      follow.abort();
      this.controller.signal.removeEventListener('abort', stopFollowing);
      await watchdog;
    }
  }

  /**
   * Publishes the stream from the cursor on, in seq order. Up to the sink's
   * `encodeWindow` emissions are encoded at once (fedmsg: signed on libuv's
   * thread pool), and each goes out once it and every one before it are
   * ready; so encoding runs beside the event loop and beside the next
   * emissions' arrival, and the wire order stays the seq order. Up to
   * `maxUnconfirmed` messages may then wait for the bus's confirm; `sentSeq`
   * moves over each one confirmed, in order. Returns when `signal` aborts
   * or the stream ends; throws when the stream fails (or has a gap) and, as
   * a PublishError, when a message cannot be made, sent or confirmed. What
   * was encoded, or sent and not confirmed, is dropped: the next
   * subscription starts after the last seq done, and sends it again.
   */
  private async follow(source: EmissionSource, signal: AbortSignal): Promise<void> {
    // Ends this subscription when this method is done, however it ends.
    const attempt = new AbortController();
    const stop = (): void => attempt.abort();
    signal.addEventListener('abort', stop);
    const iterator = source(this.sentSeq, attempt.signal)[Symbol.asyncIterator]();
    const pending: Array<{ seq: number; message: Promise<unknown> }> = [];
    const inflight: Array<{ seq: number; confirmed: Promise<void> }> = [];
    const window = this.sink.encodeWindow;
    const maxUnconfirmed = this.options.maxUnconfirmed ?? 1000;
    let queuedSeq = this.sentSeq;
    // The stream may fail while the window is full and nobody awaits `next`:
    // it is awaited (and its failure thrown) once there is room again.
    const pull = (): Promise<IteratorResult<EmissionForBus>> => {
      const promise = iterator.next();
      promise.catch(() => {});
      return promise;
    };
    let next: Promise<IteratorResult<EmissionForBus>> | undefined = pull();
    let clean = false;
    try {
      while (!signal.aborted && (next !== undefined || pending.length > 0 || inflight.length > 0)) {
        const head = pending[0];
        const oldest = inflight[0];
        const take = next !== undefined && pending.length < window ? next : undefined;
        const canSend = head !== undefined && inflight.length < maxUnconfirmed;
        const event = await Promise.race([
          ...(take ? [take.then((result) => ({ kind: 'emission' as const, result }))] : []),
          ...(canSend
            ? [head.message.then((message) => ({ kind: 'ready' as const, message }), (error: unknown) => ({ kind: 'failed' as const, error }))]
            : []),
          ...(oldest
            ? [oldest.confirmed.then(() => ({ kind: 'confirmed' as const }), (error: unknown) => ({ kind: 'refused' as const, error }))]
            : []),
        ]);
        if (signal.aborted) break;
        if (event.kind === 'emission') {
          next = undefined;
          if (event.result.done) continue;
          const emission = event.result.value;
          next = pull();
          // Anything at or below what is queued was seen already (a resubscription's overlap).
          if (emission.seq <= queuedSeq) continue;
          // The stream is gap-free; a gap means a broken source, and the
          // cursor must not pass what was never sent.
          if (emission.seq !== queuedSeq + 1) throw new Error(`the stream skipped from seq ${queuedSeq} to ${emission.seq}`);
          const message = this.sink.encode(emission);
          message.catch(() => {});
          pending.push({ seq: emission.seq, message });
          queuedSeq = emission.seq;
          continue;
        }
        if (event.kind === 'confirmed' || event.kind === 'refused') {
          if (oldest === undefined) continue;
          if (event.kind === 'refused') {
            throw new PublishError(oldest.seq, `the ${this.sink.kind} bus did not confirm seq ${oldest.seq}: ${describe(event.error)}`, { cause: event.error });
          }
          inflight.shift();
          this.unconfirmedCount = inflight.length;
          this.sentSeq = oldest.seq;
          this.scheduleFlush();
          continue;
        }
        if (head === undefined) continue;
        let delivery: Delivery;
        try {
          if (event.kind === 'failed') throw event.error;
          delivery = await this.sink.send(event.message);
        } catch (error) {
          throw new PublishError(head.seq, `cannot publish seq ${head.seq}: ${describe(error)}`, { cause: error });
        }
        pending.shift();
        if (delivery.confirmed === undefined && inflight.length === 0) {
          this.sentSeq = head.seq;
          this.scheduleFlush();
        } else {
          const confirmed = delivery.confirmed ?? Promise.resolve();
          confirmed.catch(() => {});
          inflight.push({ seq: head.seq, confirmed });
          this.unconfirmedCount = inflight.length;
        }
      }
      clean = true;
    } finally {
      signal.removeEventListener('abort', stop);
      attempt.abort();
      void iterator.return?.()?.catch(() => {});
      // Stopping (not failing): what was sent may still be confirmed, and
      // the cursor then need not make a restart send it again.
      if (clean) await this.drain(inflight);
      this.unconfirmedCount = 0;
    }
  }

  /** Moves `sentSeq` over the confirms that come within DRAIN_MS, in order. */
  private async drain(inflight: Array<{ seq: number; confirmed: Promise<void> }>): Promise<void> {
    if (inflight.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), DRAIN_MS);
    });
    try {
      for (const { seq, confirmed } of inflight) {
        const outcome = await Promise.race([confirmed.then(() => 'ok' as const, () => 'refused' as const), late]);
        if (outcome !== 'ok') return;
        this.sentSeq = seq;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.options.cursorFlushMs ?? 100);
  }

  /** Writes the cursor up to what is done; one write at a time. */
  private async flush(): Promise<void> {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    while (this.flushing) await this.flushing;
    const to = this.sentSeq;
    if (to <= this.flushedSeq) return;
    const from = this.flushedSeq;
    this.flushing = advanceCursor(this.options.database.db, this.name, from, to).then(
      () => {
        this.flushedSeq = Math.max(this.flushedSeq, to);
      },
      (error: unknown) => {
        // The messages are out; the cursor lags and a restart re-sends them.
        this.noteError(`cannot store its cursor: ${describe(error)}`);
        this.log.warn({ err: error }, `bridge "${this.name}": cannot store its cursor (${describe(error)}); will retry`);
        if (this.stateValue === 'active') this.scheduleFlush();
      },
    );
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Stops publishing, writes the cursor, closes the sink and releases the lock. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.stateValue = 'stopped';
  }
}

/** Building, signing or sending a message failed (not the stream). */
class PublishError extends Error {
  override name = 'PublishError';
  constructor(
    readonly seq: number,
    message: string,
    options: ErrorOptions,
  ) {
    super(message, options);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
