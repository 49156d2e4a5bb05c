/**
 * The emitter bridge: follows the emission stream from its stored cursor and
 * publishes each emission as a fedmsg on the ZeroMQ PUB socket, answering
 * replay requests beside it.
 *
 * - One bridge per name publishes (an advisory lock); others wait as
 *   standbys and take over when it dies.
 * - The cursor moves only after messages went out, in one statement that also
 *   stamps the emissions' `published_at`. It is written every
 *   `cursorFlushMs` while messages flow, not per message: a crash re-sends
 *   what went out since the last write. That is at-least-once, and harmless
 *   because a re-send is byte-identical (the envelope is a pure function of
 *   the row and the settings).
 * - Nothing here waits for a subscriber: PUB drops past its high-water mark.
 */
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { emissionsForBus } from '../emissions/queries.ts';
import { encodeEnvelope, encodeEnvelopeAsync, type EmissionForBus, type EnvelopeOptions } from '../fedmsg/envelope.ts';
import { BusPublisher } from '../fedmsg/publisher.ts';
import { ReplayServer } from '../fedmsg/replay.ts';
import { loadSigner } from '../fedmsg/signing.ts';
import { advanceCursor, readCursor } from './cursor.ts';
import { BridgeLock, sleep } from './lock.ts';
import type { EmissionSource } from './source.ts';
import { createLogger, type Logger } from '../log.ts';

/**
 * How many emissions may be in the making at once (signing on the thread
 * pool) ahead of the one published next. Four is libuv's default pool size.
 */
const SIGN_WINDOW = 4;

export interface BridgeOptions {
  /** Where the cursor, the lock and the replayed rows live. */
  database: Database;
  /** The emission stream to follow. */
  source: EmissionSource;
  /** The bridge's name (its cursor row and its lock). @default "default" */
  name?: string;
  /** PUB endpoint. */
  endpoint: string;
  /** REP endpoint for replay; `undefined` serves no replay. */
  replayEndpoint: string | undefined;
  /** PUB high-water mark per subscriber. @default 10000 */
  highWaterMark?: number;
  /** Most messages per replay reply. @default 1000 */
  replayMax?: number;
  /** How often a standby tries the lock, and the active bridge checks it still holds it, in ms. @default 1000 */
  standbyPollMs?: number;
  /** How often the cursor is written while messages flow, in ms. @default 100 */
  cursorFlushMs?: number;
  /**
   * Pause between binding the PUB socket and the first message, in ms, so
   * that subscribers (re)connecting after a restart are there to get it:
   * PUB sends nothing to a subscriber it has not seen yet. fedmsg's
   * `post_init_sleep`. @default 500
   */
  postInitSleepMs?: number;
  /** Pause before resubscribing after the stream was lost, in ms. @default 1000 */
  retryMs?: number;
  /** Username and signer of the envelopes. */
  envelope: EnvelopeOptions;
  /** Where the bridge says what it does (takes over, steps down, loses the stream...). @default JSON lines on stdout at level info */
  logger?: Logger;
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
  private publishErrorCount = 0;
  private stateValue: BridgeState = 'starting';
  private publisher: BusPublisher | undefined;
  private replay: ReplayServer | undefined;
  private sentSeq = 0;
  private flushedSeq = 0;
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private boundEndpoint: string | undefined;
  private boundReplayEndpoint: string | undefined;
  private readonly running: Promise<void>;
  private readonly settled: Promise<void>;
  private settle: (error?: unknown) => void = () => {};
  /** Whether `start()` has been answered (bound, standby, or failed). */
  private started = false;

  private constructor(private readonly options: BridgeOptions) {
    this.name = options.name ?? 'default';
    this.log = (options.logger ?? createLogger()).child({ bridge: this.name });
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
   * Starts the bridge and resolves once it publishes or waits as a standby.
   * Rejects when it cannot bind its sockets (the error says which setting
   * to change); it has then released everything.
   */
  static async start(options: BridgeOptions): Promise<Bridge> {
    const bridge = new Bridge(options);
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

  /** The bound PUB endpoint while active (with the port chosen for `*`). */
  get endpoint(): string | undefined {
    return this.publisher?.endpoint;
  }

  /** Messages it could not make or send since it started (each was tried again). */
  get publishErrors(): number {
    return this.publishErrorCount;
  }

  /** The bound replay endpoint while active. */
  get replayEndpoint(): string | undefined {
    return this.replay?.endpoint;
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
        await this.bind();
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
        this.log.error({ err: error, role: 'standby' }, `bridge "${this.name}": ${describe(error)}; trying again`);
      } finally {
        this.stateValue = signal.aborted ? 'stopped' : 'standby';
        await this.flush();
        await this.unbind();
        await lock.release();
      }
      if (failed) await sleep(pollMs, signal);
    }
    this.stateValue = 'stopped';
  }

  private async bind(): Promise<void> {
    const { options } = this;
    // After the first bind, the same addresses again: with `tcp://host:*`
    // a rebind (after losing the lock) must not move to another port under
    // the subscribers' feet.
    this.publisher = await BusPublisher.bind(this.boundEndpoint ?? options.endpoint, { highWaterMark: options.highWaterMark });
    this.boundEndpoint = this.publisher.endpoint;
    const replayEndpoint = this.boundReplayEndpoint ?? options.replayEndpoint;
    if (replayEndpoint !== undefined) {
      try {
        this.replay = await ReplayServer.bind(
          replayEndpoint,
          async (query, limit) => {
            const rows = await emissionsForBus(options.database.db, query, limit);
            const frames: Buffer[] = [];
            for (const row of rows) {
              frames.push(encodeEnvelope(row, options.envelope).bytes);
              // Signing a long reply in one go would stall this process's
              // event loop (the API, the bridge, its lock watchdog).
              if (frames.length % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
            }
            return frames;
          },
          {
            maxMessages: options.replayMax,
            onError: (error) => this.log.error({ err: error }, `bridge "${this.name}": a replay request failed: ${describe(error)}`),
          },
        );
      } catch (error) {
        await this.unbind();
        throw error;
      }
      this.boundReplayEndpoint = this.replay.endpoint;
    }
    const replay = this.replay ? `, replay on ${this.replay.endpoint}` : '';
    this.log.info(
      { role: 'active', endpoint: this.publisher.endpoint, replayEndpoint: this.replay?.endpoint ?? null },
      `bridge "${this.name}": publishing fedmsgs on ${this.publisher.endpoint}${replay}`,
    );
  }

  private async unbind(): Promise<void> {
    this.publisher?.close();
    this.publisher = undefined;
    await this.replay?.close();
    this.replay = undefined;
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
          this.log.warn({ role: 'standby' }, `bridge "${this.name}": lost its lock (database connection gone); stepping down`);
          follow.abort();
        }
      }
    })();
    try {
      this.sentSeq = this.flushedSeq = await readCursor(database.db, this.name);
      while (!follow.signal.aborted) {
        try {
          await this.follow(source, follow.signal);
          if (!follow.signal.aborted) throw new Error('the emission stream ended');
        } catch (error) {
          if (follow.signal.aborted) break;
          if (error instanceof PublishError) {
            this.publishErrorCount++;
            this.log.error({ err: error.cause, seq: error.seq }, `bridge "${this.name}": ${error.message}; trying again after seq ${this.sentSeq}`);
          } else {
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
   * Publishes the stream from the cursor on, in seq order. Up to
   * `SIGN_WINDOW` emissions are encoded at once (their signatures made on
   * libuv's thread pool), and each goes out once it and every one before it
   * are ready; so signing runs beside the event loop and beside the next
   * emissions' arrival, and the wire order stays the seq order. Returns when
   * `signal` aborts or the stream ends; throws when the stream fails (or has a
   * gap) and, as a PublishError, when a message cannot be made or sent. What
   * was encoded but not sent is dropped: the next subscription starts after
   * the last seq sent.
   */
  private async follow(source: EmissionSource, signal: AbortSignal): Promise<void> {
    // Ends this subscription when this method is done, however it ends.
    const attempt = new AbortController();
    const stop = (): void => attempt.abort();
    signal.addEventListener('abort', stop);
    const iterator = source(this.sentSeq, attempt.signal)[Symbol.asyncIterator]();
    const pending: Array<{ seq: number; frames: Promise<{ topic: string; bytes: Buffer }> }> = [];
    let queuedSeq = this.sentSeq;
    // The stream may fail while the window is full and nobody awaits `next`:
    // it is awaited (and its failure thrown) once there is room again.
    const pull = (): Promise<IteratorResult<EmissionForBus>> => {
      const promise = iterator.next();
      promise.catch(() => {});
      return promise;
    };
    let next: Promise<IteratorResult<EmissionForBus>> | undefined = pull();
    try {
      while (!signal.aborted && (next !== undefined || pending.length > 0)) {
        const head = pending[0];
        const take = next !== undefined && pending.length < SIGN_WINDOW ? next : undefined;
        const event = await Promise.race([
          ...(take ? [take.then((result) => ({ kind: 'emission' as const, result }))] : []),
          ...(head
            ? [head.frames.then((frames) => ({ kind: 'ready' as const, frames }), (error: unknown) => ({ kind: 'failed' as const, error }))]
            : []),
        ]);
        if (signal.aborted) return;
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
          const frames = encodeEnvelopeAsync(emission, this.options.envelope);
          frames.catch(() => {});
          pending.push({ seq: emission.seq, frames });
          queuedSeq = emission.seq;
          continue;
        }
        if (head === undefined) continue;
        try {
          if (event.kind === 'failed') throw event.error;
          await this.publisher?.send(event.frames.topic, event.frames.bytes);
        } catch (error) {
          throw new PublishError(head.seq, `cannot publish seq ${head.seq}: ${describe(error)}`, { cause: error });
        }
        pending.shift();
        this.sentSeq = head.seq;
        this.scheduleFlush();
      }
    } finally {
      signal.removeEventListener('abort', stop);
      attempt.abort();
      void iterator.return?.()?.catch(() => {});
    }
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, this.options.cursorFlushMs ?? 100);
  }

  /** Writes the cursor up to what was sent; one write at a time. */
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

  /** Stops publishing, writes the cursor, closes the sockets and releases the lock. */
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
