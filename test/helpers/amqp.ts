/**
 * A fedora-messaging consumer for tests: a real AMQP connection to the local
 * RabbitMQ, a queue of the test's own bound to the exchange for the test's
 * own topic prefix, and every delivery kept as it arrived (routing key,
 * properties, headers, body bytes). The queue is deleted at `close`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { type Channel, type ChannelModel, connect, type ConsumeMessage } from 'amqplib';

/** The broker the tests use (TEST_AMQP_URL). @default "amqp://guest:guest@127.0.0.1:5672" */
export const AMQP_URL = process.env['TEST_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const inCI = process.env['CI'] === 'true';
const RABBITMQCTL = '/usr/sbin/rabbitmqctl';

/** Whether the broker answers; asked once per test file. */
async function brokerAnswers(): Promise<boolean> {
  try {
    const model = await connect(AMQP_URL, { timeout: 2000 });
    await model.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * `undefined` when the broker answers; otherwise why the file's tests skip.
 * With CI=true a missing broker throws instead: .ci/run starts it, and CI
 * must never skip these tests.
 */
export async function brokerMissing(): Promise<string | undefined> {
  if (await brokerAnswers()) return undefined;
  if (inCI) throw new Error(`CI=true but no RabbitMQ answers at ${AMQP_URL}: .ci/run starts rabbitmq-server`);
  const why = `no RabbitMQ at ${AMQP_URL} (apt-get install rabbitmq-server, or set TEST_AMQP_URL); CI=true makes this a failure`;
  console.warn(`AMQP tests skipped: ${why}`);
  return why;
}

/** A topic prefix no other test uses, so that a test's queue sees only its own server's messages. */
export function uniquePrefix(): string {
  return `rbtest${randomBytes(5).toString('hex')}`;
}

export interface Delivered {
  routingKey: string;
  body: Buffer;
  properties: ConsumeMessage['properties'];
  redelivered: boolean;
}

export interface ConsumerOptions {
  /** The binding pattern on the exchange, e.g. `rbtestab12.#`. */
  pattern: string;
  /** @default "amq.topic" */
  exchange?: string;
  /**
   * A queue nobody reads, bounded to `maxLength` messages (RabbitMQ drops
   * the oldest past it): a consumer that is gone or slow. @default undefined (read)
   */
  unread?: { maxLength: number };
}

export class AmqpConsumer {
  readonly messages: Delivered[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly model: ChannelModel,
    private readonly channel: Channel,
    readonly queue: string,
  ) {}

  static async start(options: ConsumerOptions): Promise<AmqpConsumer> {
    const model = await connect(AMQP_URL);
    const channel = await model.createChannel();
    const queue = `resultsbus-test-${randomBytes(6).toString('hex')}`;
    await channel.assertQueue(queue, {
      durable: false,
      autoDelete: false,
      ...(options.unread ? { arguments: { 'x-max-length': options.unread.maxLength } } : {}),
    });
    await channel.bindQueue(queue, options.exchange ?? 'amq.topic', options.pattern);
    const consumer = new AmqpConsumer(model, channel, queue);
    if (!options.unread) {
      await channel.consume(queue, (message) => {
        if (message === null) return;
        consumer.messages.push({
          routingKey: message.fields.routingKey,
          body: message.content,
          properties: message.properties,
          redelivered: message.fields.redelivered,
        });
        channel.ack(message);
        for (const wake of consumer.waiters.splice(0)) wake();
      });
    }
    return consumer;
  }

  /** How many messages the queue holds now. */
  async depth(): Promise<number> {
    return (await this.channel.checkQueue(this.queue)).messageCount;
  }

  /** Resolves once `done(messages)` holds; fails after `timeoutMs` saying what arrived. */
  async waitUntil(done: (messages: Delivered[]) => boolean, timeoutMs = 30_000): Promise<Delivered[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the queue gave ${this.messages.length} messages within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages;
  }

  async close(): Promise<void> {
    try {
      await this.channel.deleteQueue(this.queue);
    } finally {
      await this.model.close().catch(() => {});
    }
  }
}

/** `rabbitmqctl close_all_connections`: every client of the broker loses its connection (the tests' consumers too). */
export async function closeAllConnections(): Promise<void> {
  await promisify(execFile)(RABBITMQCTL, ['close_all_connections', 'resultsbus test: connection closed on purpose'], { timeout: 30_000 });
}

/** The broker's ids of the connections named `resultsbus bridge <name>` (the bridge's own). */
export async function bridgeConnections(name: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(RABBITMQCTL, ['list_connections', 'pid', 'client_properties', '--silent'], { timeout: 30_000 });
  return stdout
    .split('\n')
    .filter((line) => line.includes(`resultsbus bridge ${name}`))
    .map((line) => line.split('\t')[0]?.trim() ?? '')
    .filter((pid) => pid !== '');
}

/**
 * `rabbitmqctl close_connection` on each of `pids`: the broker closes them as
 * `close_all_connections` would, leaving other engineers' and the test's own
 * consumers alone. Resolves with how many it closed.
 */
export async function closeConnections(pids: readonly string[]): Promise<number> {
  let closed = 0;
  for (const pid of pids) {
    try {
      await promisify(execFile)(RABBITMQCTL, ['close_connection', pid, 'resultsbus test: connection closed on purpose'], { timeout: 30_000 });
      closed++;
    } catch {
      // Gone already.
    }
  }
  return closed;
}
