/**
 * `resultsbus bridge --api ws://...` as its own process: two of the same name
 * against one server, one publishing and one waiting; the standby takes over
 * when the active one is killed, and no seq is skipped on the bus.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../../src/generated/index.ts';
import type { Outcome } from '../../src/generated/graphql.ts';
import { BusListener } from '../helpers/bus.ts';
import { engine } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { App } from '../../src/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { BIN, cliEnv, freePort, run } from '../cli/process.ts';

const Record = graphql(`
  mutation StandbyRecord($input: RecordResultInput!) {
    recordResult(input: $input) { emitted }
  }
`);

const Status = graphql(`
  query StandbyStatus {
    bridgeStatus { cursor latestSeq lag active }
  }
`);

interface Child {
  process: ChildProcess;
  output(): string;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

const children: ChildProcess[] = [];

function startBridge(env: Record<string, string>, api: string): Child {
  const child = spawn(process.execPath, [BIN, 'bridge', '--api', api], { env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return {
    process: child,
    output: () => output,
    async waitFor(text, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      const seen = (): boolean => (typeof text === 'string' ? output.includes(text) : text.test(output));
      while (!seen()) {
        if (Date.now() > deadline) throw new Error(`the bridge did not say ${String(text)} within ${timeoutMs} ms:\n${output}`);
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

describe.runIf(engine === 'postgres')('two bridges of one name', () => {
  let server: TestServer;
  let bus: BusListener | undefined;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await bus?.close();
    await server?.close();
  });

  it('the standby takes over when the active one is killed, and no seq is skipped', async () => {
    const url = server.database.url;
    if (url === undefined) throw new Error('no database URL');
    const env = {
      DATABASE_URL: url,
      RESULTSBUS_FEDMSG_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
      RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
      RESULTSBUS_BRIDGE_STANDBY_POLL_MS: '200',
    };
    const active = startBridge(env, server.wsUrl);
    await active.waitFor('publishing fedmsgs on');
    const standby = startBridge(env, server.wsUrl);
    await standby.waitFor('waiting as a standby');
    expect(standby.output()).not.toContain('publishing fedmsgs on');

    bus = await BusListener.connect(env.RESULTSBUS_FEDMSG_ENDPOINT);
    const record = async (n: number): Promise<void> => {
      const input = { testcase: 'dist.depcheck', item: `standby-${n % 3}-1.0-1.fc26`, type: 'koji_build', outcome: (n % 2 === 0 ? 'PASSED' : 'FAILED') as Outcome };
      await server.data(Record, { input });
    };
    for (let n = 0; n < 12; n++) await record(n);
    await bus.waitFor(12);
    expect((await server.data(Status)).bridgeStatus.active).toBe(true);

    active.process.kill('SIGKILL');
    await exited(active.process);
    for (let n = 12; n < 30; n++) await record(n);
    await standby.waitFor('publishing fedmsgs on');

    const seqs = new Set((await bus.waitUntil((got) => new Set(got.map((m) => m.envelope.seq_id)).size >= 30)).map((m) => m.envelope.seq_id));
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));

    const deadline = Date.now() + 10_000;
    let status = (await server.data(Status)).bridgeStatus;
    while (status.cursor < 30 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await server.data(Status)).bridgeStatus;
    }
    expect(status).toEqual({ cursor: 30, latestSeq: 30, lag: 0, active: true });

    standby.process.kill('SIGTERM');
    expect(await exited(standby.process)).toBe(0);
    expect((await server.data(Status)).bridgeStatus.active).toBe(false);
  });
});

describe.runIf(engine === 'postgres')('a bridge whose API goes away', () => {
  let database: TestDatabase;
  let app: App | undefined;
  let bus: BusListener | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await bus?.close();
    await app?.stop();
    await database?.dispose();
  });

  it('resubscribes when the API is back and resumes after the last seq it sent', async () => {
    const port = await freePort();
    const config = loadConfig({ HOST: '127.0.0.1', PORT: String(port), RESULTSBUS_BRIDGE: 'off' });
    const token = await createToken(database.db, 'test');
    const url = database.url;
    if (url === undefined) throw new Error('no database URL');
    const env = {
      DATABASE_URL: url,
      RESULTSBUS_FEDMSG_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
      RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: 'off',
    };
    const record = async (base: string, n: number): Promise<void> => {
      const input = { testcase: 'dist.depcheck', item: `api-${n}-1.0-1.fc26`, type: 'koji_build', outcome: 'PASSED' };
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'mutation($input: RecordResultInput!) { recordResult(input: $input) { emitted } }', variables: { input } }),
      });
      expect(response.status).toBe(200);
    };

    app = await App.create({ config, database });
    const base = await app.start();
    const bridge = startBridge(env, `ws://127.0.0.1:${port}/graphql`);
    await bridge.waitFor('publishing fedmsgs on');
    bus = await BusListener.connect(env.RESULTSBUS_FEDMSG_ENDPOINT);
    for (let n = 0; n < 5; n++) await record(base, n);
    await bus.waitFor(5);

    await app.stop();
    app = undefined;
    await bridge.waitFor('lost the emission stream');
    app = await App.create({ config, database });
    await app.start();
    for (let n = 5; n < 10; n++) await record(base, n);

    const got = await bus.waitFor(10);
    expect(got.map((m) => m.envelope.seq_id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(bridge.output()).toMatch(/lost the emission stream \(.+\); resuming after seq 5/);
  });
});

describe('resultsbus bridge, misused', () => {
  it('needs --api, a ws:// URL and DATABASE_URL, and says so', async () => {
    const noApi = await run(['bridge']);
    expect(noApi.code).toBe(2);
    expect(noApi.stderr).toContain('--api is required');
    const badApi = await run(['bridge', '--api', 'http://127.0.0.1:4000/graphql']);
    expect(badApi.code).toBe(2);
    expect(badApi.stderr).toContain('--api must be a ws:// or wss:// URL');
    const noDatabase = await run(['bridge', '--api', 'ws://127.0.0.1:4000/graphql']);
    expect(noDatabase.code).toBe(2);
    expect(noDatabase.stderr).toContain('set DATABASE_URL');
  });

  it('refuses a signing key that does not belong to the certificate, before opening anything', async () => {
    const pki = new URL('../fixtures/fedmsg/pki/', import.meta.url).pathname;
    const exit = await run(['bridge', '--api', 'ws://127.0.0.1:4000/graphql'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      RESULTSBUS_FEDMSG_SIGN: 'true',
      RESULTSBUS_FEDMSG_CERT: `${pki}results-emitter.crt`,
      RESULTSBUS_FEDMSG_KEY: `${pki}intruder.key`,
    });
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/does not belong to the certificate/);
  });
});
