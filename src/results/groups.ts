/**
 * Groups named by results. A result's `groups` holds names (ResultsDB's
 * group uuids); each name also gets a row in `result_groups`, the first
 * time a result names it, so that ResultsDB's `GET /groups` lists every
 * group, whichever API recorded its results. Descriptions and ref_urls are
 * the REST API's to set (src/rest/queries.ts `saveGroups`).
 */
import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../db/client.ts';

/** How many group names a `KnownGroups` remembers before it starts afresh. */
const MAX_KNOWN = 10_000;

/**
 * Group names known to have their row, so that a result naming only those
 * costs no statement (rows are never deleted). Only names inserted or seen
 * outside a caller's transaction are remembered: one that a rolled-back
 * transaction made is gone again.
 */
export class KnownGroups {
  private readonly names = new Set<string>();

  /** The names of `names` not known to have a row. */
  unknown(names: readonly string[]): string[] {
    return [...new Set(names)].filter((n) => !this.names.has(n));
  }

  remember(names: readonly string[]): void {
    if (this.names.size + names.length > MAX_KNOWN) this.names.clear();
    for (const n of names) this.names.add(n);
  }
}

/**
 * Makes a row for each of `names` that has none. Only missing names are
 * inserted: an insert that meets an existing row would still take a value
 * of the id sequence, and most results name groups that exist.
 *
 * @param known names known to have a row, skipped; with `committed`, the
 *   rest are remembered there once inserted
 * @param committed whether the insert commits on its own (no caller's
 *   transaction around it)
 */
export async function ensureGroups(executor: Executor, names: readonly string[], known: KnownGroups, committed: boolean): Promise<void> {
  const unique = known.unknown(names).sort();
  if (unique.length === 0) return;
  await queryRows(
    executor,
    sql`INSERT INTO result_groups (uuid)
        SELECT u FROM jsonb_array_elements_text(${JSON.stringify(unique)}::jsonb) AS g(u)
        WHERE NOT EXISTS (SELECT 1 FROM result_groups WHERE uuid = g.u)
        ORDER BY u
        ON CONFLICT (uuid) DO NOTHING`,
  );
  if (committed) known.remember(unique);
}
