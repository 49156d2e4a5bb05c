/**
 * Subscription events shared and pushed (src/graphql/events.ts): a live
 * subscriber with a frame sink gets its events written to the sink, the same
 * JSON graphql-ws would send; one whose sink falls behind goes back to
 * pulling and still gets every seq once, in order; subscribers that may see
 * different answers (variables below the root, credentials) do not share.
 */
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from '../../src/graphql/context.ts';
import { type FrameSink, PUSH_BACKLOG } from '../../src/graphql/events.ts';
import { engine } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const RECORD_MANY = `mutation ($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { emissions { seq } } }`;
const FOLLOW = parse(`subscription Follow($after: Int, $first: Int) { emissions(after: $after) { seq outcome item { name results(first: $first) { edges { node { outcome } } } } } }`);

/** A sink that keeps what is written to it, with a backlog the test sets. */
class RecordingSink implements FrameSink {
  readonly frames: string[] = [];
  backlog = 0;
  next(payload: string): void {
    this.frames.push(payload);
  }
}

interface Subscriber {
  sink: RecordingSink;
  iterator: AsyncIterator<unknown>;
  /** The `next()` that is waiting while events are pushed. */
  pending: Promise<IteratorResult<unknown>>;
}

async function waitUntil(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe(`pushed subscription events (${engine})`, () => {
  let server: TestServer;
  const queries: string[] = [];
  beforeAll(async () => {
    server = await startServer({ pollMs: 60_000, onQuery: (query) => queries.push(query) });
  });
  afterAll(async () => {
    await server.close();
  });

  const latestSeq = async (): Promise<number> =>
    (await server.data<{ emissions: { edges: Array<{ node: { seq: number } }> } }>(`{ emissions(first: 1, newestFirst: true) { edges { node { seq } } } }`)).emissions.edges[0]?.node.seq ?? 0;

  const record = async (prefix: string, n: number, outcome = 'PASSED'): Promise<number[]> => {
    const inputs = Array.from({ length: n }, (_, i) => ({ testcase: 'dist.push', item: `${prefix}-${i}-1.fc40`, type: 'koji_build', outcome }));
    return (await server.data<{ recordResults: { emissions: Array<{ seq: number }> } }>(RECORD_MANY, { inputs })).recordResults.emissions.map((e) => e.seq);
  };

  /** Subscribes as graphql-ws does (src/app.ts), with a recording sink in the context. */
  const subscribe = async (variables: Record<string, unknown>, authorization: string | null = null): Promise<Subscriber> => {
    const { schema, subscribe: run, contextFactory } = server.app.yoga.getEnveloped({});
    const contextValue = (await contextFactory()) as Context;
    contextValue.authorization = authorization;
    const sink = new RecordingSink();
    contextValue.frames = sink;
    const result = await run({ schema, document: FOLLOW, operationName: 'Follow', variableValues: variables, contextValue });
    const iterator = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    return { sink, iterator, pending: iterator.next() };
  };

  const seqOf = (payload: string): number => (JSON.parse(payload) as { data: { emissions: { seq: number } } }).data.emissions.seq;

  it('writes live events to the sink as graphql-ws would send them, one execution for subscribers of the same answer', async () => {
    const base = await latestSeq();
    const a = await subscribe({ after: base, first: 1 });
    const b = await subscribe({ after: null, first: 1 });
    // Another `first` below the root: another answer, not shared.
    const c = await subscribe({ after: null, first: 2 });
    queries.length = 0;
    const seqs = await record('push-a', 5);
    for (const s of [a, b, c]) await waitUntil('five frames are pushed', () => s.sink.frames.length === 5);
    // One list of the item's results per event for a and b together, one for c.
    expect(queries.filter((q) => /from "results" .* where "results"."item_id" = \$1/.test(q))).toHaveLength(10);
    for (const s of [a, b, c]) expect(s.sink.frames.map(seqOf)).toEqual(seqs);
    const frame = JSON.parse(a.sink.frames[0] ?? '{}') as unknown;
    expect(frame).toEqual({ data: { emissions: { seq: seqs[0], outcome: 'PASSED', item: { name: 'push-a-0-1.fc40', results: { edges: [{ node: { outcome: 'PASSED' } }] } } } } });
    for (const s of [a, b, c]) await s.iterator.return?.();
    for (const s of [a, b, c]) expect(await s.pending).toEqual({ done: true, value: undefined });
  });

  it('a subscriber whose socket falls behind goes back to pulling and gets every seq once, in order, then is pushed again', async () => {
    const base = await latestSeq();
    const s = await subscribe({ after: base, first: 1 });
    const first = await record('push-b', 3);
    await waitUntil('three frames are pushed', () => s.sink.frames.length === 3);
    // The socket stops taking frames: nothing more is pushed.
    s.sink.backlog = PUSH_BACKLOG + 1;
    const second = await record('push-c', 4);
    const pulled: number[] = [];
    let next = await s.pending;
    while (!next.done) {
      pulled.push((next.value as { data: { emissions: { seq: number } } }).data.emissions.seq);
      if (pulled.length === second.length) break;
      next = await s.iterator.next();
    }
    expect(s.sink.frames.map(seqOf)).toEqual(first);
    expect(pulled).toEqual(second);
    // Caught up and taking frames again: pushed.
    s.sink.backlog = 0;
    s.pending = s.iterator.next();
    const third = await record('push-d', 2);
    await waitUntil('two more frames are pushed', () => s.sink.frames.length === 5);
    expect(s.sink.frames.map(seqOf)).toEqual([...first, ...third]);
    await s.iterator.return?.();
    expect(await s.pending).toEqual({ done: true, value: undefined });
  });

  it('a sink that fails ends its own subscription with the error, and the others of its group go on', async () => {
    const base = await latestSeq();
    const broken = await subscribe({ after: base, first: 1 });
    broken.sink.next = () => {
      throw new Error('the socket broke');
    };
    const fine = await subscribe({ after: base, first: 1 });
    // Masked, as any unexpected error (the cause goes to the log).
    const failed = expect(broken.pending).rejects.toThrow('Unexpected error.');
    const first = await record('push-h', 1);
    await failed;
    const second = await record('push-h', 1, 'FAILED');
    await waitUntil('two frames are pushed', () => fine.sink.frames.length === 2);
    expect(fine.sink.frames.map(seqOf)).toEqual([...first, ...second]);
    await fine.iterator.return?.();
  });

  it('subscribers with other credentials get answers of their own', async () => {
    const base = await latestSeq();
    const anonymous = await subscribe({ after: base, first: 1 });
    const signed = await subscribe({ after: base, first: 1 }, `Bearer ${server.token}`);
    const alike = await subscribe({ after: null, first: 1 });
    queries.length = 0;
    await record('push-e', 1);
    for (const s of [anonymous, signed, alike]) await waitUntil('a frame is pushed', () => s.sink.frames.length === 1);
    expect(signed.sink.frames[0]).toEqual(anonymous.sink.frames[0]);
    // Executed once for the two anonymous ones, once for the signed one.
    expect(queries.filter((q) => /from "results" .* where "results"."item_id" = \$1/.test(q))).toHaveLength(2);
    for (const s of [anonymous, signed, alike]) await s.iterator.return?.();
  });

  it('pushed frames of every size reach graphql-ws clients whole, several subscriptions on one socket', async () => {
    const client = server.wsClient();
    const base = await latestSeq();
    const NOTES = 'subscription ($after: Int) { emissions(after: $after) { seq result { note } } }';
    const SEQS = 'subscription ($after: Int) { emissions(after: $after) { seq } }';
    const got: Array<Array<{ emissions: { seq: number; result?: { note: string | null } } }>> = [[], [], []];
    const failures: unknown[] = [];
    const disposers = [NOTES, NOTES, SEQS].map((query, i) =>
      client.subscribe<{ emissions: { seq: number; result?: { note: string | null } } }>(
        { query, variables: { after: base } },
        { next: (value) => void (value.errors ? failures.push(value.errors) : got[i]?.push(value.data as never)), error: (e) => failures.push(e), complete: () => {} },
      ),
    );
    const [warm] = await record('push-f', 1);
    await waitUntil('the warm-up emission arrives', () => got.every((g) => g.length === 1));
    // Frames under 126 bytes, under 64 KiB, and over it (multi-byte characters: lengths are bytes).
    const notes = ['', 'x'.repeat(100), `${'é'.repeat(32_700)}!`];
    const seqs: number[] = [];
    for (const [i, note] of notes.entries()) {
      const input = { testcase: 'dist.push', item: `push-g-${i}-1.fc40`, type: 'koji_build', outcome: 'PASSED', note };
      seqs.push(...(await server.data<{ recordResults: { emissions: Array<{ seq: number }> } }>(RECORD_MANY, { inputs: [input] })).recordResults.emissions.map((e) => e.seq));
    }
    await waitUntil('every emission arrives', () => got.every((g) => g.length === 4) || failures.length > 0);
    expect(failures).toEqual([]);
    for (const g of got.slice(0, 2)) {
      expect(g.map((v) => v.emissions.seq)).toEqual([warm, ...seqs]);
      expect(g.slice(1).map((v) => v.emissions.result?.note)).toEqual(notes);
    }
    expect(got[2]?.map((v) => v.emissions)).toEqual([warm, ...seqs].map((seq) => ({ seq })));
    for (const dispose of disposers) dispose();
  });
});
