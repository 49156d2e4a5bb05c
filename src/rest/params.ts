/**
 * ResultsDB's parameters (resultsdb/parsers/api_v2.py and the controller's
 * `__get_results_parse_args`), read the way it reads them: comma lists split
 * and trimmed, outcomes upper-cased and checked, `since` as ISO 8601 with its
 * zone dropped, and every query parameter it does not know a filter on the
 * result's data.
 */
import { checkStorable } from '../results/validate.ts';
import { invalid, refuse, type ValidationIssue } from './http.ts';

/** ResultsDB's page size. */
export const QUERY_LIMIT = 20;
/**
 * The largest `limit` taken. ResultsDB has none; here one request may not
 * read an unbounded number of rows.
 */
export const MAX_LIMIT = 1000;
/** Most entries one comma list of a query may have. */
export const MAX_LIST = 500;

export interface Paging {
  page: number;
  limit: number;
}

/** A filter on `data[key]`: any of `values` (exact, or `*` patterns with `:like`). */
export interface DataFilter {
  key: string;
  like: boolean;
  values: string[];
}

export interface ResultsQuery extends Paging {
  testcases: string[];
  testcasesLike: string[];
  outcomes: string[];
  groups: string[];
  /** Naive UTC times, `YYYY-MM-DDTHH:MM:SS.ffffff`. */
  since: { start: string | null; end: string | null };
  distinctOn: string[];
  sort: 'asc' | 'desc' | 'none';
  data: DataFilter[];
}

const RESULTS_PARAMS = new Set(['page', 'limit', '_sort', 'since', 'outcome', 'groups', 'testcases', 'testcases:like', '_distinct_on']);

/** Every value of a parameter, each split at commas, trimmed, empty ones dropped. */
function list(query: URLSearchParams, name: string): string[] {
  const out = query
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (out.length > MAX_LIST) throw refuse(400, `${name}: has ${out.length} values; at most ${MAX_LIST} are allowed`);
  return out;
}

/** NUL characters and lone surrogates would fail inside the database; refused here, as GraphQL refuses them. */
export function checkQuery(query: URLSearchParams): void {
  try {
    for (const [key, value] of query) {
      checkStorable('query parameter name', key);
      checkStorable(key, value);
    }
  } catch (error) {
    throw refuse(400, error instanceof Error ? error.message : String(error));
  }
}

function intParam(query: URLSearchParams, name: string, fallback: number, issues: ValidationIssue[]): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const text = raw.trim();
  if (!/^[+-]?\d+$/.test(text)) {
    issues.push({ loc: [name], msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing', input: raw });
    return fallback;
  }
  return Number(text);
}

/** `page` and `limit`, as pydantic reads them. */
export function paging(query: URLSearchParams, issues: ValidationIssue[]): Paging {
  const page = intParam(query, 'page', 0, issues);
  const limit = intParam(query, 'limit', QUERY_LIMIT, issues);
  if (issues.length === 0 && (limit < 0 || limit > MAX_LIMIT)) {
    issues.push({ loc: ['limit'], msg: `Value error, must be from 0 to ${MAX_LIMIT}`, type: 'value_error', input: query.get('limit') });
  }
  return { page, limit };
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * One end of `since`, as `iso8601.parse_date(...).replace(tzinfo=None)`
 * gives it: the zone is dropped, not applied, so `12:00+02:00` is 12:00.
 */
function sinceTime(text: string): string | undefined {
  const m = ISO_DATE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', f = ''] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${f.slice(0, 6).padEnd(6, '0')}`;
  // new Date() would roll 02-30 over to March; a real calendar date reads back the same.
  const check = new Date(`${iso.slice(0, 23)}Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 19) !== iso.slice(0, 19)) return undefined;
  return iso;
}

/** `START` or `START,END` (anything after a second comma is ignored, as by ResultsDB). */
export function parseSince(raw: string): { start: string; end: string | null } | undefined {
  const parts = raw.split(',');
  const start = sinceTime(parts[0] ?? '');
  if (start === undefined) return undefined;
  if (parts.length < 2) return { start, end: null };
  const end = sinceTime(parts[1] ?? '');
  return end === undefined ? undefined : { start, end };
}

/** Outcomes of a query, upper-cased, each one of `outcomes`. */
function outcomesOf(query: URLSearchParams, outcomes: readonly string[], issues: ValidationIssue[]): string[] {
  if (!query.has('outcome')) return [];
  const given = list(query, 'outcome').map((o) => o.toUpperCase());
  if (given.some((o) => !outcomes.includes(o))) {
    issues.push({ loc: ['outcome'], msg: `Value error, must be one of: ${outcomes.join(', ')}`, type: 'value_error', input: query.getAll('outcome').join(',') });
  }
  return given;
}

/** The parameters of `GET /results`, `/results/latest` and the `.../results` of a group or testcase. */
export function resultsQuery(query: URLSearchParams, outcomes: readonly string[]): ResultsQuery {
  checkQuery(query);
  const issues: ValidationIssue[] = [];
  const { page, limit } = paging(query, issues);
  const outcome = outcomesOf(query, outcomes, issues);
  let since: ResultsQuery['since'] = { start: null, end: null };
  const rawSince = query.get('since');
  if (rawSince !== null) {
    const parsed = parseSince(rawSince);
    if (parsed === undefined) issues.push({ loc: ['since'], msg: 'Value error, must be in ISO8601 format', type: 'value_error', input: rawSince });
    else since = parsed;
  }
  if (issues.length > 0) throw invalid(issues);
  const sortMatch = /^(asc|desc):submit_time$/.exec(query.get('_sort') ?? '');
  const data: DataFilter[] = [];
  for (const name of new Set(query.keys())) {
    if (RESULTS_PARAMS.has(name)) continue;
    // ResultsDB's `key.split(':')`: `key:like` has a modifier; a name with two colons is a key as it is.
    const parts = name.split(':');
    const key = parts.length === 2 ? (parts[0] ?? name) : name;
    const modifier = parts.length === 2 ? parts[1] : null;
    const values = list(query, name);
    // ResultsDB filters with no values too, and so matches nothing.
    data.push({ key, like: modifier === 'like', values });
  }
  return {
    page,
    limit,
    testcases: list(query, 'testcases'),
    testcasesLike: list(query, 'testcases:like'),
    outcomes: outcome,
    groups: list(query, 'groups'),
    since,
    distinctOn: list(query, '_distinct_on'),
    sort: sortMatch ? (sortMatch[1] as 'asc' | 'desc') : query.get('_sort') === 'disable_sorting' ? 'none' : 'desc',
    data,
  };
}

/** `name` / `name:like` of `GET /testcases`, `description` / `description:like` / `uuid` of `GET /groups`. */
export function namesQuery(query: URLSearchParams, exact: string): { exact: string[]; like: string[]; paging: Paging } {
  checkQuery(query);
  const issues: ValidationIssue[] = [];
  const p = paging(query, issues);
  if (issues.length > 0) throw invalid(issues);
  return { exact: list(query, exact), like: list(query, `${exact}:like`), paging: p };
}

export function listParam(query: URLSearchParams, name: string): string[] {
  return list(query, name);
}

/** `*` is ResultsDB's wildcard; `%` and `_` keep their LIKE meaning there too. */
export function likePattern(pattern: string): string {
  return pattern.replaceAll('*', '%');
}
