/**
 * Greenwave's questions, per subject type, as it asks them
 * (greenwave/resources.py ResultsRetriever and conf/subject_types/*.yaml;
 * ../shared/spec/resultsdb-v2.md "Greenwave's queries per subject"):
 *
 * - koji_build (alias brew-build): `item=NVR&type=koji_build,brew-build`,
 *   then `original_spec_nvr=NVR`;
 * - compose: `productmd.compose.id=ID` (an id with dots, results with no item);
 * - redhat-container-image: `nvr=NVR&type=redhat-container-image`, then
 *   `item=NVR&type=koji_build`;
 * - bodhi_update, redhat-module and everything else: `item=ID&type=T`;
 *
 * each with `testcases=` and `_distinct_on=scenario,system_architecture,system_variant`,
 * and "as of" a time with `since=1900-01-01T00:00:00.000000,WHEN`. The
 * answer must be the latest result per testcase and per scenario, newest
 * first; a URL built with a doubled slash must reach the same endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post } from '../helpers/rest.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const ids: Record<string, number> = {};
const DISTINCT = '_distinct_on=scenario,system_architecture,system_variant';

const NVR = 'python-requests-2.32.3-1.fc41';
const REBUILD = 'python-requests-2.32.3-1.el10';
const COMPOSE = 'Fedora-Rawhide-20261201.n.0';
const CONTAINER = 'ubi9-container-9.5-1234';
const UPDATE = 'FEDORA-2026-a1b2c3d4e5';
const MODULE = 'nodejs-20-9050020241201-c9f6e1d2';

interface Seed {
  name: string;
  testcase: string;
  outcome: string;
  at: string;
  data: Record<string, string | string[]>;
}

const seeds: Seed[] = [
  // koji_build: two runs of one testcase, the later one FAILED; a brew-build result; a rebuild naming its original.
  { name: 'tier0Old', testcase: 'fedora-ci.koji-build.tier0.functional', outcome: 'PASSED', at: '2026-12-01T10:00:00.000000', data: { item: NVR, type: 'koji_build' } },
  { name: 'tier0New', testcase: 'fedora-ci.koji-build.tier0.functional', outcome: 'FAILED', at: '2026-12-01T12:00:00.000000', data: { item: NVR, type: 'koji_build' } },
  { name: 'brew', testcase: 'osci.brew-build.rpmdeplint.functional', outcome: 'PASSED', at: '2026-12-01T11:00:00.000000', data: { item: NVR, type: 'brew-build' } },
  { name: 'rebuild', testcase: 'osci.brew-build.tier0.functional', outcome: 'PASSED', at: '2026-12-01T13:00:00.000000', data: { item: REBUILD, type: 'brew-build', original_spec_nvr: NVR } },
  // compose: openQA, per scenario (two of them), no item.
  { name: 'composeA', testcase: 'compose.install_default', outcome: 'PASSED', at: '2026-12-01T09:00:00.000000', data: { 'productmd.compose.id': COMPOSE, scenario: 'fedora.Server-dvd-iso.x86_64.64bit', system_architecture: 'x86_64' } },
  { name: 'composeB', testcase: 'compose.install_default', outcome: 'FAILED', at: '2026-12-01T09:30:00.000000', data: { 'productmd.compose.id': COMPOSE, scenario: 'fedora.Workstation-live-iso.x86_64.64bit', system_architecture: 'x86_64' } },
  { name: 'composeA2', testcase: 'compose.install_default', outcome: 'FAILED', at: '2026-12-01T10:30:00.000000', data: { 'productmd.compose.id': COMPOSE, scenario: 'fedora.Server-dvd-iso.x86_64.64bit', system_architecture: 'x86_64' } },
  // redhat-container-image: by nvr, and the koji_build of the same NVR.
  { name: 'container', testcase: 'cvp.redhat.detailed', outcome: 'PASSED', at: '2026-12-01T08:00:00.000000', data: { nvr: CONTAINER, type: 'redhat-container-image' } },
  { name: 'containerBuild', testcase: 'cvp.redhat.detailed', outcome: 'NEEDS_INSPECTION', at: '2026-12-01T08:30:00.000000', data: { item: CONTAINER, type: 'koji_build' } },
  // bodhi_update: two system_variants of one testcase.
  { name: 'updateServer', testcase: 'update.install_default_update_netinst', outcome: 'PASSED', at: '2026-12-01T07:00:00.000000', data: { item: UPDATE, type: 'bodhi_update', system_variant: 'Server' } },
  { name: 'updateEverything', testcase: 'update.install_default_update_netinst', outcome: 'FAILED', at: '2026-12-01T07:10:00.000000', data: { item: UPDATE, type: 'bodhi_update', system_variant: 'Everything' } },
  // redhat-module.
  { name: 'module', testcase: 'osci.redhat-module.tier0.functional', outcome: 'PASSED', at: '2026-12-01T06:00:00.000000', data: { item: MODULE, type: 'redhat-module' } },
];

beforeAll(async () => {
  server = await startServer();
  for (const seed of seeds) {
    const answer = await post(server, '/api/v2.0/results', { testcase: { name: seed.testcase }, outcome: seed.outcome, submit_time: seed.at, data: seed.data, ref_url: null, note: '' });
    if (answer.status !== 201) throw new Error(`seed ${seed.name}: ${answer.text}`);
    ids[seed.name] = (answer.body as { id: number }).id;
  }
});
afterAll(async () => {
  await server.close();
});

interface Latest {
  data: Array<{ id: number; outcome: string; submit_time: string; testcase: { name: string }; data: Record<string, string[]> }>;
}

/** Asks `/api/v2.0/results/latest?query` (through `prefix`, as Greenwave joins its base URL) and names the seeds of the answer. */
async function ask(query: string, prefix = '/api/v2.0'): Promise<string[]> {
  const answer = await get(server, `${prefix}/results/latest?${query}`);
  expect(answer.status, answer.text).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  const body = answer.body as Latest;
  // Newest first, always.
  const times = body.data.map((r) => r.submit_time);
  expect(times).toEqual([...times].sort().reverse());
  return body.data.map((r) => byId.get(r.id) ?? `?${r.id}`);
}

describe("Greenwave's queries per subject type", () => {
  it('koji_build: item with the type OR-list, then original_spec_nvr; the latest run of each testcase', async () => {
    const testcases = 'fedora-ci.koji-build.tier0.functional,osci.brew-build.rpmdeplint.functional,osci.brew-build.tier0.functional';
    expect(await ask(`item=${NVR}&type=koji_build,brew-build&testcases=${testcases}&${DISTINCT}`)).toEqual(['tier0New', 'brew']);
    expect(await ask(`original_spec_nvr=${NVR}&testcases=${testcases}&${DISTINCT}`)).toEqual(['rebuild']);
    // One testcase a request, as Greenwave also asks.
    expect(await ask(`item=${NVR}&type=koji_build,brew-build&testcases=fedora-ci.koji-build.tier0.functional&${DISTINCT}`)).toEqual(['tier0New']);
    // As of 11:30: the FAILED run had not happened.
    expect(await ask(`item=${NVR}&type=koji_build,brew-build&testcases=${testcases}&${DISTINCT}&since=1900-01-01T00:00:00.000000,2026-12-01T11:30:00.000000`)).toEqual([
      'brew',
      'tier0Old',
    ]);
    // The full object, as ResultsDB serialises it.
    const answer = await get(server, `/api/v2.0/results/latest?original_spec_nvr=${NVR}&${DISTINCT}`);
    const base = `${server.url}/api/v2.0`;
    expect(answer.body).toEqual({
      data: [
        {
          id: ids['rebuild'],
          href: `${base}/results/${ids['rebuild']}`,
          testcase: { name: 'osci.brew-build.tier0.functional', ref_url: null, href: `${base}/testcases/osci.brew-build.tier0.functional` },
          outcome: 'PASSED',
          note: '',
          ref_url: null,
          submit_time: '2026-12-01T13:00:00.000000',
          groups: [],
          data: { item: [REBUILD], type: ['brew-build'], original_spec_nvr: [NVR] },
        },
      ],
    });
  });

  it('compose: productmd.compose.id with dots; the latest per scenario', async () => {
    expect(await ask(`productmd.compose.id=${COMPOSE}&testcases=compose.install_default&${DISTINCT}`)).toEqual(['composeA2', 'composeB']);
    // As of 10:00, scenario A's first run was its latest.
    expect(await ask(`productmd.compose.id=${COMPOSE}&testcases=compose.install_default&${DISTINCT}&since=1900-01-01T00:00:00.000000,2026-12-01T10:00:00.000000`)).toEqual([
      'composeB',
      'composeA',
    ]);
  });

  it('redhat-container-image: by nvr and type, then as the koji_build of the NVR', async () => {
    expect(await ask(`nvr=${CONTAINER}&type=redhat-container-image&testcases=cvp.redhat.detailed&${DISTINCT}`)).toEqual(['container']);
    expect(await ask(`item=${CONTAINER}&type=koji_build&testcases=cvp.redhat.detailed&${DISTINCT}`)).toEqual(['containerBuild']);
  });

  it('bodhi_update and redhat-module: item and type; the latest per system_variant', async () => {
    expect(await ask(`item=${UPDATE}&type=bodhi_update&testcases=update.install_default_update_netinst&${DISTINCT}`)).toEqual([
      'updateEverything',
      'updateServer',
    ]);
    expect(await ask(`item=${MODULE}&type=redhat-module&testcases=osci.redhat-module.tier0.functional&${DISTINCT}`)).toEqual(['module']);
  });

  it('a subject with no results, and a testcase with none, answer {"data": []} with 200', async () => {
    expect(await ask(`item=nothing-1.0-1.fc41&type=koji_build,brew-build&testcases=fedora-ci.koji-build.tier0.functional&${DISTINCT}`)).toEqual([]);
    expect(await ask(`item=${NVR}&type=koji_build,brew-build&testcases=no.such.testcase&${DISTINCT}`)).toEqual([]);
  });

  it('the base URL joined with a trailing slash (//api/v2.0/...) reaches the same answers', async () => {
    const query = `item=${NVR}&type=koji_build,brew-build&testcases=fedora-ci.koji-build.tier0.functional&${DISTINCT}`;
    expect(await ask(query, '//api/v2.0')).toEqual(await ask(query));
    expect(await ask(`productmd.compose.id=${COMPOSE}&${DISTINCT}`, '//api/v2.0')).toEqual(['composeA2', 'composeB']);
  });
});
