/**
 * `resultsbus bridge --api ws://... --bus amqp` as its own process: two of
 * one name against one server, one publishing and one a standby; the standby
 * takes over when the active one is killed, and the queue misses nothing.
 * PostgreSQL only (the bridges keep their cursor and lock in the server's
 * database).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpConsumer, AMQP_URL, brokerMissing, uniquePrefix } from '../helpers/amqp.ts';
import { engine } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { BIN, cliEnv } from '../cli/process.ts';

const missing = engine === 'postgres' ? await brokerMissing() : 'PostgreSQL only';
const RECORD = `mutation Record($input: RecordResultInput!) { recordResult(input: $input) { emitted } }`;
const STATUS = `query Status($name: String) { bridgeStatus(name: $name) { cursor latestSeq lag active } }`;

const children: ChildProcess[] = [];

function startBridge(env: Record<string, string>, api: string) {
  const child = spawn(process.execPath, [BIN, 'bridge', '--api', api, '--bus', 'amqp'], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return {
    process: child,
    output: () => output,
    async waitFor(text: string, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`the bridge did not say ${text} within ${timeoutMs} ms:\n${output}`);
        if (child.exitCode !== null) throw new Error(`the bridge exited (${child.exitCode}):\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe.skipIf(missing !== undefined)('two AMQP bridges of one name', () => {
  const prefix = uniquePrefix();
  const name = `${prefix}-amqp`;
  let server: TestServer;
  let consumer: AmqpConsumer;

  beforeAll(async () => {
    consumer = await AmqpConsumer.start({ pattern: `${prefix}.#` });
    server = await startServer({ env: { RESULTSBUS_TOPIC_PREFIX: prefix } });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await server?.close();
    await consumer?.close();
  });

  it('the standby takes over when the active one is killed, and no message is missing', async () => {
    const url = server.database.url;
    if (url === undefined) throw new Error('no database URL');
    const env = {
      DATABASE_URL: url,
      RESULTSBUS_TOPIC_PREFIX: prefix,
      RESULTSBUS_AMQP_URL: AMQP_URL,
      RESULTSBUS_AMQP_BRIDGE_NAME: name,
      RESULTSBUS_BRIDGE_STANDBY_POLL_MS: '200',
      RESULTSBUS_PUBLIC_URL: 'https://resultsdb.example.org',
    };
    const active = startBridge(env, server.wsUrl);
    await active.waitFor('with publisher confirms');
    const standby = startBridge(env, server.wsUrl);
    await standby.waitFor('waiting as a standby');
    expect(standby.output()).not.toContain('with publisher confirms');

    const record = async (n: number): Promise<void> => {
      const input = { testcase: 'dist.depcheck', item: `standby-${n % 3}-1.0-1.fc26`, type: 'koji_build', outcome: n % 2 === 0 ? 'PASSED' : 'FAILED' };
      await server.data(RECORD, { input });
    };
    for (let n = 0; n < 12; n++) await record(n);
    await consumer.waitUntil((m) => m.length >= 24);
    active.process.kill('SIGKILL');
    await exited(active.process);
    for (let n = 12; n < 30; n++) await record(n);
    await standby.waitFor('with publisher confirms');

    const got = await consumer.waitUntil((m) => new Set(m.map((x) => x.properties.messageId)).size >= 60);
    expect(new Set(got.map((x) => x.properties.messageId)).size).toBe(60);
    await expect
      .poll(async () => (await server.data<{ bridgeStatus: unknown }>(STATUS, { name })).bridgeStatus, { timeout: 10_000 })
      .toEqual({ cursor: 30, latestSeq: 30, lag: 0, active: true });
    standby.process.kill('SIGTERM');
    expect(await exited(standby.process)).toBe(0);
  });
});
