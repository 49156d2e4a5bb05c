/**
 * The AMQP bridge when the broker is not there, and when a consumer does not
 * keep up: recording goes on, the bridge says where it is, and it catches up.
 * The broker that "is down" is a TCP proxy in front of the local RabbitMQ
 * that refuses connections (the broker itself is shared and stays up).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpConsumer, AMQP_URL, brokerMissing, uniquePrefix } from '../helpers/amqp.ts';
import { faultProxy, type FaultProxy } from '../helpers/proxy.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const missing = await brokerMissing();

const RECORD_MANY = `mutation RecordMany($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { emissions { seq } } }`;
const STATUS = `query Status($name: String) { bridgeStatus(name: $name) { name cursor latestSeq lag active kind connected unconfirmed lastError lastErrorAt } }`;

interface Status {
  cursor: number;
  latestSeq: number;
  lag: number;
  active: boolean;
  kind: string | null;
  connected: boolean | null;
  unconfirmed: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

function inputs(n: number, tag: string) {
  return Array.from({ length: n }, (_, i) => ({ testcase: 'dist.rpmlint', item: `${tag}${i}-1.0-1.fc40`, type: 'koji_build', outcome: 'PASSED' }));
}

async function status(server: TestServer, name: string): Promise<Status> {
  return (await server.data<{ bridgeStatus: Status }>(STATUS, { name })).bridgeStatus;
}

function sample(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe.skipIf(missing !== undefined)('the AMQP bridge with the broker down at start', () => {
  const prefix = uniquePrefix();
  const name = `${prefix}-amqp`;
  let proxy: FaultProxy;
  let server: TestServer;
  let consumer: AmqpConsumer;

  beforeAll(async () => {
    consumer = await AmqpConsumer.start({ pattern: `${prefix}.#` });
    proxy = await faultProxy(AMQP_URL);
    proxy.cut();
    server = await startServer({
      env: {
        RESULTSBUS_TOPIC_PREFIX: prefix,
        RESULTSBUS_AMQP_URL: proxy.url,
        RESULTSBUS_AMQP_BRIDGE_NAME: name,
        RESULTSBUS_AMQP_RETRY_MAX_MS: '300',
        RESULTSBUS_AMQP_TOPICS: 'taskotron',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await consumer?.close();
  });

  it('starts, records, and reports the bridge as disconnected with its lag and the error', async () => {
    const started = Date.now();
    await server.data(RECORD_MANY, { inputs: inputs(200, 'down') });
    // Recording does not wait for the broker.
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect.poll(() => status(server, name), { timeout: 10_000 }).toMatchObject({ lastError: expect.stringMatching(/.+/) });
    const now = await status(server, name);
    expect(now).toMatchObject({ cursor: 0, latestSeq: 200, lag: 200, active: true, kind: 'AMQP', connected: false, unconfirmed: 0 });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toMatch(new RegExp(`bridge ${name}: active, cursor 0, latest seq 200, lag 200, disconnected, unconfirmed 0, last error at \\S+: .+`));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(metrics, `resultsbus_bridge_connected{bridge="${name}"}`)).toBe(0);
    expect(sample(metrics, `resultsbus_bridge_lag{bridge="${name}"}`)).toBe(200);
    expect(sample(metrics, `resultsbus_bridge_unconfirmed{bridge="${name}"}`)).toBe(0);
    expect(consumer.messages).toHaveLength(0);
  });

  it('catches up once the broker comes, in seq order, and says so', async () => {
    await server.data(RECORD_MANY, { inputs: inputs(100, 'later') });
    proxy.restore();
    const got = await consumer.waitUntil((m) => m.length >= 300, 30_000);
    expect(new Set(got.map((m) => m.properties.messageId)).size).toBe(300);
    const items = got.map((m) => (JSON.parse(m.body.toString('utf8')) as { task: { item: string } }).task.item);
    expect(items.slice(0, 2)).toEqual(['down0-1.0-1.fc40', 'down1-1.0-1.fc40']);
    expect(items.at(-1)).toBe('later99-1.0-1.fc40');
    await expect.poll(() => status(server, name), { timeout: 10_000 }).toMatchObject({ cursor: 300, lag: 0, connected: true, unconfirmed: 0 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(metrics, `resultsbus_bridge_connected{bridge="${name}"}`)).toBe(1);
    expect(sample(metrics, `resultsbus_bridge_cursor{bridge="${name}"}`)).toBe(300);
  });
});

describe.skipIf(missing !== undefined)('the AMQP bridge with a consumer that does not read', () => {
  it('never slows recording: the queue stays at its length limit, the broker confirms, and the cursor keeps up', async () => {
    const prefix = uniquePrefix();
    const name = `${prefix}-amqp`;
    const stalled = await AmqpConsumer.start({ pattern: `${prefix}.#`, unread: { maxLength: 50 } });
    const server = await startServer({
      env: { RESULTSBUS_TOPIC_PREFIX: prefix, RESULTSBUS_AMQP_URL: AMQP_URL, RESULTSBUS_AMQP_BRIDGE_NAME: name },
    });
    try {
      const times: number[] = [];
      for (let round = 0; round < 6; round++) {
        const started = performance.now();
        await server.data(RECORD_MANY, { inputs: inputs(200, `r${round}x`) });
        times.push(performance.now() - started);
      }
      await expect.poll(() => status(server, name), { timeout: 30_000 }).toMatchObject({ cursor: 1200, lag: 0, connected: true });
      expect(await stalled.depth()).toBe(50);
      // No round waited on the bus: the broker drops the oldest past the limit and confirms the rest.
      expect(Math.max(...times)).toBeLessThan(10_000);
    } finally {
      await server.close();
      await stalled.close();
    }
  });
});
