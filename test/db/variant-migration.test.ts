/**
 * Migration 0006 (the state key's variant): task states made under the
 * (testcase, item, arch) key get the variant built from their arch, the same
 * text the recorder makes, so the results that come after the upgrade land
 * on the same state and the rule goes on from what it had emitted.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { Recorder } from '../../src/results/record.ts';
import { DEFAULT_VARIANT_KEYS, variantOf } from '../../src/results/variant.ts';
import { STANDARD_OUTCOMES } from '../../src/config.ts';
import { type Database, queryRows } from '../../src/db/client.ts';
import { databaseAt, type OldDatabase } from '../helpers/migrations.ts';

let old: OldDatabase;
let database: Database;

beforeAll(async () => {
  old = await databaseAt('0005_rest_v2');
  ({ database } = old);
});
afterAll(async () => {
  await old?.dispose();
});

describe('migration 0006_variant', () => {
  it('gives existing task states the variant of their arch; later results find them', async () => {
    const db = database.db;
    // Two states as 0005 keyed them: one with an arch, one without; each has emitted PASSED as seq 1 and 2.
    await db.execute(sql`INSERT INTO testcases (id, name) VALUES (1, 'dist.rpmlint')`);
    await db.execute(sql`INSERT INTO items (id, type, name) VALUES (1, 'koji_build', 'glibc-2.40-1.fc41')`);
    await db.execute(sql`UPDATE emission_sequence SET last_seq = 2`);
    await db.execute(sql`INSERT INTO task_states (id, testcase_id, item_id, arch, last_outcome, emitted_outcome, last_emission_seq, result_count, emission_count, state_version)
                         VALUES (1, 1, 1, 'x86_64', 'PASSED', 'PASSED', 1, 1, 1, 1), (2, 1, 1, '', 'PASSED', 'PASSED', 2, 1, 1, 1)`);
    await db.execute(sql`SELECT setval('task_states_id_seq', 2)`);

    await migrate(database);

    const rows = await queryRows<{ id: number; arch: string; variant: string }>(db, sql`SELECT id, arch, variant FROM task_states ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, arch: 'x86_64', variant: '{"arch":["x86_64"]}' },
      { id: 2, arch: '', variant: '' },
    ]);
    // The text the recorder makes for the same results.
    expect(rows.map((r) => r.variant)).toEqual([variantOf('x86_64', {}, DEFAULT_VARIANT_KEYS), variantOf('', {}, DEFAULT_VARIANT_KEYS)]);

    const recorder = new Recorder({ outcomes: STANDARD_OUTCOMES, topic: 'org.fedoraproject.dev.taskotron.result.new', maxBatch: 10 });
    const key = { testcase: 'dist.rpmlint', item: 'glibc-2.40-1.fc41', type: 'koji_build', outcome: 'PASSED' };
    const [withArch] = await recorder.record(db, [{ ...key, arch: 'x86_64' }], 'input');
    expect(withArch?.emission).toBeNull();
    expect(withArch?.result).toMatchObject({ taskStateId: 1, duplicateOfSeq: 1, stateVersion: 2 });
    const [without] = await recorder.record(db, [key], 'input');
    expect(without?.emission).toBeNull();
    expect(without?.result).toMatchObject({ taskStateId: 2, duplicateOfSeq: 2, stateVersion: 2 });
    // A scenario is a new variant of the key: a state of its own, which emits first.
    const [scenario] = await recorder.record(db, [{ ...key, arch: 'x86_64', data: { scenario: 'server' } }], 'input');
    expect(scenario?.emission).toMatchObject({ seq: 3, prevOutcome: null });
    expect([1, 2]).not.toContain(scenario?.result.taskStateId);
  });
});
