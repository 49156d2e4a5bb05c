/**
 * Names to ids: the testcases and items a group names, found or created (in
 * sorted order, the lock order of their rows), with the ids kept in memory.
 */
import { sql } from 'drizzle-orm';
import type { Statements } from './statements.ts';

/**
 * Testcase, item and task-state ids never change once created and rows are
 * never deleted, so they can be kept in memory. Only ids known to be
 * committed go in. Past `max` entries it starts afresh: a miss costs a little
 * more work, never a wrong answer.
 */
export class IdCache {
  private readonly map = new Map<string, number>();
  constructor(private readonly max = 200_000) {}
  get(key: string): number | undefined {
    return this.map.get(key);
  }
  set(key: string, id: number): void {
    if (this.map.get(key) === id) return;
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, id);
  }
}

export const testcaseKey = (name: string): string => `t\u0000${name}`;
export const itemKey = (type: string, name: string): string => `i\u0000${type}\u0000${name}`;
export const stateKey = (testcaseId: number, itemId: number, variant: string): string => `${testcaseId}\u0000${itemId}\u0000${variant}`;

/**
 * Ids created by a transaction: they go into the cache only once it has
 * committed (a rolled-back one's ids are gone again).
 */
export type Created = Array<[key: string, id: number]>;

/** The ids of `names`, creating the testcases that do not exist. */
export async function resolveTestcases(tx: Statements, cache: IdCache, names: readonly string[], created: Created): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let missing: string[] = [];
  for (const name of names) {
    const id = cache.get(testcaseKey(name));
    if (id === undefined) missing.push(name);
    else out.set(name, id);
  }
  if (missing.length === 0) return out;
  missing.sort();
  const lookup = async (): Promise<void> => {
    const rows = await tx.rows<{ id: number; name: string }>(
      sql`SELECT id, name FROM testcases WHERE name IN (SELECT jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb))`,
    );
    for (const row of rows) {
      out.set(row.name, row.id);
      cache.set(testcaseKey(row.name), row.id);
    }
    missing = missing.filter((n) => !out.has(n));
  };
  await lookup();
  if (missing.length === 0) return out;
  const inserted = await tx.rows<{ id: number; name: string }>(
    sql`INSERT INTO testcases (name) SELECT n FROM jsonb_array_elements_text(${JSON.stringify(missing)}::jsonb) AS n ORDER BY n ON CONFLICT (name) DO NOTHING RETURNING id, name`,
  );
  for (const row of inserted) {
    out.set(row.name, row.id);
    created.push([testcaseKey(row.name), row.id]);
  }
  missing = missing.filter((n) => !out.has(n));
  // A concurrent transaction created the rest; it has committed by now
  // (ON CONFLICT waited for it), so a new statement sees its rows.
  if (missing.length > 0) await lookup();
  return out;
}

/** The ids of `pairs` (by `itemKey`), creating the items that do not exist. */
export async function resolveItems(
  tx: Statements,
  cache: IdCache,
  pairs: ReadonlyArray<{ type: string; name: string }>,
  created: Created,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let missing: Array<{ type: string; name: string }> = [];
  for (const p of pairs) {
    const key = itemKey(p.type, p.name);
    const id = cache.get(key);
    if (id === undefined) missing.push(p);
    else out.set(key, id);
  }
  if (missing.length === 0) return out;
  missing.sort((a, b) => (a.type === b.type ? (a.name < b.name ? -1 : 1) : a.type < b.type ? -1 : 1));
  const lookup = async (): Promise<void> => {
    const rows = await tx.rows<{ id: number; type: string; name: string }>(
      sql`SELECT i.id, i.type, i.name FROM items i
          JOIN jsonb_to_recordset(${JSON.stringify(missing)}::jsonb) AS m(type text, name text)
            ON i.type = m.type AND i.name = m.name`,
    );
    for (const row of rows) {
      out.set(itemKey(row.type, row.name), row.id);
      cache.set(itemKey(row.type, row.name), row.id);
    }
    missing = missing.filter((p) => !out.has(itemKey(p.type, p.name)));
  };
  await lookup();
  if (missing.length === 0) return out;
  const inserted = await tx.rows<{ id: number; type: string; name: string }>(
    sql`INSERT INTO items (type, name)
        SELECT m.type, m.name FROM jsonb_to_recordset(${JSON.stringify(missing)}::jsonb) AS m(type text, name text)
        ORDER BY m.type, m.name
        ON CONFLICT (type, name) DO NOTHING RETURNING id, type, name`,
  );
  for (const row of inserted) {
    out.set(itemKey(row.type, row.name), row.id);
    created.push([itemKey(row.type, row.name), row.id]);
  }
  missing = missing.filter((p) => !out.has(itemKey(p.type, p.name)));
  if (missing.length > 0) await lookup();
  return out;
}
