/**
 * Migration 0009 (the dashboard's reads): items recorded before it get their
 * package, the same one src/items/package.ts gives, from the generated
 * column the migration adds; items recorded after it get theirs as they are
 * made; and the filters find both.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, queryRows } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { packageOf } from '../../src/items/package.ts';
import { listItems } from '../../src/items/queries.ts';
import { listResults } from '../../src/results/queries.ts';
import { Recorder } from '../../src/results/record.ts';
import { STANDARD_OUTCOMES } from '../../src/config.ts';
import { engine } from '../helpers/database.ts';
import { databaseAt, type OldDatabase } from '../helpers/migrations.ts';

let old: OldDatabase;
let database: Database;

beforeAll(async () => {
  old = await databaseAt('0008_latest_indexes');
  ({ database } = old);
});
afterAll(async () => {
  await old?.dispose();
});

describe(`migration 0009_dashboard (${engine})`, () => {
  it('gives the items recorded before it their package; later ones get theirs too, and the filters find both', async () => {
    const db = database.db;
    const before = [
      ['koji_build', 'perl-Specio-0.25-1.fc26'],
      ['koji_build', 'perl-Specio-Exporter-0.1-1.fc27'],
      ['koji_build', 'weird-1'],
      ['bodhi_update', 'FEDORA-2026-0a1b2c3d4e'],
    ] as const;
    await db.execute(sql`INSERT INTO testcases (id, name) VALUES (1, 'dist.rpmlint')`);
    for (const [i, [type, name]] of before.entries()) {
      await db.execute(sql`INSERT INTO items (id, type, name) VALUES (${i + 1}, ${type}, ${name})`);
      await db.execute(sql`INSERT INTO results (testcase_id, item_id, outcome, submitted_at) VALUES (1, ${i + 1}, 'PASSED', now())`);
    }
    await db.execute(sql`SELECT setval('items_id_seq', ${before.length})`);

    await migrate(database);

    const rows = await queryRows<{ type: string; name: string; package: string | null }>(db, sql`SELECT type, name, package FROM items ORDER BY id`);
    expect(rows.map((r) => r.package)).toEqual(['perl-Specio', 'perl-Specio-Exporter', null, null]);
    expect(rows.map((r) => r.package)).toEqual(rows.map((r) => packageOf(r.type, r.name)));

    const recorder = new Recorder({ outcomes: STANDARD_OUTCOMES, topic: 'org.fedoraproject.dev.taskotron.result.new', maxBatch: 10 });
    await recorder.record(db, [{ testcase: 'dist.rpmlint', item: 'perl-Specio-0.26-1.fc27', type: 'koji_build', outcome: 'FAILED' }], 'input');
    const builds = await listItems(db, { filter: { package: ['perl-Specio'] }, newestFirst: true, limit: 10 });
    expect(builds.map((i) => [i.name, i.package])).toEqual([
      ['perl-Specio-0.26-1.fc27', 'perl-Specio'],
      ['perl-Specio-0.25-1.fc26', 'perl-Specio'],
    ]);
    const results = await listResults(db, { filter: { package: ['perl-Specio*'] }, limit: 10 });
    expect(results.map((r) => r.item).sort()).toEqual(['perl-Specio-0.25-1.fc26', 'perl-Specio-0.26-1.fc27', 'perl-Specio-Exporter-0.1-1.fc27']);
  });
});
