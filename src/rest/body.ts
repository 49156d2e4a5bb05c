/**
 * The bodies of ResultsDB's POSTs, checked as its pydantic models check them
 * (`CreateResultParams`, `CreateTestcaseParams`, `CreateGroupParams`) and,
 * for a result, mapped onto the recorder's input: `data.item`, `data.type`
 * and `data.arch` are the key, the rest of `data` is kept as sent.
 */
import { randomUUID } from 'node:crypto';
import { UserError } from '../errors.ts';
import { checkName, checkRefText, checkStorable, type RecordResultInput, validateResultInput } from '../results/validate.ts';
import { invalid, refuse, type ValidationIssue } from './http.ts';
import { parsePython, type PyValue, pyRepr, pyStr, toPlain } from './python.ts';

/** A group of a result or of `POST /groups`: `undefined` fields are left as they are. */
export interface GroupSpec {
  uuid: string;
  description?: string | null;
  refUrl?: string | null;
}

export interface TestcaseSpec {
  name: string;
  /** `undefined`: not given, the testcase keeps its own. */
  refUrl?: string | null;
}

export interface ResultBody {
  input: RecordResultInput;
  testcase: TestcaseSpec;
  groups: GroupSpec[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The JSON body, or ResultsDB's 400 for one that is not a JSON object. What
 * Python's `json.loads` takes beyond JSON (`NaN`, `Infinity`) is taken too.
 */
export function jsonObject(text: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    try {
      parsed = toPlain(parsePython(text));
    } catch {
      throw refuse(400, 'Bad request: the body is not JSON');
    }
  }
  if (!isObject(parsed)) throw invalid([{ loc: [], msg: 'Input should be a valid dictionary', type: 'dict_type', input: parsed }]);
  return parsed;
}

/** A value of the parsed body as Python sees it, for `%r` in ResultsDB's messages (a whole number as an int). */
function fromPlain(value: unknown): PyValue {
  if (typeof value === 'string') return { kind: 'str', value };
  if (typeof value === 'boolean') return { kind: 'bool', value };
  if (typeof value === 'number') return Number.isInteger(value) ? { kind: 'int', digits: String(value) } : { kind: 'float', value };
  if (Array.isArray(value)) return { kind: 'list', items: value.map(fromPlain) };
  if (isObject(value)) return { kind: 'dict', entries: new Map(Object.entries(value).map(([k, v]) => [k, fromPlain(v)])) };
  return { kind: 'none' };
}

function optionalString(body: Json, key: string, issues: ValidationIssue[]): string | null | undefined {
  const v = body[key];
  if (v === undefined || v === null) return v as null | undefined;
  if (typeof v !== 'string') {
    issues.push({ loc: [key], msg: 'Input should be a valid string', type: 'string_type', input: v });
    return undefined;
  }
  return v;
}

function outcomeOf(body: Json, outcomes: readonly string[], issues: ValidationIssue[]): string {
  const v = body['outcome'];
  if (v === undefined) {
    issues.push({ loc: ['outcome'], msg: 'Field required', type: 'missing', input: body });
    return '';
  }
  if (typeof v !== 'string') {
    issues.push({ loc: ['outcome'], msg: 'Input should be a valid string', type: 'string_type', input: v });
    return '';
  }
  const outcome = v.trim().toUpperCase();
  if (outcome === '') {
    issues.push({ loc: ['outcome'], msg: 'String should have at least 1 character', type: 'string_too_short', input: v });
  } else if (!outcomes.includes(outcome)) {
    issues.push({ loc: ['outcome'], msg: `Value error, must be one of: ${outcomes.join(', ')}`, type: 'value_error', input: v });
  }
  return outcome;
}

function testcaseOf(body: Json, issues: ValidationIssue[]): TestcaseSpec | undefined {
  const v = body['testcase'];
  if (v === undefined) {
    issues.push({ loc: ['testcase'], msg: 'Field required', type: 'missing', input: body });
    return undefined;
  }
  const empty = { loc: ['testcase'], msg: 'Value error, testcase name must be non-empty', type: 'value_error', input: v };
  if (typeof v === 'string') {
    if (v === '') issues.push(empty);
    return { name: v };
  }
  if (!isObject(v)) {
    if (!v) issues.push(empty);
    else issues.push({ loc: ['testcase'], msg: 'Input should be a valid dictionary', type: 'dict_type', input: v });
    return undefined;
  }
  const name = v['name'];
  if (!name) {
    issues.push(empty);
    return undefined;
  }
  if (typeof name !== 'string') {
    issues.push({ loc: ['testcase', 'name'], msg: 'Input should be a valid string', type: 'string_type', input: name });
    return undefined;
  }
  const refUrl = v['ref_url'];
  if (refUrl !== undefined && refUrl !== null && typeof refUrl !== 'string') {
    issues.push({ loc: ['testcase', 'ref_url'], msg: 'Input should be a valid string', type: 'string_type', input: refUrl });
    return undefined;
  }
  return refUrl === undefined ? { name } : { name, refUrl };
}

const EPOCH_MS_MAX = 253402300800000; // 10000-01-01

/** `%Y-%m-%dT%H:%M:%S.%f`, then one of ResultsDB's suffixes: `Z`, none, `%z`, `+00`. */
const SUBMIT_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{1,6})(?:Z|\+00|[+-]\d{2}:?\d{2}(?::?\d{2}(?:\.\d{1,6})?)?)?$/;

function fromEpochMs(ms: number): string | undefined {
  if (!Number.isInteger(ms) || ms < 0 || ms >= EPOCH_MS_MAX) return undefined;
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * ResultsDB's `submit_time` as the recorder's `submittedAt`. Like ResultsDB,
 * which stores a naive time, an offset (`+02:00`) is dropped, not applied.
 */
function submitTimeOf(body: Json, issues: ValidationIssue[]): string | null {
  const v = body['submit_time'];
  if (v === undefined || v === null) return null;
  let out: string | undefined;
  if (typeof v === 'number') out = fromEpochMs(v);
  else if (typeof v === 'string') {
    const m = SUBMIT_TIME.exec(v);
    if (m) {
      const iso = `${m[1]}.${(m[2] ?? '').padEnd(6, '0')}Z`;
      // Only a real calendar time: Date would roll 02-30 over to March.
      if (!Number.isNaN(Date.parse(iso)) && new Date(iso).toISOString().slice(0, 19) === m[1]) out = iso;
    } else if (/^\d+$/.test(v)) out = fromEpochMs(Number(v));
  }
  if (out === undefined) {
    issues.push({
      loc: ['submit_time'],
      msg: `Value error, Expected timestamp in milliseconds or datetime (in format YYYY-MM-DDTHH:MM:SS.ffffff), got ${pyRepr(fromPlain(v))}`,
      type: 'value_error',
      input: v,
    });
    return null;
  }
  return out;
}

/**
 * `data` as ResultsDB stores it (`create_result`): a string as it is, each
 * member of a list as a value of its own, anything else as Python's
 * `str()` of it (`3`, `1.0`, `True`, `None`, `{'a': 1}`, a list inside a
 * list as `['a', 1]`); a key whose list is empty gets no row, and so is not
 * there when the result is read.
 *
 * @param text the body's text: values other than strings are read again
 *   from it as Python reads them (see python.ts)
 */
function dataOf(raw: Json, text: string): Record<string, string | string[]> {
  const colons = Object.keys(raw).filter((k) => k.includes(':'));
  if (colons.length > 0) throw refuse(400, `Colon not allowed in key name: ${pyRepr(fromPlain(colons))}`);
  const strings = Object.values(raw).every((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
  const entries = strings ? (Object.entries(raw) as Array<[string, string | string[]]>) : pythonData(text);
  return Object.fromEntries(entries.filter(([, v]) => typeof v === 'string' || v.length > 0));
}

/** `data`'s entries from the body's text, each value as ResultsDB stores it (see dataOf). */
function pythonData(text: string): Array<[string, string | string[]]> {
  const body = parsePython(text);
  const data = body.kind === 'dict' ? body.entries.get('data') : undefined;
  if (data?.kind !== 'dict') throw new Error('the body read again has no data object');
  return [...data.entries].map(([k, v]) => [k, v.kind === 'list' ? v.items.map(pyStr) : pyStr(v)]);
}

/** The one value of `data.arch`; none when it has several (they are still the key's variant, from `data`). */
function archValue(data: Record<string, string | string[]>): string | undefined {
  const v = data['arch'];
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  return v.length === 1 ? v[0] : undefined;
}

/** Where a recorder field is in a ResultsDB body. */
const FIELD_NAMES: Record<string, string> = {
  'input.testcase': 'testcase.name',
  'input.item': 'data.item',
  'input.type': 'data.type',
  'input.arch': 'data.arch',
  'input.refUrl': 'ref_url',
  'input.note': 'note',
  'input.outcome': 'outcome',
  'input.submittedAt': 'submit_time',
};

/** The recorder's refusal, naming the REST field. */
export function restFieldError(error: UserError): UserError {
  const field = error.field;
  if (field === undefined || !error.message.startsWith(`${field}: `)) return error;
  const rest = FIELD_NAMES[field] ?? field.replace(/^input\./, '');
  return new UserError(error.code, `${rest}: ${error.message.slice(field.length + 2)}`, rest);
}

function groupsOf(body: Json, issues: ValidationIssue[]): GroupSpec[] {
  const v = body['groups'];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    issues.push({ loc: ['groups'], msg: 'Input should be a valid list', type: 'list_type', input: v });
    return [];
  }
  return v.map((g: unknown, i) => {
    if (typeof g === 'string') return { uuid: g };
    if (!isObject(g)) throw refuse(400, `groups[${i}]: must be a group uuid or an object {"uuid", "description", "ref_url"}`);
    return groupSpec(g, `groups[${i}]`);
  });
}

/** A group object; a missing uuid is made up, as ResultsDB does. */
export function groupSpec(g: Json, at: string): GroupSpec {
  const spec: GroupSpec = { uuid: randomUUID() };
  for (const [key, name] of [['uuid', 'uuid'], ['description', 'description'], ['ref_url', 'refUrl']] as const) {
    const value = g[key];
    if (value === undefined || (key === 'uuid' && value === null)) continue;
    if (value !== null && typeof value !== 'string') throw refuse(400, `${at}.${key}: must be a string`);
    if (name === 'uuid') spec.uuid = value as string;
    else spec[name] = value;
  }
  return spec;
}

/** Checks a group's own fields; `at` names it in a result (`groups[2]`), null for `POST /groups`. */
function checkGroup(g: GroupSpec, at: string | null): void {
  const field = (key: string): string => (at === null ? key : `${at}.${key}`);
  checkName(at ?? 'uuid', g.uuid);
  if (g.description) checkStorable(field('description'), g.description);
  if (g.refUrl) checkRefText(field('ref_url'), g.refUrl);
}

/** A `POST /results` body as the recorder's input, or ResultsDB's 400. */
/** @param text the body's text, as `body` was parsed from */
export function resultBody(body: Json, text: string, outcomes: readonly string[]): ResultBody {
  const issues: ValidationIssue[] = [];
  const outcome = outcomeOf(body, outcomes, issues);
  const testcase = testcaseOf(body, issues);
  const groups = groupsOf(body, issues);
  const note = optionalString(body, 'note', issues);
  const refUrl = optionalString(body, 'ref_url', issues);
  const rawData = body['data'];
  if (rawData !== undefined && rawData !== null && !isObject(rawData)) {
    issues.push({ loc: ['data'], msg: 'Input should be a valid dictionary', type: 'dict_type', input: rawData });
  }
  const submittedAt = submitTimeOf(body, issues);
  if (issues.length > 0 || testcase === undefined) throw invalid(issues);
  const data = isObject(rawData) ? dataOf(rawData, text) : {};
  // The subject (item and type) is the recorder's to derive from data
  // (src/results/subject.ts): `item` and `type`, or a compose's
  // `productmd.compose.id`, a container's `nvr`...; a result with none is
  // stored all the same, with no task state.
  const arch = archValue(data);
  const input: RecordResultInput = {
    testcase: testcase.name,
    arch: arch ?? null,
    outcome,
    note,
    refUrl,
    refUrlRule: 'text',
    data,
    groups: groups.map((g) => g.uuid),
    submittedAt,
  };
  try {
    validateResultInput('input', input, outcomes);
    if (testcase.refUrl) checkRefText('testcase.ref_url', testcase.refUrl);
    groups.forEach((g, i) => checkGroup(g, `groups[${i}]`));
  } catch (error) {
    if (error instanceof UserError) throw refuse(400, restFieldError(error).message);
    throw error;
  }
  return { input, testcase, groups };
}

/** A `POST /testcases` body. */
export function testcaseBody(body: Json): TestcaseSpec {
  const name = body['name'];
  const issues: ValidationIssue[] = [];
  if (name === undefined || name === null) issues.push({ loc: ['name'], msg: 'Field required', type: 'missing', input: body });
  else if (typeof name !== 'string') issues.push({ loc: ['name'], msg: 'Input should be a valid string', type: 'string_type', input: name });
  else if (name.length < 1) issues.push({ loc: ['name'], msg: 'String should have at least 1 character', type: 'string_too_short', input: name });
  const refUrl = optionalString(body, 'ref_url', issues);
  if (issues.length > 0 || typeof name !== 'string') throw invalid(issues);
  try {
    checkName('name', name);
    if (refUrl) checkRefText('ref_url', refUrl);
  } catch (error) {
    if (error instanceof UserError) throw refuse(400, error.message);
    throw error;
  }
  return refUrl === undefined ? { name } : { name, refUrl };
}

/** A `POST /groups` body. */
export function groupBody(body: Json): GroupSpec {
  const issues: ValidationIssue[] = [];
  for (const key of ['uuid', 'ref_url', 'description']) optionalString(body, key, issues);
  if (issues.length > 0) throw invalid(issues);
  // ResultsDB makes a uuid up for an empty one too (`if body.uuid:`).
  const spec = groupSpec(body['uuid'] ? body : { ...body, uuid: undefined }, 'body');
  // ResultsDB sets only what is given and not empty.
  if (!spec.description) delete spec.description;
  if (!spec.refUrl) delete spec.refUrl;
  try {
    checkGroup(spec, null);
  } catch (error) {
    if (error instanceof UserError) throw refuse(400, error.message);
    throw error;
  }
  return spec;
}
