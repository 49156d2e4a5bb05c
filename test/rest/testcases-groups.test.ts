/**
 * `/api/v2.0/testcases`, `/groups`, their `.../results`, `/healthcheck` and
 * the landing document, as resultsdb/controllers/api_v2.py answers them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post } from '../helpers/rest.ts';
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

const TESTCASE = 'fedora-ci.koji-build./plans/basic.functional';

describe('testcases', () => {
  it('POST /testcases creates (201), POST again updates ref_url, GET by a name with slashes', async () => {
    const created = await post(server, '/api/v2.0/testcases', { name: TESTCASE, ref_url: 'http://example.com/one' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: TESTCASE, ref_url: 'http://example.com/one', href: `${base}/testcases/${TESTCASE}` });
    const updated = await post(server, '/api/v2.0/testcases', { name: TESTCASE, ref_url: 'http://example.com/two' });
    expect(updated.status).toBe(201);
    expect((updated.body as { ref_url: string }).ref_url).toBe('http://example.com/two');
    // Without ref_url the testcase keeps its own.
    await post(server, '/api/v2.0/testcases', { name: TESTCASE });
    const read = await get(server, `/api/v2.0/testcases/${TESTCASE}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ name: TESTCASE, ref_url: 'http://example.com/two', href: `${base}/testcases/${TESTCASE}` });
  });

  it('GET /testcases/<unknown> is 404 {"message": "Testcase not found"}', async () => {
    for (const path of ['/api/v2.0/testcases/nope', '/api/v2.0/testcases/nope/results']) {
      const answer = await get(server, path);
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ message: 'Testcase not found' });
    }
  });

  it('POST /testcases refuses a missing or empty name with validation_error', async () => {
    const missing = await post(server, '/api/v2.0/testcases', { ref_url: 'http://example.com/x' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ validation_error: [{ loc: ['name'], msg: 'Field required', type: 'missing', input: { ref_url: 'http://example.com/x' } }] });
    const empty = await post(server, '/api/v2.0/testcases', { name: '' });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ validation_error: [{ loc: ['name'], msg: 'String should have at least 1 character', type: 'string_too_short', input: '' }] });
  });

  it('GET /testcases: by name, comma lists OR, name:like, ordered by name, paged', async () => {
    for (const name of ['dist.a', 'dist.b', 'dist.c', 'other.d']) expect((await post(server, '/api/v2.0/testcases', { name })).status).toBe(201);
    const all = await get(server, '/api/v2.0/testcases?limit=2');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      data: [
        { name: 'dist.a', ref_url: null, href: `${base}/testcases/dist.a` },
        { name: 'dist.b', ref_url: null, href: `${base}/testcases/dist.b` },
      ],
      prev: null,
      next: `${base}/testcases?limit=2&page=1`,
    });
    const names = async (query: string): Promise<string[]> =>
      ((await get(server, `/api/v2.0/testcases?${query}`)).body as { data: Array<{ name: string }> }).data.map((t) => t.name);
    expect(await names('name=dist.c,other.d')).toEqual(['dist.c', 'other.d']);
    expect(await names('name:like=dist.*')).toEqual(['dist.a', 'dist.b', 'dist.c']);
    // `name` wins over `name:like`, as in ResultsDB.
    expect(await names('name=other.d&name:like=dist.*')).toEqual(['other.d']);
  });

  it('GET /testcases/<name>/results: that testcase\'s results, paged like /results', async () => {
    const posted = await post(server, '/api/v2.0/results', { testcase: 'dist.a', outcome: 'PASSED', data: { item: 'x-1-1', type: 'koji_build' } });
    await post(server, '/api/v2.0/results', { testcase: 'dist.b', outcome: 'PASSED', data: { item: 'x-1-1', type: 'koji_build' } });
    const answer = await get(server, '/api/v2.0/testcases/dist.a/results');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: [posted.body], prev: null, next: null });
  });
});

describe('groups', () => {
  const uuid = '3ce5f6d7-ce34-489b-ab61-325ce634eab5';

  it('POST /groups creates (201) and updates; GET /groups/<uuid>; 404 for an unknown one', async () => {
    const created = await post(server, '/api/v2.0/groups', { uuid, description: 'Testing Group', ref_url: 'http://example.com/testing.group' });
    expect(created.status).toBe(201);
    const expected = {
      uuid,
      description: 'Testing Group',
      ref_url: 'http://example.com/testing.group',
      href: `${base}/groups/${uuid}`,
      results_count: 0,
      results: `${base}/results?groups=${uuid}`,
    };
    expect(created.body).toEqual(expected);
    const updated = await post(server, '/api/v2.0/groups', { uuid, description: 'Changed' });
    expect(updated.body).toEqual({ ...expected, description: 'Changed' });
    expect((await get(server, `/api/v2.0/groups/${uuid}`)).body).toEqual({ ...expected, description: 'Changed' });
    const missing = await get(server, '/api/v2.0/groups/missing');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: 'Group not found' });
    const missingResults = await get(server, '/api/v2.0/groups/missing/results');
    expect(missingResults.status).toBe(404);
    expect(missingResults.body).toEqual({ message: 'Group not found: missing' });
  });

  it('POST /groups without uuid (or with an empty one) makes one up', async () => {
    const created = await post(server, '/api/v2.0/groups', { description: 'anonymous' });
    expect(created.status).toBe(201);
    expect((created.body as { uuid: string }).uuid).toMatch(/^[0-9a-f-]{36}$/);
    const empty = await post(server, '/api/v2.0/groups', { uuid: '' });
    expect(empty.status).toBe(201);
    expect((empty.body as { uuid: string; description: unknown }).uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /groups: newest first, by uuid, description or description:like; results_count counts results', async () => {
    await post(server, '/api/v2.0/results', { testcase: 'dist.a', outcome: 'PASSED', data: { item: 'y-1-1', type: 'koji_build' }, groups: [uuid] });
    const byUuid = await get(server, `/api/v2.0/groups?uuid=${uuid}`);
    expect(byUuid.status).toBe(200);
    expect(byUuid.body).toEqual({
      data: [
        {
          uuid,
          description: 'Changed',
          ref_url: 'http://example.com/testing.group',
          href: `${base}/groups/${uuid}`,
          results_count: 1,
          results: `${base}/results?groups=${uuid}`,
        },
      ],
      prev: null,
      next: null,
    });
    const descriptions = async (query: string): Promise<unknown[]> =>
      ((await get(server, `/api/v2.0/groups?${query}`)).body as { data: Array<{ description: string }> }).data.map((g) => g.description);
    expect(await descriptions('')).toEqual([null, 'anonymous', 'Changed']);
    expect(await descriptions('description=Changed,nothing')).toEqual(['Changed']);
    expect(await descriptions('description:like=anon*')).toEqual(['anonymous']);
    const results = await get(server, `/api/v2.0/groups/${uuid}/results`);
    expect((results.body as { data: unknown[] }).data).toHaveLength(1);
  });
});

describe('landing and healthcheck', () => {
  it('GET /api/v2.0/ is ResultsDB\'s landing document, with its status 300', async () => {
    for (const path of ['/api/v2.0', '/api/v2.0/']) {
      const answer = await get(server, path);
      expect(answer.status).toBe(300);
      expect(answer.body).toEqual({
        message:
          'Everything is fine. But choose wisely, for while the true Grail will bring you life, the false Grail will take it from you.',
        documentation: 'http://docs.resultsdb20.apiary.io/',
        groups: `${base}/groups`,
        results: `${base}/results`,
        testcases: `${base}/testcases`,
        outcomes: ['PASSED', 'FAILED', 'INFO', 'NEEDS_INSPECTION', 'ERROR', 'QUEUED', 'RUNNING', 'ABORTED'],
      });
    }
  });

  it('GET /api/v2.0/healthcheck is 200 {"message": "Health check OK"}', async () => {
    const answer = await get(server, '/api/v2.0/healthcheck');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ message: 'Health check OK' });
    expect(answer.headers.get('x-request-id')).toBeTruthy();
  });

  it('REST requests are counted under route="/api/v2.0" in /metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toMatch(/resultsbus_http_request_duration_seconds_count\{method="GET",route="\/api\/v2\.0",status="200"\} [1-9]/);
  });
});
