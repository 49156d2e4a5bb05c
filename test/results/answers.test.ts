/**
 * What one recording call stores and answers (src/results/apply.ts): the
 * statements a call costs once the server knows its key, a key another
 * process made, and the answer field for field against what was stored.
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

describe(`what a recording call stores and answers (${engine})`, () => {
  it('takes two statements once the key is known: the lock of its task state (FOR UPDATE) and the write; a new key takes more', async () => {
    const { recorder } = server.app.services;
    const db = server.database.db;
    const input: RecordResultInput = { testcase: 'dist.one', item: 'one-1.0-1.fc40', type: 'koji_build', outcome: 'PASSED' };
    statements = [];
    await recorder.record(db, [input], 'input');
    const first = statements.length;
    statements = [];
    const [second] = await recorder.record(db, [{ ...input, outcome: 'FAILED' }], 'input');
    const recording = statements.filter((s) => !/^(begin|commit|savepoint|release)/i.test(s.trim()));
    expect(first).toBeGreaterThan(2);
    expect(recording).toHaveLength(2);
    expect(recording[0]).toMatch(/FOR UPDATE OF t/);
    expect(recording[0]).not.toMatch(/INSERT INTO task_states/);
    expect(second?.emission?.prevOutcome).toBe('PASSED');
    expect(second?.result.stateVersion).toBe(2);
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
});
