/**
 * The text of `/results/latest`'s statement is made once per shape of query
 * and reused with each request's values (src/rest/queries.ts
 * `compiledLatest`): for every shape, and for a second query of the same
 * shape with other values (the reused text), the text and parameters must
 * be exactly those of building the statement afresh.
 */
import { describe, expect, it } from 'vitest';
import { allOutcomes } from '../../src/config.ts';
import { resultsQuery } from '../../src/rest/params.ts';
import { compiledLatest, compileNow } from '../../src/rest/queries.ts';
import { DEFAULT_VARIANT_KEYS } from '../../src/results/variant.ts';

const outcomes = allOutcomes({ extraOutcomes: [] });
const parse = (query: string) => resultsQuery(new URLSearchParams(query), outcomes);

/** Pairs of queries of one shape, with different values. */
const shapes: Array<[string, string]> = [
  ['item=a-1-1&type=koji_build&testcases=t1&_distinct_on=scenario,system_architecture,system_variant', 'item=b-2-2,c-3-3&type=koji_build,brew-build&testcases=t2,t3&_distinct_on=scenario,system_architecture,system_variant'],
  [
    'item=a-1-1&type=koji_build&testcases=t1&_distinct_on=scenario&since=1900-01-01T00:00:00.000000,2026-01-01T00:00:00.000000',
    'item=z-9-9&type=bodhi_update&testcases=t9&_distinct_on=scenario&since=2000-01-01T00:00:00.000000,2027-01-01T00:00:00.000000',
  ],
  ['item:like=perl-*&testcases:like=dist.*&groups=g1&_distinct_on=arch', 'item:like=python-*,ruby-*&testcases:like=fedora-ci.*&groups=g2,g3&_distinct_on=arch'],
  ['item=a-1-1&scenario=s1&scenario:like=x*&_distinct_on=system_variant', 'item=b-2-2&scenario=s2,s3&scenario:like=y*&_distinct_on=system_variant'],
  ['item=a-1-1&since=2026-01-01T00:00:00.000000&_distinct_on=scenario', 'item=q&since=2025-06-01T12:00:00.000000&_distinct_on=scenario'],
];

describe('compiledLatest', () => {
  it('gives the text and parameters of the statement built afresh, the first time and with the reused text', () => {
    for (const [first, second] of shapes) {
      for (const query of [first, second, first]) {
        const q = parse(query);
        expect(compiledLatest(q, DEFAULT_VARIANT_KEYS), query).toEqual(compileNow(q, DEFAULT_VARIANT_KEYS));
      }
    }
  });
});
