/** `resultsbus bridge --api ws://...`: the fedmsg bridge as a process of its own. */
import { Bridge, bridgeSettings, envelopeOptions } from '../bridge/bridge.ts';
import { remoteSource } from '../bridge/source.ts';
import { type Config, loadConfig } from '../config.ts';
import { startAmqpBridge } from '../amqp/bridge.ts';
import { BusError } from '../fedmsg/publisher.ts';
import { createLogger } from '../log.ts';
import { SigningError } from '../fedmsg/signing.ts';
import { CliError, parse } from './args.ts';
import { openMigrated } from './database.ts';
import { stopOnSignals } from './signals.ts';

export const usage = `Usage: resultsbus bridge --api ws://HOST:PORT/graphql [--name NAME] [--bus fedmsg|amqp]

Follows the emissions subscription of the resultsbus API at --api over
graphql-ws and publishes each emission as a fedmsg on the ZeroMQ PUB socket
at RESULTSBUS_FEDMSG_ENDPOINT, answering replay requests at
RESULTSBUS_FEDMSG_REPLAY_ENDPOINT. Its cursor and its lock live in the
server's PostgreSQL (DATABASE_URL), so it resumes where it stopped, and a
second bridge of the same name waits as a standby until the first dies.
Run the server with RESULTSBUS_BRIDGE=off so that only this one publishes,
or give this one another --name (and other endpoints).

With --bus amqp it is the fedora-messaging bridge instead: every emission
published to the RabbitMQ at RESULTSBUS_AMQP_URL with publisher confirms,
with the cursor and lock of RESULTSBUS_AMQP_BRIDGE_NAME (run the server
without RESULTSBUS_AMQP_URL, or give this one another --name).

Options:
  --api URL    the server's graphql-ws endpoint (required)
  --name NAME  the bridge name (default RESULTSBUS_BRIDGE_NAME, or "default";
               with --bus amqp RESULTSBUS_AMQP_BRIDGE_NAME, or "amqp")
  --bus BUS    fedmsg (ZeroMQ, the default) or amqp (fedora-messaging)

Signing, username, high-water mark and replay cap come from the same
RESULTSBUS_FEDMSG_* settings as in \`resultsbus serve\`. Stops on SIGTERM.

Example:
  DATABASE_URL=postgres://resultsbus@db/resultsbus \\
    resultsbus bridge --api ws://127.0.0.1:4000/graphql`;

export async function bridge(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { api: { type: 'string' }, name: { type: 'string' }, bus: { type: 'string' } }, usage);
  if (values.help) {
    console.log(usage);
    return;
  }
  if (positionals.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(positionals[0])}\n\n${usage}`);
  const api = values.api;
  if (api === undefined) throw new CliError(`--api is required: the server's graphql-ws URL, e.g. ws://127.0.0.1:4000/graphql\n\n${usage}`);
  if (!/^wss?:\/\/\S+$/.test(api)) throw new CliError(`--api must be a ws:// or wss:// URL, e.g. ws://127.0.0.1:4000/graphql; got ${JSON.stringify(api)}`);
  const bus = values.bus ?? 'fedmsg';
  if (bus !== 'fedmsg' && bus !== 'amqp') throw new CliError(`--bus must be fedmsg or amqp, got ${JSON.stringify(bus)}`);
  const rename = values.name === undefined ? {} : bus === 'amqp' ? { RESULTSBUS_AMQP_BRIDGE_NAME: values.name } : { RESULTSBUS_BRIDGE_NAME: values.name };
  const config = loadConfig({ ...process.env, ...rename });
  if (config.databaseUrl === undefined) {
    throw new CliError(
      "the bridge keeps its cursor and its lock in the server's PostgreSQL: set DATABASE_URL (a PGlite store belongs to the one `resultsbus serve` that opened it, whose built-in bridge is RESULTSBUS_BRIDGE=on)",
    );
  }
  if (bus === 'amqp') {
    await amqpBridge(config, api);
    return;
  }
  let envelope;
  try {
    envelope = await envelopeOptions(config);
  } catch (error) {
    if (error instanceof SigningError) throw new CliError(error.message, 2);
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  logger.info(
    { engine: 'postgres', signing: config.fedmsgSign ? 'on' : 'off', bridgeRole: 'standalone', bridge: config.bridgeName, api, logLevel: config.logLevel },
    'starting',
  );
  const database = await openMigrated(config, 3);
  let running: Bridge;
  try {
    running = await Bridge.start({
      ...bridgeSettings(config),
      database,
      source: remoteSource({ url: api, token: process.env['RESULTSBUS_TOKEN'] || undefined }),
      envelope,
      logger,
    });
  } catch (error) {
    await database.close();
    throw error instanceof BusError ? new CliError(error.message, 1) : error;
  }
  logger.info({ bridge: config.bridgeName, api }, `bridge "${config.bridgeName}" following ${api}`);
  stopOnSignals(logger, 'the bridge', async () => {
    await running.stop();
    await database.close();
  });
}

/** `--bus amqp`: the fedora-messaging bridge as a process of its own; a broker that is down is retried, not fatal. */
async function amqpBridge(config: Config, api: string): Promise<void> {
  if (config.amqpUrl === undefined) {
    throw new CliError('--bus amqp publishes to RabbitMQ: set RESULTSBUS_AMQP_URL, e.g. amqp://guest:guest@127.0.0.1:5672/%2F');
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  logger.info({ engine: 'postgres', bridgeRole: 'standalone', bus: 'amqp', bridge: config.amqpBridgeName, api, logLevel: config.logLevel }, 'starting');
  const database = await openMigrated(config, 4);
  let running: Bridge;
  try {
    running = await startAmqpBridge({ config, database, source: remoteSource({ url: api, token: process.env['RESULTSBUS_TOKEN'] || undefined }), logger });
  } catch (error) {
    await database.close();
    throw error;
  }
  logger.info({ bridge: config.amqpBridgeName, api }, `bridge "${config.amqpBridgeName}" following ${api}`);
  stopOnSignals(logger, 'the bridge', async () => {
    await running.stop();
    await database.close();
  });
}
