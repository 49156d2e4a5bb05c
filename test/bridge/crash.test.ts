/**
 * Crash safety of the built-in bridge: `resultsbus serve` killed with SIGKILL
 * while results are being recorded, then started again on the same store and
 * the same bus endpoints. A plain SUB socket, connected throughout, must get
 * every emission the database holds at least once, each re-send
 * byte-identical to the first copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusListener, type BusMessage } from '../helpers/bus.ts';
import { createStore, freePort, killAll, postGraphQL, serve, type Served, type Store } from '../cli/process.ts';

const Record = `
  mutation CrashRecord($input: RecordResultInput!) {
    recordResult(input: $input) { emitted }
  }
`;

const Emissions = `
  query CrashEmissions($after: String) {
    emissions(first: 500, after: $after) { edges { node { seq msgId } } pageInfo { hasNextPage endCursor } }
  }
`;

interface EmissionsPage {
  emissions: { edges: Array<{ node: { seq: number; msgId: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

async function allEmissions(url: string): Promise<Array<{ seq: number; msgId: string }>> {
  const found: Array<{ seq: number; msgId: string }> = [];
  let after: string | null = null;
  for (;;) {
    const response = await postGraphQL(url, Emissions, { after });
    const page = response.data as EmissionsPage | undefined;
    if (!page) throw new Error(`emissions query failed: ${JSON.stringify(response.errors)}`);
    found.push(...page.emissions.edges.map((e) => e.node));
    if (!page.emissions.pageInfo.hasNextPage) return found;
    after = page.emissions.pageInfo.endCursor;
  }
}

const TOKEN = /created the first API token "default" \(shown only this once\):\n\n {4}(rb_[A-Za-z0-9_-]{43})\n/;

/** Records flips on `keys` builds, one writer per key, until `stop()`; counts acknowledged results. */
function writers(url: string, token: string, keys: number) {
  let running = true;
  let acknowledged = 0;
  const loops = Array.from({ length: keys }, async (_, k) => {
    for (let n = 0; running; n++) {
      const input = { testcase: 'dist.depcheck', item: `crash-${k}-1.0-1.fc26`, type: 'koji_build', outcome: n % 2 === 0 ? 'PASSED' : 'FAILED' };
      try {
        const response = await postGraphQL(url, Record, { input }, token);
        if (response.data) acknowledged++;
      } catch {
        // The server is gone; the loop ends with `stop()`.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  });
  return {
    get acknowledged() {
      return acknowledged;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

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
    const token = TOKEN.exec(first.stdout())?.[1];
    expect(token, first.stdout()).toBeDefined();
    if (token === undefined || first.fedmsgEndpoint === undefined) throw new Error(`no token or bus: ${first.stdout()}`);
    bus = await BusListener.connect(first.fedmsgEndpoint);

    const load = writers(first.url, token, 4);
    // Until the bus has seen a fair number, so the kill lands mid-stream.
    await bus.waitFor(40, 60_000);
    const killed = await first.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    await load.stop();
    const beforeRestart = bus.messages.length;

    const second = await serve(env);
    const more = writers(second.url, token, 2);
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
