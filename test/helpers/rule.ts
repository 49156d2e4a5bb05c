/**
 * The rule (design.md), checked on what a store holds: a key's results
 * replayed in lock order must have emitted, or not, exactly as the rule says.
 */
import { expect } from 'vitest';

/** Anything that answers a GraphQL query with its data (an in-process test server, a `serve` child). */
export interface Querier {
  data<TData = Record<string, unknown>, TVars = Record<string, unknown>>(document: string, variables?: TVars): Promise<TData>;
}

export interface KeyResult {
  resultId: number;
  stateVersion: number;
  outcome: string;
  /** Recorded with force: true. */
  force: boolean;
  /** The forced flag of the emission it produced. */
  emissionForced: boolean | null;
  emissionSeq: number | null;
  prevOutcome: string | null;
  duplicateOf: number | null;
}

/**
 * Replays a key's results in lock order (stateVersion) through the rule and
 * checks that what was stored is exactly what the rule says.
 */
export function expectRuleHeld(results: KeyResult[]): { emissions: number } {
  const ordered = [...results].sort((a, b) => a.stateVersion - b.stateVersion);
  expect(ordered.map((r) => r.stateVersion)).toEqual(ordered.map((_, i) => i + 1));
  let emitted: string | null = null;
  let lastSeq: number | null = null;
  let emissions = 0;
  for (const r of ordered) {
    const changed = lastSeq === null || r.outcome !== emitted;
    if (changed || r.force) {
      expect(r.emissionSeq, `result ${r.resultId} (v${r.stateVersion}) should have emitted`).not.toBeNull();
      expect(r.prevOutcome).toBe(emitted);
      expect(r.emissionForced, `result ${r.resultId} (v${r.stateVersion}) forced`).toBe(!changed);
      expect(r.duplicateOf).toBeNull();
      // Later changes of a key get later seqs: lock order and seq order agree.
      if (lastSeq !== null && r.emissionSeq !== null) expect(r.emissionSeq).toBeGreaterThan(lastSeq);
      emitted = r.outcome;
      lastSeq = r.emissionSeq;
      emissions++;
    } else {
      expect(r.emissionSeq, `result ${r.resultId} (v${r.stateVersion}) is a duplicate`).toBeNull();
      expect(r.duplicateOf).toBe(lastSeq);
    }
  }
  return { emissions };
}

export async function keyResults(server: Querier, key: { testcase: string; item: string; type: string }): Promise<KeyResult[]> {
  const out: KeyResult[] = [];
  let after: string | null = null;
  for (;;) {
    const page: {
      item: {
        results: {
          edges: Array<{
            node: {
              resultId: number;
              stateVersion: number;
              outcome: string;
              forced: boolean;
              emission: { seq: number; prevOutcome: string | null; forced: boolean } | null;
              duplicateOf: { seq: number } | null;
            };
          }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } | null;
    } = await server.data(
      `query ($type: String!, $name: String!, $testcase: [String!]!, $after: String) {
        item(type: $type, name: $name) {
          results(testcase: $testcase, first: 500, after: $after) {
            edges { node { resultId stateVersion outcome forced emission { seq prevOutcome forced } duplicateOf { seq } } }
            pageInfo { hasNextPage endCursor }
          }
        }
      }`,
      { type: key.type, name: key.item, testcase: key.testcase, after },
    );
    const results = page.item?.results;
    if (!results) return out;
    for (const { node } of results.edges) {
      out.push({
        resultId: node.resultId,
        stateVersion: node.stateVersion,
        outcome: node.outcome,
        emissionSeq: node.emission?.seq ?? null,
        prevOutcome: node.emission?.prevOutcome ?? null,
        force: node.forced,
        emissionForced: node.emission?.forced ?? null,
        duplicateOf: node.duplicateOf?.seq ?? null,
      });
    }
    if (!results.pageInfo.hasNextPage) return out;
    after = results.pageInfo.endCursor;
  }
}
