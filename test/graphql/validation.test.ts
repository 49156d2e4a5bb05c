/**
 * Bad input is refused with BAD_USER_INPUT, a message that names the field and
 * says what is allowed, and `extensions.field`; and a refused call writes
 * nothing at all, not even part of a batch.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphQLResponse, startServer, type TestServer } from '../helpers/server.ts';

const RecordOne = `
  mutation ValidationRecord($input: RecordResultInput!) {
    recordResult(input: $input) { emitted result { resultId outcome note data refUrl groups testcase item type arch } emission { seq outcome } }
  }
`;
const RecordMany = `
  mutation ValidationRecordMany($inputs: [RecordResultInput!]!) {
    recordResults(inputs: $inputs) { results { resultId } emissions { seq } }
  }
`;

const STANDARD = 'PASSED, FAILED, INFO, NEEDS_INSPECTION, ERROR, QUEUED, RUNNING, ABORTED';

const good = { testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome: 'PASSED' };

interface Snapshot {
  results: string[];
  items: string[];
  testcases: string[];
  emissions: string[];
  taskStates: number;
}

/** Everything a reader can see was written: every result, item, testcase, emission and task state. */
async function snapshot(server: TestServer): Promise<Snapshot> {
  type Ids = { edges: Array<{ node: { id: string } }> };
  const data = await server.data<{
    results: Ids;
    emissions: Ids;
    testcases: Ids;
    items: { edges: Array<{ node: { id: string; taskStates: unknown[] } }> };
  }>(
    `{
      results(first: 500) { edges { node { id } } }
      items(first: 500) { edges { node { id taskStates { testcase } } } }
      testcases(first: 500) { edges { node { id } } }
      emissions(first: 500) { edges { node { id } } }
    }`,
    {},
    { token: null },
  );
  const ids = (c: Ids): string[] => c.edges.map((e) => e.node.id);
  return {
    results: ids(data.results),
    items: ids(data.items),
    testcases: ids(data.testcases),
    emissions: ids(data.emissions),
    taskStates: data.items.edges.reduce((n, e) => n + e.node.taskStates.length, 0),
  };
}

function firstError(response: GraphQLResponse<unknown>): { message: string; code: string | undefined; field: string | undefined } {
  const error = response.errors?.[0];
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(response)}`);
  return { message: error.message, code: error.extensions?.code, field: error.extensions?.field };
}

describe('input validation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { RESULTSBUS_MAX_BATCH: '3' } });
    // Some state, so "nothing written" is not just "still empty".
    await server.data(RecordMany, { inputs: [good, { ...good, testcase: 'dist.rpmlint', outcome: 'FAILED' }] });
  });
  afterAll(async () => {
    await server.close();
  });

  /** Records `input` alone, expects BAD_USER_INPUT on `field` and nothing written; returns the message. */
  async function refusedOne(input: Record<string, unknown>, field: string): Promise<string> {
    const before = await snapshot(server);
    const response = await server.gql(RecordOne, { input });
    const error = firstError(response);
    expect(error, JSON.stringify(input).slice(0, 200)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(error.message.startsWith(`${field}: `) || error.message.includes(`at "input`), error.message).toBe(true);
    expect(response.data ?? null).toBeNull();
    expect(await snapshot(server)).toEqual(before);
    return error.message;
  }

  describe('outcome', () => {
    it('refuses an unknown outcome given in variables, listing the allowed ones', async () => {
      const before = await snapshot(server);
      const response = await server.gql(RecordOne, { input: { ...good, outcome: 'BOGUS' } });
      expect(firstError(response)).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.outcome',
        message: `Variable "$input" got invalid value "BOGUS" at "input.outcome"; Value "BOGUS" does not exist in "Outcome" enum. Allowed outcomes: ${STANDARD}.`,
      });
      expect(await snapshot(server)).toEqual(before);
    });

    it('refuses an unknown outcome written in the document, naming the field', async () => {
      const before = await snapshot(server);
      const literal = `mutation ValidationLiteral { recordResult(input: { testcase: "dist.depcheck", item: "x-1-1", type: "koji_build", outcome: BOGUS }) { emitted } }`;
      const expected = {
        code: 'BAD_USER_INPUT',
        field: 'input.outcome',
        message: `input.outcome: Value "BOGUS" does not exist in "Outcome" enum. Allowed outcomes: ${STANDARD}.`,
      };
      expect(firstError(await server.gql(literal))).toEqual(expected);
      // Again, when the server's validation cache answers.
      expect(firstError(await server.gql(literal))).toEqual(expected);
      expect(await snapshot(server)).toEqual(before);
      // The same in a read's filter.
      const read = await server.gql(`{ results(filter: { outcome: [PASSED, NOPE] }) { edges { cursor } } }`, {}, { token: null });
      expect(firstError(read)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.outcome[1]' });
    });

    it('names the member of a batch that has the bad outcome, however the variables are laid out', async () => {
      const before = await snapshot(server);
      const asList = await server.gql(RecordMany, { inputs: [good, { ...good, outcome: 'nope' }] });
      expect(firstError(asList)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs[1].outcome' });
      const asMembers = await server.gql(
        `mutation ValidationMembers($a: RecordResultInput!, $b: RecordResultInput!) { recordResults(inputs: [$a, $b]) { results { resultId } } }`,
        { a: good, b: { ...good, outcome: 'nope' } },
      );
      expect(firstError(asMembers)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs[1].outcome' });
      expect(firstError(asMembers).message).toContain(`Allowed outcomes: ${STANDARD}.`);
      expect(await snapshot(server)).toEqual(before);
    });
  });

  describe('names', () => {
    for (const field of ['testcase', 'item', 'type', 'arch'] as const) {
      it(`refuses an empty, blank or over-long ${field}, and takes one of exactly 255 characters`, async () => {
        expect(await refusedOne({ ...good, [field]: '' }, `input.${field}`)).toBe(`input.${field}: must not be empty; give 1 to 255 characters`);
        await refusedOne({ ...good, [field]: '   ' }, `input.${field}`);
        expect(await refusedOne({ ...good, [field]: 'x'.repeat(256) }, `input.${field}`)).toBe(
          `input.${field}: is 256 characters long; at most 255 are allowed`,
        );
        // Characters, not bytes: 255 three-byte characters are fine.
        const name = `${field}-`.padEnd(255, '€');
        const { recordResult } = await server.data<{ recordResult: { result: Record<string, unknown> } }>(RecordOne, { input: { ...good, [field]: name } });
        expect(recordResult.result[field]).toBe(name);
      });
    }

    it('refuses NUL characters and lone surrogates, which the database could not store', async () => {
      expect(await refusedOne({ ...good, item: 'a\u0000b' }, 'input.item')).toBe('input.item: must not contain NUL characters');
      expect(await refusedOne({ ...good, testcase: 'dist.\ud800' }, 'input.testcase')).toMatch(/valid Unicode/);
      expect(await refusedOne({ ...good, note: 'half an emoji: \ud83d' }, 'input.note')).toMatch(/valid Unicode/);
      expect(await refusedOne({ ...good, data: { k: '\udc00' } }, 'input.data.k')).toMatch(/valid Unicode/);
      // A whole surrogate pair is an ordinary character.
      const { recordResult } = await server.data<{ recordResult: { result: { note: string } } }>(RecordOne, { input: { ...good, note: 'ok 😀' } });
      expect(recordResult.result.note).toBe('ok 😀');
    });
  });

  describe('note, data, refUrl and groups', () => {
    it('takes a note of exactly 64 KiB and refuses one byte more', async () => {
      const { recordResult } = await server.data<{ recordResult: { result: { note: string } } }>(RecordOne, {
        input: { ...good, note: 'n'.repeat(65536) },
      });
      expect(recordResult.result.note).toHaveLength(65536);
      expect(await refusedOne({ ...good, note: 'n'.repeat(65537) }, 'input.note')).toBe('input.note: is 65537 bytes; at most 65536 (64 KiB) are allowed');
      // Bytes, not characters.
      await refusedOne({ ...good, note: '€'.repeat(21846) }, 'input.note');
    });

    it('takes data of exactly 256 KiB as JSON and refuses one byte more', async () => {
      // {"k":"…"} is 8 bytes around the value.
      const { recordResult } = await server.data<{ recordResult: { result: { data: { k: string } } } }>(RecordOne, {
        input: { ...good, data: { k: 'd'.repeat(262144 - 8) } },
      });
      expect(recordResult.result.data.k).toHaveLength(262144 - 8);
      expect(await refusedOne({ ...good, data: { k: 'd'.repeat(262144 - 7) } }, 'input.data')).toBe(
        'input.data: is 262145 bytes as JSON; at most 262144 (256 KiB) are allowed',
      );
    });

    it('refuses data that is not an object of strings and lists of strings', async () => {
      for (const data of ['a string', ['a', 'list'], 42]) {
        expect(await refusedOne({ ...good, data }, 'input.data')).toBe(
          'input.data: must be an object whose values are strings or lists of strings, e.g. {"arch": "x86_64"}',
        );
      }
      for (const [key, value] of [
        ['number', 1],
        ['nested', { a: 'b' }],
        ['mixed', ['a', 2]],
        ['missing', null],
        ['flag', true],
      ] as const) {
        expect(await refusedOne({ ...good, data: { fine: 'yes', [key]: value } }, `input.data.${key}`)).toBe(
          `input.data.${key}: must be a string or a list of strings`,
        );
      }
    });

    it('keeps every data key as given, __proto__ and constructor included', async () => {
      const data: unknown = JSON.parse('{"__proto__": "x", "constructor": ["a", "b"], "plain": "p"}');
      const { recordResult } = await server.data<{ recordResult: { result: { resultId: number; data: unknown } } }>(RecordOne, {
        input: { ...good, data },
      });
      const expected: unknown = JSON.parse('{"__proto__": "x", "constructor": ["a", "b"], "plain": "p"}');
      expect(recordResult.result.data).toEqual(expected);
      const { result } = await server.data<{ result: { data: Record<string, unknown> } }>(
        `query ValidationData($id: ID!) { result(id: $id) { data } }`,
        { id: String(recordResult.result.resultId) },
      );
      expect(Object.keys(result.data).sort()).toEqual(['__proto__', 'constructor', 'plain']);
      expect(result.data).toEqual(expected);
    });

    it('refuses a refUrl that is not an absolute http(s) URL', async () => {
      expect(await refusedOne({ ...good, refUrl: 'artifacts/1/' }, 'input.refUrl')).toBe(
        'input.refUrl: must be an absolute http(s) URL, got "artifacts/1/"',
      );
      expect(await refusedOne({ ...good, refUrl: 'ftp://example.org/log' }, 'input.refUrl')).toBe(
        'input.refUrl: must be an http or https URL, got scheme "ftp:"',
      );
      await refusedOne({ ...good, refUrl: 'javascript:alert(1)' }, 'input.refUrl');
      await refusedOne({ ...good, refUrl: `https://example.org/${'a'.repeat(2048)}` }, 'input.refUrl');
    });

    it('refuses more than 100 groups and empty group names', async () => {
      expect(await refusedOne({ ...good, groups: Array.from({ length: 101 }, (_, i) => `g${i}`) }, 'input.groups')).toBe(
        'input.groups: has 101 entries; at most 100 are allowed',
      );
      await refusedOne({ ...good, groups: ['ok', ''] }, 'input.groups[1]');
    });
  });

  describe('batches', () => {
    it(`refuses a batch larger than RESULTSBUS_MAX_BATCH and takes one of that size`, async () => {
      const four = [0, 1, 2, 3].map((i) => ({ ...good, item: `batch-${i}-1.0-1.fc40` }));
      const before = await snapshot(server);
      const response = await server.gql(RecordMany, { inputs: four });
      expect(firstError(response)).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'inputs',
        message: 'inputs: has 4 results; at most 3 are allowed per call',
      });
      expect(await snapshot(server)).toEqual(before);
      const { recordResults } = await server.data<{ recordResults: { results: unknown[] } }>(RecordMany, { inputs: four.slice(0, 3) });
      expect(recordResults.results).toHaveLength(3);
    });

    it('says so in the field description', async () => {
      const { __type } = await server.data<{ __type: { fields: Array<{ name: string; description: string }> } }>(
        `{ __type(name: "Mutation") { fields { name description } } }`,
      );
      expect(__type.fields.find((f) => f.name === 'recordResults')?.description).toMatch(/at most 3 results/);
    });

    it('writes nothing when one member of a batch is bad: no result, item, testcase, task state or emission', async () => {
      const inputs = [
        { ...good, testcase: 'new.testcase', item: 'new-item-1.0-1.fc40' },
        { ...good, item: 'another-new-item-1.0-1.fc40', outcome: 'FAILED' },
        { ...good, item: 'third-new-item-1.0-1.fc40', refUrl: 'not a url' },
      ];
      const before = await snapshot(server);
      const response = await server.gql(RecordMany, { inputs });
      expect(firstError(response)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'inputs[2].refUrl' });
      expect(await snapshot(server)).toEqual(before);
      const { item } = await server.data<{ item: null }>(`{ item(type: "koji_build", name: "new-item-1.0-1.fc40") { id } }`);
      expect(item).toBeNull();
    });
  });
});

describe('a batch that fails inside the database', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('writes nothing, answers with a masked internal error, and leaves no hole in the emission sequence', async () => {
    await server.data(RecordMany, { inputs: [good] });
    const before = await snapshot(server);
    // Stands in for any failure only the database sees (a constraint, a full
    // disk): the third result of the batch is refused by a trigger.
    await server.database.db.execute(sql.raw(`
      CREATE FUNCTION refuse_marked_result() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.note = 'refuse me' THEN RAISE EXCEPTION 'refused by test trigger'; END IF;
        RETURN NEW;
      END $$
    `));
    await server.database.db.execute(
      sql.raw('CREATE TRIGGER refuse_marked_result BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION refuse_marked_result()'),
    );
    const inputs = [
      { ...good, testcase: 'dist.fresh', item: 'fresh-1.0-1.fc40' },
      { ...good, outcome: 'FAILED' },
      { ...good, item: 'fresh-2.0-1.fc40', note: 'refuse me' },
    ];
    const response = await server.gql(RecordMany, { inputs });
    expect(firstError(response)).toEqual({ code: 'INTERNAL_SERVER_ERROR', field: undefined, message: 'Unexpected error.' });
    expect(response.data ?? null).toBeNull();
    expect(await snapshot(server)).toEqual(before);

    // The rolled-back batch took no seq: the next emission follows the last one.
    const { recordResults } = await server.data<{ recordResults: { emissions: Array<{ seq: number }> } }>(RecordMany, {
      inputs: [{ ...good, outcome: 'FAILED' }],
    });
    expect(recordResults.emissions).toEqual([{ seq: 2 }]);
  });
});

describe('RESULTSBUS_EXTRA_OUTCOMES', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ env: { RESULTSBUS_EXTRA_OUTCOMES: 'WAIVED' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('adds WAIVED to the Outcome enum, to be recorded, emitted and filtered on', async () => {
    const { __type } = await server.data<{ __type: { enumValues: Array<{ name: string }> } }>(`{ __type(name: "Outcome") { enumValues { name } } }`);
    expect(__type.enumValues.map((v) => v.name)).toContain('WAIVED');

    await server.data(RecordOne, { input: { ...good, outcome: 'FAILED' } });
    const { recordResult } = await server.data<{ recordResult: { result: { outcome: string }; emission: { outcome: string } } }>(RecordOne, {
      input: { ...good, outcome: 'WAIVED' },
    });
    expect(recordResult.result.outcome).toBe('WAIVED');
    expect(recordResult.emission.outcome).toBe('WAIVED');

    const read = await server.data<{
      results: { edges: Array<{ node: { outcome: string } }> };
      emissions: { edges: Array<{ node: { outcome: string; prevOutcome: string } }> };
      item: { taskStates: Array<{ lastOutcome: string }> };
    }>(
      `{
        results(filter: { outcome: [WAIVED] }) { edges { node { outcome } } }
        emissions(filter: { outcome: [WAIVED] }) { edges { node { outcome prevOutcome } } }
        item(type: "koji_build", name: "${good.item}") { taskStates { lastOutcome } }
      }`,
      {},
      { token: null },
    );
    expect(read.results.edges).toEqual([{ node: { outcome: 'WAIVED' } }]);
    expect(read.emissions.edges).toEqual([{ node: { outcome: 'WAIVED', prevOutcome: 'FAILED' } }]);
    expect(read.item.taskStates).toEqual([{ lastOutcome: 'WAIVED' }]);

    // The list of allowed outcomes in errors includes it too.
    const response = await server.gql(RecordOne, { input: { ...good, outcome: 'WAVED' } });
    expect(firstError(response).message).toContain(`Allowed outcomes: ${STANDARD}, WAIVED.`);
  });
});
