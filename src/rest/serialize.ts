/**
 * Rows as ResultsDB's serializer (resultsdb/serializers/api_v2.py) shapes
 * them. Keys come in sorted order, as Flask's `jsonify` writes them.
 */
import type { ResultData } from '../db/schema.ts';
import { deriveSubject, type SubjectRule } from '../results/subject.ts';

/** A result as the REST reads select it. */
export interface RestResultRow {
  id: number;
  testcase: string;
  testcaseRefUrl: string | null;
  /** The subject's item and type; null for a result with no subject. */
  item: string | null;
  type: string | null;
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

/** Characters `encodeURIComponent` leaves as they are. */
const URI_SAFE = /^[A-Za-z0-9\-_.!~*'()]*$/;

/** How Flask's `url_for` writes a `<path:...>` value: `/` and `:` stay as they are. */
function pathPart(value: string): string {
  if (URI_SAFE.test(value)) return value;
  return encodeURIComponent(value).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

/**
 * A result's `data`, every value a list (ResultsDB stores one row per value).
 * `item` and `type` are the result's key when its data does not name that
 * subject itself (a result recorded through GraphQL with `item` and `type`
 * shows them here too), and so is `arch` when it has one; a result whose
 * data gives its subject (every one POSTed here: a build's `item` and
 * `type`, a compose's `productmd.compose.id`) shows its data as it was sent.
 *
 * Built key by key in sorted order on a plain object: Greenwave's
 * `/results/latest` makes ten of these a request, and one made through
 * `Object.fromEntries` cost five times as much, and made `JSON.stringify`
 * of the answer half as slow again (bench phase 8, profiled).
 */
export function restData(row: Pick<RestResultRow, 'data' | 'item' | 'type' | 'arch'>, rules: readonly SubjectRule[]): Record<string, string[]> {
  const { data } = row;
  const keys = Object.keys(data);
  let subject = false;
  if (row.item !== null && row.type !== null) {
    const own = deriveSubject(data, rules);
    subject = own === null || own.item !== row.item || own.type !== row.type;
    if (subject && !Object.hasOwn(data, 'item')) keys.push('item');
    if (subject && !Object.hasOwn(data, 'type')) keys.push('type');
  }
  const arch = row.arch !== '';
  if (arch && !Object.hasOwn(data, 'arch')) keys.push('arch');
  // Code-unit order, as Python sorts `jsonify`'s keys.
  keys.sort();
  const out: Record<string, string[]> = {};
  for (const key of keys) {
    let values: string[];
    if (subject && key === 'item') values = [row.item ?? ''];
    else if (subject && key === 'type') values = [row.type ?? ''];
    else if (arch && key === 'arch') values = [row.arch];
    else {
      const v = data[key] ?? [];
      values = typeof v === 'string' ? [v] : [...v];
    }
    // `out["__proto__"] = ...` would set the prototype, and the key would be lost.
    if (key === '__proto__') Object.defineProperty(out, key, { value: values, enumerable: true, writable: true, configurable: true });
    else out[key] = values;
  }
  return out;
}

export function serializeTestcase(base: string, row: RestTestcaseRow): Record<string, unknown> {
  return { href: `${base}/testcases/${pathPart(row.name)}`, name: row.name, ref_url: row.refUrl };
}

/** @param rules RESULTSBUS_SUBJECTS, to tell whether `data` names the result's subject itself (see `restData`) */
export function serializeResult(base: string, row: RestResultRow, rules: readonly SubjectRule[]): Record<string, unknown> {
  return {
    data: restData(row, rules),
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
