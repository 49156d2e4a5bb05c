/**
 * Crash safety of the built-in bridge: `resultsbus serve` killed with SIGKILL
 * while results are being recorded, then started again on the same store and
 * the same bus endpoints. A plain SUB socket, connected throughout, must get
 * every emission the database holds at least once, each re-send
 * byte-identical to the first copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusListener, type BusMessage } from '../helpers/bus.ts';
import { createStore, freePort, killAll, serve, type Served, type Store } from '../cli/process.ts';
import { allEmissions, FIRST_TOKEN, flipWriters } from '../helpers/crash.ts';

describe('the bridge across a SIGKILL of resultsbus serve', () => {
  let store: Store;
  let bus: BusListener | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    store = await createStore();
    const [pub, rep] = [await freePort(), await freePort()];
    env = {
      ...store.env,
      RESULTSBUS_FEDMSG_ENDPOINT: `tcp://127.0.0.1:${pub}`,
      RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: `tcp://127.0.0.1:${rep}`,
    };
  });
  afterAll(async () => {
    await bus?.close();
    await killAll();
    await store.dispose();
  });

  it('every emission reaches the subscriber at least once, re-sends byte-identical, none missing by msg_id', async () => {
    const first: Served = await serve(env);
    const token = FIRST_TOKEN.exec(first.stdout())?.[1];
    expect(token, first.stdout()).toBeDefined();
    if (token === undefined || first.fedmsgEndpoint === undefined) throw new Error(`no token or bus: ${first.stdout()}`);
    bus = await BusListener.connect(first.fedmsgEndpoint);

    const load = flipWriters(first.url, token, 4);
    // Until the bus has seen a fair number, so the kill lands mid-stream.
    await bus.waitFor(40, 60_000);
    const killed = await first.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    await load.stop();
    const beforeRestart = bus.messages.length;

    const second = await serve(env);
    const more = flipWriters(second.url, token, 2);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await more.stop();

    const stored = await allEmissions(second.url);
    expect(stored.length).toBeGreaterThan(40);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    const wanted = new Set(stored.map((e) => e.msgId));
    const messages = await bus.waitUntil((got) => {
      const have = new Set(got.map((m) => m.envelope.msg_id));
      return [...wanted].every((id) => have.has(id));
    }, 60_000);

    // Re-sends (the bridge resumes from its last stored cursor) are the same bytes.
    const firstCopy = new Map<string, BusMessage>();
    let resent = 0;
    for (const m of messages) {
      const earlier = firstCopy.get(m.envelope.msg_id);
      if (earlier === undefined) firstCopy.set(m.envelope.msg_id, m);
      else {
        resent++;
        expect(m.bytes.equals(earlier.bytes)).toBe(true);
      }
    }
    // Nothing the database does not hold, and seq_id and msg_id agree with it.
    const bySeq = new Map(stored.map((e) => [e.seq, e.msgId]));
    for (const m of messages) expect(bySeq.get(m.envelope.seq_id)).toBe(m.envelope.msg_id);
    console.log(
      `crash test: ${stored.length} emissions, ${beforeRestart} messages before the kill, ${messages.length} in all, ${resent} re-sent`,
    );
    await second.stop();
  });
});
