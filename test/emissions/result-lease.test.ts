/**
 * Result notifications are sent only while some process follows
 * `resultRecorded`: a process with a follower holds a lease in
 * `result_listeners` (src/emissions/stream.ts, `LiveFeed.onResults`), and
 * recording notifies only while a lease is current (src/results/record.ts,
 * `RESULTS_FOLLOWED`). A NOTIFY serialises commits cluster-wide, so results
 * nobody follows must not send one.
 *
 * The checks do not wait for silence: NOTIFYs reach a listener in commit
 * order, so when a later result's notification arrives, an earlier one's
 * would already have arrived.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { LiveFeed, RESULT_LEASE_SECONDS } from '../../src/emissions/stream.ts';
import { RESULTS_CHANNEL } from '../../src/results/record.ts';
import type { RecordResultInput } from '../../src/results/validate.ts';
import { engine } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
/** Result ids announced on the results channel, as the server's own LISTEN would see them. */
let heard: number[] = [];
let unlisten: () => Promise<void>;
let waiters: Array<() => void> = [];

beforeAll(async () => {
  server = await startServer();
  unlisten = await server.database.listen(RESULTS_CHANNEL, (payload) => {
    for (const part of payload.split(',')) {
      const [a, b] = part.split('-').map(Number);
      if (a === undefined) continue;
      for (let id = a; id <= (b ?? a); id++) heard.push(id);
    }
    for (const wake of waiters.splice(0)) wake();
  });
});
afterAll(async () => {
  await unlisten();
  await server.close();
});

/** Resolves once `id` was announced (or fails after 5 s). */
async function announced(id: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!heard.includes(id)) {
    if (Date.now() > deadline) throw new Error(`result ${id} was never announced; heard ${JSON.stringify(heard)}`);
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 100);
    });
  }
}

async function recordOne(input: RecordResultInput): Promise<number> {
  const [recorded] = await server.app.services.recorder.record(server.database.db, [input], 'input');
  if (!recorded) throw new Error('nothing recorded');
  return recorded.result.id;
}

async function recordBatch(inputs: RecordResultInput[]): Promise<number[]> {
  const recorded = await server.app.services.recorder.record(server.database.db, inputs);
  return recorded.map((r) => r.result.id);
}

async function leases(): Promise<Array<{ holder: string; seconds: number }>> {
  return queryRows<{ holder: string; seconds: number }>(
    server.database.db,
    sql`SELECT holder, extract(epoch FROM expires_at - now())::float8 AS seconds FROM result_listeners WHERE expires_at > now() ORDER BY holder`,
  );
}

const key = (item: string, outcome = 'PASSED'): RecordResultInput => ({ testcase: 'dist.lease', item, type: 'koji_build', outcome });

describe(`result notifications follow the lease (${engine})`, () => {
  it('are sent while a follower holds the lease, for single calls and batches, and stop when it leaves', async () => {
    const feed = server.app.services.feed;
    // Known keys first, so that single results find their task states by id.
    await recordBatch([key('lease-1'), key('lease-2')]);
    expect(await leases()).toEqual([]);
    heard = [];

    const unfollowedOne = await recordOne(key('lease-1'));
    const [unfollowedBatch] = await recordBatch([key('lease-2'), key('lease-3')]);

    const got: number[] = [];
    const off = await feed.onResults((ids) => got.push(...ids));
    const held = await leases();
    expect(held.map((l) => l.holder)).toEqual([feed.holder]);
    expect(held[0]?.seconds).toBeGreaterThan(RESULT_LEASE_SECONDS - 10);
    expect(held[0]?.seconds).toBeLessThanOrEqual(RESULT_LEASE_SECONDS);

    const followedOne = await recordOne(key('lease-1', 'FAILED'));
    const followedBatch = await recordBatch([key('lease-2'), key('lease-4')]);
    for (const id of [followedOne, ...followedBatch]) await announced(id);
    expect(heard).toEqual([followedOne, ...followedBatch]);
    expect(heard).not.toContain(unfollowedOne);
    expect(heard).not.toContain(unfollowedBatch);
    // The follower itself got them, through the feed.
    expect(got).toEqual([followedOne, ...followedBatch]);

    off();
    // The drop is a write of its own; wait for it to land.
    await expect.poll(leases, { timeout: 5000 }).toEqual([]);
    heard = [];
    const afterOne = await recordOne(key('lease-1'));
    got.length = 0;
    const again = await feed.onResults(() => {});
    const marker = await recordOne(key('lease-2'));
    await announced(marker);
    expect(heard).toEqual([marker]);
    expect(heard).not.toContain(afterOne);
    expect(got).toEqual([]);
    again();
    await expect.poll(leases, { timeout: 5000 }).toEqual([]);
  });

  it('stays while one of two followers is left', async () => {
    const feed = server.app.services.feed;
    const offA = await feed.onResults(() => {});
    const offB = await feed.onResults(() => {});
    offA();
    // Let a (wrong) drop land, were there one.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await leases()).map((l) => l.holder)).toEqual([feed.holder]);
    heard = [];
    const id = await recordOne(key('lease-5'));
    await announced(id);
    offB();
    await expect.poll(leases, { timeout: 5000 }).toEqual([]);
  });

  it('counts a lease of another process until it expires, and not after', async () => {
    await recordBatch([key('lease-6')]);
    await queryRows(server.database.db, sql`INSERT INTO result_listeners (holder, expires_at) VALUES ('elsewhere:1', now() + interval '1 minute')`);
    heard = [];
    const elsewhere = await recordOne(key('lease-6'));
    await announced(elsewhere);

    await queryRows(server.database.db, sql`UPDATE result_listeners SET expires_at = now() - interval '1 second' WHERE holder = 'elsewhere:1'`);
    heard = [];
    const expired = await recordOne(key('lease-6'));
    const feed = server.app.services.feed;
    const off = await feed.onResults(() => {});
    // Taking a lease clears expired ones of other holders.
    expect(
      await queryRows<{ holder: string }>(server.database.db, sql`SELECT holder FROM result_listeners ORDER BY holder`),
    ).toEqual([{ holder: feed.holder }]);
    const marker = await recordOne(key('lease-6'));
    await announced(marker);
    expect(heard).toEqual([marker]);
    expect(heard).not.toContain(expired);
    off();
    await expect.poll(leases, { timeout: 5000 }).toEqual([]);
  });

  it('is given up when the feed stops', async () => {
    const feed = await LiveFeed.start(server.database);
    await feed.onResults(() => {});
    expect((await leases()).map((l) => l.holder)).toContain(feed.holder);
    await feed.stop();
    expect((await leases()).map((l) => l.holder)).not.toContain(feed.holder);
  });
});
