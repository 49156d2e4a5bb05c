/**
 * `resultsbus tail --amqp` as a user runs it: a child process reading the
 * fedora-messaging bus of an in-process server whose AMQP bridge publishes
 * to the local RabbitMQ.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, brokerMissing, uniquePrefix } from '../helpers/amqp.ts';
import { startServer } from '../helpers/server.ts';
import { killAll, run, startCli } from '../cli/process.ts';

const missing = await brokerMissing();
const RECORD = `mutation Record($input: RecordResultInput!) { recordResult(input: $input) { emitted emission { msgId } } }`;

afterEach(killAll);

describe.skipIf(missing !== undefined)('resultsbus tail --amqp', () => {
  it('prints each message of both topics as one line, and exits after --count', async () => {
    const prefix = uniquePrefix();
    const server = await startServer({
      env: { RESULTSBUS_TOPIC_PREFIX: prefix, RESULTSBUS_AMQP_URL: AMQP_URL, RESULTSBUS_AMQP_BRIDGE_NAME: `${prefix}-amqp`, RESULTSBUS_PUBLIC_URL: 'https://resultsdb.example.org' },
    });
    try {
      const tail = startCli(['tail', '--amqp', AMQP_URL, '--topic', `${prefix}.dev`, '--count', '4']);
      await tail.waitForStderr(/^resultsbus: tail: connected to amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672/m);
      const ids: string[] = [];
      for (const outcome of ['PASSED', 'FAILED']) {
        const input = { testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome };
        const got = await server.data<{ recordResult: { emission: { msgId: string } } }>(RECORD, { input });
        ids.push(got.recordResult.emission.msgId);
      }
      const exit = await tail.exit(30_000);
      expect(exit.code).toBe(0);
      const lines = exit.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[0]).toBe(`${prefix}.dev.taskotron.result.new dist.depcheck PASSED for perl-Specio-0.25-1.fc26 (message_id ${ids[0]})`);
      expect(lines[1]).toMatch(new RegExp(`^${prefix}\\.dev\\.resultsdb\\.result\\.new dist\\.depcheck PASSED for perl-Specio-0\\.25-1\\.fc26 \\(message_id \\d{4}-[0-9a-f-]{36}\\)$`));
      expect(lines[2]).toBe(`${prefix}.dev.taskotron.result.new dist.depcheck FAILED for perl-Specio-0.25-1.fc26 (message_id ${ids[1]})`);
      expect(lines[3]).toMatch(/resultsdb\.result\.new dist\.depcheck FAILED for perl-Specio/);
    } finally {
      await server.close();
    }
  });

  it('refuses fedmsg options and a URL that is not amqp://', async () => {
    const replay = await run(['tail', '--amqp', AMQP_URL, '--replay-endpoint', 'off']);
    expect(replay.code).toBe(2);
    expect(replay.stderr).toContain('--replay-endpoint is for the fedmsg bus; --amqp reads the AMQP one');
    const url = await run(['tail', '--amqp', 'http://guest:secret@127.0.0.1:5672']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--amqp must be an amqp:// or amqps:// URL');
    expect(url.stderr).not.toContain('secret');
  });

  it('ends with exit code 1 when the broker refuses the login, instead of retrying forever', async () => {
    const wrong = new URL(AMQP_URL);
    wrong.password = 'wrong-secret';
    const login = await run(['tail', '--amqp', wrong.toString()], {}, 30_000);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/^resultsbus: tail: the broker at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672.* refused the connection \(.*ACCESS.REFUSED.*\); check the user and password in --amqp$/m);
    expect(login.stderr).not.toContain('wrong-secret');
  });
});
