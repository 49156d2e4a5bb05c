/**
 * `GET /api/v2.0/results` and `/results/latest` with ResultsDB's filters
 * (resultsdb/controllers/api_v2.py `select_results`, `get_results_latest`,
 * `prev_next_urls`): comma lists are OR, several parameters AND, `:like`
 * takes `*`, `since` is inclusive, `_distinct_on` splits by data values;
 * and the requests Greenwave makes (greenwave/resources.py ResultsRetriever).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post } from '../helpers/rest.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
/** Result ids by name, in the order they were posted (not their submit_time order). */
const ids: Record<string, number> = {};

const NVR = 'pkg-1.0-1.fc26';
const COMPOSE = 'Fedora-26-20170705.0';

interface Seed {
  name: string;
  testcase: string;
  outcome: string;
  at: string;
  data: Record<string, string | string[]>;
  groups?: string[];
}

// Posted out of time order: the answers must follow submit_time, not ids.
const seeds: Seed[] = [
  { name: 'rpmlint', testcase: 'dist.rpmlint', outcome: 'PASSED', at: '2026-01-01T00:00:03.000000', data: { item: NVR, type: 'koji_build' } },
  { name: 'depcheckFailed', testcase: 'dist.depcheck', outcome: 'FAILED', at: '2026-01-01T00:00:01.000000', data: { item: NVR, type: 'koji_build' }, groups: ['g-1'] },
  { name: 'depcheckPassed', testcase: 'dist.depcheck', outcome: 'PASSED', at: '2026-01-01T00:00:02.000000', data: { item: NVR, type: 'koji_build' }, groups: ['g-1', 'g-2'] },
  { name: 'brew', testcase: 'dist.depcheck', outcome: 'INFO', at: '2026-01-01T00:00:04.000000', data: { item: NVR, type: 'brew-build' } },
  { name: 'other', testcase: 'dist.depcheck', outcome: 'FAILED', at: '2026-01-01T00:00:05.000000', data: { item: 'other-2.0-1.fc26', type: 'koji_build' } },
  { name: 'scenarioA1', testcase: 'compose.install', outcome: 'PASSED', at: '2026-01-01T00:00:06.000000', data: { item: COMPOSE, type: 'compose', 'productmd.compose.id': COMPOSE, scenario: 'a' } },
  { name: 'scenarioB', testcase: 'compose.install', outcome: 'FAILED', at: '2026-01-01T00:00:07.000000', data: { item: COMPOSE, type: 'compose', 'productmd.compose.id': COMPOSE, scenario: 'b' } },
  { name: 'scenarioA2', testcase: 'compose.install', outcome: 'FAILED', at: '2026-01-01T00:00:08.000000', data: { item: COMPOSE, type: 'compose', 'productmd.compose.id': COMPOSE, scenario: ['a'] } },
  { name: 'noScenario', testcase: 'compose.install', outcome: 'PASSED', at: '2026-01-01T00:00:09.000000', data: { item: COMPOSE, type: 'compose', 'productmd.compose.id': COMPOSE } },
];

beforeAll(async () => {
  server = await startServer();
  base = `${server.url}/api/v2.0`;
  for (const seed of seeds) {
    const answer = await post(server, '/api/v2.0/results', {
      testcase: seed.testcase,
      outcome: seed.outcome,
      submit_time: seed.at,
      data: seed.data,
      groups: seed.groups ?? [],
    });
    if (answer.status !== 201) throw new Error(`seed ${seed.name}: ${answer.text}`);
    ids[seed.name] = (answer.body as { id: number }).id;
  }
});
afterAll(async () => {
  await server.close();
});

interface Page {
  data: Array<{ id: number; submit_time: string; testcase: { name: string } }>;
  prev?: string | null;
  next?: string | null;
}

/** The names of the seeds a list answer holds, in its order. */
function names(page: unknown): string[] {
  const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  return (page as Page).data.map((r) => byId.get(r.id) ?? `?${r.id}`);
}

async function list(path: string): Promise<string[]> {
  const answer = await get(server, path);
  expect(answer.status, answer.text).toBe(200);
  return names(answer.body);
}

describe('GET /results', () => {
  it('lists newest submit_time first, with prev and next null on a single page', async () => {
    const answer = await get(server, '/api/v2.0/results');
    expect(answer.status).toBe(200);
    const page = answer.body as Page;
    expect(Object.keys(page).sort()).toEqual(['data', 'next', 'prev']);
    expect(page.prev).toBeNull();
    expect(page.next).toBeNull();
    expect(names(page)).toEqual(['noScenario', 'scenarioA2', 'scenarioB', 'scenarioA1', 'other', 'brew', 'rpmlint', 'depcheckPassed', 'depcheckFailed']);
    expect(page.data[0]).toEqual({
      id: ids['noScenario'],
      href: `${base}/results/${ids['noScenario']}`,
      testcase: { name: 'compose.install', ref_url: null, href: `${base}/testcases/compose.install` },
      outcome: 'PASSED',
      note: null,
      ref_url: null,
      submit_time: '2026-01-01T00:00:09.000000',
      groups: [],
      data: { item: [COMPOSE], type: ['compose'], 'productmd.compose.id': [COMPOSE] },
    });
  });

  it('pages with page and limit, and links prev and next from the URL asked for', async () => {
    const first = await get(server, '/api/v2.0/results?limit=4');
    expect(names(first.body)).toEqual(['noScenario', 'scenarioA2', 'scenarioB', 'scenarioA1']);
    expect((first.body as Page).prev).toBeNull();
    expect((first.body as Page).next).toBe(`${base}/results?limit=4&page=1`);

    const second = await get(server, '/api/v2.0/results?limit=4&page=1');
    expect(names(second.body)).toEqual(['other', 'brew', 'rpmlint', 'depcheckPassed']);
    expect((second.body as Page).prev).toBe(`${base}/results?limit=4&page=0`);
    expect((second.body as Page).next).toBe(`${base}/results?limit=4&page=2`);

    const last = await get(server, '/api/v2.0/results?page=2&limit=4&outcome=');
    expect(names(last.body)).toEqual(['depcheckFailed']);
    expect((last.body as Page).prev).toBe(`${base}/results?page=1&limit=4&outcome=`);
    expect((last.body as Page).next).toBeNull();

    // ResultsDB's pydantic parser knows no `callback` (JSONP): like any unknown parameter, a data filter.
    expect(names((await get(server, '/api/v2.0/results?testcases=dist.depcheck&callback=cb')).body)).toEqual([]);
  });

  it('filters: comma lists OR, several keys AND, :like with *, outcome in any case', async () => {
    expect(await list('/api/v2.0/results?testcases=dist.rpmlint,dist.depcheck&type=koji_build')).toEqual([
      'other',
      'rpmlint',
      'depcheckPassed',
      'depcheckFailed',
    ]);
    expect(await list('/api/v2.0/results?testcases:like=dist.*')).toEqual(['other', 'brew', 'rpmlint', 'depcheckPassed', 'depcheckFailed']);
    expect(await list('/api/v2.0/results?testcases:like=*.rpm*,compose.*&outcome=failed')).toEqual(['scenarioA2', 'scenarioB']);
    expect(await list(`/api/v2.0/results?item=${NVR}&type=koji_build,brew-build`)).toEqual(['brew', 'rpmlint', 'depcheckPassed', 'depcheckFailed']);
    expect(await list(`/api/v2.0/results?item=${NVR}&type=brew-build`)).toEqual(['brew']);
    expect(await list('/api/v2.0/results?item:like=other-*')).toEqual(['other']);
    expect(await list('/api/v2.0/results?outcome=PASSED,info&testcases=dist.depcheck')).toEqual(['brew', 'depcheckPassed']);
    // A data key that is a string in one result and a list in another.
    expect(await list('/api/v2.0/results?scenario=a')).toEqual(['scenarioA2', 'scenarioA1']);
    expect(await list('/api/v2.0/results?scenario:like=*&testcases=compose.install')).toEqual(['scenarioA2', 'scenarioB', 'scenarioA1']);
    expect(await list(`/api/v2.0/results?productmd.compose.id=${COMPOSE}&scenario=b,a`)).toEqual(['scenarioA2', 'scenarioB', 'scenarioA1']);
    expect(await list('/api/v2.0/results?groups=g-2')).toEqual(['depcheckPassed']);
    expect(await list('/api/v2.0/results?groups=g-2,g-1')).toEqual(['depcheckPassed', 'depcheckFailed']);
    expect(await list('/api/v2.0/results?nvr=nothing')).toEqual([]);
  });

  it('since: START, or START,END, both inclusive, the zone dropped as ResultsDB drops it', async () => {
    expect(await list('/api/v2.0/results?testcases=dist.depcheck&since=2026-01-01T00:00:04.000000')).toEqual(['other', 'brew']);
    expect(await list('/api/v2.0/results?since=2026-01-01T00:00:02,2026-01-01T00:00:04.000000')).toEqual(['brew', 'rpmlint', 'depcheckPassed']);
    expect(await list('/api/v2.0/results?since=2026-01-01T00:00:02.000000%2B05:00,2026-01-01T00:00:03Z')).toEqual(['rpmlint', 'depcheckPassed']);
    expect(await list('/api/v2.0/results?since=2026-01-02')).toEqual([]);
  });

  it('_sort=asc:submit_time turns the order round', async () => {
    expect(await list('/api/v2.0/results?testcases=dist.depcheck&_sort=asc:submit_time')).toEqual(['depcheckFailed', 'depcheckPassed', 'brew', 'other']);
  });

  it('refuses a bad since, outcome or limit with ResultsDB\'s validation_error', async () => {
    const since = await get(server, '/api/v2.0/results?since=yesterday');
    expect(since.status).toBe(400);
    expect(since.body).toEqual({ validation_error: [{ loc: ['since'], msg: 'Value error, must be in ISO8601 format', type: 'value_error', input: 'yesterday' }] });
    const outcome = await get(server, '/api/v2.0/results?outcome=PASSED,GREAT');
    expect(outcome.status).toBe(400);
    expect(outcome.body).toEqual({
      validation_error: [
        {
          loc: ['outcome'],
          msg: 'Value error, must be one of: PASSED, FAILED, INFO, NEEDS_INSPECTION, ERROR, QUEUED, RUNNING, ABORTED',
          type: 'value_error',
          input: 'PASSED,GREAT',
        },
      ],
    });
    const limit = await get(server, '/api/v2.0/results?limit=ten');
    expect(limit.status).toBe(400);
    expect(limit.body).toEqual({
      validation_error: [{ loc: ['limit'], msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing', input: 'ten' }],
    });
  });

  it('refuses a NUL character in a query with a message (the database would fail on it)', async () => {
    const answer = await get(server, '/api/v2.0/results?item=a%00b');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ message: 'item: must not contain NUL characters' });
  });
});

describe('GET /results/latest', () => {
  it('the newest result per testcase, newest first, not paged; outcome does not apply', async () => {
    const answer = await get(server, `/api/v2.0/results/latest?item=${NVR}&type=koji_build&outcome=FAILED`);
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body as object)).toEqual(['data']);
    expect(names(answer.body)).toEqual(['rpmlint', 'depcheckPassed']);
  });

  it("answers Greenwave's build query: item, type OR-list, testcases, _distinct_on", async () => {
    const query = `item=${NVR}&type=koji_build,brew-build&_distinct_on=scenario,system_architecture,system_variant&testcases=dist.depcheck`;
    const answer = await get(server, `/api/v2.0/results/latest?${query}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: [
        {
          id: ids['brew'],
          href: `${base}/results/${ids['brew']}`,
          testcase: { name: 'dist.depcheck', ref_url: null, href: `${base}/testcases/dist.depcheck` },
          outcome: 'INFO',
          note: null,
          ref_url: null,
          submit_time: '2026-01-01T00:00:04.000000',
          groups: [],
          data: { item: [NVR], type: ['brew-build'] },
        },
      ],
    });
    // The same question "as of" a time, as Greenwave asks it.
    const asOf = await get(server, `/api/v2.0/results/latest?${query}&since=1900-01-01T00:00:00.000000,2026-01-01T00:00:02.500000`);
    expect(names(asOf.body)).toEqual(['depcheckPassed']);
    // Greenwave's second query for builds, and its query for composes.
    expect(await list(`/api/v2.0/results/latest?original_spec_nvr=${NVR}&_distinct_on=scenario,system_architecture,system_variant&testcases=dist.depcheck`)).toEqual([]);
    expect(await list(`/api/v2.0/results/latest?productmd.compose.id=${COMPOSE}&_distinct_on=scenario,system_architecture,system_variant`)).toEqual([
      'noScenario',
      'scenarioA2',
      'scenarioB',
    ]);
  });

  it('_distinct_on splits by data value, a missing key being a value of its own', async () => {
    expect(await list(`/api/v2.0/results/latest?item=${COMPOSE}&_distinct_on=scenario`)).toEqual(['noScenario', 'scenarioA2', 'scenarioB']);
    expect(await list(`/api/v2.0/results/latest?item=${COMPOSE}`)).toEqual(['noScenario']);
  });

  it('_distinct_on with no other filter is 400, as in ResultsDB', async () => {
    const answer = await get(server, '/api/v2.0/results/latest?_distinct_on=scenario');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ message: "Please, provide at least one filter beside '_distinct_on'" });
  });

  it('an empty match is 200 {"data": []}', async () => {
    const answer = await get(server, '/api/v2.0/results/latest?item=nothing-1-1&type=koji_build&testcases=dist.depcheck');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: [] });
  });

  it('answers a doubled slash as the single one', async () => {
    const query = `item=${NVR}&type=koji_build&testcases=dist.depcheck`;
    const single = await get(server, `/api/v2.0/results/latest?${query}`);
    const doubled = await get(server, `//api/v2.0/results/latest?${query}`);
    expect(doubled.status).toBe(200);
    expect(doubled.body).toEqual(single.body);
    expect((await get(server, `/api//v2.0//results/${ids['rpmlint']}`)).status).toBe(200);
  });
});
