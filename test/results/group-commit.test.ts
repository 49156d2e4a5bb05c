/**
 * Group commit (src/results/group-commit.ts): the calls that wait while a
 * group commits share the next transaction. What must hold whatever the
 * group: a call is answered only after the commit that holds its results and
 * never with a rolled-back group's; one call's failure never fails another;
 * a batch is never split; groups are capped; groups never deadlock.
 *
 * Calls go straight to a Recorder of the server's database, so that which
 * calls share a group is known: two groups in flight at once, so the first
 * two calls of a burst start alone and the rest wait and form the next.
 * What was stored is read back over GraphQL.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, queryRows } from '../../src/db/client.ts';
import { rootCause } from '../../src/db/faults.ts';
import type { GroupReport } from '../../src/results/group-commit.ts';
import { type RecordedResult, Recorder, type RecorderOptions } from '../../src/results/record.ts';
import type { RecordResultInput } from '../../src/results/validate.ts';
import { engine } from '../helpers/database.ts';
import { deferred } from '../helpers/deferred.ts';
import { random } from '../helpers/random.ts';
import { expectRuleHeld, keyResults } from '../helpers/rule.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const REFUSED = 'refused by the database';
const REFUSED_AT_COMMIT = 'refused at commit';
const WAIT_AT_COMMIT = 'waits at commit';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  // A result the database itself refuses, which no validation catches: a
  // stand-in for any statement that fails for one call's data.
  await queryRows(
    server.database.db,
    sql.raw(`CREATE FUNCTION refuse_note() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.note = 'refused by the database' THEN RAISE EXCEPTION 'the test database refuses this result'; END IF;
               RETURN NEW;
             END $$`),
  );
  await queryRows(server.database.db, sql.raw(`CREATE TRIGGER refuse_note BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION refuse_note()`));
  // Checks that run at COMMIT, after every statement succeeded: a COMMIT
  // that fails, and (PostgreSQL) one that waits for an advisory lock.
  await queryRows(
    server.database.db,
    sql.raw(`CREATE FUNCTION at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.note = '${REFUSED_AT_COMMIT}' THEN RAISE EXCEPTION 'the test database refuses this commit'; END IF;
               IF NEW.note = '${WAIT_AT_COMMIT}' THEN PERFORM pg_advisory_xact_lock_shared(4242); END IF;
               RETURN NULL;
             END $$`),
  );
  await queryRows(
    server.database.db,
    sql.raw(`CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON results DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION at_commit()`),
  );
});
afterAll(async () => {
  await server.close();
});


/** A recorder on the server's database whose groups are reported into `reports`. */
function recorder(reports: GroupReport[], group?: RecorderOptions['group']): Recorder {
  return new Recorder({ ...server.app.services.recorder.options, onGroup: (r) => reports.push(r), ...(group ? { group } : {}) });
}

const single = (item: string, outcome = 'PASSED', extra: Partial<RecordResultInput> = {}): RecordResultInput => ({
  testcase: 'dist.group',
  item,
  type: 'koji_build',
  outcome,
  ...extra,
});

/** The groups' reports in the order the groups were formed: by size, as the tests make them (which commits first varies). */
const formed = (reports: GroupReport[]): GroupReport[] => [...reports].sort((a, b) => a.calls - b.calls || a.results - b.results);

/** Settles every call, keeping each one's answer or error. */
async function settle(calls: Array<Promise<RecordedResult[]>>): Promise<Array<PromiseSettledResult<RecordedResult[]>>> {
  return Promise.allSettled(calls);
}

/** The ids of the results stored for an item, oldest first. */
async function storedIds(item: string): Promise<number[]> {
  const results = await keyResults(server, { testcase: 'dist.group', item, type: 'koji_build' });
  return results.map((r) => r.resultId).sort((a, b) => a - b);
}

describe(`group commit (${engine})`, () => {
  it('calls that wait while groups commit share the next transaction, each answered with its own results', async () => {
    const reports: GroupReport[] = [];
    const rec = recorder(reports);
    const db = server.database.db;
    const inputs = Array.from({ length: 12 }, (_, i) => single(`share-${i % 4}-1.0-1.fc40`, i < 8 ? 'PASSED' : 'FAILED', { note: `call ${i}` }));
    const answers = await Promise.all(inputs.map((input) => rec.record(db, [input], 'input')));
    // The first two started at once, alone; the ten that waited went in one transaction.
    expect(formed(reports)).toEqual([
      { calls: 1, results: 1, retried: false },
      { calls: 1, results: 1, retried: false },
      { calls: 10, results: 10, retried: false },
    ]);
    answers.forEach(([answer], i) => {
      expect(answer?.result).toMatchObject({ item: inputs[i]?.item, outcome: inputs[i]?.outcome, note: `call ${i}` });
    });
    // What each was told is what was stored. (Calls in flight at once have
    // no order between them: a key's results are in the order its lock was
    // taken, which the rule follows.)
    for (let k = 0; k < 4; k++) {
      const item = `share-${k}-1.0-1.fc40`;
      const mine = answers.filter((_, i) => i % 4 === k).map(([a]) => a);
      const stored = await keyResults(server, { testcase: 'dist.group', item, type: 'koji_build' });
      expectRuleHeld(stored);
      expect(stored.map((r) => r.resultId).sort((a, b) => a - b)).toEqual(mine.map((a) => a?.result.id).sort((a, b) => (a ?? 0) - (b ?? 0)));
      for (const answer of mine) {
        const row = stored.find((r) => r.resultId === answer?.result.id);
        expect(answer?.result.stateVersion).toBe(row?.stateVersion);
        expect(answer?.emission?.seq ?? null).toBe(row?.emissionSeq);
        expect(answer?.result.duplicateOfSeq).toBe(row?.duplicateOf);
      }
    }
  });

  it('a group that fails is retried call by call: the refused call gets its error, the others their answers, all committed', async () => {
    const reports: GroupReport[] = [];
    const rec = recorder(reports);
    const db = server.database.db;
    const inputs = Array.from({ length: 8 }, (_, i) => single(`retry-${i}-1.0-1.fc40`, 'PASSED', i === 5 ? { note: REFUSED } : {}));
    const settled = await settle(inputs.map((input) => rec.record(db, [input], 'input')));
    expect(formed(reports)).toEqual([
      { calls: 1, results: 1, retried: false },
      { calls: 1, results: 1, retried: false },
      { calls: 6, results: 6, retried: true },
    ]);
    const refused = settled[5];
    expect(refused?.status).toBe('rejected');
    expect(String(rootCause((refused as PromiseRejectedResult).reason))).toMatch(/the test database refuses this result/);
    for (const [i, s] of settled.entries()) {
      const item = `retry-${i}-1.0-1.fc40`;
      if (i === 5) {
        expect(await storedIds(item)).toEqual([]);
        continue;
      }
      expect(s.status).toBe('fulfilled');
      // Answered with the ids of the commit that holds them, not the rolled-back group's.
      const [answer] = (s as PromiseFulfilledResult<RecordedResult[]>).value;
      expect(await storedIds(item)).toEqual([answer?.result.id]);
      expect(answer?.emission?.seq).toBeGreaterThan(0);
    }
  });

  it('a batch is never split and is all or nothing in a group; groups keep to their caps, a larger call goes alone', async () => {
    const reports: GroupReport[] = [];
    const rec = recorder(reports, { maxResults: 4, maxBytes: 1024 * 1024 });
    const db = server.database.db;
    const batch = (name: string, n: number, refuse = -1): RecordResultInput[] =>
      Array.from({ length: n }, (_, i) => single(`${name}-${i}-1.0-1.fc40`, 'PASSED', i === refuse ? { note: REFUSED } : {}));
    const calls = [
      [single('cap-a-1.0-1.fc40')],
      [single('cap-b-1.0-1.fc40')],
      [single('cap-c-1.0-1.fc40')],
      batch('cap-good', 3),
      batch('cap-big', 6),
      [single('cap-d-1.0-1.fc40')],
      batch('cap-bad', 2, 1),
      [single('cap-e-1.0-1.fc40')],
    ];
    const settled = await settle(calls.map((inputs) => rec.record(db, inputs)));
    expect(formed(reports)).toEqual([
      { calls: 1, results: 1, retried: false },
      { calls: 1, results: 1, retried: false },
      // The batch of 6 goes alone; c and the batch of 3: four results.
      { calls: 1, results: 6, retried: false },
      { calls: 2, results: 4, retried: false },
      // d, the failing batch of 2 and e: refused as a group, retried call by call.
      { calls: 3, results: 4, retried: true },
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    // The failing batch wrote nothing, not even its good result; the others all of theirs.
    expect(await storedIds('cap-bad-0-1.0-1.fc40')).toEqual([]);
    expect(await storedIds('cap-bad-1-1.0-1.fc40')).toEqual([]);
    for (const name of ['cap-d-1.0-1.fc40', 'cap-e-1.0-1.fc40', 'cap-good-2-1.0-1.fc40', 'cap-big-5-1.0-1.fc40']) {
      expect(await storedIds(name)).toHaveLength(1);
    }
  });

  it('caps a group by bytes too', async () => {
    const reports: GroupReport[] = [];
    const rec = recorder(reports, { maxResults: 1000, maxBytes: 2048 });
    const db = server.database.db;
    const note = 'n'.repeat(900);
    await Promise.all(Array.from({ length: 7 }, (_, i) => rec.record(db, [single(`bytes-${i}-1.0-1.fc40`, 'PASSED', { note })], 'input')));
    // Two results of about 950 bytes fit in 2048, a third does not.
    expect(formed(reports).map((r) => r.results)).toEqual([1, 1, 1, 2, 2]);
  });

  it('groups of two processes never deadlock: batches over the same keys in opposite orders, each a group of its own, one process with its ids cached, the other not', async () => {
    const db = server.database.db;
    const items = Array.from({ length: 8 }, (_, i) => `lock-${i}-1.0-1.fc40`);
    // The keys exist; `warm` has their ids cached (it locks them by id),
    // `cold` has not (its first groups lock them with the upsert).
    const reports: GroupReport[] = [];
    const warm = recorder(reports, { maxResults: 8, maxBytes: 1024 * 1024 });
    await warm.record(db, items.map((item) => single(item)));
    const cold = recorder(reports, { maxResults: 8, maxBytes: 1024 * 1024 });
    const next = random(7);
    const outcome = (): string => (next() < 0.5 ? 'PASSED' : 'FAILED');
    const calls: Array<Promise<RecordedResult[]>> = [];
    for (let round = 0; round < 10; round++) {
      calls.push(warm.record(db, items.map((item) => single(item, outcome()))));
      calls.push(cold.record(db, [...items].reverse().map((item) => single(item, outcome(), { force: next() < 0.2 }))));
    }
    const settled = await settle(calls);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    expect(reports.filter((r) => r.retried)).toEqual([]);
    for (const item of items) {
      const stored = await keyResults(server, { testcase: 'dist.group', item, type: 'koji_build' });
      expect(stored).toHaveLength(1 + 20);
      expectRuleHeld(stored);
    }
  });

  it('a group whose COMMIT fails is never answered: it is retried call by call, the refused call gets its error', async () => {
    const reports: GroupReport[] = [];
    const rec = recorder(reports);
    const db = server.database.db;
    const inputs = Array.from({ length: 6 }, (_, i) => single(`commit-fails-${i}-1.0-1.fc40`, 'PASSED', i === 4 ? { note: REFUSED_AT_COMMIT } : {}));
    const settled = await settle(inputs.map((input) => rec.record(db, [input], 'input')));
    expect(formed(reports)).toEqual([
      { calls: 1, results: 1, retried: false },
      { calls: 1, results: 1, retried: false },
      { calls: 4, results: 4, retried: true },
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String(rootCause((settled[4] as PromiseRejectedResult).reason))).toMatch(/the test database refuses this commit/);
    for (const [i, s] of settled.entries()) {
      const ids = await storedIds(`commit-fails-${i}-1.0-1.fc40`);
      if (s.status === 'rejected') expect(ids).toEqual([]);
      else expect(ids).toEqual([s.value[0]?.result.id]);
    }
  });

  it('a hook that throws after the commit fails no call and records nothing twice', async () => {
    const reports: GroupReport[] = [];
    const hookErrors: unknown[] = [];
    let throws = 2;
    const rec = new Recorder({
      ...server.app.services.recorder.options,
      onGroup: (r) => reports.push(r),
      onRecorded: () => {
        if (throws-- > 0) throw new Error('a hook failed');
      },
      onHookError: (error) => hookErrors.push(error),
    });
    const db = server.database.db;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => rec.record(db, [single(`hook-${i}-1.0-1.fc40`)], 'input')));
    expect(hookErrors).toHaveLength(2);
    expect(reports.filter((r) => r.retried)).toEqual([]);
    for (const [i, [answer]] of answers.entries()) expect(await storedIds(`hook-${i}-1.0-1.fc40`)).toEqual([answer?.result.id]);
  });

  it.runIf(engine === 'postgres')('answers a call only once the transaction that holds its result has committed', async () => {
    const url = server.database.url;
    if (url === undefined) throw new Error('no PostgreSQL URL');
    const rec = recorder([]);
    const db = server.database.db;
    // Another session holds the advisory lock that the deferred trigger of a
    // result noted WAIT_AT_COMMIT takes at COMMIT: the group gets through
    // every statement, and its COMMIT waits until that session lets go.
    const blocker = connectPostgres(url, { max: 1, onnotice: () => {} });
    const locked = deferred();
    const release = deferred();
    const holding = blocker.begin(async (tx) => {
      await tx.unsafe('SELECT pg_advisory_xact_lock(4242)');
      locked.resolve();
      await release.promise;
    });
    try {
      await locked.promise;
      let answered = 0;
      const calls = Array.from({ length: 6 }, (_, i) =>
        rec.record(db, [single(`commit-${i}-1.0-1.fc40`, 'PASSED', { note: WAIT_AT_COMMIT })], 'input').then((r) => {
          answered++;
          return r;
        }),
      );
      // The first group has written its rows and waits in COMMIT (the
      // second waits for the sequence counter the first holds to its commit).
      await expect.poll(async () => {
        const [row] = await queryRows<{ n: number }>(
          db,
          sql.raw(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted`),
        );
        return row?.n;
      }).toBe(1);
      expect(answered).toBe(0);
      expect(await storedIds('commit-0-1.0-1.fc40')).toEqual([]);
      release.resolve();
      await holding;
      const answers = await Promise.all(calls);
      for (const [i, [answer]] of answers.entries()) {
        expect(await storedIds(`commit-${i}-1.0-1.fc40`)).toEqual([answer?.result.id]);
      }
    } finally {
      release.resolve();
      await holding.catch(() => {});
      await blocker.end({ timeout: 5 });
    }
  });
});
