/**
 * The fedora-messaging bridge against the local RabbitMQ: a server with both
 * buses on, a queue bound to amq.topic as a consumer, a ZeroMQ SUB socket as
 * a fedmsg one, and what each receives compared byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultsdbMessageId, sentAt } from '../../src/amqp/message.ts';
import { canonicalJson, type JsonValue } from '../../src/fedmsg/canonical.ts';
import { AmqpConsumer, AMQP_URL, brokerMissing, bridgeConnections, closeConnections, type Delivered, uniquePrefix } from '../helpers/amqp.ts';
import { BusListener, type BusMessage } from '../helpers/bus.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const missing = await brokerMissing();
const PUBLIC_URL = 'https://resultsdb.example.org';

const RECORD = `mutation Record($input: RecordResultInput!) { recordResult(input: $input) { emitted emission { seq msgId } result { id } } }`;
const RECORD_MANY = `mutation RecordMany($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { emissions { seq } } }`;
const STATUS = `query Status($name: String) { bridgeStatus(name: $name) { name cursor latestSeq lag active } }`;

function env(prefix: string): Record<string, string> {
  return {
    RESULTSBUS_BRIDGE: 'on',
    RESULTSBUS_TOPIC_PREFIX: prefix,
    RESULTSBUS_ENVIRONMENT: 'stg',
    RESULTSBUS_AMQP_URL: AMQP_URL,
    RESULTSBUS_AMQP_BRIDGE_NAME: `${prefix}-amqp`,
    RESULTSBUS_AMQP_RETRY_MAX_MS: '500',
    RESULTSBUS_PUBLIC_URL: PUBLIC_URL,
  };
}

async function record(server: TestServer, item: string, outcome: string, force = false) {
  const input = { testcase: 'dist.depcheck', item, type: 'koji_build', outcome, force, refUrl: `https://taskotron.example.org/artifacts/${item}/` };
  return (await server.data<{ recordResult: { emitted: boolean; result: { id: string } } }>(RECORD, { input })).recordResult;
}

async function status(server: TestServer, name: string) {
  return (await server.data<{ bridgeStatus: { cursor: number; latestSeq: number; lag: number; active: boolean } }>(STATUS, { name })).bridgeStatus;
}

/** The messages by message_id, each id's copies checked identical (a re-send is the same bytes, properties and headers). */
function byId(messages: Delivered[]): Map<string, Delivered> {
  const seen = new Map<string, Delivered>();
  for (const m of messages) {
    const id = String(m.properties.messageId);
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, m);
      continue;
    }
    expect(m.routingKey).toBe(first.routingKey);
    expect(m.body.equals(first.body)).toBe(true);
    expect({ ...m.properties, headers: m.properties.headers }).toEqual({ ...first.properties, headers: first.properties.headers });
  }
  return seen;
}

describe.skipIf(missing !== undefined)('the AMQP bridge, end to end', () => {
  const prefix = uniquePrefix();
  let server: TestServer;
  let consumer: AmqpConsumer;
  let bus: BusListener;
  let fedmsgs: BusMessage[];
  let delivered: Delivered[];

  beforeAll(async () => {
    consumer = await AmqpConsumer.start({ pattern: `${prefix}.#` });
    server = await startServer({ env: env(prefix) });
    const endpoint = server.app.bridge?.endpoint;
    if (endpoint === undefined) throw new Error('the fedmsg bridge is not publishing');
    bus = await BusListener.connect(endpoint);
    const build = 'perl-Specio-0.25-1.fc26';
    await record(server, build, 'PASSED');
    await record(server, build, 'PASSED');
    await record(server, build, 'FAILED');
    await record(server, build, 'PASSED', true);
    fedmsgs = await bus.waitFor(3);
    delivered = await consumer.waitUntil((m) => m.length >= 6);
    // Anything more would arrive within moments; give it the chance to.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  afterAll(async () => {
    await bus?.close();
    await server?.close();
    await consumer?.close();
  });

  it('delivers, for PASSED, PASSED, FAILED, PASSED(force), exactly one Taskotron and one ResultsDB message per emission, in seq order', () => {
    expect(consumer.messages).toHaveLength(6);
    expect(fedmsgs.map((m) => m.envelope.seq_id)).toEqual([1, 2, 3]);
    const taskotron = `${prefix}.stg.taskotron.result.new`;
    const resultsdb = `${prefix}.stg.resultsdb.result.new`;
    expect(delivered.map((m) => m.routingKey)).toEqual([taskotron, resultsdb, taskotron, resultsdb, taskotron, resultsdb]);
    const outcomes = delivered.filter((m) => m.routingKey === taskotron).map((m) => {
      const body = JSON.parse(m.body.toString('utf8')) as { result: { outcome: string; prev_outcome: string | null; forced: boolean } };
      return [body.result.outcome, body.result.prev_outcome, body.result.forced];
    });
    expect(outcomes).toEqual([
      ['PASSED', null, false],
      ['FAILED', 'PASSED', false],
      // A forced result that changes the state is an ordinary change.
      ['PASSED', 'FAILED', false],
    ]);
  });

  it('writes the Taskotron body byte for byte as the fedmsg bridge writes the envelope\'s msg, with the emission\'s msg_id', () => {
    const taskotron = delivered.filter((m) => m.routingKey.endsWith('.taskotron.result.new'));
    expect(taskotron).toHaveLength(fedmsgs.length);
    fedmsgs.forEach((fedmsg, i) => {
      const m = taskotron[i] as Delivered;
      expect(m.properties.messageId).toBe(fedmsg.envelope.msg_id);
      expect(m.body.toString('utf8')).toBe(canonicalJson(fedmsg.envelope.msg as unknown as JsonValue));
      // The very bytes inside the signed-or-not envelope on ZeroMQ.
      expect(fedmsg.bytes.includes(m.body)).toBe(true);
    });
  });

  it('sets every property and header of the spec, sent-at from the emission\'s time', () => {
    fedmsgs.forEach((fedmsg, i) => {
      for (const m of delivered.slice(2 * i, 2 * i + 2)) {
        expect(m.properties.contentType).toBe('application/json');
        expect(m.properties.contentEncoding).toBe('utf-8');
        expect(m.properties.deliveryMode).toBe(2);
        expect(m.properties.priority).toBe(0);
        expect(m.properties.headers).toEqual({
          fedora_messaging_schema: 'base.message',
          fedora_messaging_schema_package: 'fedora_messaging',
          'sent-at': sentAt(fedmsg.envelope.timestamp),
          fedora_messaging_severity: 20,
          priority: 0,
          'fedora_messaging_rpm_perl-Specio': true,
        });
        expect(m.properties.headers?.['sent-at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      }
      const resultsdb = delivered[2 * i + 1] as Delivered;
      expect(resultsdb.properties.messageId).toBe(resultsdbMessageId(fedmsg.envelope.msg_id, resultsdb.routingKey));
      expect(resultsdb.properties.messageId).not.toBe(fedmsg.envelope.msg_id);
    });
  });

  it('writes the ResultsDB body as the REST API v2.0 serialises the result, hrefs on RESULTSBUS_PUBLIC_URL', async () => {
    const resultsdb = delivered.filter((m) => m.routingKey.endsWith('.resultsdb.result.new'));
    for (const [i, fedmsg] of fedmsgs.entries()) {
      const id = (fedmsg.envelope.msg.result as { id: number }).id;
      const rest = await (await fetch(`${server.url}/api/v2.0/results/${id}`)).text();
      const expected = rest.replaceAll(`${server.url}/api/v2.0`, `${PUBLIC_URL}/api/v2.0`).trimEnd();
      expect((resultsdb[i] as Delivered).body.toString('utf8')).toBe(expected);
      expect(JSON.parse(expected)).toMatchObject({ id, href: `${PUBLIC_URL}/api/v2.0/results/${id}`, testcase: { name: 'dist.depcheck' } });
    }
  });

  it('reports the AMQP bridge in bridgeStatus and /readyz: cursor at the last emission, connected, nothing unconfirmed', async () => {
    expect(await status(server, `${prefix}-amqp`)).toMatchObject({ cursor: 3, latestSeq: 3, lag: 0, active: true });
    const ready = await (await fetch(`${server.url}/readyz`)).text();
    expect(ready).toContain(`bridge ${prefix}-amqp: active, cursor 3, latest seq 3, lag 0, connected, unconfirmed 0`);
  });
});

describe.skipIf(missing !== undefined)('the AMQP bridge when the broker drops its connection', () => {
  it('reconnects and resumes from its cursor under load: by message_id nothing missing, every re-send identical', async () => {
    const prefix = uniquePrefix();
    const consumer = await AmqpConsumer.start({ pattern: `${prefix}.#` });
    const server = await startServer({ env: { ...env(prefix), RESULTSBUS_BRIDGE: 'off' } });
    try {
      const name = `${prefix}-amqp`;
      const batches = 6;
      const perBatch = 250;
      await expect.poll(() => server.app.amqpBridge?.connected, { timeout: 30_000, interval: 20 }).toBe(true);
      let pids = await bridgeConnections(name);
      expect(pids).toHaveLength(1);
      // Back to back: the bridge has a backlog, and messages in flight when its connection goes.
      const load = (async () => {
        for (let b = 0; b < batches; b++) {
          const inputs = Array.from({ length: perBatch }, (_, i) => ({
            testcase: 'dist.rpmlint',
            item: `pkg${b}x${i}-1.0-1.fc40`,
            type: 'koji_build',
            outcome: 'PASSED',
          }));
          await server.data(RECORD_MANY, { inputs });
        }
      })();
      await consumer.waitUntil((m) => m.length >= 400, 120_000);
      expect(await closeConnections(pids)).toBe(1);
      await expect.poll(() => server.app.amqpBridge?.connected, { timeout: 30_000, interval: 20 }).toBe(true);
      pids = await bridgeConnections(name);
      await consumer.waitUntil((m) => m.length >= 1500, 120_000);
      expect(await closeConnections(pids)).toBe(1);
      await load;
      const total = batches * perBatch;
      await consumer.waitUntil((m) => byId(m).size >= 2 * total, 120_000);
      const ids = byId(consumer.messages);
      expect(ids.size).toBe(2 * total);
      console.log(`AMQP reconnect test: ${2 * total} messages, ${consumer.messages.length} delivered, ${consumer.messages.length - ids.size} re-sent`);
      // Every emission of the database, both topics.
      expect([...ids.values()].filter((m) => m.routingKey.endsWith('.taskotron.result.new'))).toHaveLength(total);
      // Within the one key each message is sent on, the first copies come in seq order.
      const firstSeen: number[] = [];
      const seen = new Set<string>();
      for (const m of consumer.messages) {
        const id = String(m.properties.messageId);
        if (seen.has(id) || !m.routingKey.endsWith('.taskotron.result.new')) continue;
        seen.add(id);
        firstSeen.push(Number((JSON.parse(m.body.toString('utf8')) as { result: { id: number } }).result.id));
      }
      expect(firstSeen).toEqual([...firstSeen].sort((a, b) => a - b));
      // The lost connections are what the bridge says last went wrong, whether a send failed on them or they were noticed idle.
      expect(server.app.amqpBridge?.lastError?.message).toMatch(/connection|channel|closed|not connected/i);
      await expect.poll(() => status(server, `${prefix}-amqp`), { timeout: 10_000 }).toMatchObject({ cursor: total, lag: 0 });
    } finally {
      await server.close();
      await consumer.close();
    }
  }, 300_000);
});
