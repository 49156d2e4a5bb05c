/**
 * `bridges`: every bridge a server knows of, as the dashboard's bus page
 * reads them (issue 13's bus page, issue 14's "the dashboard shows the AMQP
 * bridge too"): the fedmsg bridge, the AMQP bridge with its connection, and a
 * bridge that has published from elsewhere; on PostgreSQL also a second
 * server whose bridges wait as standbys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.ts';
import { advanceCursor } from '../../src/bridge/cursor.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { AmqpConsumer, AMQP_URL, brokerMissing, uniquePrefix } from '../helpers/amqp.ts';
import { engine } from '../helpers/database.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const missing = await brokerMissing();

const BRIDGES = `query Bridges {
  bridges { name kind role active cursor latestSeq lag lastPublishedAt connected unconfirmed lastError }
}`;
const RECORD = `mutation BridgesRecord($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { emissions { seq } } }`;

interface Bridge {
  name: string;
  kind: string | null;
  role: string | null;
  active: boolean;
  cursor: number;
  latestSeq: number;
  lag: number;
  lastPublishedAt: string | null;
  connected: boolean | null;
  unconfirmed: number | null;
  lastError: string | null;
}

async function bridges(url: string): Promise<Bridge[]> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: BRIDGES }),
  });
  const body = (await response.json()) as { data?: { bridges: Bridge[] }; errors?: unknown };
  if (body.data === undefined) throw new Error(`bridges failed: ${JSON.stringify(body.errors)}`);
  return body.data.bridges;
}

describe(`bridges with none running (${engine})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists the configured fedmsg bridge, not running anywhere: not active, its whole lag', async () => {
    await server.data(RECORD, { inputs: [{ testcase: 'dist.rpmlint', item: 'idle-1.0-1.fc40', type: 'koji_build', outcome: 'PASSED' }] });
    expect(await bridges(server.url)).toEqual([
      {
        name: 'default',
        kind: 'fedmsg',
        role: null,
        active: false,
        cursor: 0,
        latestSeq: 1,
        lag: 1,
        lastPublishedAt: null,
        connected: null,
        unconfirmed: null,
        lastError: null,
      },
    ]);
  });
});

describe.skipIf(missing !== undefined)(`bridges: fedmsg and AMQP in one server, and one that published elsewhere (${engine})`, () => {
  const prefix = uniquePrefix();
  const amqpName = `${prefix}-amqp`;
  const env = {
    RESULTSBUS_BRIDGE: 'on',
    RESULTSBUS_TOPIC_PREFIX: prefix,
    RESULTSBUS_AMQP_URL: AMQP_URL,
    RESULTSBUS_AMQP_BRIDGE_NAME: amqpName,
    RESULTSBUS_AMQP_RETRY_MAX_MS: '500',
    RESULTSBUS_AMQP_TOPICS: 'taskotron',
    RESULTSBUS_BRIDGE_STANDBY_POLL_MS: '200',
  };
  let server: TestServer;
  let consumer: AmqpConsumer;
  let second: { app: App; database: Database } | undefined;

  beforeAll(async () => {
    consumer = await AmqpConsumer.start({ pattern: `${prefix}.#` });
    server = await startServer({ env });
    const inputs = ['PASSED', 'FAILED', 'PASSED'].map((outcome, i) => ({ testcase: 'dist.depcheck', item: `bus-${i}-1.0-1.fc40`, type: 'koji_build', outcome }));
    await server.data(RECORD, { inputs });
    // A bridge run elsewhere under another name, that published the first emission and stopped.
    await advanceCursor(server.database.db, 'elsewhere', 0, 1);
  });
  afterAll(async () => {
    await second?.app.stop();
    await second?.database.close();
    await server?.close();
    await consumer?.close();
  });

  it('lists the fedmsg bridge, then the AMQP bridge with its connection, then the other by name, each with cursor and lag', async () => {
    await expect.poll(async () => (await bridges(server.url)).map((b) => [b.name, b.cursor]), { timeout: 15_000 }).toEqual([
      ['default', 3],
      [amqpName, 3],
      ['elsewhere', 1],
    ]);
    const [fedmsg, amqp, elsewhere] = await bridges(server.url);
    expect(fedmsg).toMatchObject({ kind: 'fedmsg', role: 'active', active: true, latestSeq: 3, lag: 0, connected: true, unconfirmed: 0, lastError: null });
    expect(fedmsg?.lastPublishedAt).toMatch(/^20\d\d-/);
    expect(amqp).toMatchObject({ kind: 'AMQP', role: 'active', active: true, latestSeq: 3, lag: 0, connected: true, unconfirmed: 0, lastError: null });
    expect(amqp?.lastPublishedAt).toMatch(/^20\d\d-/);
    // Known only by its cursor: no bus, no process here, no lock held.
    expect(elsewhere).toMatchObject({ kind: null, role: null, active: false, latestSeq: 3, lag: 2, connected: null, unconfirmed: null, lastError: null });
    await consumer.waitUntil((m) => m.length >= 3);
  });

  it('each is the same as bridgeStatus gives it by name', async () => {
    const all = await bridges(server.url);
    for (const bridge of all) {
      const { bridgeStatus } = await server.data<{ bridgeStatus: Bridge }>(
        `query BridgeByName($name: String) { bridgeStatus(name: $name) { name kind role active cursor latestSeq lag lastPublishedAt connected unconfirmed lastError } }`,
        { name: bridge.name },
      );
      expect(bridgeStatus).toEqual(bridge);
    }
  });

  it.skipIf(engine !== 'postgres')('a second server on the same database shows its bridges as standbys while the first holds the locks', async () => {
    const url = server.database.url;
    if (url === undefined) throw new Error('no database URL');
    const database = await openDatabase({ url, dataDir: undefined, poolSize: 4 });
    const config = loadConfig({ ...env, RESULTSBUS_FEDMSG_ENDPOINT: 'tcp://127.0.0.1:*', RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: 'tcp://127.0.0.1:*', HOST: '127.0.0.1', PORT: '0' });
    const app = await App.create({ config, database, logger: silentLogger() });
    second = { app, database };
    const base = await app.start();
    const shown = await bridges(base);
    expect(shown.map((b) => [b.name, b.kind, b.role, b.active])).toEqual([
      ['default', 'fedmsg', 'standby', true],
      [amqpName, 'AMQP', 'standby', true],
      ['elsewhere', null, null, false],
    ]);
    // A standby holds no bus connection.
    expect(shown.slice(0, 2).map((b) => b.connected)).toEqual([false, false]);
  });
});
