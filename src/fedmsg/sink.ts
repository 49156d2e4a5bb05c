/**
 * The fedmsg bus as a bridge's sink: the ZeroMQ PUB socket, with the replay
 * REP socket beside it. A message is done once PUB queued it (PUB never
 * waits for a subscriber; replay is how one fills a gap).
 */
import type { BusSink, Delivery } from '../bridge/sink.ts';
import type { Database } from '../db/client.ts';
import { emissionsForBus } from '../emissions/queries.ts';
import type { Logger } from '../log.ts';
import { encodeEnvelope, encodeEnvelopeAsync, type EmissionForBus, type EnvelopeOptions } from './envelope.ts';
import { BusPublisher } from './publisher.ts';
import { ReplayServer } from './replay.ts';

/**
 * How many emissions may be in the making at once (signing on libuv's thread
 * pool) ahead of the one published next. Far more than the pool's four
 * threads: the pool then signs back to back, without waiting for a turn of
 * the event loop between one signature and the next; with a window of four,
 * each signature waited for one, and at 500 emissions/s on two cores the
 * bridge fell behind by a second (bench phases 5 and 9).
 */
export const SIGN_WINDOW = 64;

export interface FedmsgSinkOptions {
  /** Where replayed rows are read. */
  database: Database;
  /** The bridge's name, for the log. */
  name: string;
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
  logger: Logger;
}

type Frames = { topic: string; bytes: Buffer };

export class FedmsgSink implements BusSink<Frames> {
  readonly kind = 'fedmsg';
  readonly encodeWindow = SIGN_WINDOW;
  /** A bind failure is thrown from `open`, and the bridge notes it. */
  readonly lastError = undefined;
  private publisher: BusPublisher | undefined;
  private replay: ReplayServer | undefined;
  private boundEndpoint: string | undefined;
  private boundReplayEndpoint: string | undefined;

  constructor(private readonly options: FedmsgSinkOptions) {}

  /** The bound PUB endpoint while open (with the port chosen for `*`). */
  get endpoint(): string | undefined {
    return this.publisher?.endpoint;
  }

  /** The bound replay endpoint while open. */
  get replayEndpoint(): string | undefined {
    return this.replay?.endpoint;
  }

  get connected(): boolean {
    return this.publisher !== undefined;
  }

  async open(): Promise<void> {
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
            onError: (error) =>
              options.logger.error({ err: error }, `bridge "${options.name}": a replay request failed: ${error instanceof Error ? error.message : String(error)}`),
          },
        );
      } catch (error) {
        await this.close();
        throw error;
      }
      this.boundReplayEndpoint = this.replay.endpoint;
    }
    const replay = this.replay ? `, replay on ${this.replay.endpoint}` : '';
    options.logger.info(
      { role: 'active', endpoint: this.publisher.endpoint, replayEndpoint: this.replay?.endpoint ?? null },
      `bridge "${options.name}": publishing fedmsgs on ${this.publisher.endpoint}${replay}`,
    );
  }

  async ready(): Promise<void> {}

  encode(emission: EmissionForBus): Promise<Frames> {
    return encodeEnvelopeAsync(emission, this.options.envelope);
  }

  async send(frames: Frames): Promise<Delivery> {
    await this.publisher?.send(frames.topic, frames.bytes);
    return { confirmed: undefined };
  }

  async reset(): Promise<void> {}

  async close(): Promise<void> {
    this.publisher?.close();
    this.publisher = undefined;
    await this.replay?.close();
    this.replay = undefined;
  }
}
