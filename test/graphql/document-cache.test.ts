/**
 * The argument checks and the query limits work out what does not depend on
 * the variables once per parsed document (yoga hands the same DocumentNode to
 * every request with the same text). Reusing that must never reuse a
 * verdict: the same document with other variables, another operation of it,
 * or another document is checked on its own.
 */
import { type GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkArguments } from '../../src/graphql/inputs.ts';
import { checkQueryLimits, type QueryLimits } from '../../src/graphql/limits.ts';
import { buildSchema } from '../../src/graphql/schema/index.ts';

const schema = buildSchema({ outcomes: ['PASSED', 'FAILED'], maxBatch: 1000 });
const limits: QueryLimits = { maxDepth: 12, maxCost: 1000, maxAliases: 3, maxMutations: 2 };

const codes = (errors: readonly GraphQLError[]): Array<{ code: unknown; field: unknown }> =>
  errors.map((e) => ({ code: e.extensions['code'], field: e.extensions['field'] }));

const input = (testcase: string): Record<string, unknown> => ({ testcase, item: 'perl-1.0', type: 'koji_build', outcome: 'PASSED' });

describe('argument checks on one document', () => {
  const record = parse('mutation ($input: RecordResultInput!) { recordResult(input: $input) { emitted } }');

  it('checks each request with its own variables', () => {
    expect(checkArguments(schema, record, { input: input('dist.depcheck') })).toEqual([]);
    expect(codes(checkArguments(schema, record, { input: input('dist.\u0000depcheck') }))).toEqual([{ code: 'BAD_USER_INPUT', field: 'input.testcase' }]);
    expect(checkArguments(schema, record, { input: input('dist.depcheck') })).toEqual([]);
    expect(codes(checkArguments(schema, record, { input: { ...input('dist.depcheck'), data: { k: ['\ud800'] } } }))).toEqual([
      { code: 'BAD_USER_INPUT', field: 'input.data.k[0]' },
    ]);
    expect(checkArguments(schema, record, { input: input('dist.depcheck') })).toEqual([]);
  });

  it('checks list lengths with each request’s variables', () => {
    const grouped = parse('mutation ($g: [String!]) { recordResult(input: { testcase: "t", item: "i", type: "koji_build", outcome: PASSED, groups: $g }) { emitted } }');
    const few = { g: ['a', 'b'] };
    const many = { g: Array.from({ length: 101 }, (_, i) => `g${i}`) };
    expect(checkArguments(schema, grouped, few)).toEqual([]);
    expect(codes(checkArguments(schema, grouped, many))).toEqual([{ code: 'BAD_USER_INPUT', field: 'input.groups' }]);
    expect(checkArguments(schema, grouped, few)).toEqual([]);
  });

  it('a variable’s default is used when the request leaves it out, and the request’s value when it gives one', () => {
    const withDefault = parse('mutation ($t: String! = "dist.depcheck") { recordResult(input: { testcase: $t, item: "i", type: "koji_build", outcome: PASSED }) { emitted } }');
    expect(checkArguments(schema, withDefault, {})).toEqual([]);
    expect(codes(checkArguments(schema, withDefault, { t: 'a\u0000b' }))).toEqual([{ code: 'BAD_USER_INPUT', field: 'input.testcase' }]);
    expect(checkArguments(schema, withDefault, {})).toEqual([]);
  });

  it('a document whose literal or default fails is refused every time, whatever the variables', () => {
    const literal = parse('mutation ($input: RecordResultInput!) { a: recordResult(input: { testcase: "x\\u0000", item: "i", type: "t", outcome: PASSED }) { emitted } b: recordResult(input: $input) { emitted } }');
    for (let i = 0; i < 2; i++) {
      expect(codes(checkArguments(schema, literal, { input: input('fine') }))).toEqual([{ code: 'BAD_USER_INPUT', field: 'input.testcase' }]);
    }
    const badDefault = parse('mutation ($t: String = "x\\u0000") { recordResult(input: { testcase: "fine", item: "i", type: "t", outcome: PASSED }) { emitted } }');
    for (let i = 0; i < 2; i++) expect(codes(checkArguments(schema, badDefault, { t: 'fine' }))).toEqual([{ code: 'BAD_USER_INPUT', field: '$t' }]);
  });

  it('two documents are checked each on its own', () => {
    const bad = parse('{ item(type: "koji_build", name: "a\\u0000") { id } }');
    const good = parse('{ item(type: "koji_build", name: "a") { id } }');
    expect(codes(checkArguments(schema, bad, {}))).toEqual([{ code: 'BAD_USER_INPUT', field: 'name' }]);
    expect(checkArguments(schema, good, {})).toEqual([]);
    expect(codes(checkArguments(schema, bad, {}))).toEqual([{ code: 'BAD_USER_INPUT', field: 'name' }]);
  });
});

describe('query limits on one document', () => {
  const paged = parse('query ($n: Int) { results(first: $n) { edges { node { id note } } } }');
  const tooComplex = (errors: readonly GraphQLError[]): unknown[] => errors.map((e) => e.extensions['code']);

  it('prices each request with its own page size', () => {
    expect(checkQueryLimits(limits, schema, paged, undefined, { n: 10 })).toEqual([]);
    expect(tooComplex(checkQueryLimits(limits, schema, paged, undefined, { n: 500 }))).toEqual(['QUERY_TOO_COMPLEX']);
    expect(checkQueryLimits(limits, schema, paged, undefined, { n: 10 })).toEqual([]);
    // Left out: the server's default page.
    expect(checkQueryLimits(limits, schema, paged, undefined, {})).toEqual([]);
  });

  it('measures each operation of a document on its own', () => {
    const two = parse(`
      query Small { results(first: 2) { edges { node { id } } } }
      query Large { results(first: 500) { edges { node { id note } } } }
      mutation Many { a: recordResults(inputs: []) { emitted } b: recordResults(inputs: []) { emitted } c: recordResults(inputs: []) { emitted } }
    `);
    for (let i = 0; i < 2; i++) {
      expect(checkQueryLimits(limits, schema, two, 'Small', {})).toEqual([]);
      expect(tooComplex(checkQueryLimits(limits, schema, two, 'Large', {}))).toEqual(['QUERY_TOO_COMPLEX']);
      expect(tooComplex(checkQueryLimits(limits, schema, two, 'Many', {}))).toEqual(['QUERY_TOO_COMPLEX']);
    }
  });

  it('counts the aliases of each document', () => {
    const few = parse('{ a: bridgeStatus { cursor } b: bridgeStatus { cursor } }');
    const many = parse('{ a: bridgeStatus { cursor } b: bridgeStatus { cursor } c: bridgeStatus { cursor } d: bridgeStatus { cursor } }');
    for (let i = 0; i < 2; i++) {
      expect(checkQueryLimits(limits, schema, few, undefined, {})).toEqual([]);
      expect(tooComplex(checkQueryLimits(limits, schema, many, undefined, {}))).toEqual(['QUERY_TOO_COMPLEX']);
    }
  });
});
