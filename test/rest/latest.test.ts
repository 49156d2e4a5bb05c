/**
 * `GET /api/v2.0/results/latest` where its semantics are subtle, each
 * expectation worked out from ResultsDB's `get_results_latest`
 * (resultsdb/controllers/api_v2.py):
 *
 * - with `_distinct_on`, the query outer-joins one `result_data` row per
 *   stored value of each key and takes `DISTINCT ON (testcase_name, value,
 *   ...)` ordered by `submit_time DESC`: a result counts once per value, so
 *   one whose `scenario` lists two values can win both groups and then
 *   appears twice; the winners are sorted by `submit_time`, newest first,
 *   with a stable sort (ties keep the testcase-name-then-values order);
 * - without it, the query joins each testcase's `max(submit_time)`: every
 *   result at that time is returned, ties included;
 * - "latest" is by `submit_time`, which a client may set in the past, not by
 *   the order results were recorded in;
 * - a result with no subject (no task state here) is found by its `data`.
 *
 * Greenwave's `_distinct_on` keys are variant keys, so resultsbus answers
 * it from each task state's newest result; a key outside the variant
 * reads the states' results. Both must give ResultsDB's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post } from '../helpers/rest.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const ids: Record<string, number> = {};

const BUILD = 'latest-1.0-1.fc41';
const SUBJECTLESS = 'loose-2.0-1.fc41';

interface Seed {
  name: string;
  testcase: string;
  at: string;
  data: Record<string, string | string[]>;
  outcome?: string;
}

const seeds: Seed[] = [
  // One state (scenario [a, b]) whose newest result covers both a and b.
  { name: 'ab', testcase: 'openqa.install', at: '2026-03-01T00:00:05.000000', data: { item: BUILD, type: 'koji_build', scenario: ['a', 'b'] } },
  // Another state, older: loses a to `ab`.
  { name: 'a', testcase: 'openqa.install', at: '2026-03-01T00:00:03.000000', data: { item: BUILD, type: 'koji_build', scenario: 'a' } },
  // A third, newer than `ab`, on c only.
  { name: 'c', testcase: 'openqa.install', at: '2026-03-01T00:00:06.000000', data: { item: BUILD, type: 'koji_build', scenario: 'c' } },
  // Posted after `late` but submitted before it: `late` stays the latest of their state.
  { name: 'late', testcase: 'dist.rpmlint', at: '2026-03-01T00:00:09.000000', data: { item: BUILD, type: 'koji_build', run: '1' } },
  { name: 'backfilled', testcase: 'dist.rpmlint', at: '2026-03-01T00:00:01.000000', data: { item: BUILD, type: 'koji_build', run: '2' } },
  // Two results of one testcase at one submit time, in two states.
  { name: 'tieX', testcase: 'dist.tie', at: '2026-03-01T00:00:04.000000', data: { item: BUILD, type: 'koji_build', arch: 'x86_64' } },
  { name: 'tieY', testcase: 'dist.tie', at: '2026-03-01T00:00:04.000000', data: { item: BUILD, type: 'koji_build', arch: 'aarch64' } },
  // Results with no subject (an item but no type): stored without a task state.
  { name: 'looseOld', testcase: 'openqa.install', at: '2026-03-01T00:00:02.000000', data: { item: SUBJECTLESS, scenario: 'a' } },
  { name: 'looseNew', testcase: 'openqa.install', at: '2026-03-01T00:00:07.000000', data: { item: SUBJECTLESS, scenario: 'a' } },
];

beforeAll(async () => {
  server = await startServer();
  for (const seed of seeds) {
    const answer = await post(server, '/api/v2.0/results', {
      testcase: seed.testcase,
      outcome: seed.outcome ?? 'PASSED',
      submit_time: seed.at,
      data: seed.data,
    });
    if (answer.status !== 201) throw new Error(`seed ${seed.name}: ${answer.text}`);
    ids[seed.name] = (answer.body as { id: number }).id;
  }
});
afterAll(async () => {
  await server.close();
});

/** The seeds an answer lists, in its order. */
async function latest(query: string): Promise<string[]> {
  const answer = await get(server, `/api/v2.0/results/latest?${query}`);
  expect(answer.status, answer.text).toBe(200);
  const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  return (answer.body as { data: Array<{ id: number }> }).data.map((r) => byId.get(r.id) ?? `?${r.id}`);
}

describe('GET /results/latest, ResultsDB semantics', () => {
  it('_distinct_on counts a result once per value: a result listing two scenarios wins both, and is listed twice', async () => {
    // Groups: (install, a) -> ab (5 beats a at 3), (install, b) -> ab, (install, c) -> c.
    // Sorted by submit_time: c (6), then ab, ab (5, 5).
    expect(await latest(`item=${BUILD}&type=koji_build&testcases=openqa.install&_distinct_on=scenario`)).toEqual(['c', 'ab', 'ab']);
    // Greenwave's three keys: system_architecture and system_variant are missing everywhere, one value of their own.
    expect(await latest(`item=${BUILD}&type=koji_build&testcases=openqa.install&_distinct_on=scenario,system_architecture,system_variant`)).toEqual([
      'c',
      'ab',
      'ab',
    ]);
  });

  it('is newest by submit_time, not by the order of recording', async () => {
    expect(await latest(`item=${BUILD}&type=koji_build&testcases=dist.rpmlint&_distinct_on=scenario`)).toEqual(['late']);
    // As of a time before `late`: the backfilled result is the latest then.
    expect(
      await latest(`item=${BUILD}&type=koji_build&testcases=dist.rpmlint&_distinct_on=scenario&since=1900-01-01T00:00:00.000000,2026-03-01T00:00:02.000000`),
    ).toEqual(['backfilled']);
  });

  it('a key outside the variant splits the results of one state, as ResultsDB does', async () => {
    // run is no variant key: late and backfilled are one task state, but two values of run.
    expect(await latest(`item=${BUILD}&type=koji_build&testcases=dist.rpmlint&_distinct_on=run`)).toEqual(['late', 'backfilled']);
    // And a non-variant key on the scenarios gives the same answer as the variant key did.
    expect(await latest(`item=${BUILD}&type=koji_build&testcases=openqa.install&_distinct_on=scenario,run`)).toEqual(['c', 'ab', 'ab']);
  });

  it('without _distinct_on, every result at the testcase\'s newest submit_time, ties included', async () => {
    expect((await latest(`item=${BUILD}&type=koji_build&testcases=dist.tie`)).sort()).toEqual(['tieX', 'tieY']);
    // With it, one per group: the arch keeps them apart.
    expect((await latest(`item=${BUILD}&type=koji_build&testcases=dist.tie&_distinct_on=arch`)).sort()).toEqual(['tieX', 'tieY']);
    expect(await latest(`item=${BUILD}&type=koji_build&testcases=openqa.install`)).toEqual(['c']);
  });

  it('finds results with no subject by the item their data names, in /results and /results/latest', async () => {
    expect(await latest(`item=${SUBJECTLESS}&_distinct_on=scenario`)).toEqual(['looseNew']);
    expect(await latest(`item=${SUBJECTLESS}`)).toEqual(['looseNew']);
    expect(await latest(`item:like=loose-*&_distinct_on=scenario`)).toEqual(['looseNew']);
    const listed = await get(server, `/api/v2.0/results?item=${SUBJECTLESS}`);
    expect((listed.body as { data: Array<{ id: number }> }).data.map((r) => r.id)).toEqual([ids['looseNew'], ids['looseOld']]);
    // A type filter: they have none, so they do not match it.
    expect(await latest(`item=${SUBJECTLESS}&type=koji_build&_distinct_on=scenario`)).toEqual([]);
    // Both kinds in one answer, an OR of a build and the subjectless item: the groups are per testcase and
    // scenario, not per item, so looseNew (7) takes a from ab (5); b stays ab's, c c's (6).
    expect(await latest(`item=${BUILD},${SUBJECTLESS}&testcases=openqa.install&_distinct_on=scenario`)).toEqual(['looseNew', 'c', 'ab']);
  });
});
