/**
 * `resultsbus replay` as a user runs it: a child process asking the replay
 * endpoint of an in-process server with the bridge on, compared with the
 * bytes a SUB socket received from the same bridge.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RecordResultDocument } from '../../src/cli/record.ts';
import type { Outcome } from '../../src/generated/graphql.ts';
import { BusListener, type BusMessage } from '../helpers/bus.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { freePort, killAll, run } from './process.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await killAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A server with the bridge on, capped at two messages a reply, and the three
 * messages a SUB socket received from it.
 */
async function publishedThree(): Promise<{ replayEndpoint: string; published: BusMessage[] }> {
  const server = await startServer({ env: { RESULTSBUS_BRIDGE: 'on', RESULTSBUS_FEDMSG_REPLAY_MAX: '2' } });
  cleanups.push(() => server.close());
  const bridge = server.app.bridge;
  if (!bridge?.endpoint || !bridge.replayEndpoint) throw new Error('the bridge is not publishing');
  const bus = await BusListener.connect(bridge.endpoint);
  cleanups.push(() => bus.close());
  for (const outcome of ['PASSED', 'FAILED', 'PASSED'] as const) await record(server, outcome);
  return { replayEndpoint: bridge.replayEndpoint, published: await bus.waitFor(3) };
}

async function record(server: TestServer, outcome: Outcome): Promise<void> {
  const input = { testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome };
  await server.data(RecordResultDocument, { input });
}

describe('resultsbus replay', () => {
  it('prints the very bytes the bus carried, one a line, for each query form', async () => {
    const { replayEndpoint, published } = await publishedThree();
    const lines = (...seqs: number[]): string => seqs.map((seq) => `${published[seq - 1]?.bytes.toString() ?? '?'}\n`).join('');
    const replay = (...args: string[]) => run(['replay', '--endpoint', replayEndpoint, ...args], {}, 30_000);

    const [seq, range, msgId, query, capped] = await Promise.all([
      replay('--seq', '2'),
      // Past the cap of two: asked again from seq 3.
      replay('--from', '1', '--to', '3'),
      replay('--msg-id', published[2]?.envelope.msg_id ?? ''),
      replay('--query', '{"seq_ids": [3, 1]}'),
      // --query is sent as it is: the endpoint's cap shows.
      replay('--query', '{"seq_id_range": [1, 3]}'),
    ]);
    for (const exit of [seq, range, msgId, query, capped]) {
      expect(exit.stderr).toBe('');
      expect(exit.code).toBe(0);
    }
    expect(seq.stdout).toBe(lines(2));
    expect(range.stdout).toBe(lines(1, 2, 3));
    expect(msgId.stdout).toBe(lines(3));
    expect(query.stdout).toBe(lines(1, 3));
    expect(capped.stdout).toBe(lines(1, 2));
  });

  it("exits 1 with the endpoint's reason when it refuses the query or does not answer", async () => {
    const { replayEndpoint } = await publishedThree();
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const [noMatch, noMatchRange, badKey, badValue, silent] = await Promise.all([
      run(['replay', '--endpoint', replayEndpoint, '--seq', '99'], {}, 30_000),
      run(['replay', '--endpoint', replayEndpoint, '--from', '50', '--to', '60'], {}, 30_000),
      run(['replay', '--endpoint', replayEndpoint, '--query', '{"seq": 1}'], {}, 30_000),
      run(['replay', '--endpoint', replayEndpoint, '--query', '{"seq_id_range": [3, 1]}'], {}, 30_000),
      run(['replay', '--endpoint', dead, '--seq', '1', '--timeout', '300'], {}, 30_000),
    ]);
    expect(noMatch).toMatchObject({ code: 1, stdout: '', stderr: 'resultsbus: replay: no message matches the query\n' });
    expect(noMatchRange).toMatchObject({ code: 1, stdout: '', stderr: 'resultsbus: replay: no message matches the query\n' });
    expect(badKey).toMatchObject({ code: 1, stdout: '' });
    expect(badKey.stderr).toMatch(/^resultsbus: replay: unknown query key "seq"; use seq_id, seq_ids, seq_id_range, msg_id, msg_ids, time\n$/);
    expect(badValue).toMatchObject({ code: 1, stdout: '' });
    expect(badValue.stderr).toMatch(/^resultsbus: replay: seq_id_range must be \[first, last\] with first <= last/);
    expect(silent).toMatchObject({ code: 1, stdout: '', stderr: `resultsbus: replay: the replay endpoint ${dead} did not answer within 300 ms\n` });
  });

  it('refuses a missing, doubled or malformed query with a usage error, exit 2, sending nothing', async () => {
    const endpoint = ['--endpoint', `tcp://127.0.0.1:${await freePort()}`];
    const cases: Array<[string[], RegExp]> = [
      [[...endpoint], /^resultsbus: say what to replay: one of --seq N, --from N --to M, --msg-id ID or --query JSON\n\nUsage: resultsbus replay/],
      [[...endpoint, '--seq', '1', '--msg-id', 'x'], /^resultsbus: give one query form, not --seq and --msg-id/],
      [[...endpoint, '--seq', '1', '--from', '1', '--to', '2'], /^resultsbus: give one query form, not --seq and --from\/--to/],
      [[...endpoint, '--from', '1'], /^resultsbus: --from and --to go together/],
      [[...endpoint, '--to', '3'], /^resultsbus: --from and --to go together/],
      [[...endpoint, '--from', '5', '--to', '3'], /^resultsbus: --from must not be after --to, got --from 5 --to 3/],
      [[...endpoint, '--seq', 'two'], /^resultsbus: --seq must be a whole number 1 or more, got "two"/],
      [[...endpoint, '--seq', '0'], /^resultsbus: --seq must be a whole number 1 or more, got "0"/],
      [[...endpoint, '--msg-id', ' '], /^resultsbus: --msg-id needs a msg_id/],
      [[...endpoint, '--query', '[1]'], /^resultsbus: --query must be a JSON object/],
      [[...endpoint, '--query', 'seq_id=1'], /^resultsbus: --query must be a JSON object/],
      [[...endpoint, '--seq', '1', '--timeout', '0'], /^resultsbus: --timeout must be a whole number from 1 to 3600000, got "0"/],
      [['--endpoint', '127.0.0.1:9941', '--seq', '1'], /^resultsbus: --endpoint must be a ZeroMQ endpoint to connect to/],
      [[...endpoint, '--seq', '1', 'extra'], /^resultsbus: unexpected argument "extra"/],
      [['--seq', '1'], /^resultsbus: RESULTSBUS_FEDMSG_REPLAY_ENDPOINT is off; give the replay endpoint with --endpoint/],
    ];
    const exits = await Promise.all(
      cases.map(([args]) => run(['replay', ...args], { RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: 'off' }, 30_000)),
    );
    exits.forEach((exit, i) => {
      const [args, message] = cases[i] ?? [[], /^$/];
      expect({ args, code: exit.code, stdout: exit.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(exit.stderr).toMatch(message);
    });
  });
});
