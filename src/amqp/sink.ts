/**
 * RabbitMQ as a bridge's sink: one connection and one confirm channel,
 * publishing each emission's messages (src/amqp/message.ts) to the
 * exchange, `mandatory`, and saying a message is done only when the broker
 * confirmed it. A nack, a returned message, a closed channel or a lost
 * connection fails the messages in flight; the bridge then calls `reset`,
 * and `ready` connects again with backoff while it sends nothing.
 *
 * amqplib, not rabbitmq-client: it is the AMQP 0-9-1 client the others
 * grew from (maintained, no dependencies, its own type declarations), and
 * its confirm channel is a plain one with a callback per publish, with no
 * reconnecting or re-publishing of its own: here the bridge owns that, from
 * its cursor, so that what is re-sent after a failure is decided in one
 * place.
 */
import { type ChannelModel, type ConfirmChannel, connect, type Message } from 'amqplib';
import type { BusSink, Delivery } from '../bridge/sink.ts';
import type { EmissionForBus } from '../fedmsg/envelope.ts';
import { sleep } from '../bridge/lock.ts';
import type { Logger } from '../log.ts';
import type { AmqpMessage } from './message.ts';

/** The broker did not take a message (nack, returned as unroutable, channel or connection gone). */
export class AmqpPublishError extends Error {
  override name = 'AmqpPublishError';
}

export interface AmqpSinkOptions {
  /** The bridge's name, for the log and the connection's name in RabbitMQ. */
  name: string;
  /** `amqp://user:password@host:port/vhost` (or `amqps://`). */
  url: string;
  /** The exchange published to. @default "amq.topic" */
  exchange?: string | undefined;
  /**
   * Publish `mandatory`: a message no queue is bound for comes back, and
   * counts as not delivered (retried, as fedora-messaging raises
   * PublishReturned). @default true
   */
  mandatory?: boolean | undefined;
  /** The emission's messages, one per topic switched on. */
  encode: (emission: EmissionForBus) => Promise<AmqpMessage[]>;
  /** First pause between connection attempts, in ms; doubled up to `retryMaxMs`. @default 250 */
  retryMinMs?: number | undefined;
  /** Longest pause between connection attempts, in ms. @default 30000 */
  retryMaxMs?: number | undefined;
  /** How long opening a connection may take, in ms. @default 5000 */
  connectTimeoutMs?: number | undefined;
  logger: Logger;
}

interface Open {
  model: ChannelModel;
  channel: ConfirmChannel;
  /** Messages the broker returned (`routingKey messageId`), until their confirm arrives. */
  returned: Set<string>;
  /** Set once the channel or connection is gone: every later send fails at once. */
  closed: Error | undefined;
  /** Waiters for the channel's `drain`. */
  drained: Array<() => void>;
}

/** How long amqplib's `close()` may take on a broker that went silent, in ms. */
const CLOSE_TIMEOUT_MS = 2000;

/** The URL without its password, for the log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'the AMQP URL';
  }
}

export class AmqpSink implements BusSink<AmqpMessage[]> {
  readonly kind = 'AMQP';
  /** Encoding reads the result for the ResultsDB topic: the emissions in the making are read together, in one statement. */
  readonly encodeWindow = 128;
  private open_: Open | undefined;
  private failures = 0;
  private told = false;
  private lastErrorValue: { message: string; at: Date } | undefined;

  constructor(private readonly options: AmqpSinkOptions) {}

  get lastError(): { message: string; at: Date } | undefined {
    return this.lastErrorValue;
  }

  get connected(): boolean {
    return this.open_ !== undefined && this.open_.closed === undefined;
  }

  async open(): Promise<void> {}

  /**
   * Connects (again) unless connected, with backoff; one attempt at a time.
   * A connection that closes while the bridge has nothing to send is
   * connected again at once, not at the next send, so that the bridge says
   * it is connected whenever the broker is there.
   */
  ready(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    this.pending ??= this.connectLoop(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private pending: Promise<void> | undefined;
  private signal: AbortSignal | undefined;

  private async connectLoop(signal: AbortSignal): Promise<void> {
    const { options } = this;
    const where = redactUrl(options.url);
    while (!signal.aborted && !this.connected) {
      await this.reset();
      try {
        this.open_ = await this.connect();
        if (signal.aborted) return;
        this.failures = 0;
        this.told = false;
        options.logger.info({ bus: 'amqp', url: where, exchange: this.exchange }, `bridge "${options.name}": publishing to ${where}, exchange ${this.exchange}, with publisher confirms`);
        return;
      } catch (error) {
        const delay = Math.min((options.retryMinMs ?? 250) * 2 ** Math.min(this.failures, 20), options.retryMaxMs ?? 30_000);
        this.failures++;
        this.lastErrorValue = { message: `cannot reach the broker: ${describe(error)}`, at: new Date() };
        // Once per outage at warn; the attempts after it at debug.
        const level = this.told ? 'debug' : 'warn';
        this.told = true;
        options.logger[level](
          { err: error, retryInMs: delay },
          `bridge "${options.name}": cannot reach the AMQP broker at ${where} (${describe(error)}); trying again in ${delay} ms`,
        );
        await sleep(delay, signal);
      }
    }
  }

  private get exchange(): string {
    return this.options.exchange ?? 'amq.topic';
  }

  private async connect(): Promise<Open> {
    const model = await connect(this.options.url, {
      timeout: this.options.connectTimeoutMs ?? 5000,
      clientProperties: { connection_name: `resultsbus bridge ${this.options.name}` },
    });
    const state: Omit<Open, 'channel'> = { model, returned: new Set(), closed: undefined, drained: [] };
    const gone = (why: Error): void => {
      const current = this.open_ === state && state.closed === undefined;
      state.closed ??= why;
      for (const wake of state.drained.splice(0)) wake();
      if (current) {
        this.lastErrorValue = { message: `the connection to the broker was lost: ${describe(why)}`, at: new Date() };
        const signal = this.signal;
        if (signal !== undefined && !signal.aborted) void this.ready(signal).catch(() => {});
      }
    };
    model.on('error', (error: Error) => gone(error));
    model.on('close', (error?: Error) => gone(error ?? new AmqpPublishError('the connection to the broker closed')));
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', (error: Error) => gone(error));
      channel.on('close', () => gone(new AmqpPublishError('the channel closed')));
      channel.on('drain', () => {
        for (const wake of state.drained.splice(0)) wake();
      });
      channel.on('return', (returned: Message) => {
        state.returned.add(`${returned.fields.routingKey} ${String(returned.properties.messageId)}`);
      });
      // A missing exchange closes the channel on the first publish; say so at connecting instead.
      await channel.checkExchange(this.exchange);
      return Object.assign(state, { channel });
    } catch (error) {
      await closeQuietly(model);
      throw error;
    }
  }

  encode(emission: EmissionForBus): Promise<AmqpMessage[]> {
    return this.options.encode(emission);
  }

  async send(messages: AmqpMessage[]): Promise<Delivery> {
    const state = this.open_;
    if (state === undefined || state.closed !== undefined) throw state?.closed ?? new AmqpPublishError('not connected to the broker');
    const confirms: Array<Promise<void>> = [];
    let full = false;
    for (const m of messages) {
      const key = `${m.routingKey} ${m.properties.messageId}`;
      confirms.push(
        new Promise<void>((resolve, reject) => {
          full =
            !state.channel.publish(this.exchange, m.routingKey, m.body, { ...m.properties, mandatory: this.options.mandatory ?? true }, (error: unknown) => {
              if (error !== null && error !== undefined) {
                reject(error instanceof Error ? error : new AmqpPublishError(`the broker refused message ${m.properties.messageId} (nack)`));
                return;
              }
              // RabbitMQ sends a mandatory message's basic.return before its ack.
              if (state.returned.delete(key)) {
                reject(new AmqpPublishError(`the broker returned message ${m.properties.messageId} on ${m.routingKey}: no queue is bound for it on exchange ${this.exchange}`));
                return;
              }
              resolve();
            }) || full;
        }),
      );
    }
    // Past its buffer the socket pushes back: wait before the next message, not for the confirms.
    if (full && state.closed === undefined) await new Promise<void>((resolve) => state.drained.push(resolve));
    const confirmed = confirms.length === 1 ? (confirms[0] as Promise<void>) : Promise.all(confirms).then(() => {});
    return { confirmed };
  }

  async reset(): Promise<void> {
    const state = this.open_;
    this.open_ = undefined;
    if (state === undefined) return;
    state.closed ??= new AmqpPublishError('the bridge dropped the connection');
    for (const wake of state.drained.splice(0)) wake();
    await closeQuietly(state.model);
  }

  close(): Promise<void> {
    return this.reset();
  }
}

async function closeQuietly(model: ChannelModel): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([model.close(), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
  } catch {
    // Gone already.
  } finally {
    clearTimeout(timer);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
