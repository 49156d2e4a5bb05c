/**
 * `resultsbus serve` on PostgreSQL while its backends are terminated again
 * and again under load, one class of connection at a time and then all at
 * once (pg_terminate_backend, as a restart, a failover or an operator does):
 * the process stays up, a write that fails says DATABASE_UNAVAILABLE (never
 * an internal error, never a hang), every acknowledged result is stored and
 * keeps the rule, and the bus gets every emission (the bridge re-takes its
 * lock). It used to die of an unhandled rejection inside postgres.js, and a
 * write could hang for minutes on a ROLLBACK sent to a dead connection.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusListener } from '../helpers/bus.ts';
import { engine } from '../helpers/database.ts';
import { FIRST_TOKEN as TOKEN } from '../helpers/crash.ts';
import { random } from '../helpers/random.ts';
import { expectRuleHeld, keyResults, type Querier } from '../helpers/rule.ts';
import { createStore, freePort, killAll, postGraphQL, serve, type Served, type Store } from '../cli/process.ts';

const RECORD = `mutation ($input: RecordResultInput!) {
  recordResult(input: $input) { emitted result { resultId } emission { seq } }
}`;

const KEYS = 6;
const itemOf = (k: number): string => `loss-${k}-1.0-1.fc26`;

/** The connection classes, by the application_name each sets. */
const CLASSES = ['resultsbus', 'resultsbus session', 'resultsbus listen', null] as const;

interface Load {
  /** Result ids of acknowledged writes. */
  acknowledged: number[];
  /** Error codes answered, with their counts. */
  codes: Map<string, number>;
  stop(): Promise<void>;
}

/** One writer per key, flipping PASSED and FAILED, until stopped. */
function writers(served: Served, token: string): Load {
  let running = true;
  const acknowledged: number[] = [];
  const codes = new Map<string, number>();
  const loops = Array.from({ length: KEYS }, async (_, k) => {
    for (let n = 0; running; n++) {
      const input = { testcase: 'dist.depcheck', item: itemOf(k), type: 'koji_build', outcome: n % 2 === 0 ? 'PASSED' : 'FAILED' };
      // A server that died answers nothing: that is a failure of its own kind.
      const response = await postGraphQL(served.url, RECORD, { input }, token).catch((error: unknown) => ({
        data: undefined,
        errors: [{ message: String(error), extensions: { code: 'NO_ANSWER (the server is gone)' } }],
      }));
      const id = (response.data?.['recordResult'] as { result: { resultId: number } } | undefined)?.result.resultId;
      if (id !== undefined) acknowledged.push(id);
      for (const error of response.errors ?? []) {
        const code = error.extensions?.code ?? `uncoded: ${error.message}`;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      if (response.errors) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  return {
    acknowledged,
    codes,
    async stop() {
      running = false;
      // Bounded: a write that hangs fails the test instead of stalling it.
      const late = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000).unref());
      expect(await Promise.race([Promise.all(loops), late]), 'every write settles').not.toBe('hung');
    },
  };
}

async function waitForReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('/readyz never answered 200 after the terminations');
}

describe.runIf(engine === 'postgres')('serve while PostgreSQL terminates its backends', () => {
  let store: Store;
  let served: Served;
  let token: string;
  let admin: postgres.Sql;
  let bus: BusListener;

  beforeAll(async () => {
    store = await createStore();
    const [pub, rep] = [await freePort(), await freePort()];
    served = await serve({
      ...store.env,
      RESULTSBUS_FEDMSG_ENDPOINT: `tcp://127.0.0.1:${pub}`,
      RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: `tcp://127.0.0.1:${rep}`,
      RESULTSBUS_BRIDGE_STANDBY_POLL_MS: '200',
    });
    const found = TOKEN.exec(served.stdout())?.[1];
    if (found === undefined || served.fedmsgEndpoint === undefined) throw new Error(`no token or no bus: ${served.stdout()}`);
    token = found;
    bus = await BusListener.connect(served.fedmsgEndpoint);
    admin = postgres(store.env['DATABASE_URL'] ?? '', { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await bus?.close();
    await admin?.end({ timeout: 5 });
    await killAll();
    await store?.dispose();
  });

  it('stays up, answers DATABASE_UNAVAILABLE, loses nothing, keeps the rule and the bus gap-free', async () => {
    const next = random(11);
    const load = writers(served, token);
    let terminated = 0;
    for (const name of CLASSES) {
      // Each class about 15 times, at uneven moments, while the writers write.
      for (let i = 0; i < 15; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(next() * 200)));
        const rows = await admin<Array<{ n: number }>>`
          SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND application_name LIKE 'resultsbus%' AND (${name}::text IS NULL OR application_name = ${name})`;
        terminated += rows[0]?.n ?? 0;
      }
    }
    await load.stop();
    expect(terminated).toBeGreaterThan(40);

    // Alive, and back to ready once the terminations stop.
    expect(served.stderr()).not.toMatch(/Unhandled|uncaught|triggerUncaughtException/i);
    await waitForReady(served.url);
    const { codes, acknowledged } = load;
    // Every failure said what it was.
    for (const code of codes.keys()) expect(code).toBe('DATABASE_UNAVAILABLE');
    expect(acknowledged.length).toBeGreaterThan(20);

    // Every acknowledged result is stored, and every key kept the rule.
    const querier: Querier = {
      async data<T>(document: string, variables?: unknown): Promise<T> {
        const response = await postGraphQL(served.url, document, variables as Record<string, unknown>);
        if (response.errors || !response.data) throw new Error(JSON.stringify(response.errors));
        return response.data as T;
      },
    };
    const stored = new Set<number>();
    let emissions = 0;
    for (let k = 0; k < KEYS; k++) {
      const results = await keyResults(querier, { testcase: 'dist.depcheck', item: itemOf(k), type: 'koji_build' });
      for (const r of results) stored.add(r.resultId);
      emissions += expectRuleHeld(results).emissions;
    }
    for (const id of acknowledged) expect(stored.has(id), `acknowledged result ${id} is stored`).toBe(true);

    // The bus got every emission the store holds, seq 1..n, at least once.
    const messages = await bus.waitUntil((got) => new Set(got.map((m) => m.envelope.seq_id)).size >= emissions, 60_000);
    const seqs = [...new Set(messages.map((m) => m.envelope.seq_id))].sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: emissions }, (_, i) => i + 1));
    console.log(
      `backend loss: ${terminated} backends terminated, ${acknowledged.length} writes acknowledged, ` +
        `${[...codes.values()].reduce((a, b) => a + b, 0)} refused with DATABASE_UNAVAILABLE, ${emissions} emissions, ${messages.length} bus messages`,
    );
    const stopped = await served.stop('SIGTERM');
    expect(stopped.code).toBe(0);
  }, 180_000);
});
