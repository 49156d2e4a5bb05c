/**
 * `resultsbus tail` as a user runs it: a child process whose SUB socket
 * connects to the bus of an in-process server with the bridge on, reading
 * what it prints. A gap is made for real by stopping the bridge, moving its
 * stored cursor past what it never sent, and starting a new bridge on the
 * same endpoints.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge, envelopeOptions } from '../../src/bridge/bridge.ts';
import { type EmissionSource, schemaSource } from '../../src/bridge/source.ts';
import { RecordResultDocument } from '../../src/cli/record.ts';
import type { Outcome } from '../../src/generated/graphql.ts';
import { createContext } from '../../src/graphql/context.ts';
import { BusListener } from '../helpers/bus.ts';
import { deferred } from '../helpers/deferred.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { freePort, killAll, run, type Running, startCli } from './process.ts';
import { silentLogger } from '../../src/log.ts';

const PKI = fileURLToPath(new URL('../fixtures/fedmsg/pki/', import.meta.url));
const SIGNING = {
  RESULTSBUS_FEDMSG_SIGN: 'true',
  RESULTSBUS_FEDMSG_CERT: `${PKI}results-emitter.crt`,
  RESULTSBUS_FEDMSG_KEY: `${PKI}results-emitter.key`,
};
const TOPIC = 'org.fedoraproject.dev.taskotron.result.new';
const BUILD = 'perl-Specio-0.25-1.fc26';

/** What each test opened, closed after it whatever happened. */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await killAll();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serverWithBridge(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startServer({ env: { RESULTSBUS_BRIDGE: 'on', ...env } });
  cleanups.push(() => server.close());
  return server;
}

/** A server whose bridge binds fixed ports, so that a new bridge can take the same endpoints. */
async function serverOnFixedPorts(env: Record<string, string> = {}): Promise<TestServer> {
  return serverWithBridge({
    RESULTSBUS_FEDMSG_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
    RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
    ...env,
  });
}

function endpointsOf(server: TestServer): { endpoint: string; replayEndpoint: string } {
  const bridge = server.app.bridge;
  if (!bridge?.endpoint || !bridge.replayEndpoint) throw new Error('the bridge is not publishing');
  return { endpoint: bridge.endpoint, replayEndpoint: bridge.replayEndpoint };
}

async function record(server: TestServer, outcome: Outcome, options: { item?: string; force?: boolean } = {}): Promise<number> {
  const input = { testcase: 'dist.depcheck', item: options.item ?? BUILD, type: 'koji_build', outcome, force: options.force ?? false };
  const seq = (await server.data(RecordResultDocument, { input })).recordResult.emission?.seq;
  if (seq === undefined) throw new Error(`recording ${outcome} for ${input.item} emitted nothing`);
  return seq;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `resultsbus tail` and waits until its SUB socket is connected, plus
 * a moment for the subscription to reach the publisher: PUB drops what it
 * sends to a subscriber it does not know of yet.
 */
async function tail(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const running = startCli(['tail', ...args], env);
  await running.waitForStderr(/^resultsbus: tail: connected to /m);
  await sleep(200);
  return running;
}

/** The `n`-th "connected" (a reconnect after the bridge came back), plus the subscription's moment. */
async function reconnected(running: Running, n: number): Promise<void> {
  await running.waitForStderr(/^resultsbus: tail: connected to /m, n);
  await sleep(200);
}

/**
 * Stops the server's bridge, lets `meanwhile` change the database, and starts
 * a new bridge on the same endpoints, as `resultsbus serve` would after a
 * restart. Its stream is held until `release()`, so a test can let tails
 * reconnect before anything is published.
 */
async function restartBridge(server: TestServer, meanwhile: () => Promise<void>): Promise<{ release: () => void }> {
  const { endpoint, replayEndpoint } = endpointsOf(server);
  await server.app.bridge?.stop();
  await meanwhile();
  const released = deferred();
  const inner = schemaSource(server.app.yoga.getEnveloped({}).schema, () => createContext(server.app.services, null));
  const held: EmissionSource = async function* (after, signal) {
    await released.promise;
    yield* inner(after, signal);
  };
  const config = server.app.options.config;
  const bridge = await Bridge.start({
    database: server.database,
    source: held,
    name: config.bridgeName,
    endpoint,
    replayEndpoint,
    replayMax: config.fedmsgReplayMax,
    envelope: await envelopeOptions(config),
    logger: silentLogger(),
  });
  cleanups.push(async () => {
    released.resolve();
    await bridge.stop();
  });
  return { release: released.resolve };
}

async function setCursor(server: TestServer, seq: number): Promise<void> {
  await server.database.db.execute(sql`UPDATE bridge_cursors SET seq = ${seq} WHERE name = 'default'`);
}

function line(seq: number, outcome: string, suffix = ''): string {
  return `${TOPIC} dist.depcheck ${outcome} for ${BUILD} (seq ${seq})${suffix}`;
}

describe('resultsbus tail', () => {
  it('prints one readable line per message, in seq order, and exits 0 after --count', async () => {
    const server = await serverWithBridge();
    const { endpoint, replayEndpoint } = endpointsOf(server);
    const running = await tail(['--endpoint', endpoint, '--replay-endpoint', replayEndpoint, '--count', '3']);
    await record(server, 'PASSED');
    await record(server, 'FAILED');
    await record(server, 'FAILED', { force: true });
    const exit = await running.exit();
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe(`${[line(1, 'PASSED'), line(2, 'FAILED'), line(3, 'FAILED', ' forced')].join('\n')}\n`);
    expect(exit.stderr).toBe(`resultsbus: tail: connected to ${endpoint}\n`);
  });

  it('--json prints one parseable object a line: the envelope as published, replayed false, no validation', async () => {
    const server = await serverWithBridge();
    const { endpoint, replayEndpoint } = endpointsOf(server);
    const bus = await BusListener.connect(endpoint);
    cleanups.push(() => bus.close());
    const running = await tail(['--endpoint', endpoint, '--replay-endpoint', replayEndpoint, '--json', '--count', '2']);
    await record(server, 'PASSED');
    await record(server, 'FAILED', { item: 'python-six-1.10.0-1.fc26' });
    const exit = await running.exit();
    expect(exit.code).toBe(0);
    const published = await bus.waitFor(2);
    const lines = exit.stdout.trimEnd().split('\n').map((text) => JSON.parse(text) as unknown);
    expect(lines).toEqual(
      published.map((m) => ({ topic: TOPIC, envelope: JSON.parse(m.bytes.toString()) as unknown, replayed: false, validation: null })),
    );
  });

  it('--topic filters by prefix: one that matches nothing prints nothing, a matching one prints everything', async () => {
    const server = await serverWithBridge({ RESULTSBUS_ENVIRONMENT: 'stg' });
    const { endpoint } = endpointsOf(server);
    const prod = await tail(['--endpoint', endpoint, '--replay-endpoint', 'off', '--topic', 'org.fedoraproject.prod.']);
    const stg = await tail(['--endpoint', endpoint, '--replay-endpoint', 'off', '--topic', 'org.fedoraproject.stg.taskotron', '--count', '2']);
    await record(server, 'PASSED');
    await record(server, 'FAILED');
    const exit = await stg.exit();
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/^org\.fedoraproject\.stg\.taskotron\.result\.new dist\.depcheck PASSED .*\(seq 1\)\norg\.fedoraproject\.stg\.taskotron\.result\.new dist\.depcheck FAILED .*\(seq 2\)\n$/);
    // The same messages had time to reach the other one too.
    await sleep(300);
    const stopped = await prod.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toBe('');
  });

  it('--validate accepts signed messages with the CA and CRL, in both output forms', async () => {
    const server = await serverWithBridge(SIGNING);
    const { endpoint, replayEndpoint } = endpointsOf(server);
    const trust = ['--validate', '--ca', `${PKI}ca.crt`, '--crl', `${PKI}crl.pem`];
    const plain = await tail(['--endpoint', endpoint, '--replay-endpoint', replayEndpoint, ...trust, '--count', '2']);
    const json = await tail(['--endpoint', endpoint, '--replay-endpoint', replayEndpoint, ...trust, '--json', '--count', '2']);
    await record(server, 'PASSED');
    await record(server, 'FAILED');
    const [plainExit, jsonExit] = await Promise.all([plain.exit(), json.exit()]);
    expect(plainExit.code).toBe(0);
    expect(plainExit.stdout).toBe(`${line(1, 'PASSED')}\n${line(2, 'FAILED')}\n`);
    expect(jsonExit.code).toBe(0);
    const validations = jsonExit.stdout.trimEnd().split('\n').map((text) => (JSON.parse(text) as { validation: unknown }).validation);
    expect(validations).toEqual([
      { ok: true, subjectCN: 'results-emitter.example.org' },
      { ok: true, subjectCN: 'results-emitter.example.org' },
    ]);
  });

  it('--validate marks unsigned messages as invalid, with the check and the reason', async () => {
    const server = await serverWithBridge();
    const { endpoint, replayEndpoint } = endpointsOf(server);
    const running = await tail(['--endpoint', endpoint, '--replay-endpoint', replayEndpoint, '--validate', '--ca', `${PKI}ca.crt`, '--count', '1']);
    await record(server, 'PASSED');
    const exit = await running.exit();
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe(`INVALID (shape: the envelope is not signed (crypto is missing)) ${line(1, 'PASSED')}\n`);
  });

  it('fills a gap from the replay endpoint, in chunks under its cap, before the message that revealed it', async () => {
    const server = await serverOnFixedPorts({ RESULTSBUS_FEDMSG_REPLAY_MAX: '1' });
    const { endpoint, replayEndpoint } = endpointsOf(server);
    const filled = await tail(['--endpoint', endpoint, '--replay-endpoint', replayEndpoint]);
    // A replay endpoint nobody answers on: the gap stays, and tail says so.
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const unfilled = await tail(['--endpoint', endpoint, '--replay-endpoint', dead, '--replay-timeout', '300']);
    await record(server, 'PASSED');
    await record(server, 'FAILED');
    await Promise.all([filled.waitForLines(2), unfilled.waitForLines(2)]);

    // Seq 3..5 are recorded while no bridge runs, and the new bridge is told
    // they went out: it publishes from 6 on, and only replay has 3..5.
    const { release } = await restartBridge(server, async () => {
      await record(server, 'PASSED');
      await record(server, 'FAILED');
      await record(server, 'FAILED', { force: true });
      await setCursor(server, 5);
    });
    await Promise.all([reconnected(filled, 2), reconnected(unfilled, 2)]);
    release();
    expect(await record(server, 'PASSED')).toBe(6);

    expect(await filled.waitForLines(6)).toEqual([
      line(1, 'PASSED'),
      line(2, 'FAILED'),
      line(3, 'PASSED', ' [replayed]'),
      line(4, 'FAILED', ' [replayed]'),
      line(5, 'FAILED', ' forced [replayed]'),
      line(6, 'PASSED'),
    ]);
    expect(filled.stderr()).not.toMatch(/could not fill/);

    expect(await unfilled.waitForLines(3)).toEqual([line(1, 'PASSED'), line(2, 'FAILED'), line(6, 'PASSED')]);
    expect(unfilled.stderr()).toContain(
      `resultsbus: tail: could not fill the gap at seq 3..5 from ${dead}: the replay endpoint ${dead} did not answer within 300 ms\n`,
    );
    expect((await filled.stop('SIGINT')).code).toBe(0);
    expect((await unfilled.stop('SIGTERM')).code).toBe(0);
  });

  it('prints a message re-sent after a bridge restart only once', async () => {
    const server = await serverOnFixedPorts();
    const { endpoint, replayEndpoint } = endpointsOf(server);
    const running = await tail(['--endpoint', endpoint, '--replay-endpoint', replayEndpoint]);
    await record(server, 'PASSED');
    await record(server, 'FAILED');
    await record(server, 'PASSED');
    await running.waitForLines(3);

    // A cursor behind what went out: the new bridge sends 2 and 3 again.
    const bus = await BusListener.connect(endpoint);
    cleanups.push(() => bus.close());
    const { release } = await restartBridge(server, () => setCursor(server, 1));
    await reconnected(running, 2);
    release();
    await bus.waitFor(2);
    await record(server, 'FAILED');
    await bus.waitFor(3);
    expect(bus.messages.map((m) => m.envelope.seq_id)).toEqual([2, 3, 4]);

    await running.waitForLines(4);
    await sleep(300);
    const exit = await running.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(exit.stdout.trimEnd().split('\n')).toEqual([line(1, 'PASSED'), line(2, 'FAILED'), line(3, 'PASSED'), line(4, 'FAILED')]);
    expect(exit.stderr).not.toMatch(/gap|missed/);
  });

  it('refuses what it cannot use, saying what is wrong, with exit 2', async () => {
    const missing = '/nonexistent/ca.crt';
    const cases: Array<[string[], RegExp]> = [
      [['--validate'], /^resultsbus: --validate needs --ca FILE/],
      [['--ca', `${PKI}ca.crt`], /^resultsbus: --ca and --crl are for --validate/],
      [['--validate', '--ca', missing], /^resultsbus: --validate: cannot read CA certificate file \/nonexistent\/ca\.crt/],
      [['--validate', '--ca', `${PKI}ca.crt`, '--crl', '/nonexistent/crl.pem'], /^resultsbus: --validate: cannot read CRL file \/nonexistent\/crl\.pem/],
      [['--validate', '--ca', `${PKI}results-emitter.key`], /^resultsbus: --validate: .* is not a PEM certificate/],
      [['--endpoint', 'localhost:9940'], /^resultsbus: --endpoint must be a ZeroMQ endpoint to connect to/],
      [['--endpoint', 'tcp://127.0.0.1:*'], /^resultsbus: --endpoint must be a ZeroMQ endpoint to connect to/],
      [['--replay-endpoint', 'http://x'], /^resultsbus: --replay-endpoint must be a ZeroMQ endpoint/],
      [['--count', '0'], /^resultsbus: --count must be a whole number 1 or more, got "0"/],
      [['--count', 'ten'], /^resultsbus: --count must be a whole number 1 or more, got "ten"/],
      [['--replay-timeout', '0'], /^resultsbus: --replay-timeout must be a whole number from 1 to 3600000/],
      [['--follow'], /^resultsbus: Unknown option '--follow'/],
    ];
    const exits = await Promise.all(cases.map(([args]) => run(['tail', ...args], {}, 30_000)));
    exits.forEach((exit, i) => {
      const [args, message] = cases[i] ?? [[], /^$/];
      expect({ args, code: exit.code, stdout: exit.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(exit.stderr).toMatch(message);
    });
  });
});
