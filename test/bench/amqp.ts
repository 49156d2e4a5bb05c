/**
 * Bench phase 9: the fedora-messaging bridge (issue 14) against the local
 * RabbitMQ, with publisher confirms, beside the fedmsg bridge in the same
 * server so that the figures of both buses come from one run.
 *
 *   latency     recordResults of 10 paced at 500 emissions/s, every result a state change, both
 *               bridges on (AMQP with both topics; fedmsg signed or not, as asked): time from the mutation's answer
 *               (after its commit) to the arrival at a ZeroMQ SUB socket, and to the arrival of the
 *               emission's last AMQP message at a queue bound to amq.topic
 *   throughput  N stored emissions, then an AMQP bridge of a new name from cursor 0: confirmed
 *               messages/s (2 per emission), timed at the queue from the first to the last, the cursor
 *               checked at the end, with the CPU the server child used
 */
import { randomBytes } from 'node:crypto';
import { type ChannelModel, connect } from 'amqplib';
import { Api, transportFromEnv } from './client.ts';
import { Consumer, ports, signing, storeEmissions } from './bridge.ts';
import { pacedLoop, type PacedResult } from './load.ts';
import { createBenchDatabase, processCpu, type ServerChild, startServerChild } from './server.ts';
import { Samples } from './stats.ts';
import { Workload } from './workload.ts';

/** The broker the phase publishes to (BENCH_AMQP_URL). @default "amqp://guest:guest@127.0.0.1:5672" */
export const BENCH_AMQP_URL = process.env['BENCH_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';

/** A queue of its own bound to `<prefix>.#`, stamping each message's arrival by result id and topic. */
class QueueConsumer {
  /** result id -> arrival of its messages, by routing key. */
  readonly arrived = new Map<number, Map<string, number>>();
  count = 0;
  first = Number.POSITIVE_INFINITY;
  last = 0;

  private constructor(
    private readonly model: ChannelModel,
    private readonly queue: string,
  ) {}

  static async start(prefix: string): Promise<QueueConsumer> {
    const model = await connect(BENCH_AMQP_URL);
    const channel = await model.createChannel();
    const queue = `resultsbus-bench-${randomBytes(6).toString('hex')}`;
    await channel.assertQueue(queue, { durable: false, autoDelete: true });
    await channel.bindQueue(queue, 'amq.topic', `${prefix}.#`);
    const consumer = new QueueConsumer(model, queue);
    await channel.consume(
      queue,
      (message) => {
        if (message === null) return;
        const at = performance.now();
        const text = message.content.toString('utf8');
        // Taskotron: {"result":{...,"id":N,...}; ResultsDB: {...,"id":N,"note":...}: found without parsing it all.
        const m = /"id":(\d+),"(?:log_url|note)"/.exec(text);
        if (m?.[1] !== undefined) {
          const id = Number(m[1]);
          const seen = consumer.arrived.get(id) ?? new Map<string, number>();
          if (!seen.has(message.fields.routingKey)) seen.set(message.fields.routingKey, at);
          consumer.arrived.set(id, seen);
        }
        consumer.count++;
        consumer.first = Math.min(consumer.first, at);
        consumer.last = Math.max(consumer.last, at);
      },
      { noAck: true },
    );
    return consumer;
  }

  async waitFor(messages: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.count < messages) {
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }

  async close(): Promise<void> {
    await this.model.close().catch(() => {});
  }
}

function prefix(): string {
  return `rbbench${randomBytes(4).toString('hex')}`;
}

export interface AmqpLatencyResult {
  load: PacedResult;
  emissions: number;
  /** Mutation answered -> the emission's frame at the ZeroMQ SUB socket, ms. */
  zeromq: Samples;
  zeromqMissing: number;
  /** Mutation answered -> the emission's last AMQP message (of two) at the queue, ms. */
  amqp: Samples;
  amqpMissing: number;
  serverCpu: number;
}

export async function amqpLatency(
  baseUrl: string,
  options: { rate: number; batch: number; durationMs: number; warmupMs: number; nodeArgs: string[]; signed: boolean },
): Promise<AmqpLatencyResult> {
  const db = await createBenchDatabase(baseUrl);
  const topicPrefix = prefix();
  let server: ServerChild | undefined;
  let zmq: Consumer | undefined;
  let queue: QueueConsumer | undefined;
  try {
    const env = {
      ...(await ports()),
      RESULTSBUS_BRIDGE: 'on',
      ...signing(options.signed),
      RESULTSBUS_TOPIC_PREFIX: topicPrefix,
      RESULTSBUS_AMQP_URL: BENCH_AMQP_URL,
      RESULTSBUS_PUBLIC_URL: 'https://resultsdb.example.org',
    };
    zmq = await Consumer.connect(env.RESULTSBUS_FEDMSG_ENDPOINT);
    queue = await QueueConsumer.start(topicPrefix);
    server = await startServerChild({ databaseUrl: db.url, nodeArgs: options.nodeArgs, env });
    const api = new Api(server.url, server.token, transportFromEnv());
    const work = new Workload({ testcases: 50, builds: 2000, flip: 1 });
    const send = async (): Promise<Array<{ seq: number; resultId: number }>> => {
      const inputs = Array.from({ length: options.batch }, () => work.input(work.randomKey()));
      const data = await api.recordMany(inputs);
      // Every result flips, so every result has its emission; they pair up in order.
      return data.recordResults.emissions.map((e, i) => ({ seq: e.seq, resultId: data.recordResults.results[i]?.resultId ?? 0 }));
    };
    const calls = options.rate / options.batch;
    await pacedLoop({ rate: calls, durationMs: options.warmupMs, send: async () => void (await send()) });
    const acks: Array<{ seq: number; resultId: number; at: number }> = [];
    const cpu0 = processCpu(server.pid);
    const load = await pacedLoop({
      rate: calls,
      durationMs: options.durationMs,
      send: async () => {
        const got = await send();
        const at = performance.now();
        for (const g of got) acks.push({ ...g, at });
      },
    });
    const serverCpu = processCpu(server.pid) - cpu0;
    const lastSeq = acks.reduce((a, b) => Math.max(a, b.seq), 0);
    await zmq.waitFor(lastSeq, 10_000);
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline && acks.some((a) => (queue?.arrived.get(a.resultId)?.size ?? 0) < 2)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const zeromq = new Samples();
    const amqp = new Samples();
    let zeromqMissing = 0;
    let amqpMissing = 0;
    for (const ack of acks) {
      const frame = zmq.arrived.get(ack.seq);
      if (frame === undefined) zeromqMissing++;
      else zeromq.add(frame - ack.at);
      const both = queue.arrived.get(ack.resultId);
      if (both === undefined || both.size < 2) amqpMissing++;
      else amqp.add(Math.max(...both.values()) - ack.at);
    }
    api.close();
    return { load, emissions: acks.length, zeromq, zeromqMissing, amqp, amqpMissing, serverCpu };
  } finally {
    await zmq?.close();
    await queue?.close();
    await server?.stop();
    await db.drop();
  }
}

export interface AmqpThroughputResult {
  messages: number;
  seconds: number;
  serverCpu: number;
  /** The AMQP bridge's stored cursor at the end, and the emissions it had to publish. */
  cursor: number;
  emissions: number;
}

export async function amqpThroughput(baseUrl: string, options: { emissions: number; nodeArgs: string[] }): Promise<AmqpThroughputResult> {
  const db = await createBenchDatabase(baseUrl);
  const topicPrefix = prefix();
  let server: ServerChild | undefined;
  let queue: QueueConsumer | undefined;
  try {
    const base = { RESULTSBUS_TOPIC_PREFIX: topicPrefix, RESULTSBUS_PUBLIC_URL: 'https://resultsdb.example.org' };
    const token = await storeEmissions(db, options.emissions, { nodeArgs: options.nodeArgs, env: base });
    queue = await QueueConsumer.start(topicPrefix);
    const name = `bench-amqp-${randomBytes(3).toString('hex')}`;
    server = await startServerChild({
      databaseUrl: db.url,
      nodeArgs: options.nodeArgs,
      env: { ...base, RESULTSBUS_AMQP_URL: BENCH_AMQP_URL, RESULTSBUS_AMQP_BRIDGE_NAME: name },
      token,
    });
    const cpu0 = processCpu(server.pid);
    const messages = 2 * options.emissions;
    const ok = await queue.waitFor(messages, 300_000);
    const serverCpu = processCpu(server.pid) - cpu0;
    if (!ok) throw new Error(`the AMQP bridge delivered ${queue.count} of ${messages} messages within 300 s`);
    // The cursor moves only over confirmed messages: wait for its last write.
    let cursor = 0;
    const deadline = performance.now() + 5000;
    while (performance.now() < deadline) {
      const [row] = await db.sql<Array<{ seq: number }>>`SELECT seq::int AS seq FROM bridge_cursors WHERE name = ${name}`;
      cursor = row?.seq ?? 0;
      if (cursor >= options.emissions) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { messages: queue.count, seconds: (queue.last - queue.first) / 1000, serverCpu, cursor, emissions: options.emissions };
  } finally {
    await queue?.close();
    await server?.stop();
    await db.drop();
  }
}
