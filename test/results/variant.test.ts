/**
 * The state key's variant (issue 12 §2 A): results of one testcase on one
 * build that differ in a variant key (arch, scenario, system_architecture,
 * system_variant by default) are states of their own, so two openQA
 * scenarios of one update do not flip one state on every alternation. Each
 * scenario emits on its own changes only, through GraphQL (one result a
 * call, and a batch) and
 * through REST; and a key shared by both APIs is one task state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { post } from '../helpers/rest.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const RecordOne = `
  mutation VariantRecord($input: RecordResultInput!) {
    recordResult(input: $input) { emitted emission { seq outcome prevOutcome } duplicateOf { seq } result { taskState { id } } }
  }
`;
const RecordMany = `
  mutation VariantRecordMany($inputs: [RecordResultInput!]!) {
    recordResults(inputs: $inputs) { results { resultId emission { seq } duplicateOf { seq } } emissions { seq outcome prevOutcome } }
  }
`;

interface One {
  recordResult: {
    emitted: boolean;
    emission: { seq: number; outcome: string; prevOutcome: string | null } | null;
    duplicateOf: { seq: number } | null;
    result: { taskState: { id: string } | null };
  };
}

interface State {
  testcase: string;
  arch: string | null;
  variant: Array<{ key: string; values: string[] }>;
  lastOutcome: string;
  emittedOutcome: string;
  resultCount: number;
  emissionCount: number;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const UPDATE = 'FEDORA-2026-5f1f8a4e2b';
const SCENARIOS = ['fedora-updates-server-x86_64-*-64bit', 'fedora-updates-workstation-x86_64-*-64bit'] as const;
/** Scenario A, B, A, B, ...: A stays PASSED, B flips FAILED, FAILED, then PASSED. */
const ALTERNATION: Array<[0 | 1, string]> = [
  [0, 'PASSED'],
  [1, 'FAILED'],
  [0, 'PASSED'],
  [1, 'FAILED'],
  [0, 'PASSED'],
  [1, 'PASSED'],
  [0, 'FAILED'],
];
/** What each result of ALTERNATION emits when each scenario is a state: its first, and its own changes. */
const EMITS = [true, true, false, false, false, true, true];

async function states(item: string, testcase: string): Promise<State[]> {
  const data = await server.data<{ item: { taskStates: State[] } | null }>(
    `query($name: String!, $testcase: [String!]!) { item(type: "bodhi_update", name: $name) {
       taskStates(testcase: $testcase) { testcase arch variant { key values } lastOutcome emittedOutcome resultCount emissionCount } } }`,
    { name: item, testcase },
  );
  return data.item?.taskStates ?? [];
}

async function emissionsOf(testcase: string): Promise<Array<{ outcome: string; prevOutcome: string | null }>> {
  const data = await server.data<{ emissions: { edges: Array<{ node: { outcome: string; prevOutcome: string | null } }> } }>(
    'query($testcase: [String!]!) { emissions(first: 100, filter: { testcase: $testcase }) { edges { node { outcome prevOutcome } } } }',
    { testcase },
  );
  return data.emissions.edges.map((e) => e.node);
}

/** The emissions ALTERNATION makes, in order, when each scenario is a state. */
const EXPECTED_EMISSIONS = [
  { outcome: 'PASSED', prevOutcome: null },
  { outcome: 'FAILED', prevOutcome: null },
  { outcome: 'PASSED', prevOutcome: 'FAILED' },
  { outcome: 'FAILED', prevOutcome: 'PASSED' },
];

function expectTwoStates(found: State[], testcase: string): void {
  const byScenario = new Map(found.map((s) => [s.variant.find((v) => v.key === 'scenario')?.values[0], s]));
  expect(found).toHaveLength(2);
  expect(byScenario.get(SCENARIOS[0])).toMatchObject({
    testcase,
    variant: [{ key: 'scenario', values: [SCENARIOS[0]] }],
    lastOutcome: 'FAILED',
    emittedOutcome: 'FAILED',
    resultCount: 4,
    emissionCount: 2,
  });
  expect(byScenario.get(SCENARIOS[1])).toMatchObject({
    testcase,
    variant: [{ key: 'scenario', values: [SCENARIOS[1]] }],
    lastOutcome: 'PASSED',
    emittedOutcome: 'PASSED',
    resultCount: 3,
    emissionCount: 2,
  });
}

describe('two scenarios of one testcase on one update', () => {
  it('through GraphQL recordResult: each scenario emits only on its own changes', async () => {
    const testcase = 'update.server_role_deploy_domain_controller';
    const seen: One['recordResult'][] = [];
    for (const [s, outcome] of ALTERNATION) {
      const input = { testcase, item: UPDATE, type: 'bodhi_update', outcome, data: { scenario: SCENARIOS[s] } };
      seen.push((await server.data<One>(RecordOne, { input })).recordResult);
    }
    expect(seen.map((r) => r.emitted)).toEqual(EMITS);
    expect(await emissionsOf(testcase)).toEqual(EXPECTED_EMISSIONS);
    // A scenario's duplicate points at its own scenario's emission.
    expect(seen[2]?.duplicateOf?.seq).toBe(seen[0]?.emission?.seq);
    expect(seen[3]?.duplicateOf?.seq).toBe(seen[1]?.emission?.seq);
    expect(new Set(seen.filter((_, i) => ALTERNATION[i]?.[0] === 0).map((r) => r.result.taskState?.id)).size).toBe(1);
    expectTwoStates(await states(UPDATE, testcase), testcase);
  });

  it('through GraphQL recordResults (one batch): the same emissions', async () => {
    const testcase = 'update.batch_scenarios';
    const inputs = ALTERNATION.map(([s, outcome]) => ({ testcase, item: UPDATE, type: 'bodhi_update', outcome, data: { scenario: SCENARIOS[s] } }));
    const data = await server.data<{
      recordResults: { results: Array<{ emission: { seq: number } | null }>; emissions: Array<{ outcome: string; prevOutcome: string | null }> };
    }>(RecordMany, { inputs });
    expect(data.recordResults.results.map((r) => r.emission !== null)).toEqual(EMITS);
    expect(data.recordResults.emissions.map(({ outcome, prevOutcome }) => ({ outcome, prevOutcome }))).toEqual(EXPECTED_EMISSIONS);
    expectTwoStates(await states(UPDATE, testcase), testcase);
  });

  it('through REST POST /api/v2.0/results: each scenario emits only on its own changes', async () => {
    const testcase = 'update.rest_scenarios';
    for (const [s, outcome] of ALTERNATION) {
      const response = await post(server, '/api/v2.0/results', {
        testcase: { name: testcase },
        outcome,
        data: { item: UPDATE, type: 'bodhi_update', scenario: SCENARIOS[s], system_architecture: 'x86_64' },
      });
      expect(response.status).toBe(201);
    }
    expect(await emissionsOf(testcase)).toEqual(EXPECTED_EMISSIONS);
    const found = await states(UPDATE, testcase);
    expect(found).toHaveLength(2);
    expect(found.map((s) => s.variant).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))).toEqual(
      SCENARIOS.map((scenario) => [
        { key: 'scenario', values: [scenario] },
        { key: 'system_architecture', values: ['x86_64'] },
      ]),
    );
  });
});

describe('one key through both APIs', () => {
  it('a REST POST and a GraphQL recordResult of the same variant share one task state', async () => {
    const testcase = 'update.shared_variant';
    const first = await post(server, '/api/v2.0/results', {
      testcase,
      outcome: 'PASSED',
      data: { item: UPDATE, type: 'bodhi_update', arch: 'x86_64', scenario: SCENARIOS[0], 'productmd.compose.id': 'Fedora-41-20261201.0' },
    });
    expect(first.status).toBe(201);
    // arch as GraphQL's own field, scenario as a one-string list: the same variant.
    const second = await server.data<One>(RecordOne, {
      input: { testcase, item: UPDATE, type: 'bodhi_update', arch: 'x86_64', outcome: 'PASSED', data: { scenario: [SCENARIOS[0]] } },
    });
    expect(second.recordResult.emitted).toBe(false);
    // data.arch instead of the arch field: the same variant again.
    const third = await server.data<One>(RecordOne, {
      input: { testcase, item: UPDATE, type: 'bodhi_update', outcome: 'PASSED', data: { arch: 'x86_64', scenario: SCENARIOS[0] } },
    });
    expect(third.recordResult.emitted).toBe(false);
    expect(third.recordResult.duplicateOf?.seq).toBe(second.recordResult.duplicateOf?.seq);
    // Another scenario through GraphQL: a state of its own, which emits.
    const other = await server.data<One>(RecordOne, {
      input: { testcase, item: UPDATE, type: 'bodhi_update', arch: 'x86_64', outcome: 'PASSED', data: { scenario: SCENARIOS[1] } },
    });
    expect(other.recordResult.emitted).toBe(true);
    const found = await states(UPDATE, testcase);
    expect(found.map(({ arch, variant, resultCount, emissionCount }) => ({ arch, variant, resultCount, emissionCount }))).toEqual([
      {
        arch: 'x86_64',
        variant: [
          { key: 'arch', values: ['x86_64'] },
          { key: 'scenario', values: [SCENARIOS[0]] },
        ],
        resultCount: 3,
        emissionCount: 1,
      },
      {
        arch: 'x86_64',
        variant: [
          { key: 'arch', values: ['x86_64'] },
          { key: 'scenario', values: [SCENARIOS[1]] },
        ],
        resultCount: 1,
        emissionCount: 1,
      },
    ]);
  });

  it('a result with no variant key is a key of its own, with an empty variant; data keys outside the variant do not split it', async () => {
    const testcase = 'dist.novariant';
    const a = await server.data<One>(RecordOne, { input: { testcase, item: UPDATE, type: 'bodhi_update', outcome: 'PASSED', data: { run: '1' } } });
    const b = await server.data<One>(RecordOne, { input: { testcase, item: UPDATE, type: 'bodhi_update', outcome: 'PASSED', data: { run: '2' } } });
    expect([a.recordResult.emitted, b.recordResult.emitted]).toEqual([true, false]);
    expect((await states(UPDATE, testcase)).map((s) => [s.arch, s.variant, s.resultCount])).toEqual([[null, [], 2]]);
  });
});

describe('RecordResultInput.variant', () => {
  const VariantRecord = `
    mutation VariantInputRecord($input: RecordResultInput!) {
      recordResult(input: $input) { emitted duplicateOf { seq } result { id arch data taskState { variant { key values } } } }
    }
  `;
  interface Recorded {
    recordResult: {
      emitted: boolean;
      duplicateOf: { seq: number } | null;
      result: { id: string; arch: string | null; data: Record<string, unknown>; taskState: { variant: Array<{ key: string; values: string[] }> } | null };
    };
  }

  it('gives the key the variant TaskState.variant shows: written into data (and arch), the same state as data gives', async () => {
    const testcase = 'update.variant_input';
    const variant = [
      { key: 'scenario', values: [SCENARIOS[0]] },
      { key: 'arch', values: ['aarch64'] },
    ];
    const first = await server.data<Recorded>(VariantRecord, {
      input: { testcase, item: UPDATE, type: 'bodhi_update', outcome: 'PASSED', variant, data: { run: '7' } },
    });
    expect(first.recordResult.emitted).toBe(true);
    expect(first.recordResult.result.arch).toBe('aarch64');
    expect(first.recordResult.result.data).toEqual({ run: '7', scenario: SCENARIOS[0] });
    expect(first.recordResult.result.taskState?.variant).toEqual([
      { key: 'arch', values: ['aarch64'] },
      { key: 'scenario', values: [SCENARIOS[0]] },
    ]);
    // What a TaskState's variant shows, given back as the input's variant: the same key.
    const again = await server.data<Recorded>(VariantRecord, {
      input: { testcase, item: UPDATE, type: 'bodhi_update', outcome: 'PASSED', variant: first.recordResult.result.taskState?.variant },
    });
    expect(again.recordResult.emitted).toBe(false);
    // And through data and arch instead: the same key once more.
    const viaData = await server.data<Recorded>(VariantRecord, {
      input: { testcase, item: UPDATE, type: 'bodhi_update', outcome: 'PASSED', arch: 'aarch64', data: { scenario: SCENARIOS[0] } },
    });
    expect(viaData.recordResult.emitted).toBe(false);
    expect(viaData.recordResult.duplicateOf?.seq).toBe(again.recordResult.duplicateOf?.seq);
    // Several values are kept as a list, and agree with data giving the same set.
    const many = await server.data<Recorded>(VariantRecord, {
      input: {
        testcase,
        item: UPDATE,
        type: 'bodhi_update',
        outcome: 'FAILED',
        variant: [{ key: 'system_variant', values: ['Server', 'Cloud'] }],
        data: { system_variant: ['Cloud', 'Server'] },
      },
    });
    expect(many.recordResult.result.data).toEqual({ system_variant: ['Cloud', 'Server'] });
    expect(many.recordResult.result.taskState?.variant).toEqual([{ key: 'system_variant', values: ['Cloud', 'Server'] }]);
  });

  it('refuses a key that is no variant key, a key given twice, no values, and a value data or arch gives differently, writing nothing', async () => {
    const testcase = 'update.variant_input_mistakes';
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ variant: [{ key: 'run', values: ['1'] }] }, 'input.variant[0].key', /"run" is not a variant key; the variant keys \(RESULTSBUS_VARIANT_KEYS\) are: arch, scenario, system_architecture, system_variant/],
      [{ variant: [{ key: 'scenario', values: ['a'] }, { key: 'scenario', values: ['b'] }] }, 'input.variant[1].key', /given twice/],
      [{ variant: [{ key: 'scenario', values: [] }] }, 'input.variant[0].values', /at least one value/],
      [{ variant: [{ key: 'scenario', values: [''] }] }, 'input.variant[0].values[0]', /must not be empty/],
      [{ variant: [{ key: 'scenario', values: ['a'] }], data: { scenario: 'b' } }, 'input.variant[0].values', /data\.scenario says "b"/],
      [{ variant: [{ key: 'arch', values: ['x86_64'] }], arch: 'aarch64' }, 'input.variant[0].values', /the arch field says "aarch64"/],
      [{ variant: [{ key: 'arch', values: ['x86_64', 'i686'] }] }, 'input.variant[0].values', /the arch is one value, got 2/],
    ];
    for (const [extra, path, message] of cases) {
      const response = await server.gql(VariantRecord, { input: { testcase, item: UPDATE, type: 'bodhi_update', outcome: 'PASSED', ...extra } });
      const error = response.errors?.[0];
      expect(error?.extensions?.['code'], JSON.stringify(extra)).toBe('BAD_USER_INPUT');
      expect(error?.message, JSON.stringify(extra)).toContain(`${path}:`);
      expect(error?.message, JSON.stringify(extra)).toMatch(message);
    }
    expect(await states(UPDATE, testcase)).toEqual([]);
  });
});

describe('RESULTSBUS_VARIANT_KEYS', () => {
  it('defaults to arch, scenario, system_architecture, system_variant; takes a list or none; refuses what is no data key', () => {
    expect(loadConfig({}).variantKeys).toEqual(['arch', 'scenario', 'system_architecture', 'system_variant']);
    expect(loadConfig({ RESULTSBUS_VARIANT_KEYS: ' arch , productmd.compose.id,arch' }).variantKeys).toEqual(['arch', 'productmd.compose.id']);
    expect(loadConfig({ RESULTSBUS_VARIANT_KEYS: 'none' }).variantKeys).toEqual([]);
    for (const bad of ['arch,,scenario', 'a:b', 'two words', 'x\u0007']) {
      expect(() => loadConfig({ RESULTSBUS_VARIANT_KEYS: bad })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ RESULTSBUS_VARIANT_KEYS: 'a:b' })).toThrow(/RESULTSBUS_VARIANT_KEYS must be a comma-separated list of data keys/);
  });

  it('with RESULTSBUS_VARIANT_KEYS=arch, scenarios share one state again (as before the variant)', async () => {
    const archOnly = await startServer({ env: { RESULTSBUS_VARIANT_KEYS: 'arch' } });
    try {
      const emitted: boolean[] = [];
      for (const [s, outcome] of ALTERNATION) {
        const input = { testcase: 'update.arch_only', item: UPDATE, type: 'bodhi_update', outcome, data: { scenario: SCENARIOS[s] } };
        emitted.push((await archOnly.data<One>(RecordOne, { input })).recordResult.emitted);
      }
      expect(emitted).toEqual([true, true, true, true, true, false, true]);
    } finally {
      await archOnly.close();
    }
  });
});
