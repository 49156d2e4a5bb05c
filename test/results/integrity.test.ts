/**
 * The tables have no foreign keys (src/db/schema.ts says why): the recording
 * statements alone keep results, emissions and task states pointing at each
 * other. After concurrent single results and batches, over new and known
 * keys, with archs and forced re-runs, every pointer must point at a row that
 * agrees with it, and every task state's counts must match its rows.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import type { RecordResultInput } from '../../src/results/validate.ts';
import { engine } from '../helpers/database.ts';
import { random } from '../helpers/random.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ poolSize: 12 });
});
afterAll(async () => {
  await server.close();
});

/** Each check is a query for the rows that break it; all must come back empty. */
const CHECKS: Record<string, string> = {
  'a result whose task state is missing or has another key': `
    SELECT r.id FROM results r LEFT JOIN task_states t ON t.id = r.task_state_id
    WHERE t.id IS NULL OR (t.testcase_id, t.item_id, t.arch) IS DISTINCT FROM (r.testcase_id, r.item_id, r.arch)`,
  'a result with both an emission and a duplicate pointer, or neither': `
    SELECT id FROM results WHERE (emission_seq IS NULL) = (duplicate_of_seq IS NULL)`,
  'a result whose emission is missing or is not its own': `
    SELECT r.id FROM results r LEFT JOIN emissions e ON e.seq = r.emission_seq
    WHERE r.emission_seq IS NOT NULL AND (e.seq IS NULL OR e.result_id <> r.id)`,
  'a duplicate that points at a missing emission, one of another key, or a later one': `
    SELECT r.id FROM results r LEFT JOIN emissions e ON e.seq = r.duplicate_of_seq LEFT JOIN results er ON er.id = e.result_id
    WHERE r.duplicate_of_seq IS NOT NULL
      AND (e.seq IS NULL OR e.task_state_id <> r.task_state_id OR er.state_version IS NULL OR er.state_version >= r.state_version)`,
  'an emission whose result is missing or does not point back': `
    SELECT e.seq FROM emissions e LEFT JOIN results r ON r.id = e.result_id
    WHERE r.id IS NULL OR r.emission_seq IS DISTINCT FROM e.seq`,
  'an emission whose task state is missing or has another key': `
    SELECT e.seq FROM emissions e LEFT JOIN task_states t ON t.id = e.task_state_id
    WHERE t.id IS NULL OR (t.testcase_id, t.item_id, t.arch) IS DISTINCT FROM (e.testcase_id, e.item_id, e.arch)`,
  "a key whose results' state versions are not 1..n": `
    SELECT task_state_id FROM results GROUP BY task_state_id
    HAVING count(DISTINCT state_version) <> count(*) OR min(state_version) <> 1 OR max(state_version) <> count(*)`,
  // A key's results get ids in the order they were applied (its lock order),
  // so newest first by id is newest first by state version.
  "a key whose result ids do not grow with its state version": `
    SELECT task_state_id FROM (
      SELECT task_state_id, id, lag(id) OVER (PARTITION BY task_state_id ORDER BY state_version) AS before FROM results
    ) r WHERE before > id`,
  'a row whose testcase or item is missing': `
    SELECT 'state ' || t.id FROM task_states t
    WHERE NOT EXISTS (SELECT 1 FROM testcases c WHERE c.id = t.testcase_id) OR NOT EXISTS (SELECT 1 FROM items i WHERE i.id = t.item_id)
    UNION ALL SELECT 'result ' || r.id FROM results r
    WHERE NOT EXISTS (SELECT 1 FROM testcases c WHERE c.id = r.testcase_id) OR NOT EXISTS (SELECT 1 FROM items i WHERE i.id = r.item_id)`,
  "a task state whose last result, last emission or counts disagree with its rows": `
    SELECT t.id FROM task_states t
    WHERE t.last_result_id IS DISTINCT FROM (SELECT r.id FROM results r WHERE r.task_state_id = t.id AND r.state_version = t.state_version)
       OR t.last_emission_seq IS DISTINCT FROM (SELECT max(seq) FROM emissions e WHERE e.task_state_id = t.id)
       OR t.result_count <> (SELECT count(*) FROM results r WHERE r.task_state_id = t.id)
       OR t.emission_count <> (SELECT count(*) FROM emissions e WHERE e.task_state_id = t.id)
       OR t.state_version <> t.result_count`,
};

describe(`every pointer points at a row, with no foreign keys (${engine})`, () => {
  it('after concurrent single results and batches over new and known keys', async () => {
    const { recorder } = server.app.services;
    const db = server.database.db;
    const next = random(4242);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const input = (): RecordResultInput => ({
      testcase: pick(['dist.int.a', 'dist.int.b', 'dist.int.c']),
      item: `int-${Math.floor(next() * 12)}-1.fc40`,
      type: pick(['koji_build', 'bodhi_update']),
      ...(next() < 0.3 ? { arch: pick(['x86_64', 'aarch64']) } : {}),
      outcome: pick(['PASSED', 'FAILED', 'INFO']),
      ...(next() < 0.1 ? { force: true } : {}),
    });
    for (let round = 0; round < 4; round++) {
      await Promise.all([
        ...Array.from({ length: 24 }, () => recorder.record(db, [input()], 'input')),
        ...Array.from({ length: 4 }, () => recorder.record(db, Array.from({ length: 15 }, input))),
      ]);
    }
    const [counts] = await queryRows<{ results: number; emissions: number; states: number }>(
      db,
      sql`SELECT (SELECT count(*) FROM results)::int AS results, (SELECT count(*) FROM emissions)::int AS emissions,
                 (SELECT count(*) FROM task_states)::int AS states`,
    );
    expect(counts).toEqual({ results: 4 * (24 + 4 * 15), emissions: expect.any(Number), states: expect.any(Number) });
    // Some keys emitted more than once and some results were duplicates, or the checks prove little.
    expect(counts?.emissions).toBeGreaterThan(counts?.states ?? 0);
    expect(counts?.emissions).toBeLessThan(counts?.results ?? 0);

    const broken: Record<string, unknown[]> = {};
    for (const [name, query] of Object.entries(CHECKS)) {
      const rows = await queryRows<Record<string, unknown>>(db, sql.raw(query));
      if (rows.length > 0) broken[name] = rows.slice(0, 5).map((r) => Object.values(r)[0]);
    }
    expect(broken).toEqual({});
  });
});
