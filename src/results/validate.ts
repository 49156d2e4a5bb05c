/**
 * Checks a result before anything touches the database, so a bad input (or a
 * bad member of a batch) fails the whole call before a single row is written.
 */
import { badInput } from '../errors.ts';
import type { ResultData } from '../db/schema.ts';
import { DEFAULT_SUBJECTS, deriveSubject, parseSubjectRules, type SubjectRule } from './subject.ts';
import { DEFAULT_VARIANT_KEYS, variantOf } from './variant.ts';

/** How a result's key is made: RESULTSBUS_VARIANT_KEYS and RESULTSBUS_SUBJECTS. */
export interface KeyRules {
  variantKeys: readonly string[];
  subjectRules: readonly SubjectRule[];
}

export const DEFAULT_KEY_RULES: KeyRules = { variantKeys: DEFAULT_VARIANT_KEYS, subjectRules: parseSubjectRules(DEFAULT_SUBJECTS) };

export const LIMITS = {
  /** testcase, item, type, arch, group and data key length, in characters. */
  name: 255,
  /** note size in UTF-8 bytes (64 KiB). */
  noteBytes: 64 * 1024,
  /** data size as JSON, in UTF-8 bytes (256 KiB). */
  dataBytes: 256 * 1024,
  /** refUrl length in characters. */
  refUrl: 2048,
  /** groups per result. */
  groups: 100,
} as const;

/** A result as a caller gives it (GraphQL input, CLI, tests). */
export interface RecordResultInput {
  testcase: string;
  /** With `type`, the result's subject; without both, it is derived from `data` (src/results/subject.ts). */
  item?: string | null | undefined;
  type?: string | null | undefined;
  arch?: string | null | undefined;
  outcome: string;
  note?: string | null | undefined;
  refUrl?: string | null | undefined;
  /**
   * What `refUrl` may be: `url`, an absolute http(s) URL (GraphQL, the CLI);
   * `text`, any text, as ResultsDB's REST API takes it (its clients send
   * paths and other schemes too). Not a GraphQL field. @default 'url'
   */
  refUrlRule?: 'url' | 'text' | undefined;
  data?: unknown;
  /**
   * The variant's values, as `TaskState.variant` shows them: each entry is
   * a configured variant key and its values, written into `data` (one value
   * as a string, more as a list). `arch` stands for the `arch` field.
   */
  variant?: readonly VariantInput[] | null | undefined;
  groups?: readonly string[] | null | undefined;
  force?: boolean | null | undefined;
  /**
   * When the result was submitted, if not now: ISO 8601 in UTC with up to
   * microseconds, `2026-12-01T19:22:59.383950Z` (ResultsDB's `submit_time`,
   * which its clients may set). @default the time of recording
   */
  submittedAt?: string | null | undefined;
}

/** One entry of `RecordResultInput.variant`. */
export interface VariantInput {
  key: string;
  values: readonly string[];
}

/** A result that passed every check, with defaults filled in. */
export interface ValidResultInput {
  testcase: string;
  /** The subject's item and type; both null for a result with no subject (no task state, no emission). */
  item: string | null;
  type: string | null;
  /** '' when the result has no arch. */
  arch: string;
  /** The canonical variant, part of the state key (src/results/variant.ts); '' for none. */
  variant: string;
  outcome: string;
  note: string | null;
  refUrl: string | null;
  data: ResultData;
  groups: string[];
  force: boolean;
  /** null: the time of recording. */
  submittedAt: string | null;
}

function charCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** In `u` mode a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Throws unless `value` can be stored as PostgreSQL text and JSON: no NUL, no lone UTF-16 surrogate. */
export function checkStorable(field: string, value: string): void {
  if (value.includes('\u0000')) throw badInput(field, 'must not contain NUL characters');
  // A lone surrogate (`"\ud800"` in JSON) is no Unicode character; PostgreSQL
  // refuses it in JSON, so it would fail inside the database instead of here.
  if (LONE_SURROGATE.test(value)) throw badInput(field, 'must be valid Unicode: it contains a lone UTF-16 surrogate');
}

function checkText(field: string, value: string, max: number): void {
  checkStorable(field, value);
  if (charCount(value) > max) {
    throw badInput(field, `is ${charCount(value)} characters long; at most ${max} are allowed`);
  }
}

/** C0 and C1 control characters and DEL: a CR/LF in a name or URL would end up in logs, headers and fedmsgs as a line break. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function checkNoControl(field: string, value: string): void {
  const found = CONTROL.exec(value)?.[0];
  if (found !== undefined) {
    const code = `U+${found.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw badInput(field, `must not contain control characters (found ${code}, e.g. a tab or line break); use printable characters`);
  }
}

export function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string') throw badInput(field, 'must be a string');
  if (value.trim() === '') throw badInput(field, `must not be empty; give 1 to ${LIMITS.name} characters`);
  checkText(field, value, LIMITS.name);
  checkNoControl(field, value);
  return value;
}

function checkData(field: string, value: unknown): ResultData {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badInput(field, 'must be an object whose values are strings or lists of strings, e.g. {"arch": "x86_64"}');
  }
  // Built from entries, not by assignment: `data["__proto__"] = v` would set
  // the prototype and silently drop the key.
  const entries: Array<[string, string | string[]]> = [];
  for (const [key, v] of Object.entries(value)) {
    const at = `${field}.${key}`;
    if (key === '') throw badInput(field, 'keys must not be empty');
    checkText(`${field} key`, key, LIMITS.name);
    if (typeof v === 'string') {
      checkStorable(at, v);
      entries.push([key, v]);
    } else if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) {
      for (const x of v) checkStorable(at, x);
      entries.push([key, [...v]]);
    } else {
      throw badInput(at, 'must be a string or a list of strings');
    }
  }
  const data: ResultData = Object.fromEntries(entries);
  const size = Buffer.byteLength(JSON.stringify(data));
  if (size > LIMITS.dataBytes) {
    throw badInput(field, `is ${size} bytes as JSON; at most ${LIMITS.dataBytes} (256 KiB) are allowed`);
  }
  return data;
}

/**
 * A `ref_url` as ResultsDB takes it: any text that can be stored (no NUL, no
 * lone surrogate), control characters included, within the length limit.
 */
export function checkRefText(field: string, value: string): string {
  checkText(field, value, LIMITS.refUrl);
  return value;
}

export function checkRefUrl(field: string, value: string): string {
  checkText(field, value, LIMITS.refUrl);
  // `new URL` would quietly drop a tab or line break; the stored URL is what was sent.
  checkNoControl(field, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badInput(field, `must be an absolute http(s) URL, got ${JSON.stringify(value.slice(0, 80))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badInput(field, `must be an http or https URL, got scheme ${JSON.stringify(url.protocol)}`);
  }
  return value;
}

const SUBMITTED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

function checkSubmittedAt(field: string, value: unknown): string {
  if (typeof value !== 'string' || !SUBMITTED_AT.test(value) || Number.isNaN(Date.parse(value))) {
    throw badInput(field, `must be a UTC time such as "2026-12-01T19:22:59.383950Z", got ${JSON.stringify(String(value).slice(0, 80))}`);
  }
  return value;
}

/**
 * @param field prefix for error paths, e.g. `input` or `inputs[3]`
 * @param outcomes the outcome names this server accepts
 * @param rules how the key is made (RESULTSBUS_VARIANT_KEYS, RESULTSBUS_SUBJECTS)
 */
export function validateResultInput(
  field: string,
  input: RecordResultInput,
  outcomes: readonly string[],
  rules: KeyRules = DEFAULT_KEY_RULES,
): ValidResultInput {
  const testcase = checkName(`${field}.testcase`, input.testcase);
  const given = { item: input.item ?? null, type: input.type ?? null };
  if ((given.item === null) !== (given.type === null)) {
    const missing = given.item === null ? 'item' : 'type';
    throw badInput(
      `${field}.${missing}`,
      'give item and type together, or neither (the subject is then derived from data, e.g. a compose from data["productmd.compose.id"])',
    );
  }
  const explicit =
    given.item === null || given.type === null
      ? null
      : { item: checkName(`${field}.item`, given.item), type: checkName(`${field}.type`, given.type) };
  let arch = input.arch === undefined || input.arch === null ? '' : checkName(`${field}.arch`, input.arch);
  if (!outcomes.includes(input.outcome)) {
    throw badInput(
      `${field}.outcome`,
      `${JSON.stringify(input.outcome)} is not an outcome; allowed: ${outcomes.join(', ')}`,
    );
  }
  let note: string | null = null;
  if (input.note !== undefined && input.note !== null) {
    checkStorable(`${field}.note`, input.note);
    const bytes = Buffer.byteLength(input.note);
    if (bytes > LIMITS.noteBytes) {
      throw badInput(`${field}.note`, `is ${bytes} bytes; at most ${LIMITS.noteBytes} (64 KiB) are allowed`);
    }
    note = input.note;
  }
  const checkRef = input.refUrlRule === 'text' ? checkRefText : checkRefUrl;
  const refUrl = input.refUrl === undefined || input.refUrl === null ? null : checkRef(`${field}.refUrl`, input.refUrl);
  const data = checkData(`${field}.data`, input.data);
  if (input.variant !== undefined && input.variant !== null) arch = applyVariant(`${field}.variant`, input.variant, arch, data, rules.variantKeys);
  const groups = [...(input.groups ?? [])];
  if (groups.length > LIMITS.groups) {
    throw badInput(`${field}.groups`, `has ${groups.length} entries; at most ${LIMITS.groups} are allowed`);
  }
  groups.forEach((g, i) => checkName(`${field}.groups[${i}]`, g));
  const submittedAt =
    input.submittedAt === undefined || input.submittedAt === null ? null : checkSubmittedAt(`${field}.submittedAt`, input.submittedAt);
  const subject = explicit ?? deriveSubject(data, rules.subjectRules);
  const variant = variantOf(arch, data, rules.variantKeys);
  const item = subject?.item ?? null;
  const type = subject?.type ?? null;
  return { testcase, item, type, arch, variant, outcome: input.outcome, note, refUrl, data, groups, force: input.force === true, submittedAt };
}

/**
 * Writes `RecordResultInput.variant` into `data` (and `arch`), refusing a key
 * that is not a variant key, one given twice, and a value that `data` or
 * `arch` already gives differently. Returns the arch.
 */
function applyVariant(field: string, variant: readonly VariantInput[], arch: string, data: ResultData, keys: readonly string[]): string {
  const seen = new Set<string>();
  variant.forEach((entry, i) => {
    const at = `${field}[${i}]`;
    const key = checkName(`${at}.key`, entry.key);
    if (!keys.includes(key)) {
      throw badInput(`${at}.key`, `${JSON.stringify(key)} is not a variant key; the variant keys (RESULTSBUS_VARIANT_KEYS) are: ${keys.join(', ')}. Other keys go in data`);
    }
    if (seen.has(key)) throw badInput(`${at}.key`, `${JSON.stringify(key)} is given twice; give each variant key once, with all its values`);
    seen.add(key);
    if (entry.values.length === 0) throw badInput(`${at}.values`, 'must hold at least one value; leave the key out for none');
    const values = entry.values.map((v, j) => checkName(`${at}.values[${j}]`, v));
    if (key === 'arch') {
      if (values.length !== 1) throw badInput(`${at}.values`, `the arch is one value, got ${values.length}`);
      const [value = ''] = values;
      if (arch !== '' && arch !== value) throw badInput(`${at}.values`, `says arch ${JSON.stringify(value)} but the arch field says ${JSON.stringify(arch)}; give it in one place`);
      arch = value;
      return;
    }
    const given = data[key];
    const value = values.length === 1 ? (values[0] ?? '') : values;
    if (given !== undefined && variantOf('', { [key]: given }, [key]) !== variantOf('', { [key]: value }, [key])) {
      throw badInput(`${at}.values`, `say ${JSON.stringify(value)} but data.${key} says ${JSON.stringify(given)}; give them in one place`);
    }
    if (given === undefined) data[key] = value;
  });
  return arch;
}
