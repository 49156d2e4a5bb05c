/**
 * What the dashboard's pages read (issue 13): the package of a build and the
 * `package` filters, name filters that take lists and prefixes, an item's
 * results by outcome and time, `totalCount`, emissions after a plain seq, the
 * package grid in one query and a testcase's outcomes per day, each as a
 * GraphQL client sees it over HTTP (and graphql-ws for the streams).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { items } from '../../src/db/schema.ts';
import { packageOf } from '../../src/items/package.ts';
import { dayWindow, outcomesByDayQuery } from '../../src/results/buckets.ts';
import { namesMatch } from '../../src/results/queries.ts';
import { engine } from '../helpers/database.ts';
import { post } from '../helpers/rest.ts';
import { collect, startServer, type TestServer } from '../helpers/server.ts';

const OLD = 'perl-Specio-0.25-1.fc26';
const NEW = 'perl-Specio-0.26-1.fc27';
const EXPORTER = 'perl-Specio-Exporter-0.1-1.fc27';
const PYTHON = 'python-requests-2.31.0-1.fc40';
const UPDATE = 'FEDORA-2026-0a1b2c3d4e';
const NOT_NVR = 'weird-1';

const RECORD = `mutation DashboardRecord($inputs: [RecordResultInput!]!) {
  recordResults(inputs: $inputs) { results { resultId submittedAt } emissions { seq } }
}`;

interface Recorded {
  results: Array<{ resultId: number; submittedAt: string }>;
  emissions: Array<{ seq: number }>;
}

const build = (testcase: string, item: string, outcome: string, extra: Record<string, unknown> = {}) => ({
  testcase,
  item,
  type: 'koji_build',
  outcome,
  ...extra,
});

// Three batches, one after the other, so that the items are created in this
// order: batch 1 makes UPDATE, OLD, PYTHON (a batch sorts its new items by
// type, then name), batch 2 NEW, EXPORTER, NOT_NVR.
const batches = [
  [
    build('dash.depcheck', OLD, 'PASSED', { arch: 'x86_64' }),
    build('dash.rpmlint', OLD, 'FAILED'),
    build('dash.depcheck', PYTHON, 'PASSED'),
    { testcase: 'dash.upgradepath', item: UPDATE, type: 'bodhi_update', outcome: 'PASSED' },
  ],
  [
    build('dash.depcheck', NEW, 'FAILED', { arch: 'x86_64' }),
    build('dash.rpmlint', NEW, 'PASSED'),
    build('dash.depcheck', EXPORTER, 'PASSED'),
    build('dash.depcheck', NOT_NVR, 'INFO'),
  ],
  [
    // A duplicate of OLD's depcheck PASSED, and a change of NEW's rpmlint.
    build('dash.depcheck', OLD, 'PASSED', { arch: 'x86_64' }),
    build('dash.rpmlint', NEW, 'FAILED'),
  ],
];

let server: TestServer;
let recorded: Recorded[];

beforeAll(async () => {
  server = await startServer();
  recorded = [];
  for (const inputs of batches) recorded.push((await server.data<{ recordResults: Recorded }>(RECORD, { inputs })).recordResults);
});
afterAll(async () => {
  await server.close();
});

async function read<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return server.data<T>(query, variables, { token: null });
}

interface Page<T> {
  totalCount: number;
  edges: Array<{ node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const nodes = <T>(page: { edges: Array<{ node: T }> }): T[] => page.edges.map((e) => e.node);

/** The items of the results a ResultFilter matches, sorted, with the count. */
async function resultItems(filter: Record<string, unknown>): Promise<{ items: string[]; totalCount: number }> {
  const { results } = await read<{ results: Page<{ item: string }> }>(
    `query DashboardResultItems($filter: ResultFilter) { results(first: 500, filter: $filter) { totalCount edges { node { item } } } }`,
    { filter },
  );
  return { items: [...new Set(nodes(results).map((n) => n.item))].sort(), totalCount: results.totalCount };
}

/** The item names of the emissions an EmissionFilter matches, sorted and deduplicated. */
async function emissionItems(filter: Record<string, unknown>): Promise<string[]> {
  const { emissions } = await read<{ emissions: Page<{ item: { name: string } }> }>(
    `query DashboardEmissionItems($filter: EmissionFilter) { emissions(first: 500, filter: $filter) { edges { node { item { name } } } } }`,
    { filter },
  );
  return [...new Set(nodes(emissions).map((n) => n.item.name))].sort();
}

async function itemNames(filter: Record<string, unknown>, newestFirst = false): Promise<string[]> {
  const { items: page } = await read<{ items: Page<{ name: string }> }>(
    `query DashboardItemNames($filter: ItemFilter, $newestFirst: Boolean) { items(first: 500, filter: $filter, newestFirst: $newestFirst) { edges { node { name } } } }`,
    { filter, newestFirst },
  );
  return nodes(page).map((n) => n.name);
}

describe(`Item.package (${engine})`, () => {
  it('is the name part of a koji_build N-V-R, and null for other types and for names that are no N-V-R', async () => {
    const query = `query DashboardPackage($type: String!, $name: String!) { item(type: $type, name: $name) { name package } }`;
    const packageOfItem = async (type: string, name: string) =>
      (await read<{ item: { package: string | null } }>(query, { type, name })).item.package;
    expect(await packageOfItem('koji_build', OLD)).toBe('perl-Specio');
    expect(await packageOfItem('koji_build', EXPORTER)).toBe('perl-Specio-Exporter');
    expect(await packageOfItem('koji_build', PYTHON)).toBe('python-requests');
    expect(await packageOfItem('koji_build', NOT_NVR)).toBeNull();
    expect(await packageOfItem('bodhi_update', UPDATE)).toBeNull();
  });

  it('is what the live streams match on in memory (packageOf), for every kind of name', async () => {
    // The database's generated column and src/items/package.ts must agree, or
    // a `package` subscription would miss what a `package` query finds.
    const names = ['a-b-c', 'a-b-c-d', 'x--1-2', 'a-b-', '-a-b', 'a-b', 'plain', 'ü-ñ-1.0-1.fc40', 'a_b%-1-2', 'kernel-6.11.0-0.rc5.20240830git.1.fc42'];
    const types = ['koji_build', 'bodhi_update', 'compose'];
    const inputs = types.flatMap((type) => names.map((item) => ({ testcase: 'dash.names', item, type, outcome: 'PASSED' })));
    await server.data(RECORD, { inputs });
    const { items: page } = await read<{ items: Page<{ type: string; name: string; package: string | null }> }>(
      `{ items(first: 500, filter: { testcase: "dash.names" }) { edges { node { type name package } } } }`,
    );
    const got = nodes(page);
    expect(got).toHaveLength(inputs.length);
    for (const item of got) expect(item.package, `${item.type} ${item.name}`).toBe(packageOf(item.type, item.name));
    expect(got.filter((i) => i.type === 'koji_build').map((i) => [i.name, i.package])).toEqual(
      expect.arrayContaining([
        ['a-b-c', 'a'],
        ['a-b-c-d', 'a-b'],
        ['x--1-2', 'x-'],
        ['a-b-', null],
        ['-a-b', null],
        ['a-b', null],
        ['a_b%-1-2', 'a_b%'],
      ]),
    );
  });
});

describe(`package, item and testcase filters (${engine})`, () => {
  it('filters results, emissions and items by package: exact, by prefix, or any of a list', async () => {
    expect(await resultItems({ package: 'perl-Specio', testcase: ['dash.depcheck', 'dash.rpmlint'] })).toEqual({ items: [OLD, NEW], totalCount: 6 });
    expect((await resultItems({ package: 'perl-Specio*' })).items).toEqual([OLD, NEW, EXPORTER]);
    expect((await resultItems({ package: ['perl-Specio', 'python-requests'] })).items).toEqual([OLD, NEW, PYTHON]);
    // An item with no package (an update, a name that is no N-V-R) matches no package, not even `*`.
    expect((await resultItems({ package: '*', testcase: ['dash.depcheck', 'dash.rpmlint', 'dash.upgradepath'] })).items).toEqual([OLD, NEW, EXPORTER, PYTHON]);
    expect(await emissionItems({ package: 'perl-Specio' })).toEqual([OLD, NEW]);
    expect(await emissionItems({ package: ['python-requests', 'nothing-such'] })).toEqual([PYTHON]);
    expect(await itemNames({ package: 'perl-Specio' })).toEqual([OLD, NEW]);
    expect(await itemNames({ package: 'perl-Specio*' })).toEqual([OLD, NEW, EXPORTER]);
  });

  it('takes item names as a list (200 builds in one field) and by prefix, on results, emissions and items', async () => {
    const many = [OLD, PYTHON, ...Array.from({ length: 198 }, (_, i) => `nothing-${i}-1-1.fc40`)];
    expect(await resultItems({ item: many })).toEqual({ items: [OLD, PYTHON], totalCount: 4 });
    expect(await emissionItems({ item: many })).toEqual([OLD, PYTHON]);
    expect(await itemNames({ name: many })).toEqual([OLD, PYTHON]);
    expect((await resultItems({ item: 'perl-Specio-0.2*' })).items).toEqual([OLD, NEW]);
    expect((await resultItems({ item: ['perl-Specio-0.26*', PYTHON] })).items).toEqual([NEW, PYTHON]);
    expect(await emissionItems({ item: 'perl-Specio-*' })).toEqual([OLD, NEW, EXPORTER]);
    expect(await itemNames({ name: 'perl-Specio-*' })).toEqual([OLD, NEW, EXPORTER]);
    // With the type: an update alias is no build.
    expect((await resultItems({ item: [UPDATE, OLD], type: 'koji_build' })).items).toEqual([OLD]);
  });

  it('takes testcases as a list of names and prefixes, on results, emissions, items and an item\'s task states', async () => {
    expect((await resultItems({ testcase: ['dash.rpmlint', 'dash.upgrade*'] })).items).toEqual([UPDATE, OLD, NEW].sort());
    expect(await emissionItems({ testcase: ['dash.upgradepath', 'dash.rpm*'] })).toEqual([UPDATE, OLD, NEW].sort());
    expect(await itemNames({ testcase: ['dash.rpmlint', 'dash.upgradepath'] })).toEqual([UPDATE, OLD, NEW]);
    const { item } = await read<{ item: { taskStates: Array<{ testcase: string }> } }>(
      `{ item(type: "koji_build", name: "${OLD}") { taskStates(testcase: ["dash.rpmlint", "dash.dep*"]) { testcase } } }`,
    );
    expect(item.taskStates.map((s) => s.testcase)).toEqual(['dash.depcheck', 'dash.rpmlint']);
  });

  it('still takes a single string, as a literal and as a variable\'s value, and an empty list filters nothing out', async () => {
    const literal = await read<{ results: Page<{ item: string }> }>(
      `{ results(first: 500, filter: { item: "${OLD}", testcase: "dash.depcheck" }) { totalCount edges { node { item } } } }`,
    );
    expect(literal.results.totalCount).toBe(2);
    expect(new Set(nodes(literal.results).map((n) => n.item))).toEqual(new Set([OLD]));
    const variable = await read<{ results: Page<{ item: string }> }>(
      `query DashboardOneItem($item: [String!]) { results(first: 500, filter: { item: $item }) { totalCount } }`,
      { item: OLD },
    );
    expect(variable.results.totalCount).toBe(3);
    const all = await resultItems({ testcase: 'dash.*' });
    expect(await resultItems({ testcase: 'dash.*', item: [], package: [] })).toEqual(all);
    const { item } = await read<{ item: { taskStates: unknown[] } }>(`{ item(type: "koji_build", name: "${OLD}") { taskStates(testcase: "dash.rpmlint") { testcase } } }`);
    expect(item.taskStates).toEqual([{ testcase: 'dash.rpmlint' }]);
  });

  it('refuses a list of more than 500 names with BAD_USER_INPUT', async () => {
    const response = await server.gql(
      `query DashboardTooMany($item: [String!]) { results(filter: { item: $item }) { totalCount } }`,
      { item: Array.from({ length: 501 }, (_, i) => `x-${i}-1`) },
      { token: null },
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(response.errors?.[0]?.message).toMatch(/has 501 entries; at most 500/);
  });
});

describe(`package filters on the live streams (${engine})`, () => {
  it('emissions(after:, filter: { package }) replays and follows only the package\'s builds', async () => {
    const client = server.wsClient();
    const stored = (await emissionItems({ package: 'perl-Specio' })).length;
    expect(stored).toBe(2);
    const { emissions } = await read<{ emissions: Page<{ seq: number }> }>(`{ emissions(first: 500, filter: { package: "perl-Specio" }) { totalCount } }`);
    const want = emissions.totalCount + 1;
    const got = collect<{ emissions: { seq: number; item: { name: string; package: string | null } } }>(
      client,
      `subscription DashboardFollowPackage { emissions(after: 0, filter: { package: ["perl-Specio"] }) { seq item { name package } } }`,
      {},
      want,
    );
    // Give the stream time to go live, then record one emission of another package and one of this one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.data(RECORD, { inputs: [build('dash.live', PYTHON, 'PASSED'), build('dash.live', 'perl-Specio-0.27-1.fc28', 'PASSED')] });
    const events = await got;
    expect(events.map((e) => e.emissions.item.package)).toEqual(Array.from({ length: want }, () => 'perl-Specio'));
    expect(events.at(-1)?.emissions.item.name).toBe('perl-Specio-0.27-1.fc28');
  });

  it('resultRecorded(filter: { package, item }) hands out only matching results', async () => {
    const client = server.wsClient();
    const got = collect<{ resultRecorded: { item: string; outcome: string } }>(
      client,
      `subscription DashboardResultsOfPackage { resultRecorded(filter: { package: "python-requests*", item: ["${PYTHON}", "python-requests-9*"] }) { item outcome } }`,
      {},
      2,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.data(RECORD, {
      inputs: [
        build('dash.live2', OLD, 'FAILED'),
        build('dash.live2', PYTHON, 'FAILED'),
        build('dash.live2', 'python-requests-2.32.0-1.fc41', 'FAILED'),
        build('dash.live2', 'python-requests-9.0-1.fc41', 'ERROR'),
      ],
    });
    expect((await got).map((e) => e.resultRecorded)).toEqual([
      { item: PYTHON, outcome: 'FAILED' },
      { item: 'python-requests-9.0-1.fc41', outcome: 'ERROR' },
    ]);
  });
});

describe(`the emission stream over SSE (${engine})`, () => {
  /** Reads `n` `next` events of a subscription over Server-Sent Events, then hangs up. */
  async function sse(query: string, n: number): Promise<unknown[]> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 30_000);
    try {
      const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent(query)}`, {
        headers: { accept: 'text/event-stream' },
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body?.getReader();
      if (!reader) throw new Error('no body');
      const events: unknown[] = [];
      let text = '';
      while (events.length < n) {
        const { done, value } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (frame.startsWith('event: next') && data) events.push(JSON.parse(data.slice(6)));
        }
      }
      return events;
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  }

  it('replays after a seq and follows live, as over graphql-ws, with GET and Accept: text/event-stream', async () => {
    const { emissions } = await read<{ emissions: Page<{ seq: number }> }>(
      `{ emissions(first: 1, newestFirst: true, filter: { package: "perl-Specio" }) { totalCount edges { node { seq } } } }`,
    );
    const last = emissions.edges[0]?.node.seq ?? 0;
    const got = sse(`subscription { emissions(after: ${last - 1}, filter: { package: "perl-Specio" }) { seq item { name } } }`, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const live = await server.data<{ recordResults: Recorded }>(RECORD, {
      inputs: [build('dash.sse', PYTHON, 'PASSED'), build('dash.sse', 'perl-Specio-0.28-1.fc28', 'PASSED')],
    });
    const events = (await got) as Array<{ data: { emissions: { seq: number; item: { name: string } } } }>;
    expect(events.map((e) => e.data.emissions.seq)).toEqual([last, Math.max(...live.recordResults.emissions.map((e) => e.seq))]);
    expect(events[1]?.data.emissions.item.name).toBe('perl-Specio-0.28-1.fc28');
  });
});

describe(`the package grid and the build page (${engine})`, () => {
  const GRID = `query DashboardGrid($package: [String!], $first: Int, $after: String) {
    items(filter: { package: $package, type: "koji_build" }, newestFirst: true, first: $first, after: $after) {
      totalCount
      edges { node { name package taskStates(testcase: ["dash.depcheck", "dash.rpmlint"]) { testcase arch variant { key values } lastOutcome resultCount lastResult { resultId } } } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
  interface GridItem {
    name: string;
    package: string;
    taskStates: Array<{ testcase: string; arch: string | null; lastOutcome: string; resultCount: number; lastResult: { resultId: number } }>;
  }

  it('lists a package\'s builds newest first, each with its state per testcase and variant, in one query', async () => {
    const { items: page } = await read<{ items: Page<GridItem> }>(GRID, { package: 'perl-Specio', first: 50 });
    // The live tests above added newer builds (0.27, 0.28), with none of these testcases.
    expect(nodes(page).map((i) => i.name)).toEqual(['perl-Specio-0.28-1.fc28', 'perl-Specio-0.27-1.fc28', NEW, OLD]);
    const grid = nodes(page).filter((i) => i.name === NEW || i.name === OLD);
    expect(grid.map((i) => i.name)).toEqual([NEW, OLD]);
    expect(page.totalCount).toBe(nodes(page).length);
    const cells = (i: GridItem) => i.taskStates.map((s) => [s.testcase, s.arch, s.lastOutcome, s.resultCount]);
    expect(cells(grid[0] as GridItem)).toEqual([
      ['dash.depcheck', 'x86_64', 'FAILED', 1],
      ['dash.rpmlint', null, 'FAILED', 2],
    ]);
    expect(cells(grid[1] as GridItem)).toEqual([
      ['dash.depcheck', 'x86_64', 'PASSED', 2],
      ['dash.rpmlint', null, 'FAILED', 1],
    ]);
    // A cell opens its last result.
    expect(grid[1]?.taskStates[0]?.lastResult.resultId).toBe(recorded[2]?.results[0]?.resultId);
  });

  it('pages newest first: each build once, and the count is the same on every page', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { items: page }: { items: Page<GridItem> } = await read<{ items: Page<GridItem> }>(GRID, { package: 'perl-Specio*', first: 1, after });
      expect(page.totalCount).toBeGreaterThanOrEqual(3);
      seen.push(...nodes(page).map((i) => i.name));
      if (!page.pageInfo.hasNextPage) {
        expect(seen).toHaveLength(page.totalCount);
        break;
      }
      after = page.pageInfo.endCursor;
    }
    expect(seen.filter((n) => [OLD, NEW, EXPORTER].includes(n))).toEqual([EXPORTER, NEW, OLD]);
    expect(await itemNames({ package: 'perl-Specio*' }, false)).toEqual([...seen].reverse());
  });

  it('filters an item\'s results by outcome, arch and time, and counts them', async () => {
    const query = `query DashboardItemResults($outcome: [Outcome!], $arch: String, $since: DateTime, $until: DateTime) {
      item(type: "koji_build", name: "${NEW}") {
        results(first: 50, outcome: $outcome, arch: $arch, since: $since, until: $until) { totalCount edges { node { resultId testcase outcome } } }
      }
    }`;
    const results = async (variables: Record<string, unknown>) =>
      (await read<{ item: { results: Page<{ resultId: number; testcase: string; outcome: string }> } }>(query, variables)).item.results;
    const [depcheck, rpmlint] = recorded[1]?.results ?? [];
    const rpmlintAgain = recorded[2]?.results[1];
    expect(nodes(await results({ outcome: ['FAILED'] })).map((r) => r.resultId)).toEqual([rpmlintAgain?.resultId, depcheck?.resultId]);
    expect((await results({ outcome: 'PASSED' })).totalCount).toBe(1);
    expect(nodes(await results({ arch: 'x86_64' })).map((r) => r.testcase)).toEqual(['dash.depcheck']);
    // Batch 2's time and after: its two results and the third batch's one.
    const since = rpmlint?.submittedAt;
    const page = await results({ since });
    expect(page.totalCount).toBe(3);
    expect((await results({ until: new Date(Date.parse(depcheck?.submittedAt ?? '') - 1).toISOString() })).totalCount).toBe(0);
    expect((await results({ since, outcome: ['FAILED', 'PASSED'], until: rpmlintAgain?.submittedAt })).totalCount).toBe(3);
  });

  it('shows a build\'s history with what each result did: its emission, or the one it duplicates', async () => {
    const { item } = await read<{
      item: {
        results: Page<{ resultId: number; emission: { seq: number; msgId: string; forced: boolean } | null; duplicateOf: { seq: number } | null }>;
        emissions: Page<{ seq: number }>;
      };
    }>(`{ item(type: "koji_build", name: "${OLD}") {
          results(first: 10, testcase: ["dash.depcheck", "dash.rpmlint"]) { totalCount edges { node { resultId emission { seq msgId forced } duplicateOf { seq } } } }
          emissions(first: 10, testcase: ["dash.depcheck", "dash.rpmlint"]) { totalCount edges { node { seq } } }
        } }`);
    expect(item.results.totalCount).toBe(3);
    expect(item.emissions.totalCount).toBe(2);
    const [duplicate, rpmlint, depcheck] = nodes(item.results);
    expect(duplicate?.emission).toBeNull();
    expect(duplicate?.duplicateOf?.seq).toBe(depcheck?.emission?.seq);
    expect(rpmlint?.emission?.forced).toBe(false);
    expect(rpmlint?.emission?.msgId).toMatch(/^\d{4}-[0-9a-f-]{36}$/);
  });
});

describe(`emissions(afterSeq:) and totalCount (${engine})`, () => {
  async function seqs(args: string): Promise<{ seqs: number[]; totalCount: number }> {
    const { emissions } = await read<{ emissions: Page<{ seq: number }> }>(
      `{ emissions(first: 500, ${args}, filter: { testcase: ["dash.depcheck", "dash.rpmlint", "dash.upgradepath"] }) { totalCount edges { node { seq } } } }`,
    );
    return { seqs: nodes(emissions).map((e) => e.seq), totalCount: emissions.totalCount };
  }

  it('gives the emissions after a plain seq, in seq order or newest first, and counts them', async () => {
    const all = (await seqs('afterSeq: 0')).seqs;
    expect(all.length).toBeGreaterThanOrEqual(8);
    const n = all[3] as number;
    expect(await seqs(`afterSeq: ${n}`)).toEqual({ seqs: all.filter((s) => s > n), totalCount: all.filter((s) => s > n).length });
    expect((await seqs(`afterSeq: ${n}, newestFirst: true`)).seqs).toEqual(all.filter((s) => s > n).reverse());
    expect((await seqs(`afterSeq: ${all.at(-1) as number}`)).seqs).toEqual([]);
  });

  it('pages within afterSeq with after, and an item\'s emissions take afterSeq too', async () => {
    const all = (await seqs('afterSeq: 0')).seqs;
    const n = all[1] as number;
    const query = `query DashboardAfterSeq($afterSeq: Int, $after: String) {
      emissions(first: 2, afterSeq: $afterSeq, after: $after, newestFirst: true) { totalCount edges { node { seq } } pageInfo { hasNextPage endCursor } }
    }`;
    const first = (await read<{ emissions: Page<{ seq: number }> }>(query, { afterSeq: n })).emissions;
    const second = (await read<{ emissions: Page<{ seq: number }> }>(query, { afterSeq: n, after: first.pageInfo.endCursor })).emissions;
    expect(second.totalCount).toBe(first.totalCount);
    const walked = [...nodes(first), ...nodes(second)].map((e) => e.seq);
    expect(walked.every((s) => s > n)).toBe(true);
    expect(walked).toEqual([...walked].sort((x, y) => y - x));
    // NEW emitted three times: depcheck and rpmlint in batch 2, rpmlint again in batch 3.
    const itemEmissions = async (afterSeq: number) =>
      (
        await read<{ item: { emissions: Page<{ seq: number }> } }>(
          `query DashboardItemAfterSeq($afterSeq: Int) { item(type: "koji_build", name: "${NEW}") { emissions(afterSeq: $afterSeq, testcase: "dash.*") { totalCount edges { node { seq } } } } }`,
          { afterSeq },
        )
      ).item.emissions;
    const everything = nodes(await itemEmissions(0)).map((e) => e.seq);
    expect(everything).toHaveLength(3);
    const later = await itemEmissions(everything[0] as number);
    expect({ seqs: nodes(later).map((e) => e.seq), totalCount: later.totalCount }).toEqual({ seqs: everything.slice(1), totalCount: 2 });
  });

  it('refuses a negative afterSeq with BAD_USER_INPUT', async () => {
    const response = await server.gql(`{ emissions(afterSeq: -1) { totalCount } }`, {}, { token: null });
    expect(response.errors?.[0]).toMatchObject({ message: 'afterSeq must be 0 or a seq, got -1', extensions: { code: 'BAD_USER_INPUT', field: 'afterSeq' } });
  });

  it('counts testcases, items and results with the connection\'s filter, whatever the page', async () => {
    const data = await read<{ testcases: Page<unknown>; items: Page<unknown>; results: Page<unknown> }>(`{
      testcases(name: "dash.*", first: 1) { totalCount edges { cursor } }
      items(filter: { type: "koji_build", outcome: [FAILED] }, first: 0) { totalCount }
      results(filter: { testcase: "dash.depcheck", outcome: [PASSED] }, first: 1) { totalCount }
    }`);
    expect(data.testcases.totalCount).toBeGreaterThanOrEqual(3);
    expect(data.testcases.edges).toHaveLength(1);
    // OLD (rpmlint FAILED), NEW (both FAILED), and what the live tests failed, if they ran first.
    expect(data.items.totalCount).toBeGreaterThanOrEqual(2);
    expect(data.results.totalCount).toBe(4);
  });
});

describe(`testcase(name:) and outcomesByDay (${engine})`, () => {
  const CHART = `query DashboardChart($name: String!, $since: DateTime, $until: DateTime) {
    testcase(name: $name) { name outcomesByDay(since: $since, until: $until) { day outcome count } }
  }`;

  beforeAll(async () => {
    // ResultsDB's REST API takes a submit time: results on days of their own.
    const at = (outcome: string, time: string) =>
      post(server, '/api/v2.0/results', { testcase: 'dash.chart', outcome, submit_time: time, data: { item: OLD, type: 'koji_build' } });
    for (const [outcome, time] of [
      ['PASSED', '2026-11-20T00:00:00.000000'],
      ['FAILED', '2026-11-20T12:00:00.000000'],
      ['FAILED', '2026-11-20T23:59:59.999999'],
      ['PASSED', '2026-11-21T08:00:00.000000'],
      ['PASSED', '2026-11-21T09:00:00.000000'],
      ['ERROR', '2026-11-23T10:00:00.000000'],
      ['FAILED', '2026-11-25T10:00:00.000000'],
    ] as const) {
      const created = await at(outcome, time);
      expect(created.status, created.text).toBe(201);
    }
  });

  it('counts a testcase\'s results per UTC day and outcome, days and outcomes with none left out', async () => {
    const { testcase } = await read<{ testcase: { name: string; outcomesByDay: unknown[] } }>(CHART, {
      name: 'dash.chart',
      since: '2026-11-20',
      until: '2026-11-24',
    });
    expect(testcase).toEqual({
      name: 'dash.chart',
      outcomesByDay: [
        { day: '2026-11-20', outcome: 'FAILED', count: 2 },
        { day: '2026-11-20', outcome: 'PASSED', count: 1 },
        { day: '2026-11-21', outcome: 'PASSED', count: 2 },
        { day: '2026-11-23', outcome: 'ERROR', count: 1 },
      ],
    });
  });

  it('takes since and until as times, both inclusive', async () => {
    const { testcase } = await read<{ testcase: { outcomesByDay: unknown[] } }>(CHART, {
      name: 'dash.chart',
      since: '2026-11-20T12:00:00Z',
      until: '2026-11-21T08:00:00Z',
    });
    expect(testcase.outcomesByDay).toEqual([
      { day: '2026-11-20', outcome: 'FAILED', count: 2 },
      { day: '2026-11-21', outcome: 'PASSED', count: 1 },
    ]);
  });

  it('covers the last 30 days up to now by default', async () => {
    const { testcase } = await read<{ testcase: { outcomesByDay: Array<{ day: string; outcome: string; count: number }> } }>(CHART, { name: 'dash.rpmlint' });
    const days = new Set([0, 1, 2].map((b) => recorded[b]?.results[0]?.submittedAt.slice(0, 10)));
    expect(new Set(testcase.outcomesByDay.map((c) => c.day))).toEqual(days);
    const total = (outcome: string) => testcase.outcomesByDay.filter((c) => c.outcome === outcome).reduce((n, c) => n + c.count, 0);
    expect({ FAILED: total('FAILED'), PASSED: total('PASSED') }).toEqual({ FAILED: 2, PASSED: 1 });
  });

  it('is null for a testcase nothing was recorded for, and refuses a window backwards or over 366 days', async () => {
    expect((await read<{ testcase: unknown }>(CHART, { name: 'dash.nothing' })).testcase).toBeNull();
    const backwards = await server.gql(CHART, { name: 'dash.chart', since: '2026-11-21', until: '2026-11-20' }, { token: null });
    expect(backwards.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'since' });
    expect(backwards.errors?.[0]?.message).toMatch(/^since: must be at or before until/);
    const long = await server.gql(CHART, { name: 'dash.chart', since: '2025-01-01', until: '2026-11-20' }, { token: null });
    expect(long.errors?.[0]?.message).toMatch(/at most 366 days apart/);
  });
});

describe(`indexes behind the new filters (${engine})`, () => {
  /** The plan of `query` with sequential scans priced out, so that a usable index shows even on tiny tables. */
  async function plan(query: ReturnType<typeof sql>): Promise<string> {
    return server.database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      const rows = await queryRows<Record<string, string>>(tx, sql`EXPLAIN ${query}`);
      return rows.map((r) => Object.values(r)[0]).join('\n');
    });
  }

  it('counts outcomes per day from results_testcase_time_idx alone', async () => {
    const text = await plan(outcomesByDayQuery(1, dayWindow(new Date('2026-11-01'), new Date('2026-11-30'))));
    expect(text).toMatch(/Index Only Scan using results_testcase_time_idx/);
  });

  it('finds items by package and by name prefix through their indexes', async () => {
    const byPackage = await plan(sql`SELECT ${items.id} FROM ${items} WHERE ${namesMatch(items.package, ['perl-Specio', 'python-*'])}`);
    expect(byPackage).toMatch(/items_package_idx/);
    const byPrefix = await plan(sql`SELECT ${items.id} FROM ${items} WHERE ${namesMatch(items.name, ['perl-Specio-*'])}`);
    expect(byPrefix).toMatch(/items_name_prefix_idx/);
  });
});
