/**
 * `POST /api/v2.0/results` and `GET /api/v2.0/results/<id>`: the objects
 * ResultsDB's serializer makes (resultsdb/serializers/api_v2.py), from the
 * bodies its parser takes (resultsdb/parsers/api_v2.py CreateResultParams).
 * The expected bodies are written from those files, not from our output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, rest } from '../helpers/rest.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
beforeAll(async () => {
  server = await startServer();
  base = `${server.url}/api/v2.0`;
});
afterAll(async () => {
  await server.close();
});

/** A naive UTC time in `%Y-%m-%dT%H:%M:%S.%f` within 10 s of now (ResultsDB's tests' AboutTime). */
function aboutNow(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/.test(value)) return false;
  return Math.abs(Date.parse(`${value}Z`) - Date.now()) < 10_000;
}

describe('POST /results', () => {
  it('answers 201 with the result as ResultsDB serializes it, and GET /results/<id> returns the same object', async () => {
    const testcase = 'fedora-ci.koji-build./plans/basic.functional';
    const sent = {
      testcase: { name: testcase, ref_url: 'http://example.com/fedora-ci.koji-build./plans/basic.functional' },
      outcome: 'passed',
      note: 'Result Note',
      ref_url: 'http://example.com/testing.result',
      data: { item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', arch: 'x86_64', moo: ['boo', 'woof'], 'productmd.compose.id': 'F-26' },
      groups: ['3ce5f6d7-ce34-489b-ab61-325ce634eab5'],
    };
    const created = await post(server, '/api/v2.0/results', sent);
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json');
    const body = created.body as Record<string, unknown>;
    const id = body['id'] as number;
    expect(typeof id).toBe('number');
    expect(aboutNow(body['submit_time'])).toBe(true);
    expect(body).toEqual({
      id,
      href: `${base}/results/${id}`,
      groups: ['3ce5f6d7-ce34-489b-ab61-325ce634eab5'],
      testcase: {
        name: testcase,
        ref_url: 'http://example.com/fedora-ci.koji-build./plans/basic.functional',
        href: `${base}/testcases/${testcase}`,
      },
      submit_time: body['submit_time'],
      outcome: 'PASSED',
      note: 'Result Note',
      ref_url: 'http://example.com/testing.result',
      data: { item: ['perl-Specio-0.25-1.fc26'], type: ['koji_build'], arch: ['x86_64'], moo: ['boo', 'woof'], 'productmd.compose.id': ['F-26'] },
    });
    // Flask's jsonify writes keys sorted.
    expect(Object.keys(body)).toEqual(['data', 'groups', 'href', 'id', 'note', 'outcome', 'ref_url', 'submit_time', 'testcase']);

    const read = await get(server, `/api/v2.0/results/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
    expect(read.text).toBe(created.text);
  });

  it('takes a plain testcase name, null note and ref_url, and submit_time in ResultsDB formats', async () => {
    const cases: Array<[unknown, string]> = [
      ['2026-12-01T19:22:59.383950', '2026-12-01T19:22:59.383950'],
      ['2026-12-01T19:22:59.3Z', '2026-12-01T19:22:59.300000'],
      // ResultsDB keeps the wall time and drops the offset.
      ['2026-12-01T19:22:59.000001+02:00', '2026-12-01T19:22:59.000001'],
      ['2026-12-01T19:22:59.5+00', '2026-12-01T19:22:59.500000'],
      [1661324097123, '2022-08-24T06:54:57.123000'],
      ['1661324097123', '2022-08-24T06:54:57.123000'],
    ];
    for (const [submitTime, expected] of cases) {
      const created = await post(server, '/api/v2.0/results', {
        testcase: 'dist.rpmlint',
        outcome: 'FAILED',
        note: null,
        ref_url: null,
        submit_time: submitTime,
        data: { item: 'glibc-1.0-1.el7', type: 'koji_build' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const body = created.body as Record<string, unknown>;
      expect(body['submit_time']).toBe(expected);
      expect(body['note']).toBeNull();
      expect(body['ref_url']).toBeNull();
      expect(body['testcase']).toEqual({ name: 'dist.rpmlint', ref_url: null, href: `${base}/testcases/dist.rpmlint` });
      expect(body['data']).toEqual({ item: ['glibc-1.0-1.el7'], type: ['koji_build'] });
      expect(body['groups']).toEqual([]);
      expect((await get(server, `/api/v2.0/results/${String(body['id'])}`)).body).toEqual(body);
    }
  });

  it('stores numbers and booleans in data as Python writes them, as ResultsDB does', async () => {
    const created = await post(server, '/api/v2.0/results', {
      testcase: 'dist.abicheck',
      outcome: 'INFO',
      data: { item: 'x-1-1', type: 'koji_build', count: 3, ok: true, none: null, list: [1, 'a', false] },
    });
    expect(created.status).toBe(201);
    expect((created.body as { data: unknown }).data).toEqual({
      item: ['x-1-1'],
      type: ['koji_build'],
      count: ['3'],
      ok: ['True'],
      none: ['None'],
      list: ['1', 'a', 'False'],
    });
  });

  it('creates and updates groups given as objects, and keeps the testcase ref_url it was last given', async () => {
    const created = await post(server, '/api/v2.0/results', {
      testcase: { name: 'dist.grouped', ref_url: 'http://example.com/grouped' },
      outcome: 'PASSED',
      data: { item: 'g-1-1', type: 'koji_build' },
      groups: [{ uuid: 'a0b1c2d3-0000-4000-8000-000000000001', description: 'nightly', ref_url: 'http://example.com/g' }, 'plain-group'],
    });
    expect(created.status).toBe(201);
    expect((created.body as { groups: unknown }).groups).toEqual(['a0b1c2d3-0000-4000-8000-000000000001', 'plain-group']);
    const group = await get(server, '/api/v2.0/groups/a0b1c2d3-0000-4000-8000-000000000001');
    expect(group.status).toBe(200);
    expect(group.body).toEqual({
      uuid: 'a0b1c2d3-0000-4000-8000-000000000001',
      description: 'nightly',
      ref_url: 'http://example.com/g',
      results: `${base}/results?groups=a0b1c2d3-0000-4000-8000-000000000001`,
      results_count: 1,
      href: `${base}/groups/a0b1c2d3-0000-4000-8000-000000000001`,
    });
    // A testcase given without ref_url keeps its own.
    await post(server, '/api/v2.0/results', { testcase: 'dist.grouped', outcome: 'PASSED', data: { item: 'g-1-1', type: 'koji_build' } });
    expect((await get(server, '/api/v2.0/testcases/dist.grouped')).body).toEqual({
      name: 'dist.grouped',
      ref_url: 'http://example.com/grouped',
      href: `${base}/testcases/dist.grouped`,
    });
    // One given again replaces it, and a group object updates its group.
    const again = await post(server, '/api/v2.0/results', {
      testcase: { name: 'dist.grouped', ref_url: 'http://example.com/grouped/2' },
      outcome: 'PASSED',
      data: { item: 'g-1-1', type: 'koji_build' },
      groups: [{ uuid: 'a0b1c2d3-0000-4000-8000-000000000001', description: 'weekly' }],
    });
    expect((again.body as { testcase: unknown }).testcase).toEqual({
      name: 'dist.grouped',
      ref_url: 'http://example.com/grouped/2',
      href: `${base}/testcases/dist.grouped`,
    });
    expect(await get(server, '/api/v2.0/groups/a0b1c2d3-0000-4000-8000-000000000001').then((g) => g.body)).toMatchObject({
      description: 'weekly',
      ref_url: 'http://example.com/g',
      results_count: 2,
    });
  });

  it('GET /results/<id> of an unknown id is 404 {"message": "Result not found"}', async () => {
    for (const id of ['999999', 'abc']) {
      const read = await get(server, `/api/v2.0/results/${id}`);
      expect(read.status).toBe(404);
      expect(read.body).toEqual({ message: 'Result not found' });
    }
  });
});

describe('data values and ref_urls as ResultsDB stores them', () => {
  /**
   * ResultsDB's `create_result` stores a string as it is, each member of a
   * list as a row of its own, and anything else as `unicode(value)`, Python's
   * `str()` of what `json.loads` read: the expected values below are what
   * Python 3 writes for them (ints with every digit, floats as `repr`,
   * dicts in the order sent, strings inside them as `repr`).
   */
  it('a nested object, a list inside a list, floats, big integers: stored and served as their Python str()', async () => {
    // Raw text: JSON.stringify would turn 1.0 into 1 and lose digits of the big integer.
    const raw = String.raw`{"testcase": "dist.values", "outcome": "PASSED",
      "data": {"item": "values-1.0-1.fc40", "type": "koji_build",
        "count": 3, "ratio": 1.0, "big": 12345678901234567890, "tiny": 1e-05, "small": 0.0001, "huge": 1e16, "neg": -0.0,
        "ok": true, "nothing": null,
        "nested": {"b": 1, "a": [1, "x", null], "1": "one", "q": "it's"},
        "mixed": ["s", 2, 2.5, false, {"k": "v"}, ["a", "b"]],
        "empty": [],
        "quote": {"say": "\"hi\" and 'bye'", "nl": "a\nb\t\u0001", "nbsp": "\u00a0", "e": "\u00e9\u200b\ud83d\ude00", "back": "a\\b"},
        "dup": {"k": 1, "k": 2}}}`;
    const created = await post(server, '/api/v2.0/results', undefined, { raw });
    expect(created.status, created.text).toBe(201);
    const body = created.body as { id: number; data: unknown };
    expect(body.data).toEqual({
      big: ['12345678901234567890'],
      count: ['3'],
      dup: ["{'k': 2}"],
      huge: ['1e+16'],
      item: ['values-1.0-1.fc40'],
      mixed: ['s', '2', '2.5', 'False', "{'k': 'v'}", "['a', 'b']"],
      neg: ['-0.0'],
      nested: [`{'b': 1, 'a': [1, 'x', None], '1': 'one', 'q': "it's"}`],
      nothing: ['None'],
      ok: ['True'],
      quote: [String.raw`{'say': '"hi" and \'bye\'', 'nl': 'a\nb\t\x01', 'nbsp': '\xa0', 'e': 'é\u200b😀', 'back': 'a\\b'}`],
      ratio: ['1.0'],
      small: ['0.0001'],
      tiny: ['1e-05'],
      type: ['koji_build'],
      // `"empty": []` stores no row, so ResultsDB serves no such key.
    });
    const read = await get(server, `/api/v2.0/results/${body.id}`);
    expect(read.text).toBe(created.text);
    // A stored str() is a value like any other: the data filter finds it.
    const found = await get(server, `/api/v2.0/results?testcases=dist.values&mixed=${encodeURIComponent("{'k': 'v'}")}`);
    expect((found.body as { data: Array<{ id: number }> }).data.map((r) => r.id)).toEqual([body.id]);
  });

  it("NaN and Infinity, which Python's json.loads reads (and json.dumps writes): stored as nan, inf, -inf", async () => {
    const raw = '{"testcase": "dist.values", "outcome": "INFO", "data": {"item": "values-1.0-1.fc40", "type": "koji_build", "x": NaN, "y": [Infinity, -Infinity]}}';
    const created = await post(server, '/api/v2.0/results', undefined, { raw });
    expect(created.status, created.text).toBe(201);
    expect((created.body as { data: unknown }).data).toEqual({ item: ['values-1.0-1.fc40'], type: ['koji_build'], x: ['nan'], y: ['inf', '-inf'] });
  });

  it.each([
    ['another scheme', 'ftp://example.com/log'],
    ['a relative path', '/artifacts/42/log.txt'],
    ['plain text', 'see the Jenkins job, build #42'],
    ['a tab and a line break', 'http://example.com/a\tb\nc'],
  ])('a ref_url that is %s: stored and served as sent, on the result, its testcase and its group', async (_, url) => {
    const uuid = `ref-${url.length}-${Math.random().toString(36).slice(2)}`;
    const created = await post(server, '/api/v2.0/results', {
      testcase: { name: 'dist.refs', ref_url: url },
      outcome: 'PASSED',
      ref_url: url,
      data: { item: 'refs-1-1', type: 'koji_build' },
      groups: [{ uuid, ref_url: url }],
    });
    expect(created.status, created.text).toBe(201);
    const body = created.body as { id: number; ref_url: unknown; testcase: unknown };
    expect(body.ref_url).toBe(url);
    expect(body.testcase).toEqual({ name: 'dist.refs', ref_url: url, href: `${base}/testcases/dist.refs` });
    expect((await get(server, `/api/v2.0/results/${body.id}`)).text).toBe(created.text);
    expect((await get(server, `/api/v2.0/groups/${uuid}`)).body).toMatchObject({ uuid, ref_url: url });
    const testcase = await post(server, '/api/v2.0/testcases', { name: 'dist.refs2', ref_url: url });
    expect(testcase.body).toEqual({ name: 'dist.refs2', ref_url: url, href: `${base}/testcases/dist.refs2` });
    const group = await post(server, '/api/v2.0/groups', { uuid: `${uuid}-2`, ref_url: url });
    expect(group.body).toMatchObject({ uuid: `${uuid}-2`, ref_url: url });
  });

  it("GraphQL keeps its own rule: recordResult's refUrl is an http(s) URL, and it reads a REST result's ref_url as stored", async () => {
    const created = await post(server, '/api/v2.0/results', { testcase: 'dist.refs', outcome: 'FAILED', ref_url: 'ftp://example.com/log', data: { item: 'refs-2-1', type: 'koji_build' } });
    expect(created.status).toBe(201);
    const id = (created.body as { id: number }).id;
    const read = await server.gql(`{ results(first: 1, filter: { item: "refs-2-1" }) { edges { node { resultId refUrl } } } }`);
    expect(read).toEqual({ data: { results: { edges: [{ node: { resultId: id, refUrl: 'ftp://example.com/log' } }] } } });
    const refused = await server.gql(
      `mutation { recordResult(input: { testcase: "dist.refs", item: "refs-2-1", type: "koji_build", outcome: PASSED, refUrl: "ftp://example.com/log" }) { emitted } }`,
    );
    expect(refused.errors?.[0]?.message).toBe('input.refUrl: must be an http or https URL, got scheme "ftp:"');
  });
});

describe('refusals, in ResultsDB\'s shapes', () => {
  const ok = { testcase: 'dist.depcheck', outcome: 'PASSED', data: { item: 'perl-Specio-0.25-1.fc26', type: 'koji_build' } };

  /** ResultsDB's validation error, without pydantic's `url`. */
  const issue = (loc: string[], msg: string, type: string): Record<string, unknown> => ({ loc, msg, type, input: expect.anything() });

  it.each([
    ['an empty testcase', { outcome: 'passed', testcase: '' }, issue(['testcase'], 'Value error, testcase name must be non-empty', 'value_error')],
    ['a testcase without name', { outcome: 'passed', testcase: { ref_url: 'http://x' } }, issue(['testcase'], 'Value error, testcase name must be non-empty', 'value_error')],
    ['an empty testcase object', { outcome: 'passed', testcase: {} }, issue(['testcase'], 'Value error, testcase name must be non-empty', 'value_error')],
    ['no testcase', { outcome: 'passed' }, issue(['testcase'], 'Field required', 'missing')],
    ['no outcome', { testcase: 'dist.depcheck' }, issue(['outcome'], 'Field required', 'missing')],
    [
      'an unknown outcome',
      { testcase: 'dist.depcheck', outcome: 'AMAZING' },
      issue(['outcome'], 'Value error, must be one of: PASSED, FAILED, INFO, NEEDS_INSPECTION, ERROR, QUEUED, RUNNING, ABORTED', 'value_error'),
    ],
    [
      'a bad submit_time',
      { ...ok, submit_time: 'now' },
      issue(['submit_time'], "Value error, Expected timestamp in milliseconds or datetime (in format YYYY-MM-DDTHH:MM:SS.ffffff), got 'now'", 'value_error'),
    ],
  ])('%s: 400 {"validation_error": [...]}', async (_, body, expected) => {
    const answer = await post(server, '/api/v2.0/results', body);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ validation_error: [expected] });
  });

  it.each([
    ['a colon in a data key', { ...ok, data: { ...ok.data, 'a:b': 'c' } }, "Colon not allowed in key name: ['a:b']"],
    ['a NUL character in a note', { ...ok, note: 'a\u0000b' }, 'note: must not contain NUL characters'],
    ['a NUL character in data', { ...ok, data: { ...ok.data, k: 'a\u0000' } }, 'data.k: must not contain NUL characters'],
    ['a line break in a testcase name', { ...ok, testcase: 'dist.\ndepcheck' }, /^testcase\.name: must not contain control characters \(found U\+000A/],
    ['a testcase name over 255 characters', { ...ok, testcase: 'x'.repeat(256) }, 'testcase.name: is 256 characters long; at most 255 are allowed'],
    ['a ref_url over 2048 characters', { ...ok, ref_url: `/${'l'.repeat(2048)}` }, 'ref_url: is 2049 characters long; at most 2048 are allowed'],
    ['a note over 64 KiB', { ...ok, note: 'n'.repeat(64 * 1024 + 1) }, 'note: is 65537 bytes; at most 65536 (64 KiB) are allowed'],
  ])('%s: 400 {"message": ...}', async (_, body, message) => {
    const answer = await post(server, '/api/v2.0/results', body);
    expect(answer.status).toBe(400);
    const got = (answer.body as { message: string }).message;
    expect(Object.keys(answer.body as object)).toEqual(['message']);
    if (typeof message === 'string') expect(got).toBe(message);
    else expect(got).toMatch(message);
  });

  it('a body that is not JSON is 400 with a message; nothing was written', async () => {
    const before = await get(server, '/api/v2.0/results?limit=1000');
    const answer = await post(server, '/api/v2.0/results', undefined, { raw: '{"testcase": ' });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ message: 'Bad request: the body is not JSON' });
    const after = await get(server, '/api/v2.0/results?limit=1000');
    expect((after.body as { data: unknown[] }).data.length).toBe((before.body as { data: unknown[] }).data.length);
  });

  it('a body over RESULTSBUS_MAX_BODY_BYTES is 413', async () => {
    const small = await startServer({ env: { RESULTSBUS_MAX_BODY_BYTES: '1000' } });
    try {
      const answer = await post(small, '/api/v2.0/results', { ...ok, note: 'n'.repeat(2000) });
      expect(answer.status).toBe(413);
      expect(answer.body).toEqual({ message: 'the request body is over 1000 bytes (RESULTSBUS_MAX_BODY_BYTES)' });
    } finally {
      await small.close();
    }
  });

  it('an unknown path is 404 {"message": "Not found"}, a wrong method 405', async () => {
    const missing = await get(server, '/api/v2.0/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: 'Not found' });
    const wrong = await post(server, '/api/v2.0/results/latest', {});
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    const put = await rest(server, 'PUT', '/api/v2.0/results', {});
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
  });
});

describe('links behind a proxy', () => {
  it('with RESULTSBUS_PUBLIC_URL set, every href and paging link is on it, not on the Host the request came to', async () => {
    const proxied = await startServer({ env: { RESULTSBUS_PUBLIC_URL: 'https://resultsdb.example.org/' } });
    try {
      const created = await post(proxied, '/api/v2.0/results', { testcase: 'dist.linked', outcome: 'PASSED', data: { item: 'link-1-1', type: 'koji_build' } });
      expect(created.status).toBe(201);
      const id = (created.body as { id: number }).id;
      expect(created.body).toMatchObject({
        href: `https://resultsdb.example.org/api/v2.0/results/${id}`,
        testcase: { href: 'https://resultsdb.example.org/api/v2.0/testcases/dist.linked' },
      });
      await post(proxied, '/api/v2.0/results', { testcase: 'dist.linked', outcome: 'FAILED', data: { item: 'link-1-1', type: 'koji_build' } });
      const page = await get(proxied, '/api/v2.0/results?testcases=dist.linked&limit=1');
      expect((page.body as { next: string | null }).next).toBe('https://resultsdb.example.org/api/v2.0/results?testcases=dist.linked&limit=1&page=1');
    } finally {
      await proxied.close();
    }
  });
});
