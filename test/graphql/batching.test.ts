/**
 * No N+1: the objects behind a page (task states, their last result and
 * emission, a result's item) are loaded in batches, so a page of 100 takes as
 * many SQL statements as a page of 10.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.ts';

const ITEMS = 100;
let server: TestServer;
let statements = 0;

beforeAll(async () => {
  server = await startServer({
    onQuery: () => {
      statements += 1;
    },
  });
  const inputs = [];
  for (let i = 0; i < ITEMS; i++) {
    const item = `pkg${String(i).padStart(3, '0')}-1.0-1.fc40`;
    inputs.push({ testcase: 'dist.depcheck', item, type: 'koji_build', arch: 'x86_64', outcome: 'PASSED' });
    inputs.push({ testcase: 'dist.rpmlint', item, type: 'koji_build', outcome: 'FAILED' });
    // A duplicate, so lastResult and lastEmission point at different results.
    inputs.push({ testcase: 'dist.rpmlint', item, type: 'koji_build', outcome: 'FAILED' });
  }
  await server.data(`mutation BatchingSeed($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { results { resultId } } }`, { inputs });
});
afterAll(async () => {
  await server.close();
});

/** Runs a read and returns its data and how many SQL statements it took. */
async function counted<T>(query: string, variables: Record<string, unknown>): Promise<{ data: T; statements: number }> {
  const before = statements;
  const data = await server.data<T>(query, variables, { token: null });
  return { data, statements: statements - before };
}

interface ItemsPage {
  items: {
    edges: Array<{
      node: {
        name: string;
        taskStates: Array<{
          testcase: string;
          lastResult: { resultId: number; outcome: string; emission: { seq: number } | null; duplicateOf: { seq: number } | null };
          lastEmission: { seq: number; result: { resultId: number }; item: { name: string } };
        }>;
      };
    }>;
  };
}

describe('batched loading', () => {
  it('reads a page of items with their task states, last results and last emissions in the same few statements for 10 items as for 100', async () => {
    const query = `
      query BatchingItems($first: Int) {
        items(first: $first) {
          edges { node {
            name
            taskStates {
              testcase arch lastOutcome
              lastResult { resultId outcome emission { seq } duplicateOf { seq } }
              lastEmission { seq outcome result { resultId } item { name } }
            }
          } }
        }
      }
    `;
    const ten = await counted<ItemsPage>(query, { first: 10 });
    const hundred = await counted<ItemsPage>(query, { first: 100 });
    expect(ten.data.items.edges).toHaveLength(10);
    expect(hundred.data.items.edges).toHaveLength(ITEMS);
    // Everything was really loaded, per item.
    for (const { node } of hundred.data.items.edges) {
      expect(node.taskStates.map((s) => s.testcase)).toEqual(['dist.depcheck', 'dist.rpmlint']);
      const rpmlint = node.taskStates[1];
      expect(rpmlint?.lastResult.emission).toBeNull();
      expect(rpmlint?.lastResult.duplicateOf?.seq).toBe(rpmlint?.lastEmission.seq);
      expect(rpmlint?.lastEmission.item.name).toBe(node.name);
    }
    // items, task states, results, emissions, items of emissions: a handful, not one per item.
    expect(hundred.statements).toBe(ten.statements);
    expect(hundred.statements).toBeLessThanOrEqual(6);
  });

  it('reads a page of results with their items, task states and emissions in the same few statements for 10 as for 100', async () => {
    const query = `
      query BatchingResults($first: Int) {
        results(first: $first) {
          edges { node {
            resultId
            itemNode { name }
            taskState { testcase lastOutcome lastEmission { seq } }
            emission { seq }
            duplicateOf { seq result { resultId } }
          } }
        }
      }
    `;
    const ten = await counted<{ results: { edges: unknown[] } }>(query, { first: 10 });
    const hundred = await counted<{ results: { edges: unknown[] } }>(query, { first: 100 });
    expect(ten.data.results.edges).toHaveLength(10);
    expect(hundred.data.results.edges).toHaveLength(100);
    expect(hundred.statements).toBe(ten.statements);
    expect(hundred.statements).toBeLessThanOrEqual(6);
  });

  it('reads a page of emissions with their results and items in the same few statements for 10 as for 100', async () => {
    const query = `
      query BatchingEmissions($first: Int) {
        emissions(first: $first) { edges { node { seq result { resultId taskState { stateVersion } } item { name taskStates { testcase } } } } }
      }
    `;
    const ten = await counted<{ emissions: { edges: unknown[] } }>(query, { first: 10 });
    const hundred = await counted<{ emissions: { edges: unknown[] } }>(query, { first: 100 });
    expect(hundred.data.emissions.edges).toHaveLength(100);
    expect(hundred.statements).toBe(ten.statements);
    expect(hundred.statements).toBeLessThanOrEqual(6);
  });
});
