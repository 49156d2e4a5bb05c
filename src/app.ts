/**
 * The running service: HTTP (GraphQL, GraphiQL, health) and graphql-ws on one
 * port. `start()` listens, `stop()` closes everything `start()` opened; the
 * database handle belongs to the caller.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { TokenVerifier } from './auth/tokens.ts';
import { startAmqpBridge } from './amqp/bridge.ts';
import { Bridge, bridgeSettings, envelopeOptions } from './bridge/bridge.ts';
import { bridgeStatus } from './bridge/cursor.ts';
import { type EmissionSource, schemaSource } from './bridge/source.ts';
import type { EnvelopeOptions } from './fedmsg/envelope.ts';
import { allOutcomes, type Config } from './config.ts';
import { Dashboard } from './dashboard/assets.ts';
import type { Database } from './db/client.ts';
import { describeFault } from './db/faults.ts';
import { LiveFeed } from './emissions/stream.ts';
import { createContext, type Services } from './graphql/context.ts';
import { frameSink } from './graphql/ws-frames.ts';
import { shortRoad, takesShortRoad } from './graphql/http.ts';
import { createYogaApp, logAnswerError, type Yoga } from './graphql/yoga.ts';
import { createLogger, type Logger, requestIdOf } from './log.ts';
import { Metrics } from './metrics.ts';
import { Recorder } from './results/record.ts';
import { RestApi } from './rest/api.ts';
import { isRestPath } from './rest/http.ts';

export interface AppOptions {
  config: Config;
  database: Database;
  /** How often a waiting subscription re-reads without a notification, in ms. @default 1000 */
  pollMs?: number;
  /** Where the app and its in-process bridge log (unexpected errors, the bridge's role). @default JSON lines on stdout at level info */
  logger?: Logger;
  /** The envelope settings, when the caller has read them already. @default envelopeOptions(config) */
  envelope?: EnvelopeOptions;
  /** The built dashboard served at `/` and its page paths. @default Dashboard.load(): dist/web of this checkout */
  dashboard?: Dashboard;
}


type Runner = (args: ExecutionArgs) => unknown;
interface EnvelopedRoot {
  execute: Runner;
  subscribe: Runner;
}

function envelopedRoot(args: ExecutionArgs): EnvelopedRoot {
  const root = args.rootValue as Partial<EnvelopedRoot> | undefined;
  if (!root?.execute || !root.subscribe) throw new Error('graphql-ws operation was not prepared by onSubscribe');
  return root as EnvelopedRoot;
}

/** How long `/readyz` waits for the database's answer before it says 503, in ms. */
export const READY_TIMEOUT_MS = 1000;

/** The HTTP server could not take its address (port in use, no permission). */
export class ListenError extends Error {
  override name = 'ListenError';
}

export function topicOf(config: Config): string {
  return `${config.topicPrefix}.${config.environment}.${config.modname}.result.new`;
}

export class App {
  readonly yoga: Yoga;
  readonly services: Services;
  readonly logger: Logger;
  /** What `GET /metrics` reports; a registry of this app's own. */
  readonly metrics: Metrics;
  /** ResultsDB's REST API v2.0 under `/api/v2.0`, on the same services. */
  readonly rest: RestApi;
  /** The dashboard: every GET the other routes leave (see src/dashboard/assets.ts). */
  readonly dashboard: Dashboard;
  private server: Server | undefined;
  private wsServer: WebSocketServer | undefined;
  private disposeWs: (() => void | Promise<void>) | undefined;
  private bridgeValue: Bridge | undefined;
  private amqpBridgeValue: Bridge | undefined;
  private stopRequested = false;
  private starting: Promise<string> | undefined;
  /** What `/readyz` answered last (its log says when that changes). */
  private databaseReady = true;
  /** The graphql-ws connections with an operation, for the process-wide cap. */
  private readonly wsConnections = new Set<{ subscriptions: Record<string, unknown> }>();

  private constructor(
    readonly options: AppOptions,
    feed: LiveFeed,
    private readonly envelope: EnvelopeOptions,
  ) {
    const { config, database } = options;
    this.logger = options.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
    this.metrics = new Metrics({
      database,
      bridgeNames: config.amqpUrl === undefined ? [config.bridgeName] : [config.bridgeName, config.amqpBridgeName],
      poolSize: config.dbPoolSize,
      bridges: () => [this.bridgeValue, this.amqpBridgeValue].filter((b) => b !== undefined),
    });
    this.services = {
      config,
      db: database.db,
      feed,
      recorder: new Recorder({
        outcomes: allOutcomes(config),
        topic: topicOf(config),
        maxBatch: config.maxBatch,
        keyRules: { variantKeys: config.variantKeys, subjectRules: config.subjectRules },
        onCommitted: (emissions) => feed.offer(emissions),
        onRecorded: (recorded) => this.metrics.recorded(recorded),
        onGroup: (report) => this.metrics.group(report),
        onHookError: (error) => this.logger.error({ err: error }, 'handing on a committed group of results failed (its callers were answered)'),
        group: { maxResults: config.groupMaxResults, maxBytes: config.groupMaxBytes },
        notifyTag: feed.tag,
      }),
      tokens: new TokenVerifier(database.db, undefined, config.writeAuth === 'token'),
      runningBridge: (name) => [this.bridgeValue, this.amqpBridgeValue].find((b) => b?.name === name),
    };
    this.yoga = createYogaApp(this.services, { logger: this.logger, plugins: [this.metrics.plugin()] });
    this.rest = new RestApi(this.services, this.logger, () => this.databaseAnswers());
    this.dashboard = options.dashboard ?? Dashboard.load();
    if (this.dashboard.problem) this.logger.warn(this.dashboard.problem.msg);
  }

  /** Builds the app on a migrated database (starts listening for notifications, not on a port). */
  static async create(options: AppOptions): Promise<App> {
    // Before anything is opened: a bad key or certificate fails here.
    const envelope = options.envelope ?? (await envelopeOptions(options.config));
    const feed = await LiveFeed.start(options.database, { pollMs: options.pollMs });
    return new App(options, feed, envelope);
  }

  /** The in-process fedmsg bridge, once started (RESULTSBUS_BRIDGE=on). */
  get bridge(): Bridge | undefined {
    return this.bridgeValue;
  }

  /** The in-process fedora-messaging (AMQP) bridge, once started (RESULTSBUS_AMQP_URL set). */
  get amqpBridge(): Bridge | undefined {
    return this.amqpBridgeValue;
  }

  /** The base URL once started, e.g. `http://127.0.0.1:4000`. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the app is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Listens on HOST:PORT, then attaches graphql-ws. The port is taken first so
   * that a port in use fails with one clear error and nothing else opened.
   */
  start(): Promise<string> {
    this.starting = this.open();
    return this.starting;
  }

  private async open(): Promise<string> {
    if (this.stopRequested) throw new Error('the app was stopped before it started');
    const { host, port, requestTimeoutMs, maxBodyBytes } = this.options.config;
    // A client gets requestTimeoutMs to send its whole request (408 after);
    // Node checks the clocks every connectionsCheckingInterval, 30 s by default.
    const server = createServer(
      {
        requestTimeout: requestTimeoutMs,
        headersTimeout: Math.min(requestTimeoutMs, 60_000),
        connectionsCheckingInterval: Math.min(requestTimeoutMs / 4, 1_000),
      },
      (req, res) => void this.handle(req, res),
    );
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        const why = error.code === 'EADDRINUSE' ? 'the port is in use' : error.code === 'EACCES' ? 'permission denied' : error.message;
        reject(new ListenError(`cannot listen on ${host}:${port}: ${why}; set PORT (and HOST) to a free address`, { cause: error }));
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    // One size limit for both transports: a larger message closes the socket with 1009.
    const wsServer = new WebSocketServer({ server, path: this.yoga.graphqlEndpoint, maxPayload: maxBodyBytes, perMessageDeflate: false });
    const yoga = this.yoga;
    const disposable = useServer(
      {
        execute: (args) => envelopedRoot(args).execute(args) as ReturnType<NonNullable<Parameters<typeof useServer>[0]['execute']>>,
        subscribe: (args) =>
          envelopedRoot(args).subscribe(args) as ReturnType<NonNullable<Parameters<typeof useServer>[0]['subscribe']>>,
        onSubscribe: async (ctx, id, params) => {
          this.wsConnections.add(ctx);
          const refused = this.overSubscriptionCap(ctx);
          if (refused) return [refused];
          const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
            ...ctx,
            req: ctx.extra.request,
            socket: ctx.extra.socket,
            params,
            connectionParams: ctx.connectionParams,
          });
          let document: DocumentNode;
          try {
            document = parse(params.query);
          } catch (error) {
            return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
          }
          const errors = validate(schema, document);
          if (errors.length > 0) return errors;
          const root: EnvelopedRoot = { execute: execute as Runner, subscribe: subscribe as Runner };
          const contextValue = await contextFactory();
          contextValue.frames = frameSink(ctx.extra.socket, ctx.extra.request.socket, id);
          return {
            schema,
            operationName: params.operationName,
            document,
            variableValues: params.variables,
            contextValue,
            rootValue: root,
          };
        },
        onClose: (ctx) => {
          this.wsConnections.delete(ctx);
        },
      },
      wsServer,
    );
    this.server = server;
    this.wsServer = wsServer;
    this.disposeWs = () => disposable.dispose();
    if (this.options.config.bridge) {
      const bridge = await this.startBridge();
      // stop() may have come while the bridge was starting.
      if (this.stopRequested) await bridge.stop();
      else this.bridgeValue = bridge;
    }
    if (this.options.config.amqpUrl !== undefined && !this.stopRequested) {
      // Never fails on the broker: one that is down is retried, and the
      // bridge says it is disconnected meanwhile.
      const bridge = await startAmqpBridge({
        config: this.options.config,
        database: this.options.database,
        source: this.emissionSource(),
        logger: this.logger,
      });
      if (this.stopRequested) await bridge.stop();
      else this.amqpBridgeValue = bridge;
    }
    return this.url;
  }

  /**
   * Every open operation holds a stream (and its share of the fan-out), and
   * anyone may open them (reads are public): past a cap, a new one is refused
   * and the open ones go on. graphql-ws has already counted the new one.
   */
  private overSubscriptionCap(ctx: { subscriptions: Record<string, unknown> }): GraphQLError | undefined {
    const { maxSubscriptionsPerConnection: perConnection, maxSubscriptions: perProcess } = this.options.config;
    const here = Object.keys(ctx.subscriptions).length;
    let all = 0;
    for (const connection of this.wsConnections) all += Object.keys(connection.subscriptions).length;
    const refuse = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
    if (here > perConnection) {
      return refuse(
        `this connection already has ${perConnection} operations open, the most one connection may (RESULTSBUS_MAX_SUBSCRIPTIONS_PER_CONNECTION); complete one, or open another connection`,
      );
    }
    if (all > perProcess) {
      return refuse(`the server already has ${perProcess} operations open, the most it takes (RESULTSBUS_MAX_SUBSCRIPTIONS); try again later or another server`);
    }
    return undefined;
  }

  /** The bridge, following the emissions subscription through this app's own schema. */
  private startBridge(): Promise<Bridge> {
    const { config, database } = this.options;
    return Bridge.start({
      ...bridgeSettings(config),
      database,
      source: this.emissionSource(),
      envelope: this.envelope,
      logger: this.logger,
    });
  }

  /** The emissions subscription through this app's own schema, as a bridge follows it. */
  private emissionSource(): EmissionSource {
    const schema = this.yoga.getEnveloped({}).schema;
    return schemaSource(schema, () => createContext(this.services, null));
  }

  /** Every request gets an id (the caller's `x-request-id`, or a new one), sent back and put on what is logged for it. */
  private handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reqId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', reqId);
    this.metrics.observe(req, res);
    return this.route(req, res, reqId);
  }

  private async route(req: IncomingMessage, res: ServerResponse, reqId: string): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      let text: string;
      try {
        text = await this.metrics.render();
      } catch (error) {
        this.logger.error({ err: error, reqId }, 'unexpected error');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('cannot render the metrics\n');
        return;
      }
      res.writeHead(200, { 'content-type': this.metrics.contentType }).end(req.method === 'HEAD' ? undefined : text);
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      if (!(await this.databaseAnswers())) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('not ready: the database is not answering\n');
        return;
      }
      let bridge = '';
      for (const running of [this.bridgeValue, this.amqpBridgeValue]) {
        if (running === undefined) continue;
        const status = await bridgeStatus(this.services.db, running.name).catch(() => undefined);
        if (status === undefined) continue;
        bridge += `bridge ${status.name}: ${running.state}, cursor ${status.cursor}, latest seq ${status.latestSeq}, lag ${status.lag}`;
        if (running === this.amqpBridgeValue) {
          bridge += `, ${running.connected ? 'connected' : 'disconnected'}, unconfirmed ${running.unconfirmed}`;
          if (running.lastError !== undefined) bridge += `, last error at ${running.lastError.at.toISOString()}: ${running.lastError.message}`;
        }
        bridge += '\n';
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`ready\n${bridge}`);
      return;
    }
    if (isRestPath(path ?? '')) {
      await this.rest.handle(req, res, reqId);
      return;
    }
    const { maxBodyBytes } = this.options.config;
    if (takesShortRoad(req, path ?? '', maxBodyBytes)) {
      try {
        await shortRoad(this.yoga, req, res, maxBodyBytes, reqId);
      } catch (error) {
        // The client went away, or was timed out (Node answered 408): nothing to answer, nothing unexpected.
        if (req.socket.destroyed) return;
        logAnswerError(this.logger, error, reqId);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
      }
      return;
    }
    if (path !== this.yoga.graphqlEndpoint && (req.method === 'GET' || req.method === 'HEAD')) {
      this.dashboard.handle(req, res, path ?? '/');
      return;
    }
    await this.yoga.handle(req, res, { reqId });
  }

  /**
   * Whether the database answers a round trip within READY_TIMEOUT_MS. What
   * went wrong is logged when readiness changes, not in the answer: driver
   * text can name hosts and users.
   */
  private async databaseAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const probe = this.services.db.execute(sql`SELECT 1`);
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    let answers = true;
    try {
      await Promise.race([probe, late]);
    } catch (error) {
      answers = false;
      if (this.databaseReady) this.logger.warn({ fault: describeFault(error) }, 'not ready: the database is not answering');
    } finally {
      clearTimeout(timer);
      probe.catch(() => {});
    }
    if (answers && !this.databaseReady) this.logger.info('ready: the database answers again');
    this.databaseReady = answers;
    return answers;
  }

  /** Stops listening, ends subscriptions and open sockets, and stops the notification feed. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    // A start on its way first finishes (or fails); then everything it opened is closed.
    await this.starting?.catch(() => {});
    await Promise.all([this.bridgeValue?.stop(), this.amqpBridgeValue?.stop()]);
    this.bridgeValue = undefined;
    this.amqpBridgeValue = undefined;
    // Each part is taken before it is closed, so a second stop() finds nothing left to close.
    const server = this.server;
    this.server = undefined;
    const wsServer = this.wsServer;
    this.wsServer = undefined;
    const disposeWs = this.disposeWs;
    this.disposeWs = undefined;
    for (const client of wsServer?.clients ?? []) client.terminate();
    await disposeWs?.();
    await new Promise<void>((resolve) => (wsServer ? wsServer.close(() => resolve()) : resolve()));
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    await this.services.feed.stop();
  }
}
