/** `resultsbus serve`: migrate, make a first token if there is none, and serve until SIGTERM. */
import { App, ListenError } from '../app.ts';
import { envelopeOptions } from '../bridge/bridge.ts';
import type { EnvelopeOptions } from '../fedmsg/envelope.ts';
import { createToken, tokenCount } from '../auth/tokens.ts';
import { loadConfig } from '../config.ts';
import type { Database } from '../db/client.ts';
import { UserError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { BusError } from '../fedmsg/publisher.ts';
import { SigningError } from '../fedmsg/signing.ts';
import { CliError, parse } from './args.ts';
import { openMigrated } from './database.ts';
import { stopOnSignals } from './signals.ts';

export const usage = `Usage: resultsbus serve

Serves the GraphQL API (HTTP and graphql-ws) and ResultsDB's REST API v2.0
(/api/v2.0) on HOST:PORT, on PostgreSQL when DATABASE_URL is set and on
embedded PGlite in RESULTSBUS_DATA_DIR otherwise.
Applies migrations first. When no API token exists yet, creates one named
"default" and prints it once. Unless RESULTSBUS_BRIDGE=off, also runs the
fedmsg bridge: ZeroMQ PUB at RESULTSBUS_FEDMSG_ENDPOINT (default
tcp://127.0.0.1:9940) and replay at RESULTSBUS_FEDMSG_REPLAY_ENDPOINT (default
tcp://127.0.0.1:9941). When RESULTSBUS_AMQP_URL is set, also runs the
fedora-messaging bridge: every emission published to RabbitMQ (exchange
RESULTSBUS_AMQP_EXCHANGE, default amq.topic) with publisher confirms; a broker
that is down is retried and does not stop the server. Stops cleanly on
SIGTERM or SIGINT.`;

export async function serve(argv: string[]): Promise<void> {
  const { values } = parse(argv, {}, usage);
  if (values.help) {
    console.log(usage);
    return;
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // The signing key and certificate are checked before anything is opened.
  let envelope: EnvelopeOptions;
  try {
    envelope = await envelopeOptions(config);
  } catch (error) {
    throw error instanceof SigningError ? new CliError(error.message, 2) : error;
  }
  const summary = {
    engine: config.databaseUrl === undefined ? 'pglite' : 'postgres',
    ...(config.databaseUrl === undefined ? { dataDir: config.dataDir } : {}),
    signing: config.fedmsgSign ? 'on' : 'off',
    bridgeRole: config.bridge ? 'in-process' : 'off',
    bridge: config.bridgeName,
    amqpBridge: config.amqpUrl === undefined ? 'off' : config.amqpBridgeName,
    dbPool: config.dbPoolSize,
    logLevel: config.logLevel,
  };
  logger.info({ ...summary, host: config.host, port: config.port }, 'starting');
  if (config.writeAuth === 'none') {
    logger.warn(
      { writeAuth: 'none' },
      'WRITES ARE OPEN: RESULTSBUS_WRITE_AUTH=none, so anyone who reaches this server can record results (GraphQL and REST) without a token; set RESULTSBUS_WRITE_AUTH=token unless a gateway in front authenticates writers',
    );
  }
  const database = await openMigrated(config, config.dbPoolSize);
  const app = await App.create({ config, database, envelope, logger });
  let url: string;
  try {
    url = await app.start();
    // Only once the port and the bus are bound: a start that fails on an
    // address in use must not have shown (and spent) the only print of a token.
    await printFirstToken(database);
  } catch (error) {
    await app.stop();
    await database.close();
    throw error instanceof ListenError || error instanceof BusError ? new CliError(error.message, 1) : error;
  }
  const where = database.engine === 'pglite' ? `PGlite in ${config.dataDir}` : 'PostgreSQL';
  logger.info({ ...summary, url }, `serving ${url}/graphql (GraphiQL in a browser, graphql-ws on the same path) on ${where}`);
  stopOnSignals(logger, '', async () => {
    await app.stop();
    await database.close();
  });
}

/** Creates the token "default" and prints it once, when the store has no token yet. */
async function printFirstToken(database: Database): Promise<void> {
  if ((await tokenCount(database.db)) > 0) return;
  try {
    const token = await createToken(database.db, 'default');
    // Plain text on purpose, among the JSON lines: see "Logs" in the README.
    console.log(`resultsbus: created the first API token "default" (shown only this once):\n\n    ${token}\n`);
    console.log('resultsbus: send it as "Authorization: Bearer <token>"; manage tokens with `resultsbus token`.');
  } catch (error) {
    // Another replica starting at the same moment made it.
    if (!(error instanceof UserError)) throw error;
  }
}
