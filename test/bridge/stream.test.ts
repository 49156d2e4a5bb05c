/**
 * The bridge against a scripted emission stream (the real database keeps the
 * cursor): what it does when the stream breaks its promises or a message
 * cannot be built.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Bridge } from '../../src/bridge/bridge.ts';
import { readCursor } from '../../src/bridge/cursor.ts';
import type { EmissionSource } from '../../src/bridge/source.ts';
import type { EmissionForBus } from '../../src/fedmsg/envelope.ts';
import { loadSigner, type Signer } from '../../src/fedmsg/signing.ts';
import { SIGN_WINDOW } from '../../src/fedmsg/sink.ts';
import { BusListener } from '../helpers/bus.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { type MemoryLogger, memoryLogger } from '../helpers/log.ts';

function emission(seq: number, body: EmissionForBus['body'] = { task: { name: 't' }, result: { id: seq } }): EmissionForBus {
  return { seq, msgId: `2026-00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, topic: 'org.fedoraproject.dev.taskotron.result.new', timestamp: 1795701427, body };
}

/** A source that answers each subscription from `script(after, attempt)`, then waits until stopped. */
function scripted(script: (after: number, attempt: number) => EmissionForBus[]): { source: EmissionSource; subscriptions: number[] } {
  const subscriptions: number[] = [];
  const source: EmissionSource = async function* (after, signal) {
    subscriptions.push(after);
    for (const e of script(after, subscriptions.length)) yield e;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
  };
  return { source, subscriptions };
}

let database: TestDatabase;
let bridge: Bridge | undefined;
let bus: BusListener | undefined;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await bus?.close();
  await bridge?.stop();
  await database.dispose();
  bus = bridge = undefined;
});

async function start(source: EmissionSource, log: MemoryLogger, signer?: Signer): Promise<BusListener> {
  bridge = await Bridge.start({
    database,
    source,
    endpoint: 'tcp://127.0.0.1:*',
    replayEndpoint: undefined,
    // Time for the test's SUB socket to connect before the first message.
    postInitSleepMs: 1000,
    retryMs: 50,
    cursorFlushMs: 10,
    envelope: { username: 'test', ...(signer ? { signer } : {}) },
    logger: log.logger,
  });
  return BusListener.connect(bridge.endpoint ?? '');
}

it('does not publish past a gap in the stream: it resubscribes after the last seq it sent', async () => {
  const log = memoryLogger();
  const { source, subscriptions } = scripted((after, attempt) =>
    attempt === 1 ? [emission(1), emission(2), emission(4)] : [3, 4, 5].filter((s) => s > after).map((s) => emission(s)),
  );
  bus = await start(source, log);
  const got = await bus.waitFor(5);
  expect(got.map((m) => m.envelope.seq_id)).toEqual([1, 2, 3, 4, 5]);
  expect(subscriptions).toEqual([0, 2]);
  expect(log.text()).toContain('lost the emission stream (the stream skipped from seq 2 to 4); resuming after seq 2');
  await expect.poll(() => readCursor(database.db, 'default')).toBe(5);
});

it('says which seq it cannot publish, and tries again from there without moving the cursor past it', async () => {
  const log = memoryLogger();
  const { source, subscriptions } = scripted((after, attempt) => {
    // The first time, seq 2 carries a number JSON cannot hold.
    const two = attempt === 1 ? emission(2, { task: { name: 't' }, result: { id: Number.NaN } }) : emission(2);
    return [emission(1), two, emission(3)].filter((e) => e.seq > after);
  });
  bus = await start(source, log);
  const got = await bus.waitFor(3);
  expect(got.map((m) => m.envelope.seq_id)).toEqual([1, 2, 3]);
  expect(subscriptions).toEqual([0, 1]);
  expect(log.text()).toMatch(/cannot publish seq 2: .*NaN.*; trying again after seq 1/);
  // A publish error is an error line, once, with its seq and the bridge's name.
  expect(log.lines().filter((l) => l.level === 'error').map((l) => [l.bridge, l.seq])).toEqual([['default', 2]]);
  await expect.poll(() => readCursor(database.db, 'default')).toBe(3);
});

it('survives the stream failing while its signing window is full, and resumes after the last seq it sent', async () => {
  const pki = (name: string): string => new URL(`../fixtures/fedmsg/pki/${name}`, import.meta.url).pathname;
  const real = await loadSigner(pki('results-emitter.crt'), pki('results-emitter.key'));
  // Slow signatures keep the window full while the stream fails behind it.
  const signer: Signer = { ...real, signAsync: async (e) => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    return real.signAsync(e);
  } };
  const log = memoryLogger();
  const subscriptions: number[] = [];
  // More emissions than the window holds come before the failure: the window is full when it comes.
  const failAt = SIGN_WINDOW + 2;
  const last = SIGN_WINDOW + 4;
  const source: EmissionSource = async function* (after, signal) {
    subscriptions.push(after);
    for (let seq = after + 1; seq <= last; seq++) {
      if (subscriptions.length === 1 && seq === failAt) throw new Error('stream lost');
      yield emission(seq);
    }
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
  };
  bus = await start(source, log, signer);
  const got = await bus.waitFor(last);
  expect(got.map((m) => m.envelope.seq_id)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  expect(got.every((m) => m.envelope.crypto === 'x509')).toBe(true);
  // Nothing past the last seq sent was lost or skipped: the second subscription starts there.
  expect(subscriptions).toHaveLength(2);
  expect(log.text()).toContain(`lost the emission stream (stream lost); resuming after seq ${subscriptions[1]}`);
  await expect.poll(() => readCursor(database.db, 'default')).toBe(last);
});
