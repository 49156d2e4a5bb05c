/**
 * `resultsbus tail --amqp URL`: the fedora-messaging bus as `tail` prints
 * the fedmsg one. A queue of its own (exclusive, deleted when tail goes),
 * bound to the exchange for the topic given, one line per message; a lost
 * connection is said on stderr and tried again every second.
 */
import { type ChannelModel, connect, type ConsumeMessage } from 'amqplib';
import { redactUrl } from '../amqp/sink.ts';
import { CliError } from './args.ts';

export interface AmqpTailOptions {
  url: string;
  /** The exchange bound to. @default "amq.topic" */
  exchange: string;
  /** A topic prefix (`org.fedoraproject.prod`), or an AMQP pattern with `*` or `#`; '' for all. */
  topic: string;
  json: boolean;
  count: number | undefined;
}

/** How long to wait before connecting again after the connection was lost, in ms. */
const RETRY_MS = 1000;
/** How many message ids are remembered to skip re-sends. */
const SEEN_MAX = 10_000;

/** The binding patterns of a `--topic`: the prefix itself and everything under it. */
export function bindingsOf(topic: string): string[] {
  if (topic === '') return ['#'];
  if (/[*#]/.test(topic)) return [topic];
  const prefix = topic.replace(/\.+$/, '');
  return [prefix, `${prefix}.#`];
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}

function word(value: unknown): string {
  if (Array.isArray(value)) return word(value[0]);
  return typeof value === 'string' && value !== '' ? value : '?';
}

/**
 * `<routing key> <testcase> <OUTCOME> for <item> (message_id <id>)`, from a
 * Taskotron body (`task`, `result`) or a ResultsDB one (`testcase`,
 * `outcome`, `data.item`).
 */
export function amqpLine(message: ConsumeMessage): string {
  const id = `(message_id ${word(message.properties.messageId)})`;
  let body: unknown;
  try {
    body = JSON.parse(message.content.toString('utf8'));
  } catch {
    return `${message.fields.routingKey} (not a JSON body) ${id}`;
  }
  const task = field(body, 'task');
  const result = field(body, 'result');
  if (task !== undefined && result !== undefined) {
    const forced = field(result, 'forced') === true ? ' forced' : '';
    return `${message.fields.routingKey} ${word(field(task, 'name'))} ${word(field(result, 'outcome'))} for ${word(field(task, 'item'))} ${id}${forced}`;
  }
  const testcase = field(body, 'testcase');
  if (testcase !== undefined && field(body, 'outcome') !== undefined) {
    return `${message.fields.routingKey} ${word(field(testcase, 'name'))} ${word(field(body, 'outcome'))} for ${word(field(field(body, 'data'), 'item'))} ${id}`;
  }
  return `${message.fields.routingKey} ${id}`;
}

/** Follows the bus until --count messages are printed or a signal comes. */
export async function tailAmqp(options: AmqpTailOptions): Promise<void> {
  if (!/^amqps?:\/\/[^\s/]+/.test(options.url)) {
    throw new CliError(`--amqp must be an amqp:// or amqps:// URL, e.g. amqp://guest:guest@127.0.0.1:5672/%2F; got ${JSON.stringify(redactUrl(options.url))}`);
  }
  const where = redactUrl(options.url);
  const seen = new Set<string>();
  let printed = 0;
  let stopped = false;
  let model: ChannelModel | undefined;
  let wake: () => void = () => {};
  const stop = (): void => {
    stopped = true;
    wake();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stop();
    else throw error;
  });
  let told = false;
  while (!stopped) {
    const lost = new Promise<void>((resolve) => (wake = resolve));
    try {
      model = await connect(options.url, { timeout: 5000, clientProperties: { connection_name: 'resultsbus tail' } });
      model.on('error', () => {});
      model.on('close', () => wake());
      const channel = await model.createChannel();
      channel.on('error', () => {});
      await channel.checkExchange(options.exchange);
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      for (const pattern of bindingsOf(options.topic)) await channel.bindQueue(queue, options.exchange, pattern);
      await channel.consume(
        queue,
        (message) => {
          if (message === null || stopped) return;
          const id = message.properties.messageId === undefined ? undefined : String(message.properties.messageId);
          // A re-send after the bridge lost a confirm: printed once.
          if (id !== undefined) {
            if (seen.has(id)) return;
            seen.add(id);
            if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value as string);
          }
          if (options.json) {
            let body: unknown = null;
            try {
              body = JSON.parse(message.content.toString('utf8'));
            } catch {
              body = null;
            }
            console.log(JSON.stringify({ topic: message.fields.routingKey, properties: message.properties, body }));
          } else {
            console.log(amqpLine(message));
          }
          printed++;
          if (options.count !== undefined && printed >= options.count) stop();
        },
        { noAck: true },
      );
      told = false;
      console.error(`resultsbus: tail: connected to ${where}, exchange ${options.exchange}, topics ${bindingsOf(options.topic).join(' ')}`);
      await lost;
      if (!stopped) console.error(`resultsbus: tail: lost the connection to ${where}; reconnecting`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      if (/NOT_FOUND/.test(why)) {
        await model?.close().catch(() => {});
        throw new CliError(`no exchange ${JSON.stringify(options.exchange)} on ${where} (--exchange)`);
      }
      // The broker said no to these credentials: trying again cannot help.
      if (/ACCESS[-_]REFUSED/.test(why)) {
        await model?.close().catch(() => {});
        throw new CliError(`tail: the broker at ${where} refused the connection (${why}); check the user and password in --amqp`, 1);
      }
      if (!told) console.error(`resultsbus: tail: cannot reach ${where} (${why}); retrying`);
      told = true;
    }
    await model?.close().catch(() => {});
    model = undefined;
    if (!stopped) await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, RETRY_MS);
    });
  }
}
