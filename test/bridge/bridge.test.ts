/**
 * The in-process bridge over real sockets: a server with the bridge on, a
 * ZeroMQ SUB socket as a fedmsg consumer, and the replay endpoint.
 */
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_LOCK_CLASS } from '../../src/bridge/cursor.ts';
import { graphql } from '../../src/generated/index.ts';
import type { Outcome } from '../../src/generated/graphql.ts';
import { BusError } from '../../src/fedmsg/publisher.ts';
import { requestReplay, ReplayError } from '../../src/fedmsg/replay.ts';
import { loadTrustStore, validateEnvelope } from '../../src/fedmsg/validate.ts';
import { BusListener, type BusMessage, stalledSubscriber } from '../helpers/bus.ts';
import { engine } from '../helpers/database.ts';
import { memoryLogger } from '../helpers/log.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const PKI = fileURLToPath(new URL('../fixtures/fedmsg/pki/', import.meta.url));
const SIGNING = {
  RESULTSBUS_BRIDGE: 'on',
  RESULTSBUS_FEDMSG_SIGN: 'true',
  RESULTSBUS_FEDMSG_CERT: `${PKI}results-emitter.crt`,
  RESULTSBUS_FEDMSG_KEY: `${PKI}results-emitter.key`,
  RESULTSBUS_FEDMSG_USERNAME: 'taskotron',
  RESULTSBUS_ENVIRONMENT: 'stg',
};

const Record = graphql(`
  mutation BridgeRecord($input: RecordResultInput!) {
    recordResult(input: $input) { emitted emission { seq msgId } }
  }
`);

const RecordMany = graphql(`
  mutation BridgeRecordMany($inputs: [RecordResultInput!]!) {
    recordResults(inputs: $inputs) { emissions { seq } }
  }
`);

const Status = graphql(`
  query BridgeStatusOf($name: String) {
    bridgeStatus(name: $name) { name cursor latestSeq lag lastPublishedAt active }
    emissions(first: 500) { edges { node { seq msgId publishedAt } } }
  }
`);

async function record(server: TestServer, item: string, outcome: Outcome, force = false) {
  const input = {
    testcase: 'dist.depcheck',
    item,
    type: 'koji_build',
    outcome,
    force,
    refUrl: `https://taskotron.example.org/artifacts/${item}/`,
  };
  return (await server.data(Record, { input })).recordResult;
}

function bridgeOf(server: TestServer) {
  const bridge = server.app.bridge;
  if (!bridge?.endpoint || !bridge.replayEndpoint) throw new Error('the bridge is not publishing');
  return { endpoint: bridge.endpoint, replayEndpoint: bridge.replayEndpoint };
}

describe('the bridge, signed, end to end', () => {
  let server: TestServer;
  let bus: BusListener;
  let received: BusMessage[];

  beforeAll(async () => {
    server = await startServer({ env: SIGNING });
    bus = await BusListener.connect(bridgeOf(server).endpoint);
    const build = 'perl-Specio-0.25-1.fc26';
    for (const outcome of ['PASSED', 'PASSED', 'FAILED', 'PASSED'] as const) await record(server, build, outcome);
    await record(server, build, 'PASSED', true);
    await record(server, 'python-six-1.10.0-1.fc26', 'FAILED');
    await record(server, 'python-six-1.10.0-1.fc26', 'FAILED');
    await record(server, 'bash-4.3.43-4.fc26', 'PASSED');
    received = await bus.waitFor(6);
    // Anything more would arrive within moments; give it the chance to.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  afterAll(async () => {
    await bus?.close();
    await server?.close();
  });

  it('publishes exactly the emissions, in seq order, with seq_id 1..n and the Taskotron body', () => {
    expect(bus.messages).toHaveLength(6);
    expect(received.map((m) => m.envelope.seq_id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(received.map((m) => m.envelope.i)).toEqual([1, 2, 3, 4, 5, 6]);
    const topic = 'org.fedoraproject.stg.taskotron.result.new';
    for (const m of received) {
      expect(m.topic).toBe(topic);
      expect(m.envelope.topic).toBe(topic);
      expect(m.envelope.username).toBe('taskotron');
      expect(m.envelope.msg_id).toMatch(/^\d{4}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Number.isInteger(m.envelope.timestamp)).toBe(true);
    }
    expect(received.map((m) => [m.envelope.msg.task['item'], m.envelope.msg.result['outcome'], m.envelope.msg.result['prev_outcome'], m.envelope.msg.result['forced']])).toEqual([
      ['perl-Specio-0.25-1.fc26', 'PASSED', null, false],
      ['perl-Specio-0.25-1.fc26', 'FAILED', 'PASSED', false],
      ['perl-Specio-0.25-1.fc26', 'PASSED', 'FAILED', false],
      ['perl-Specio-0.25-1.fc26', 'PASSED', 'PASSED', true],
      ['python-six-1.10.0-1.fc26', 'FAILED', null, false],
      ['bash-4.3.43-4.fc26', 'PASSED', null, false],
    ]);
    const first = received[0]?.envelope.msg;
    expect(first?.task).toEqual({ name: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', arch: null });
    expect(first?.result['log_url']).toBe('https://taskotron.example.org/artifacts/perl-Specio-0.25-1.fc26/');
    expect(first?.result['submit_time']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  });

  it('signs every message so that the validator accepts it', () => {
    const trust = loadTrustStore(`${PKI}ca.crt`, `${PKI}crl.pem`);
    for (const m of received) {
      expect(m.envelope.crypto).toBe('x509');
      expect(validateEnvelope(m.envelope, trust)).toMatchObject({ ok: true });
    }
  });

  it('sends canonical JSON: the bytes are the sorted, compact form', () => {
    for (const m of received) {
      const text = m.bytes.toString();
      expect(text.startsWith('{"certificate":"')).toBe(true);
      expect(text).not.toMatch(/[^\x20-\x7e]/);
    }
  });

  it('stores its cursor and stamps publishedAt, and says so in bridgeStatus', async () => {
    const deadline = Date.now() + 10_000;
    let status = (await server.data(Status, {})).bridgeStatus;
    while (status.cursor < 6 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await server.data(Status, {})).bridgeStatus;
    }
    const data = await server.data(Status, {});
    expect(data.bridgeStatus).toMatchObject({ name: 'default', cursor: 6, latestSeq: 6, lag: 0, active: true });
    expect(data.bridgeStatus.lastPublishedAt).not.toBeNull();
    expect(data.emissions.edges.map((e) => e.node.publishedAt === null)).toEqual([false, false, false, false, false, false]);
    const other = await server.data(Status, { name: 'elsewhere' });
    expect(other.bridgeStatus).toMatchObject({ name: 'elsewhere', cursor: 0, latestSeq: 6, lag: 6, lastPublishedAt: null, active: false });
  });

  it('reports the bridge on /readyz', async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^ready\nbridge default: active, cursor \d+, latest seq 6, lag \d+\n$/);
  });

  it('replays the very bytes it published, for every query form', async () => {
    const { replayEndpoint } = bridgeOf(server);
    const bytes = (seq: number) => received[seq - 1]?.bytes;
    const ask = (request: Record<string, unknown>) => requestReplay(replayEndpoint, request);
    expect(await ask({ seq_id: 3 })).toEqual([bytes(3)]);
    expect(await ask({ seq_ids: [5, 2, 99] })).toEqual([bytes(2), bytes(5)]);
    expect(await ask({ seq_id_range: [2, 4] })).toEqual([bytes(2), bytes(3), bytes(4)]);
    expect(await ask({ msg_id: received[5]?.envelope.msg_id })).toEqual([bytes(6)]);
    expect(await ask({ msg_ids: [received[3]?.envelope.msg_id, received[0]?.envelope.msg_id] })).toEqual([bytes(1), bytes(4)]);
    const times = received.map((m) => m.envelope.timestamp);
    expect(await ask({ time: [Math.min(...times), Math.max(...times)] })).toEqual(received.map((m) => m.bytes));
    // Several keys: the union, each message once, in seq order.
    expect(await ask({ seq_id: 6, seq_id_range: [1, 2], msg_id: received[1]?.envelope.msg_id })).toEqual([bytes(1), bytes(2), bytes(6)]);
  });

  it('answers bad or empty replay queries with an error frame that says what is allowed', async () => {
    const { replayEndpoint } = bridgeOf(server);
    const refused = async (request: Record<string, unknown>): Promise<string> => {
      const error = await requestReplay(replayEndpoint, request).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ReplayError);
      return (error as Error).message;
    };
    expect(await refused({})).toMatch(/query is empty; ask for any of seq_id, seq_ids, seq_id_range, msg_id, msg_ids, time/);
    expect(await refused({ seq: 1 })).toMatch(/unknown query key "seq"; use seq_id/);
    expect(await refused({ seq_id: 'one' })).toMatch(/seq_id must hold whole numbers/);
    expect(await refused({ seq_id_range: [4, 2] })).toMatch(/first <= last/);
    expect(await refused({ seq_id_range: [1] })).toMatch(/a list of two seq_ids/);
    expect(await refused({ msg_ids: 'x' })).toMatch(/msg_ids must be a list/);
    expect(await refused({ time: ['yesterday', 'today'] })).toMatch(/time must hold epoch seconds/);
    expect(await refused({ time: [0, 1e13] })).toBe('time must hold epoch seconds from 0 to 253402300799, got 10000000000000');
    expect(await refused({ seq_id: 1000 })).toBe('no message matches the query');
  });

  it('answers a request that is not JSON with an error frame, raw', async () => {
    const { Request } = await import('zeromq');
    const socket = new Request({ linger: 0, receiveTimeout: 5000 });
    socket.connect(bridgeOf(server).replayEndpoint);
    await socket.send('seq_id=1');
    const frames = await socket.receive();
    socket.close();
    expect(frames.map((f) => f.toString())).toEqual([
      "error: 'the request is not JSON; send an object with any of seq_id, seq_ids, seq_id_range, msg_id, msg_ids, time'",
    ]);
  });
});

describe('the bridge with a replay cap and a subscriber that never reads', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({
      env: { RESULTSBUS_BRIDGE: 'on', RESULTSBUS_FEDMSG_HWM: '10', RESULTSBUS_FEDMSG_REPLAY_MAX: '3' },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('keeps recording and publishing: the cursor reaches the latest seq past 2,000 more results', async () => {
    const { endpoint } = bridgeOf(server);
    const stalled = await stalledSubscriber(endpoint, 1);
    try {
      // Every result flips its key's outcome, so each one emits.
      for (let batch = 0; batch < 4; batch++) {
        const inputs = Array.from({ length: 500 }, (_, i) => ({
          testcase: 'dist.rpmlint',
          item: `pkg-${i}-1.0-1.fc26`,
          type: 'koji_build',
          outcome: (batch % 2 === 0 ? 'PASSED' : 'FAILED') as Outcome,
          note: 'x'.repeat(2000),
        }));
        await server.data(RecordMany, { inputs });
      }
      const deadline = Date.now() + 60_000;
      let status = (await server.data(Status, {})).bridgeStatus;
      while (status.cursor < 2000 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await server.data(Status, {})).bridgeStatus;
      }
      expect(status).toMatchObject({ cursor: 2000, latestSeq: 2000, lag: 0 });
      // PUB dropped for the stalled subscriber instead of waiting for it.
      expect(await stalled.drain()).toBeLessThan(2000);
    } finally {
      stalled.close();
    }
  });

  it('caps a replay reply at RESULTSBUS_FEDMSG_REPLAY_MAX messages, the first ones', async () => {
    const frames = await requestReplay(bridgeOf(server).replayEndpoint, { seq_id_range: [10, 1000] });
    expect(frames.map((f) => (JSON.parse(f.toString()) as { seq_id: number }).seq_id)).toEqual([10, 11, 12]);
  });
});

describe('the bridge on an endpoint that is taken', () => {
  it('fails the start with a message that names the setting, and the bridge holds nothing', async () => {
    const { Publisher } = await import('zeromq');
    const squatter = new Publisher({ linger: 0 });
    await squatter.bind('tcp://127.0.0.1:*');
    const taken = squatter.lastEndpoint ?? '';
    try {
      const error = await startServer({ env: { RESULTSBUS_BRIDGE: 'on', RESULTSBUS_FEDMSG_ENDPOINT: taken } }).then(
        async (server) => {
          await server.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BusError);
      expect((error as Error).message).toBe(
        `cannot bind the fedmsg PUB socket at ${taken}: the address is in use (another bridge or program?); set RESULTSBUS_FEDMSG_ENDPOINT to a free endpoint`,
      );
    } finally {
      squatter.close();
    }
  });
});

describe.runIf(engine === 'postgres')('the bridge when its lock connection is killed', () => {
  it('steps down, takes the lock again, and goes on from its cursor', async () => {
    const log = memoryLogger();
    const server = await startServer({ env: { RESULTSBUS_BRIDGE: 'on', RESULTSBUS_BRIDGE_STANDBY_POLL_MS: '100', RESULTSBUS_FEDMSG_POST_INIT_SLEEP_MS: '500' }, logger: log.logger });
    let bus: BusListener | undefined;
    try {
      const { endpoint } = bridgeOf(server);
      bus = await BusListener.connect(endpoint);
      for (let n = 0; n < 3; n++) await record(server, `lock-${n}-1.0-1.fc26`, 'PASSED');
      await bus.waitFor(3);
      const url = server.database.url ?? '';
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const killed = await admin`
          SELECT pg_terminate_backend(pid) AS done FROM pg_locks
          WHERE locktype = 'advisory' AND classid = ${BRIDGE_LOCK_CLASS}::oid AND granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
        expect(killed.map((r) => r['done'])).toEqual([true]);
      } finally {
        await admin.end({ timeout: 5 });
      }
      const deadline = Date.now() + 10_000;
      while (!log.text().includes('lost its lock') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(log.text()).toContain('lost its lock (database connection gone); stepping down');
      // The role changes are in the log as fields: active, standby (stepped down), active again.
      const roles = (): unknown[] => {
        const seen: unknown[] = [];
        for (const line of log.lines()) if (line.role !== undefined && line.role !== seen.at(-1)) seen.push(line.role);
        return seen;
      };
      await expect.poll(roles).toEqual(['active', 'standby', 'active']);
      for (let n = 3; n < 6; n++) await record(server, `lock-${n}-1.0-1.fc26`, 'PASSED');
      const got = await bus.waitUntil((m) => new Set(m.map((x) => x.envelope.seq_id)).size >= 6);
      expect([...new Set(got.map((m) => m.envelope.seq_id))].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(server.app.bridge?.state).toBe('active');
    } finally {
      await bus?.close();
      await server.close();
    }
  });
});

describe('a bridge stopped during its post-init pause', () => {
  it('stops instead of going on to publish', async () => {
    const server = await startServer({ env: { RESULTSBUS_BRIDGE: 'on', RESULTSBUS_FEDMSG_POST_INIT_SLEEP_MS: '60000' } });
    expect(server.app.bridge?.state).toBe('active');
    const bridge = server.app.bridge;
    // Without the fix, this never resolved (the test timed out).
    await server.close();
    expect(bridge?.state).toBe('stopped');
  });
});
