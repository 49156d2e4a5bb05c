/**
 * A result whose testcase and item ids the server knows is recorded in one
 * statement (src/results/record.ts, `recordInOneStatement`): alone for a key the
 * process knows has a task state, after an INSERT of the task state (that
 * does nothing when the row exists) for one it has not seen. A new testcase
 * or item takes the longer path that creates what is missing. All must store
 * and answer the same things.
 */
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from '../../src/results/record.ts';
import type { RecordResultInput } from '../../src/results/validate.ts';
import { engine } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let statements: string[] = [];
beforeAll(async () => {
  server = await startServer({ onQuery: (q) => statements.push(q) });
});
afterAll(async () => {
  await server.close();
});

const EMISSIONS = `query ($item: [String!]!) {
  emissions(filter: { item: $item }, first: 50) {
    edges { node { seq msgId topic timestamp body outcome prevOutcome forced result { resultId } } }
  }
}`;
const RESULTS = `query ($name: String!) {
  item(type: "koji_build", name: $name) {
    results(first: 50) { edges { node { resultId arch outcome note refUrl data groups forced stateVersion emission { seq } duplicateOf { seq } } } }
    taskStates { arch lastOutcome emittedOutcome resultCount emissionCount stateVersion lastResult { resultId } lastEmission { seq } }
  }
}`;

interface Answer {
  emitted: boolean;
  result: { resultId: number; stateVersion: number };
  emission: { seq: number; msgId: string; topic: string; timestamp: number; body: unknown; outcome: string; prevOutcome: string | null; forced: boolean } | null;
  duplicateOf: { seq: number } | null;
}

describe(`a result for a known key (${engine})`, () => {
  it('takes one statement; a new key takes more', async () => {
    const { recorder } = server.app.services;
    const db = server.database.db;
    const input: RecordResultInput = { testcase: 'dist.one', item: 'one-1.0-1.fc40', type: 'koji_build', outcome: 'PASSED' };
    statements = [];
    await recorder.record(db, [input], 'input');
    const first = statements.length;
    statements = [];
    const [second] = await recorder.record(db, [{ ...input, outcome: 'FAILED' }], 'input');
    expect(first).toBeGreaterThan(1);
    expect(statements).toHaveLength(1);
    expect(second?.emission?.prevOutcome).toBe('PASSED');
    expect(second?.result.stateVersion).toBe(2);
  });

  it('records the first result of a new key whose testcase and item are known in one transaction: the task state made, then the one statement', async () => {
    const { recorder } = server.app.services;
    const db = server.database.db;
    const input: RecordResultInput = { testcase: 'dist.one', item: 'one-1.0-1.fc40', type: 'koji_build', arch: 'ppc64le', outcome: 'INFO' };
    statements = [];
    const [first] = await recorder.record(db, [input], 'input');
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/^INSERT INTO task_states .* ON CONFLICT .* DO NOTHING$/s);
    expect(first?.result.stateVersion).toBe(1);
    expect(first?.emission?.prevOutcome).toBeNull();
    statements = [];
    const [second] = await recorder.record(db, [{ ...input, outcome: 'INFO' }], 'input');
    expect(statements).toHaveLength(1);
    expect(second?.emission).toBeNull();
    expect(second?.result.duplicateOfSeq).toBe(first?.emission?.seq);
  });

  it.skipIf(engine === 'pglite')('sends the first result of a new key in one write, BEGIN to COMMIT: one round trip', async () => {
    const { recorder } = server.app.services;
    const db = server.database.db;
    const key = { testcase: 'dist.trip', item: 'trip-1.0-1.fc40', type: 'koji_build', outcome: 'PASSED' };
    // Creates the testcase and item, then prepares the two statements on the
    // connection (its first use of a statement asks the server to describe it).
    await recorder.record(db, [key], 'input');
    await recorder.record(db, [{ ...key, arch: 'aarch64' }], 'input');
    const writes: Buffer[] = [];
    const write = Socket.prototype.write;
    Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]): boolean {
      if (Buffer.isBuffer(chunk)) writes.push(Buffer.from(chunk));
      return (write as (this: Socket, ...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof write;
    statements = [];
    try {
      const [first] = await recorder.record(db, [{ ...key, arch: 'riscv64' }], 'input');
      expect(first?.emission?.prevOutcome).toBeNull();
    } finally {
      Socket.prototype.write = write;
    }
    expect(statements).toHaveLength(2);
    const carrying = (text: string): number[] => writes.flatMap((w, i) => (w.includes(Buffer.from(`${text}\0`)) ? [i] : []));
    // One write with BEGIN, the INSERT, the statement and COMMIT: nothing waits for an answer in between.
    expect(carrying('BEGIN')).toHaveLength(1);
    expect(carrying('COMMIT')).toEqual(carrying('BEGIN'));
  });

  it('records in a key another process made, which this one has not seen: the insert finds the row and does nothing', async () => {
    const db = server.database.db;
    const other = new Recorder(server.app.services.recorder.options);
    const key = { testcase: 'dist.two', item: 'two-1.0-1.fc40', type: 'koji_build' };
    // This process's recorder makes the key; the other learns the ids from another key of the same testcase and item.
    const [made] = await server.app.services.recorder.record(db, [{ ...key, outcome: 'PASSED' }], 'input');
    await other.record(db, [{ ...key, arch: 's390x', outcome: 'PASSED' }], 'input');
    statements = [];
    const [next] = await other.record(db, [{ ...key, outcome: 'FAILED' }], 'input');
    expect(statements).toHaveLength(2);
    expect(next?.result.stateVersion).toBe(2);
    expect(next?.emission?.prevOutcome).toBe('PASSED');
    const { item } = await server.data<{ item: { taskStates: Array<{ arch: string | null; resultCount: number; stateVersion: number; lastEmission: { seq: number } }> } }>(
      `query { item(type: "koji_build", name: "two-1.0-1.fc40") { taskStates { arch resultCount stateVersion lastEmission { seq } } } }`,
    );
    expect(item.taskStates.find((t) => t.arch === null)).toEqual({ arch: null, resultCount: 2, stateVersion: 2, lastEmission: { seq: next?.emission?.seq } });
    expect(made?.result.taskStateId).toBe(next?.result.taskStateId);
  });

  it('answers what it stored: results, emissions with their bodies, the task state', async () => {
    const name = 'fast-2.0-1.fc40';
    const base = { testcase: 'dist.rpmlint', item: name, type: 'koji_build', arch: 'x86_64' };
    const sent: RecordResultInput[] = [
      { ...base, outcome: 'PASSED', note: 'first', refUrl: 'https://example.org/1', data: { k: 'v' }, groups: ['g1'] },
      { ...base, outcome: 'PASSED', note: 'same', data: { list: ['a', 'b'] } },
      { ...base, outcome: 'FAILED', refUrl: 'https://example.org/3', groups: ['g2', 'g3'] },
      { ...base, outcome: 'FAILED', force: true, note: 'forced re-run' },
      { ...base, arch: undefined, outcome: 'INFO' },
      { ...base, arch: undefined, outcome: 'INFO', force: false },
    ];
    const answers: Answer[] = [];
    for (const input of sent) {
      const { recordResult } = await server.data<{ recordResult: Answer }>(
        `mutation ($input: RecordResultInput!) {
          recordResult(input: $input) {
            emitted result { resultId stateVersion } duplicateOf { seq }
            emission { seq msgId topic timestamp body outcome prevOutcome forced }
          }
        }`,
        { input },
      );
      answers.push(recordResult);
    }
    expect(answers.map((a) => a.emitted)).toEqual([true, false, true, true, true, false]);
    const emitted = answers.flatMap((a) => (a.emission ? [a.emission] : []));
    expect(emitted.map((e) => [e.outcome, e.prevOutcome, e.forced])).toEqual([
      ['PASSED', null, false],
      ['FAILED', 'PASSED', false],
      ['FAILED', 'FAILED', true],
      ['INFO', null, false],
    ]);
    // The forced emission's body, as a fedmsg consumer sees it.
    expect(emitted[2]?.body).toEqual({
      task: { name: 'dist.rpmlint', item: name, type: 'koji_build', arch: 'x86_64' },
      result: {
        id: answers[3]?.result.resultId,
        submit_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/) as unknown,
        prev_outcome: 'FAILED',
        outcome: 'FAILED',
        log_url: null,
        forced: true,
      },
    });
    // What was answered is what is stored, field by field.
    const stored = await server.data<{ emissions: { edges: Array<{ node: Record<string, unknown> & { result: { resultId: number } } }> } }>(
      EMISSIONS,
      { item: name },
    );
    expect(stored.emissions.edges.map((e) => e.node)).toEqual(
      emitted.map((e, i) => ({ ...e, result: { resultId: answers.filter((a) => a.emitted)[i]?.result.resultId } })),
    );
    const { item } = await server.data<{
      item: { results: { edges: Array<{ node: Record<string, unknown> }> }; taskStates: Array<Record<string, unknown>> };
    }>(RESULTS, { name });
    const results = [...item.results.edges.map((e) => e.node)].reverse();
    expect(results).toEqual(
      sent.map((input, i) => ({
        resultId: answers[i]?.result.resultId,
        arch: input.arch ?? null,
        outcome: input.outcome,
        note: input.note ?? null,
        refUrl: input.refUrl ?? null,
        data: input.data ?? {},
        groups: input.groups ?? [],
        forced: input.force ?? false,
        stateVersion: answers[i]?.result.stateVersion,
        emission: answers[i]?.emission ? { seq: answers[i]?.emission?.seq } : null,
        duplicateOf: answers[i]?.duplicateOf ?? null,
      })),
    );
    expect(answers.map((a) => a.result.stateVersion)).toEqual([1, 2, 3, 4, 1, 2]);
    const states = [...item.taskStates].sort((a, b) => String(a['arch']).localeCompare(String(b['arch'])));
    expect(states).toEqual([
      {
        arch: null,
        lastOutcome: 'INFO',
        emittedOutcome: 'INFO',
        resultCount: 2,
        emissionCount: 1,
        stateVersion: 2,
        lastResult: { resultId: answers[5]?.result.resultId },
        lastEmission: { seq: emitted[3]?.seq },
      },
      {
        arch: 'x86_64',
        lastOutcome: 'FAILED',
        emittedOutcome: 'FAILED',
        resultCount: 4,
        emissionCount: 3,
        stateVersion: 4,
        lastResult: { resultId: answers[3]?.result.resultId },
        lastEmission: { seq: emitted[2]?.seq },
      },
    ].sort((a, b) => String(a.arch).localeCompare(String(b.arch))));
  });

  it('stores what the batch path stores for the same results, column for column', async () => {
    const sequence = (item: string): RecordResultInput[] => {
      const base = { testcase: 'dist.same', item, type: 'koji_build' };
      return [
        { ...base, outcome: 'PASSED', arch: 'noarch', note: 'n1', refUrl: 'https://example.org/a', data: { k: ['x', 'y'] }, groups: ['g'] },
        { ...base, outcome: 'PASSED', arch: 'noarch' },
        { ...base, outcome: 'FAILED', arch: 'noarch', refUrl: 'https://example.org/b', data: { one: 'two' } },
        { ...base, outcome: 'FAILED', arch: 'noarch', force: true, note: 'again' },
        { ...base, outcome: 'FAILED', arch: 'noarch' },
        { ...base, outcome: 'PASSED' },
        { ...base, outcome: 'PASSED', arch: 'noarch', groups: ['a', 'b'] },
      ];
    };
    const { recorder } = server.app.services;
    const db = server.database.db;
    // One result per call: each but the first of a key takes the one-statement path...
    const perCall: number[] = [];
    const groupRows: number[] = [];
    for (const input of sequence('same-single-1.0-1.fc40')) {
      statements = [];
      await recorder.record(db, [input], 'input');
      // ... beside which a group named for the first time gets its row (src/results/groups.ts).
      const groups = statements.filter((s) => s.startsWith('INSERT INTO result_groups'));
      groupRows.push(groups.length);
      perCall.push(statements.length - groups.length);
    }
    expect(perCall.map((n) => n === 1)).toEqual([false, true, true, true, true, false, true]);
    expect(groupRows).toEqual([1, 0, 0, 0, 0, 0, 1]);
    // ... and the same results as one batch take the longer one.
    await recorder.record(db, sequence('same-batch-1.0-1.fc40'));

    /** The item's rows with ids turned into positions and the item's name blanked. */
    const normalized = async (name: string): Promise<unknown> => {
      const { item } = await server.data<{
        item: {
          results: { edges: Array<{ node: Record<string, unknown> & { resultId: number; emission: { seq: number } | null; duplicateOf: { seq: number } | null } }> };
          emissions: { edges: Array<{ node: { seq: number; body: { task: Record<string, unknown>; result: Record<string, unknown> } } & Record<string, unknown> }> };
          taskStates: Array<Record<string, unknown> & { arch: string | null; lastResult: { resultId: number }; lastEmission: { seq: number } }>;
        };
      }>(
        `query ($name: String!) {
          item(type: "koji_build", name: $name) {
            results(first: 50) { edges { node { resultId arch outcome note refUrl data groups forced stateVersion emission { seq } duplicateOf { seq } } } }
            emissions(first: 50) { edges { node { seq topic outcome prevOutcome forced body result { resultId } } } }
            taskStates { arch lastOutcome emittedOutcome resultCount emissionCount stateVersion lastResult { resultId } lastEmission { seq } }
          }
        }`,
        { name },
      );
      const results = item.results.edges.map((e) => e.node).reverse();
      const emissions = item.emissions.edges.map((e) => e.node);
      const r = (id: number): number => results.findIndex((x) => x.resultId === id);
      const e = (seq: number): number => emissions.findIndex((x) => x.seq === seq);
      return {
        results: results.map((x) => ({ ...x, resultId: r(x.resultId), emission: x.emission && e(x.emission.seq), duplicateOf: x.duplicateOf && e(x.duplicateOf.seq) })),
        emissions: emissions.map((x) => ({
          ...x,
          seq: e(x.seq),
          result: r((x['result'] as { resultId: number }).resultId),
          body: { task: { ...x.body.task, item: 'ITEM' }, result: { ...x.body.result, id: r(Number(x.body.result['id'])), submit_time: 'T' } },
        })),
        taskStates: item.taskStates
          .map((t) => ({ ...t, lastResult: r(t.lastResult.resultId), lastEmission: e(t.lastEmission.seq) }))
          .sort((a, b) => String(a.arch).localeCompare(String(b.arch))),
      };
    };
    const viaSingle = await normalized('same-single-1.0-1.fc40');
    expect(viaSingle).toEqual(await normalized('same-batch-1.0-1.fc40'));
    // And the comparison compares something: 7 results, 5 emissions (first, change, forced, first of no-arch, change).
    expect(viaSingle).toMatchObject({ results: { length: 7 }, emissions: { length: 5 }, taskStates: { length: 2 } });
  });
});
