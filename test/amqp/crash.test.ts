/**
 * Crash safety of the AMQP bridge: `resultsbus serve` killed with SIGKILL
 * while results are being recorded, then started again on the same store.
 * A queue bound to the exchange throughout must get every emission the
 * database holds at least once on each topic, each re-send identical to the
 * first copy, and the first copies in seq order within each routing key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultsdbMessageId } from '../../src/amqp/message.ts';
import { AmqpConsumer, AMQP_URL, brokerMissing, type Delivered, uniquePrefix } from '../helpers/amqp.ts';
import { createStore, killAll, serve, type Store } from '../cli/process.ts';
import { allEmissions, FIRST_TOKEN, flipWriters } from '../helpers/crash.ts';

const missing = await brokerMissing();

describe.skipIf(missing !== undefined)('the AMQP bridge across a SIGKILL of resultsbus serve', () => {
  const prefix = uniquePrefix();
  let store: Store;
  let consumer: AmqpConsumer;
  let env: Record<string, string>;

  beforeAll(async () => {
    store = await createStore();
    consumer = await AmqpConsumer.start({ pattern: `${prefix}.#` });
    env = {
      ...store.env,
      RESULTSBUS_BRIDGE: 'off',
      RESULTSBUS_TOPIC_PREFIX: prefix,
      RESULTSBUS_AMQP_URL: AMQP_URL,
      RESULTSBUS_AMQP_BRIDGE_NAME: `${prefix}-amqp`,
      // Each run serves on another free port: the hrefs must not follow it.
      RESULTSBUS_PUBLIC_URL: 'https://resultsdb.example.org',
    };
  });
  afterAll(async () => {
    await killAll();
    await consumer?.close();
    await store?.dispose();
  });

  it('every emission reaches the queue at least once on both topics, re-sends identical, none out of order within a key', async () => {
    const first = await serve(env);
    const token = FIRST_TOKEN.exec(first.stdout())?.[1];
    if (token === undefined) throw new Error(`no token: ${first.stdout()}`);
    const load = flipWriters(first.url, token, 4);
    // Until the queue has seen a fair number, so the kill lands mid-stream.
    await consumer.waitUntil((m) => m.length >= 80, 60_000);
    const killed = await first.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    await load.stop();
    const beforeRestart = consumer.messages.length;

    const second = await serve(env);
    const more = flipWriters(second.url, token, 2);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await more.stop();

    const stored = await allEmissions(second.url);
    expect(stored.length).toBeGreaterThan(40);
    const seqOf = new Map<string, number>();
    for (const e of stored) {
      seqOf.set(e.msgId, e.seq);
      seqOf.set(resultsdbMessageId(e.msgId, `${prefix}.dev.resultsdb.result.new`), e.seq);
    }
    const messages = await consumer.waitUntil((got) => {
      const have = new Set(got.map((m) => String(m.properties.messageId)));
      return [...seqOf.keys()].every((id) => have.has(id));
    }, 60_000);

    const firstCopy = new Map<string, Delivered>();
    const order = new Map<string, number[]>();
    let resent = 0;
    for (const m of messages) {
      const id = String(m.properties.messageId);
      // Nothing the database does not hold.
      expect(seqOf.has(id)).toBe(true);
      const earlier = firstCopy.get(id);
      if (earlier !== undefined) {
        resent++;
        expect(m.routingKey).toBe(earlier.routingKey);
        expect(m.body.toString('utf8')).toBe(earlier.body.toString('utf8'));
        expect(m.properties).toEqual(earlier.properties);
        continue;
      }
      firstCopy.set(id, m);
      order.set(m.routingKey, [...(order.get(m.routingKey) ?? []), seqOf.get(id) ?? 0]);
    }
    expect([...order.keys()].sort()).toEqual([`${prefix}.dev.resultsdb.result.new`, `${prefix}.dev.taskotron.result.new`]);
    for (const seqs of order.values()) expect(seqs).toEqual(stored.map((e) => e.seq));
    console.log(`AMQP crash test: ${stored.length} emissions, ${beforeRestart} messages before the kill, ${messages.length} in all, ${resent} re-sent`);
    await second.stop();
  });
});
