/**
 * The guarantees under concurrency (design.md, "Guarantees"): the decision is
 * made under a per-key lock, so concurrent writers can neither both emit one
 * state nor both skip a change; the emission sequence is dense and in commit
 * order, so a reader that has seen seq N never later finds a smaller one.
 *
 * PGlite runs one transaction at a time, so there these tests check the same
 * answers without real contention; on PostgreSQL (TEST_DATABASE_URL) the
 * writers really race.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedSeq, listEmissions } from '../../src/emissions/queries.ts';
import type { RecordResultInput } from '../../src/results/validate.ts';
import { engine } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { deferred } from '../helpers/deferred.ts';
import { random } from '../helpers/random.ts';
import { expectRuleHeld, type KeyResult, keyResults } from '../helpers/rule.ts';

const OUTCOMES = ['PASSED', 'FAILED', 'INFO', 'NEEDS_INSPECTION'] as const;

const RECORD = `mutation ($input: RecordResultInput!) {
  recordResult(input: $input) { emitted result { resultId stateVersion } emission { seq prevOutcome } duplicateOf { seq } }
}`;

interface Recorded {
  recordResult: {
    emitted: boolean;
    result: { resultId: number; stateVersion: number };
    emission: { seq: number; prevOutcome: string | null } | null;
    duplicateOf: { seq: number } | null;
  };
}

/** Every writer was told the truth about its own result: what it was answered is what was stored. */
function expectAnswersTrue(answers: Recorded[], stored: KeyResult[]): void {
  const byId = new Map(stored.map((r) => [r.resultId, r]));
  for (const a of answers) {
    const r = byId.get(a.recordResult.result.resultId);
    expect(r?.stateVersion).toBe(a.recordResult.result.stateVersion);
    expect(a.recordResult.emitted).toBe(r?.emissionSeq !== null);
    expect(a.recordResult.emission?.prevOutcome ?? null).toBe(r?.prevOutcome ?? null);
    expect(a.recordResult.duplicateOf?.seq ?? null).toBe(r?.duplicateOf ?? null);
  }
}

async function allSeqs(server: TestServer): Promise<number[]> {
  const seqs: number[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { emissions: { edges: Array<{ node: { seq: number } }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
      await server.data(
        `query ($after: String) { emissions(first: 500, after: $after) { edges { node { seq } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
    seqs.push(...page.emissions.edges.map((e) => e.node.seq));
    if (!page.emissions.pageInfo.hasNextPage) return seqs;
    after = page.emissions.pageInfo.endCursor;
  }
}

/**
 * 50 writers at once on `key`, some of them forced re-runs, after `earlier`
 * results of the key that emitted once: every writer is told the truth, the
 * key's results keep the rule in lock order, and the seqs stay 1..n. Returns
 * the key's emissions.
 */
async function fiftyWriters(key: { testcase: string; item: string; type: string }, seed: number, earlier: 0 | 1): Promise<number> {
  const before = (await allSeqs(server)).length;
  const next = random(seed);
  const inputs = Array.from({ length: 50 }, () => ({ ...key, outcome: OUTCOMES[Math.floor(next() * 2)] ?? 'PASSED', force: next() < 0.1 }));
  expect(inputs.some((i) => i.force)).toBe(true);
  const answers = await Promise.all(inputs.map((input) => server.data<Recorded>(RECORD, { input })));
  const stored = await keyResults(server, key);
  expect(stored).toHaveLength(50 + earlier);
  expectAnswersTrue(answers, stored);
  const { emissions } = expectRuleHeld(stored);
  expect(await allSeqs(server)).toEqual(Array.from({ length: before + emissions - earlier }, (_, i) => i + 1));
  return emissions;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ poolSize: 20 });
});
afterAll(async () => {
  await server.close();
});

describe(`concurrent writers (${engine})`, () => {
  it('50 concurrent writers on one key: the emissions are exactly the change points in lock order', async () => {
    const key = { testcase: 'dist.depcheck', item: 'race-1.0-1.fc40', type: 'koji_build' };
    const next = random(50);
    const outcomes = Array.from({ length: 50 }, () => OUTCOMES[Math.floor(next() * 2)] ?? 'PASSED');
    const answers = await Promise.all(
      outcomes.map((outcome) => server.data<Recorded>(RECORD, { input: { ...key, outcome } })),
    );
    const stored = await keyResults(server, key);
    expect(stored).toHaveLength(50);
    expectAnswersTrue(answers, stored);
    const { emissions } = expectRuleHeld(stored);
    expect(emissions).toBeGreaterThan(1);
    // No duplicate emission rows for the key: one per change point.
    const seqs = await allSeqs(server);
    expect(seqs).toHaveLength(emissions);
  });

  it('50 concurrent writers on a key that already has a state (locked by id) keep the rule', async () => {
    const key = { testcase: 'dist.depcheck', item: 'race-known-1.0-1.fc40', type: 'koji_build' };
    // The first result creates the key's state and lets the server cache its ids.
    await server.data<Recorded>(RECORD, { input: { ...key, outcome: 'PASSED' } });
    expect(await fiftyWriters(key, 51, 1)).toBeGreaterThan(2);
  });

  it('50 concurrent writers on a new key whose testcase and item are known (its task state made by the lock statement) keep the rule', async () => {
    const key = { testcase: 'dist.newkey', item: 'race-new-1.0-1.fc40', type: 'koji_build' };
    // The server learns the testcase's and the item's ids from other keys, so
    // every writer takes the path that creates the key's task state itself.
    await server.data<Recorded>(RECORD, { input: { ...key, item: 'race-new-warmup-1.0-1.fc40', outcome: 'PASSED' } });
    await server.data<Recorded>(RECORD, { input: { ...key, testcase: 'dist.newkey.warmup', outcome: 'PASSED' } });
    expect(await fiftyWriters(key, 52, 0)).toBeGreaterThan(1);
  });

  it('writers on 20 keys at once: every key keeps the rule, and the seqs are 1..n without a gap', async () => {
    const before = (await allSeqs(server)).length;
    const keys = Array.from({ length: 20 }, (_, i) => ({ testcase: `dist.t${i % 4}`, item: `many-${i}-1.0-1.fc40`, type: 'koji_build' }));
    const next = random(20);
    const inputs = Array.from({ length: 400 }, () => {
      const key = keys[Math.floor(next() * keys.length)] ?? keys[0];
      return { ...key, outcome: OUTCOMES[Math.floor(next() * OUTCOMES.length)] ?? 'PASSED' };
    });
    await Promise.all(inputs.map((input) => server.data<Recorded>(RECORD, { input })));
    let emissions = 0;
    for (const key of keys) emissions += expectRuleHeld(await keyResults(server, key)).emissions;
    const seqs = await allSeqs(server);
    expect(seqs).toEqual(Array.from({ length: before + emissions }, (_, i) => i + 1));
  });

  it('concurrent batches over shared keys: every key keeps the rule, and the seqs are 1..n without a gap', async () => {
    const before = (await allSeqs(server)).length;
    const keys = Array.from({ length: 10 }, (_, i) => ({ testcase: `dist.b${i % 3}`, item: `batch-${i}-1.0-1.fc40`, type: 'koji_build' }));
    // Half the keys have a state (and stored emissions) before the batches start.
    for (const key of keys.slice(0, 5)) await server.data<Recorded>(RECORD, { input: { ...key, outcome: 'PASSED' } });
    const next = random(10);
    const batches = Array.from({ length: 8 }, () =>
      Array.from({ length: 50 }, () => {
        const key = keys[Math.floor(next() * keys.length)] ?? keys[0];
        // Mostly repeats, as in CI: duplicates of stored and of new emissions in one batch.
        return { ...key, outcome: next() < 0.8 ? 'PASSED' : 'FAILED' };
      }),
    );
    const answers = await Promise.all(
      batches.map((inputs) =>
        server.data<{ recordResults: { results: Array<{ stateVersion: number }>; emissions: Array<{ seq: number }> } }>(
          `mutation ($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { results { stateVersion } emissions { seq } } }`,
          { inputs },
        ),
      ),
    );
    expect(answers.flatMap((a) => a.recordResults.results)).toHaveLength(400);
    let emissions = 0;
    for (const key of keys) emissions += expectRuleHeld(await keyResults(server, key)).emissions;
    expect(answers.flatMap((a) => a.recordResults.emissions)).toHaveLength(emissions - 5);
    expect(await allSeqs(server)).toEqual(Array.from({ length: before + emissions }, (_, i) => i + 1));
  });

  it('a reader never sees a seq before every smaller seq is visible', async () => {
    const db = server.database.db;
    const keys = Array.from({ length: 8 }, (_, i) => ({ testcase: 'dist.horizon', item: `horizon-${i}`, type: 'koji_build' }));
    const next = random(8);
    let writing = true;
    const writers = (async () => {
      await Promise.all(
        Array.from({ length: 300 }, () => {
          const key = keys[Math.floor(next() * keys.length)] ?? keys[0];
          return server.data<Recorded>(RECORD, { input: { ...key, outcome: next() < 0.5 ? 'PASSED' : 'FAILED' } });
        }),
      );
      writing = false;
    })();
    // What the emission stream does: read the committed horizon, then every row up to it.
    let reads = 0;
    while (writing) {
      const horizon = await committedSeq(db);
      const rows = await listEmissions(db, { pastSeq: 0, maxSeq: horizon, limit: 100_000 });
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: horizon }, (_, i) => i + 1));
      reads++;
      // PGlite answers without I/O; let the server take requests between reads.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writers;
    expect(reads).toBeGreaterThan(0);
  });
});

describe('the emission sequence', () => {
  const input = (item: string, outcome = 'PASSED'): RecordResultInput => ({ testcase: 'dist.seq', item, type: 'koji_build', outcome });

  it('a rolled-back transaction leaves no hole', async () => {
    const { recorder } = server.app.services;
    const db = server.database.db;
    const start = await committedSeq(db);
    await expect(
      db.transaction(async (tx) => {
        const recorded = await recorder.record(tx, [input('rollback-a'), input('rollback-b')]);
        expect(recorded.map((r) => r.emission?.seq)).toEqual([start + 1, start + 2]);
        throw new Error('the caller gives up');
      }),
    ).rejects.toThrow('the caller gives up');
    expect(await committedSeq(db)).toBe(start);
    const [after] = await recorder.record(db, [input('rollback-c')]);
    expect(after?.emission?.seq).toBe(start + 1);
    // Nothing of the rolled-back transaction is left.
    const item = await server.data<{ item: { name: string } | null }>(`{ item(type: "koji_build", name: "rollback-a") { name } }`);
    expect(item.item).toBeNull();
  });

  it.skipIf(engine === 'pglite')(
    'an emitting transaction that commits later cannot take a smaller seq than one already visible',
    async () => {
      const { recorder } = server.app.services;
      const db = server.database.db;
      await recorder.record(db, [input('open-c')]);
      const start = await committedSeq(db);
      const held = deferred();
      const aDone = deferred();
      // A emits and stays open.
      const a = db.transaction(async (tx) => {
        const [r] = await recorder.record(tx, [input('open-a')]);
        aDone.resolve();
        await held.promise;
        return r?.emission?.seq;
      });
      await aDone.promise;
      // B emits on another key at the same time: it has to wait for A's commit to take its seq.
      let bSettled = false;
      const b = recorder.record(db, [input('open-b')]).then((r) => {
        bSettled = true;
        return r[0]?.emission?.seq;
      });
      // A result that does not emit never touches the sequence, so A does not hold it up.
      const [duplicate] = await recorder.record(db, [input('open-c')]);
      expect(duplicate?.emission).toBeNull();
      // While A is open, readers see neither A's seq nor anything after it, and B has no seq yet.
      expect(await committedSeq(db)).toBe(start);
      expect(bSettled).toBe(false);
      held.resolve();
      const [seqA, seqB] = await Promise.all([a, b]);
      expect(seqA).toBe(start + 1);
      expect(seqB).toBe(start + 2);
      expect(await committedSeq(db)).toBe(start + 2);
    },
  );
});
