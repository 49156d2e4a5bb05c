/**
 * A task state's variant: the part of its key beyond (testcase, item type,
 * item). Greenwave tells results of one testcase on one subject apart by
 * `scenario`, `system_architecture` and `system_variant` (its
 * `_distinct_on`), and Taskotron by `arch`; two openQA scenarios of one
 * update are two states, not one that flips on every alternation.
 *
 * Which data keys make the variant is a setting (RESULTSBUS_VARIANT_KEYS).
 * The variant is stored as one canonical text, so that a key stays a plain
 * unique index on (testcase_id, item_id, variant): a JSON object with the
 * keys sorted by code unit and each value a sorted list of distinct strings
 * (`{"arch":["x86_64"],"scenario":["fedora-updates-server"]}`), or `''` when
 * the result has none of the keys. A string and a one-string list are one
 * value, a list's order and repeats do not count, and an empty list is no
 * value: ResultsDB stores a data value as a set of rows, one per string.
 * (`data` itself is stored as sent, lists in order.) The text is made here only, and by migration 0006 for the rows that
 * had an arch, which builds the same text.
 */
import type { ResultData } from '../db/schema.ts';

/** RESULTSBUS_VARIANT_KEYS's default: Taskotron's arch, and Greenwave's `_distinct_on`. */
export const DEFAULT_VARIANT_KEYS: readonly string[] = ['arch', 'scenario', 'system_architecture', 'system_variant'];

/** One dimension of a variant. */
export interface VariantValue {
  key: string;
  values: string[];
}

/**
 * The canonical variant of a result.
 *
 * @param arch the result's arch ('' for none): the value of the key `arch`,
 *   before `data.arch` (GraphQL has a field of its own for it; REST fills it
 *   from `data.arch`)
 * @param keys the configured variant keys
 */
export function variantOf(arch: string, data: ResultData, keys: readonly string[]): string {
  const entries: Array<[string, string[]]> = [];
  for (const key of [...new Set(keys)].sort(byCodeUnit)) {
    const raw = key === 'arch' && arch !== '' ? arch : Object.hasOwn(data, key) ? data[key] : undefined;
    if (raw === undefined) continue;
    const values = typeof raw === 'string' ? [raw] : [...new Set(raw)].sort(byCodeUnit);
    if (values.length > 0) entries.push([key, values]);
  }
  return entries.length === 0 ? '' : JSON.stringify(Object.fromEntries(entries));
}

/** The entries of a stored variant, in key order; none for `''`. */
export function variantValues(variant: string): VariantValue[] {
  if (variant === '') return [];
  const parsed: unknown = JSON.parse(variant);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  return Object.entries(parsed).map(([key, values]) => ({
    key,
    values: Array.isArray(values) ? values.map(String) : [String(values)],
  }));
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
