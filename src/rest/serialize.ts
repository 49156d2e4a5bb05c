/**
 * Rows as ResultsDB's serializer (resultsdb/serializers/api_v2.py) shapes
 * them. Keys come in sorted order, as Flask's `jsonify` writes them.
 */
import type { ResultData } from '../db/schema.ts';

/** A result as the REST reads select it. */
export interface RestResultRow {
  id: number;
  testcase: string;
  testcaseRefUrl: string | null;
  item: string;
  type: string;
  /** '' when the result has no arch. */
  arch: string;
  outcome: string;
  note: string | null;
  refUrl: string | null;
  data: ResultData;
  groups: string[];
  /** `%Y-%m-%dT%H:%M:%S.%f`, naive UTC. */
  submitTime: string;
}

export interface RestTestcaseRow {
  name: string;
  refUrl: string | null;
}

export interface RestGroupRow {
  uuid: string;
  description: string | null;
  refUrl: string | null;
  resultsCount: number;
}

/** How Flask's `url_for` writes a `<path:...>` value: `/` and `:` stay as they are. */
function pathPart(value: string): string {
  return encodeURIComponent(value).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

/**
 * A result's `data`, every value a list (ResultsDB stores one row per value).
 * `item` and `type` are the result's key, and so is `arch` when it has one:
 * a result recorded through GraphQL shows them here too, and a REST filter
 * on them reads the key's columns.
 */
export function restData(row: Pick<RestResultRow, 'data' | 'item' | 'type' | 'arch'>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const entries: Array<[string, string[]]> = Object.entries(row.data).map(([k, v]) => [k, typeof v === 'string' ? [v] : [...v]]);
  entries.push(['item', [row.item]], ['type', [row.type]]);
  if (row.arch !== '') entries.push(['arch', [row.arch]]);
  for (const [k, v] of entries) out[k] = v;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function serializeTestcase(base: string, row: RestTestcaseRow): Record<string, unknown> {
  return { href: `${base}/testcases/${pathPart(row.name)}`, name: row.name, ref_url: row.refUrl };
}

export function serializeResult(base: string, row: RestResultRow): Record<string, unknown> {
  return {
    data: restData(row),
    groups: row.groups,
    href: `${base}/results/${row.id}`,
    id: row.id,
    note: row.note,
    outcome: row.outcome,
    ref_url: row.refUrl,
    submit_time: row.submitTime,
    testcase: serializeTestcase(base, { name: row.testcase, refUrl: row.testcaseRefUrl }),
  };
}

export function serializeGroup(base: string, row: RestGroupRow): Record<string, unknown> {
  return {
    description: row.description,
    href: `${base}/groups/${encodeURIComponent(row.uuid)}`,
    ref_url: row.refUrl,
    results: `${base}/results?groups=${encodeURIComponent(row.uuid)}`,
    results_count: row.resultsCount,
    uuid: row.uuid,
  };
}
