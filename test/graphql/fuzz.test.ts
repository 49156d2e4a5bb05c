/**
 * Generated user mistakes, from a seed (FUZZ_SEED to replay another): NUL in
 * every string argument, cursors past their column's range, huge lists, deep
 * nesting, bad JSON parameters, bad Authorization headers, control
 * characters in names and URLs, null for non-null, mutations over the cap.
 * Each must get coded errors (never INTERNAL_SERVER_ERROR, never a 5xx,
 * nothing logged as unexpected), the server must go on answering, and no
 * refused write may leave a row.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { random } from '../helpers/random.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? 11);
const CASES = 1_200;

interface Case {
  name: string;
  method: 'GET' | 'POST';
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The code the first error must have, when the case knows it. */
  code?: string;
  /** The answer must have no errors at all. */
  clean?: boolean;
}

let server: TestServer;
let ids: { item: string; result: string; emission: string; testcase: string };
let rowsBefore: Record<string, number>;

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['results', 'emissions', 'task_states', 'items', 'testcases']) {
    const rows = await server.database.db.execute<{ n: number }>(sql.raw(`SELECT count(*)::int AS n FROM ${table}`));
    const list = Array.isArray(rows) ? rows : (rows as { rows: Array<{ n: number }> }).rows;
    counts[table] = Number(list[0]?.n);
  }
  return counts;
}

beforeAll(async () => {
  server = await startServer();
  await server.data(
    `mutation FuzzSeed($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { results { resultId } } }`,
    {
      inputs: [
        { testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome: 'PASSED', arch: 'x86_64' },
        { testcase: 'dist.rpmlint', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome: 'FAILED' },
      ],
    },
  );
  const data = await server.data<{
    item: { id: string; emissions: { edges: Array<{ node: { id: string } }> } };
    results: { edges: Array<{ node: { id: string } }> };
    testcases: { edges: Array<{ node: { id: string } }> };
  }>(
    `{ item(type: "koji_build", name: "perl-Specio-0.25-1.fc26") { id emissions { edges { node { id } } } }
       results(first: 1) { edges { node { id } } } testcases(first: 1) { edges { node { id } } } }`,
  );
  ids = {
    item: data.item.id,
    emission: data.item.emissions.edges[0]?.node.id ?? '',
    result: data.results.edges[0]?.node.id ?? '',
    testcase: data.testcases.edges[0]?.node.id ?? '',
  };
  rowsBefore = await rowCounts();
});
afterAll(async () => {
  await server.close();
});

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

function generator(seed: number) {
  const next = random(seed);
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)] as T;
  const word = (): string => pick(['dist.depcheck', 'perl-Specio-0.25-1.fc26', 'koji_build', 'x86_64', 'nightly', 'a', 'dist.*']);
  const withChar = (char: string): string => {
    const w = word();
    const at = int(w.length + 1);
    return `${w.slice(0, at)}${char}${w.slice(at)}`;
  };
  const control = (): string => pick(['\r\n', '\n', '\r', '\t', '\u0001', '\u001b', '\u007f', '\u0085', '\u009f']);

  const json = { 'content-type': 'application/json', accept: 'application/json' };
  const post = (name: string, query: string, variables: Record<string, unknown> | undefined, extra: Partial<Case> = {}): Case => ({
    name,
    method: 'POST',
    path: '/graphql',
    headers: { ...json, ...(extra.headers ?? {}) },
    body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
    ...(extra.code === undefined ? {} : { code: extra.code }),
    ...(extra.clean === undefined ? {} : { clean: extra.clean }),
  });
  const auth = (): Record<string, string> => ({ authorization: `Bearer ${server.token}` });

  /** Every string argument of a read, each as `$s` of type `String`, `ID` or `[ID!]`. */
  const stringPlaces: Array<{ where: string; query: string; type: string; list?: boolean }> = [
    // The name filters take lists ([String!]); a single string is a list of one.
    ...['testcase', 'item', 'package', 'type', 'arch', 'group'].flatMap((f) => {
      const type = ['testcase', 'item', 'package'].includes(f) ? '[String!]' : 'String';
      return [
        { where: `results.filter.${f}`, query: `results(filter: { ${f}: $s }) { edges { cursor } }`, type },
        { where: `emissions.filter.${f}`, query: `emissions(filter: { ${f}: $s }) { edges { cursor } }`, type },
      ];
    }),
    ...['type', 'name', 'package', 'testcase', 'arch'].map((f) => ({
      where: `items.filter.${f}`,
      query: `items(filter: { ${f}: $s }) { edges { cursor } }`,
      type: ['name', 'package', 'testcase'].includes(f) ? '[String!]' : 'String',
    })),
    { where: 'testcases.name', query: 'testcases(name: $s) { edges { cursor } }', type: 'String' },
    { where: 'item.type', query: 'item(type: $s, name: "perl-Specio-0.25-1.fc26") { id }', type: 'String!' },
    { where: 'item.name', query: 'item(type: "koji_build", name: $s) { id }', type: 'String!' },
    { where: 'item.results.testcase', query: 'item(type: "koji_build", name: "perl-Specio-0.25-1.fc26") { results(testcase: $s) { edges { cursor } } }', type: '[String!]' },
    { where: 'item.emissions.testcase', query: 'item(type: "koji_build", name: "perl-Specio-0.25-1.fc26") { emissions(testcase: $s) { edges { cursor } } }', type: '[String!]' },
    { where: 'item.taskStates.testcase', query: 'item(type: "koji_build", name: "perl-Specio-0.25-1.fc26") { taskStates(testcase: $s) { arch } }', type: '[String!]' },
    { where: 'bridgeStatus.name', query: 'bridgeStatus(name: $s) { cursor }', type: 'String' },
    ...['results', 'emissions', 'items', 'testcases'].map((c) => ({ where: `${c}.after`, query: `${c}(after: $s) { edges { cursor } }`, type: 'String' })),
    { where: 'item.results.after', query: 'item(type: "koji_build", name: "perl-Specio-0.25-1.fc26") { results(after: $s) { edges { cursor } } }', type: 'String' },
    { where: 'node.id', query: 'node(id: $s) { id }', type: 'ID!' },
    { where: 'result.id', query: 'result(id: $s) { id }', type: 'ID!' },
    { where: 'nodes.ids', query: 'nodes(ids: $s) { id }', type: '[ID!]!', list: true },
  ];

  const cursorPlaces = [
    { kind: 'item', query: (c: string) => `{ items(after: "${c}") { edges { cursor } } }` },
    { kind: 'result', query: (c: string) => `{ results(after: "${c}") { edges { cursor } } }` },
    { kind: 'emission', query: (c: string) => `{ emissions(after: "${c}") { edges { cursor } } }` },
    { kind: 'result', query: (c: string) => `{ item(type: "koji_build", name: "perl-Specio-0.25-1.fc26") { results(after: "${c}") { edges { cursor } } } }` },
    { kind: 'testcase', query: (c: string) => `{ testcases(after: "${c}") { edges { cursor } } }` },
  ];

  const record = 'mutation FuzzRecord($input: RecordResultInput!) { recordResult(input: $input) { emitted } }';
  const good = { testcase: 'dist.fuzz', item: 'fuzz-1.0-1.fc40', type: 'koji_build', outcome: 'PASSED' };

  const kinds: Array<() => Case> = [
    // NUL in a string argument of a read, as a variable or as a literal.
    () => {
      const place = pick(stringPlaces);
      const value = withChar('\u0000');
      const literal = next() < 0.5;
      const arg = place.list ? [value] : value;
      if (literal) return post(`NUL literal in ${place.where}`, `{ ${place.query.replace('$s', JSON.stringify(arg))} }`, undefined, { code: 'BAD_USER_INPUT' });
      return post(`NUL variable in ${place.where}`, `query FuzzNul($s: ${place.type}) { ${place.query} }`, { s: arg }, { code: 'BAD_USER_INPUT' });
    },
    // A cursor whose number is past its column, or no number at all.
    () => {
      const place = pick(cursorPlaces);
      // A testcase cursor is a name: only what no name can hold is wrong in it.
      const key =
        place.kind === 'testcase'
          ? withChar('\u0000')
          : pick([place.kind === 'item' ? '2147483648' : '9007199254740993', '99999999999999999999', '1e400', '-1', '', '0x10', '\u0000', '1.5', ' 1']);
      return post(`cursor ${place.kind}:${JSON.stringify(key)}`, place.query(b64(`${place.kind}:${key}`)), undefined, { code: 'BAD_USER_INPUT' });
    },
    // A list over its limit: ids, outcomes, groups.
    () => {
      // 100,000 now and then: big bodies are slow to make and send, not to refuse.
      const n = next() < 0.1 ? 100_000 : pick([501, 1_000, 5_000]);
      const which = int(3);
      if (which === 0) return post(`${n} ids in nodes`, 'query FuzzIds($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array.from({ length: n }, () => ids.item) }, { code: 'BAD_USER_INPUT' });
      if (which === 1) {
        return post(`${n} outcomes in a filter`, 'query FuzzOutcomes($o: [Outcome!]) { results(filter: { outcome: $o }) { edges { cursor } } }', { o: Array.from({ length: n }, () => 'PASSED') }, { code: 'BAD_USER_INPUT' });
      }
      return post(`${n} groups`, record, { input: { ...good, groups: Array.from({ length: n }, (_, i) => `g${i}`) } }, { code: 'BAD_USER_INPUT', headers: auth() });
    },
    // Nesting deep enough to overflow a recursive parser.
    () => {
      const n = pick([65, 500, 5_000]);
      const query = next() < 0.5 ? `{ ${'item(type: "k", name: "n") { '.repeat(n)}id${' }'.repeat(n)} }` : `{ nodes(ids: ${'['.repeat(n)}"x"${']'.repeat(n)}) { id } }`;
      return post(`${n} levels`, query, undefined, { code: 'QUERY_TOO_COMPLEX' });
    },
    // Variables nested deeper than any input could be, where a string or JSON goes.
    () => {
      const n = pick([65, 1_000, 100_000]);
      // Written out: JSON.stringify itself overflows on 100,000 levels.
      const deep = `${'['.repeat(n)}"x"${']'.repeat(n)}`;
      const inString = next() < 0.5;
      const query = inString ? 'query FuzzDeep($s: String) { testcases(name: $s) { edges { cursor } } }' : record;
      const variables = inString ? `{"s":${deep}}` : `{"input":${JSON.stringify(good).slice(0, -1)},"data":{"k":${deep}}}}`;
      return {
        name: `${n} levels of JSON in ${inString ? 'a String' : 'data'}`,
        method: 'POST',
        path: '/graphql',
        headers: { ...json, ...auth() },
        body: `{"query":${JSON.stringify(query)},"variables":${variables}}`,
        code: 'BAD_USER_INPUT',
      };
    },
    // GET with parameters that are not JSON.
    () => {
      const bad = pick(['{bad', '{"a":', '[', 'nope', '{"s":"\\u00"}', '%7B']);
      const param = pick(['variables', 'extensions']);
      return {
        name: `GET ${param}=${bad}`,
        method: 'GET',
        path: `/graphql?query=${encodeURIComponent('query FuzzGet($s: String) { testcases(name: $s) { edges { cursor } } }')}&${param}=${bad}`,
        headers: { accept: pick(['application/json', 'application/graphql-response+json']) },
        code: 'BAD_USER_INPUT',
      };
    },
    // A write with an Authorization header that is not "Bearer <token>".
    () => {
      const header = pick([`Bearer\t${server.token}`, `Bearer\t\t${server.token}`, 'Bearer', 'Bearer ', `Basic ${server.token}`, `Bearer ${server.token}x`, server.token, `Bearer rb_${'x'.repeat(int(80))}`]);
      return post(`Authorization ${JSON.stringify(header.replace(server.token, 'TOKEN'))}`, record, { input: good }, { code: 'UNAUTHENTICATED', headers: { authorization: header } });
    },
    // Control characters (CR/LF among them) in names and URLs of a write.
    () => {
      const field = pick(['testcase', 'item', 'type', 'arch', 'refUrl', 'group']);
      const value = field === 'refUrl' ? `https://ci.example.org/${pick(['log', 'a/b'])}${control()}${pick(['Set-Cookie: x', 'x', ''])}` : withChar(control());
      const input = field === 'group' ? { ...good, groups: [value] } : { ...good, [field]: value };
      return post(`control character in ${field}`, record, { input }, { code: 'BAD_USER_INPUT', headers: auth() });
    },
    // NUL in a write, as a variable or inside a literal.
    () => {
      const field = pick(['testcase', 'item', 'type', 'arch', 'note', 'refUrl']);
      const value = field === 'refUrl' ? `https://ci.example.org/\u0000` : withChar('\u0000');
      if (next() < 0.5) return post(`NUL in ${field}`, record, { input: { ...good, [field]: value } }, { code: 'BAD_USER_INPUT', headers: auth() });
      const fields = Object.entries({ ...good, [field]: value }).map(([k, v]) => `${k}: ${k === 'outcome' ? v : JSON.stringify(v)}`);
      return post(
        `NUL literal in ${field}`,
        `mutation { recordResult(input: { ${fields.join(', ')} }) { emitted } }`,
        undefined,
        { code: 'BAD_USER_INPUT', headers: auth() },
      );
    },
    // null for a non-null variable.
    () => {
      const which = int(3);
      if (which === 0) return post('null input', record, { input: null }, { code: 'BAD_USER_INPUT', headers: auth() });
      if (which === 1) return post('null item type', 'query FuzzNull($t: String!) { item(type: $t, name: "x") { id } }', { t: null }, { code: 'BAD_USER_INPUT' });
      return post('null in a batch', 'mutation FuzzNulls($i: [RecordResultInput!]!) { recordResults(inputs: $i) { results { id } } }', { i: [good, null] }, { code: 'BAD_USER_INPUT', headers: auth() });
    },
    // More mutations than a request may run.
    () => {
      const n = next() < 0.1 ? 1_000 : 11 + int(100);
      const fields = Array.from({ length: n }, (_, i) => `r${i}: recordResult(input: { testcase: "dist.fuzz", item: "m", type: "koji_build", outcome: PASSED }) { emitted }`).join(' ');
      return post(`${n} mutations`, `mutation { ${fields} }`, undefined, { code: 'QUERY_TOO_COMPLEX', headers: auth() });
    },
    // The same global ID twice in one query: both answered.
    () => {
      const id = pick([ids.item, ids.result, ids.emission, ids.testcase]);
      return post('one global ID twice', `{ a: node(id: "${id}") { id } b: node(id: "${id}") { id } c: nodes(ids: ["${id}", "${id}"]) { id } }`, undefined, { clean: true });
    },
  ];
  return () => pick(kinds)();
}

interface Answer {
  status: number;
  errors: Array<{ message: string; extensions?: { code?: string } }>;
  data: unknown;
}

async function send(c: Case): Promise<Answer> {
  const response = await fetch(`${server.url}${c.path}`, { method: c.method, headers: c.headers, ...(c.body === undefined ? {} : { body: c.body }) });
  const text = await response.text();
  const body = JSON.parse(text) as { errors?: Answer['errors']; data?: unknown };
  return { status: response.status, errors: body.errors ?? [], data: body.data };
}

describe(`generated user mistakes (seed ${SEED}, ${CASES} cases)`, () => {
  it('are all answered with coded errors, no 5xx, nothing unexpected logged, and write nothing', async () => {
    const logged = vi.spyOn(console, 'error');
    const next = generator(SEED);
    const seen = new Map<string, number>();
    try {
      for (let i = 0; i < CASES; i++) {
        const c = next();
        const label = `case ${i} (seed ${SEED}): ${c.name}`;
        seen.set(c.name.split(' ')[0] ?? c.name, (seen.get(c.name.split(' ')[0] ?? c.name) ?? 0) + 1);
        const answer = await send(c);
        expect(answer.status, label).toBeLessThan(500);
        for (const e of answer.errors) {
          expect(e.extensions?.code, `${label}: ${e.message}`).toBeDefined();
          expect(e.extensions?.code, `${label}: ${e.message}`).not.toBe('INTERNAL_SERVER_ERROR');
        }
        if (c.clean) {
          expect(answer.errors, label).toEqual([]);
        } else {
          expect(answer.errors.length, label).toBeGreaterThan(0);
          if (c.code !== undefined) expect(answer.errors[0]?.extensions?.code, `${label}: ${answer.errors[0]?.message}`).toBe(c.code);
        }
        if (c.code === 'UNAUTHENTICATED') expect(answer.status, label).toBe(401);
        if (i % 200 === 199) expect((await fetch(`${server.url}/healthz`)).status, label).toBe(200);
      }
      expect(logged.mock.calls.filter((call) => String(call[0]).includes('unexpected error'))).toEqual([]);
    } finally {
      logged.mockRestore();
    }
    // Every kind of mistake was tried.
    expect(seen.size).toBeGreaterThan(10);
    expect(await rowCounts()).toEqual(rowsBefore);
    const still = await server.data<{ testcases: { edges: unknown[] } }>(`{ testcases { edges { cursor } } }`, {}, { token: null });
    expect(still.testcases.edges).toHaveLength(2);
  }, 300_000);
});
