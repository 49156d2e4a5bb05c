/**
 * `resultsbus record` as a script runs it: a process that talks to a running
 * server over HTTP (RESULTSBUS_URL, RESULTSBUS_TOKEN) and says whether the
 * result emitted; what it stored is checked through the API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.ts';
import { freePort, killAll, run } from './process.ts';

const ResultById = `
  query CliResult($id: ID!) {
    result(id: $id) {
      testcase item type arch outcome note refUrl data groups forced
      emission { seq body }
    }
  }
`;

const ResultCount = `query CliResultCount { results(first: 500) { edges { node { resultId } } } }`;

interface StoredResult {
  testcase: string;
  item: string;
  type: string;
  arch: string | null;
  outcome: string;
  note: string | null;
  refUrl: string | null;
  data: unknown;
  groups: string[];
  forced: boolean;
  emission: { seq: number; body: unknown } | null;
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ env: { RESULTSBUS_EXTRA_OUTCOMES: 'WAIVED' } });
});
afterEach(killAll);
afterAll(async () => {
  await killAll();
  await server.close();
});

const key = ['--testcase', 'dist.depcheck', '--item', 'perl-Specio-0.25-1.fc26', '--type', 'koji_build'];

function record(args: string[], env: Record<string, string> = {}) {
  return run(['record', ...args], { RESULTSBUS_URL: server.url, RESULTSBUS_TOKEN: server.token, ...env });
}

async function resultCount(): Promise<number> {
  const data = await server.data<{ results: { edges: unknown[] } }>(ResultCount);
  return data.results.edges.length;
}

describe('resultsbus record', () => {
  it('says "emitted seq 1" the first time, "not emitted, covered by seq 1" the second, and "forced" with --force', async () => {
    const first = await record([...key, '--outcome', 'PASSED']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^emitted seq 1: \(first\) -> PASSED; result \d+, msg_id \d{4}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n$/,
    );

    const again = await record([...key, '--outcome', 'PASSED']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^not emitted: state unchanged \(PASSED\), covered by seq 1; result \d+ stored\n$/);

    const forced = await record([...key, '--outcome', 'PASSED', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^emitted seq 2: PASSED again \(forced\); result \d+, msg_id \S+\n$/);

    const changed = await record([...key, '--outcome', 'FAILED']);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/^emitted seq 3: PASSED -> FAILED; result \d+, msg_id \S+\n$/);
  });

  it('stores --arch, --note, --ref-url, --group and --data as given; a repeated --data key becomes a list', async () => {
    const out = await record([
      '--testcase', 'dist.rpmlint', '--item', 'python-requests-2.31.0-1.fc40', '--type', 'koji_build',
      '--outcome', 'NEEDS_INSPECTION', '--arch', 'x86_64', '--note', '3 warnings',
      '--ref-url', 'https://ci.example.org/logs/7/', '--group', 'nightly', '--group', 'f40',
      '--data', 'checked=foo.spec', '--data', 'checked=bar.spec', '--data', 'tool=rpmlint 2.5', '--data', 'expr=a=b',
    ]);
    expect(out.code).toBe(0);
    const id = /; result (\d+),/.exec(out.stdout)?.[1];
    expect(id, out.stdout).toBeDefined();
    const { result } = await server.data<{ result: StoredResult | null }>(ResultById, { id });
    expect(result).toEqual({
      testcase: 'dist.rpmlint',
      item: 'python-requests-2.31.0-1.fc40',
      type: 'koji_build',
      arch: 'x86_64',
      outcome: 'NEEDS_INSPECTION',
      note: '3 warnings',
      refUrl: 'https://ci.example.org/logs/7/',
      data: { checked: ['foo.spec', 'bar.spec'], tool: 'rpmlint 2.5', expr: 'a=b' },
      groups: ['nightly', 'f40'],
      forced: false,
      emission: {
        seq: expect.any(Number),
        body: {
          task: { name: 'dist.rpmlint', item: 'python-requests-2.31.0-1.fc40', type: 'koji_build', arch: 'x86_64' },
          result: expect.objectContaining({ outcome: 'NEEDS_INSPECTION', prev_outcome: null, log_url: 'https://ci.example.org/logs/7/', forced: false }),
        },
      },
    });
  });

  it('prints the payload as JSON with --json', async () => {
    const first = await record(['--testcase', 'dist.json', '--item', 'json-1.0-1.fc40', '--type', 'koji_build', '--outcome', 'FAILED', '--json']);
    expect(first.code).toBe(0);
    const payload: unknown = JSON.parse(first.stdout);
    expect(payload).toEqual({
      emitted: true,
      result: { resultId: expect.any(Number), stateVersion: 1 },
      emission: { seq: expect.any(Number), msgId: expect.stringMatching(/^\d{4}-/), outcome: 'FAILED', prevOutcome: null, forced: false },
      duplicateOf: null,
    });
  });

  it('accepts a lower-case outcome and a configured extra outcome (RESULTSBUS_EXTRA_OUTCOMES on the server)', async () => {
    const out = await record(['--testcase', 'dist.waiver', '--item', 'waived-1.0-1.fc40', '--type', 'koji_build', '--outcome', 'waived']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^emitted seq \d+: \(first\) -> WAIVED;/);
  });

  it('takes RESULTSBUS_URL with or without /graphql and a trailing slash', async () => {
    const a = await record(['--testcase', 'dist.url', '--item', 'url-1.0-1.fc40', '--type', 'koji_build', '--outcome', 'INFO'], {
      RESULTSBUS_URL: `${server.url}/graphql`,
    });
    expect(a.code).toBe(0);
    const b = await record(['--testcase', 'dist.url', '--item', 'url-1.0-1.fc40', '--type', 'koji_build', '--outcome', 'INFO'], {
      RESULTSBUS_URL: `${server.url}/`,
    });
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^not emitted: state unchanged \(INFO\)/);
  });

  it('explains a missing option, a bad outcome or --data, a missing or wrong token and an unreachable server, and stores nothing', async () => {
    const before = await resultCount();
    const valid = ['--testcase', 'dist.bad', '--item', 'bad-1.0-1.fc40', '--type', 'koji_build'];

    const missing = await record(['--testcase', 'dist.bad', '--item', 'bad-1.0-1.fc40']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('resultsbus: missing --type, --outcome');
    expect(missing.stderr).toContain('Usage: resultsbus record');

    const unknownOption = await record([...valid, '--outcome', 'PASSED', '--colour', 'red']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("Unknown option '--colour'");
    expect(unknownOption.stderr).toContain('Usage: resultsbus record');

    const badData = await record([...valid, '--outcome', 'PASSED', '--data', 'novalue']);
    expect(badData.code).toBe(2);
    expect(badData.stderr).toContain('--data takes key=value, got "novalue"');

    const badOutcome = await record([...valid, '--outcome', 'GREEN']);
    expect(badOutcome.code).toBe(1);
    expect(badOutcome.stderr).toContain('BAD_USER_INPUT');
    expect(badOutcome.stderr).toContain('"GREEN"');
    // It lists what is allowed, the server's configured extra outcome included.
    expect(badOutcome.stderr).toMatch(/allowed[^\n]*PASSED[^\n]*NEEDS_INSPECTION[^\n]*WAIVED/i);

    const noToken = await record([...valid, '--outcome', 'PASSED'], { RESULTSBUS_TOKEN: '' });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('UNAUTHENTICATED: writing needs an "Authorization: Bearer <token>" header');
    expect(noToken.stderr).toContain('set RESULTSBUS_TOKEN');

    const wrongToken = await record([...valid, '--outcome', 'PASSED'], { RESULTSBUS_TOKEN: 'rb_not-a-token' });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toContain('UNAUTHENTICATED: the bearer token is not valid (unknown or revoked)');

    const port = await freePort();
    const unreachable = await record([...valid, '--outcome', 'PASSED'], { RESULTSBUS_URL: `http://127.0.0.1:${port}` });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`cannot reach http://127.0.0.1:${port}/graphql`);
    expect(unreachable.stderr).toContain('ECONNREFUSED');

    for (const failed of [missing, unknownOption, badData, badOutcome, noToken, wrongToken, unreachable]) {
      expect(failed.stdout).toBe('');
      // A message, not a crash.
      expect(failed.stderr).not.toMatch(/^\s+at /m);
    }
    expect(await resultCount()).toBe(before);
  });
});
