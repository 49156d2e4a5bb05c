/**
 * What `GET /metrics` reports, in Prometheus's text format. Each App has a
 * registry of its own (not prom-client's global one), so several apps in one
 * process (the tests) do not count into each other.
 *
 * Counters move where things happen (a committed recording, an HTTP answer,
 * a subscription starting and ending); figures that live in the database
 * (latest seq, the bridge's cursor and lag, connections) are read when
 * Prometheus scrapes, with the same queries as `bridgeStatus` and `/readyz`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql } from 'drizzle-orm';
import { type DefinitionNode, Kind, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { bridgeStatus } from './bridge/cursor.ts';
import { type Database, queryRows } from './db/client.ts';
import type { GroupReport } from './results/group-commit.ts';
import type { RecordedResult } from './results/record.ts';
import { isRestPath } from './rest/http.ts';

export interface MetricsOptions {
  database: Database;
  /**
   * The bridges whose cursor and lag are reported (their rows are in the
   * database, wherever they run): the fedmsg one, and the AMQP one when
   * RESULTSBUS_AMQP_URL is set.
   */
  bridgeNames: readonly string[];
  /** Connections in this process's pool (RESULTSBUS_DB_POOL). */
  poolSize: number;
  /** The bridges running in this process: their publish errors, connection and unconfirmed messages. @default () => [] */
  bridges?: () => ReadonlyArray<{ name: string; publishErrors: number; connected: boolean; unconfirmed: number }>;
}

const LATEST_SEQ = 'resultsbus_emissions_latest_seq';

/** The paths reported by name; anything else is `other`, so the label stays small. */
const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics', '/']);

/** A request being timed: what `observeEnd` needs when its answer has gone out. */
interface Timing {
  started: bigint;
  method: string;
  route: string;
  done: boolean;
  latency: Histogram<'method' | 'route' | 'status'>;
}

const TIMING = Symbol('resultsbus request timing');

type TimedResponse = ServerResponse & { [TIMING]?: Timing };

/** The 'finish' or 'close' of a timed response, whichever comes first. */
function observeEnd(this: ServerResponse): void {
  const timing = (this as TimedResponse)[TIMING];
  if (timing === undefined || timing.done) return;
  timing.done = true;
  const seconds = Number(process.hrtime.bigint() - timing.started) / 1e9;
  timing.latency.observe({ method: timing.method, route: timing.route, status: this.writableFinished ? String(this.statusCode) : 'aborted' }, seconds);
}

export class Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly results = new Counter({
    name: 'resultsbus_results_recorded_total',
    help: 'Results recorded (committed), by outcome.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly emissions = new Counter({
    name: 'resultsbus_emissions_total',
    help: 'Emissions made (state changes, and forced re-runs), by outcome.',
    labelNames: ['outcome', 'forced'],
    registers: [this.registry],
  });
  private readonly duplicates = new Counter({
    name: 'resultsbus_results_duplicate_total',
    help: 'Results recorded that emitted nothing (state unchanged).',
    registers: [this.registry],
  });
  private readonly groupResults = new Histogram({
    name: 'resultsbus_recording_group_results',
    help: 'Results per recording transaction: the calls waiting while a transaction commits share the next one (group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
    registers: [this.registry],
  });
  private readonly groupCalls = new Histogram({
    name: 'resultsbus_recording_group_calls',
    help: 'Calls per recording transaction (group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  private readonly groupRetries = new Counter({
    name: 'resultsbus_recording_group_retries_total',
    help: 'Groups of calls whose transaction failed and were retried call by call.',
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'resultsbus_http_request_duration_seconds',
    help: 'Time from the request to the end of the answer, by method, path and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly subscriptions = new Gauge({
    name: 'resultsbus_live_subscriptions',
    help: 'GraphQL subscriptions open now (graphql-ws), by root field.',
    labelNames: ['field'],
    registers: [this.registry],
  });
  private readonly databaseUp = new Gauge({
    name: 'resultsbus_database_up',
    help: 'Whether the database answered the figures of this scrape (1) or not (0).',
    registers: [this.registry],
  });
  private readonly latestSeq = new Gauge({
    name: LATEST_SEQ,
    help: 'The highest committed emission seq.',
    registers: [this.registry],
  });
  private readonly cursor = new Gauge({
    name: 'resultsbus_bridge_cursor',
    help: 'The last seq the bridge has published (its stored cursor).',
    labelNames: ['bridge'],
    registers: [this.registry],
  });
  private readonly lag = new Gauge({
    name: 'resultsbus_bridge_lag',
    help: 'Emissions the bridge has not published yet: latest seq minus cursor.',
    labelNames: ['bridge'],
    registers: [this.registry],
  });
  private readonly active = new Gauge({
    name: 'resultsbus_bridge_active',
    help: 'Whether a bridge of this name (in any process) holds its lock and publishes.',
    labelNames: ['bridge'],
    registers: [this.registry],
  });
  private readonly publishErrors = new Counter({
    name: 'resultsbus_bridge_publish_errors_total',
    help: 'Messages the in-process bridge could not make or send (each is tried again).',
    labelNames: ['bridge'],
    registers: [this.registry],
  });
  private readonly connected = new Gauge({
    name: 'resultsbus_bridge_connected',
    help: 'Whether the bridge in this process is active and its bus takes messages (AMQP: connected to the broker).',
    labelNames: ['bridge'],
    registers: [this.registry],
  });
  private readonly unconfirmed = new Gauge({
    name: 'resultsbus_bridge_unconfirmed',
    help: 'Messages the bridge in this process has sent and the broker has not confirmed yet.',
    labelNames: ['bridge'],
    registers: [this.registry],
  });
  private readonly poolSize = new Gauge({
    name: 'resultsbus_db_pool_size',
    help: "Connections this process's database pool may open (RESULTSBUS_DB_POOL; 1 on PGlite).",
    registers: [this.registry],
  });
  private readonly connections = new Gauge({
    name: 'resultsbus_db_connections',
    help: 'Connections of resultsbus processes to this database now, by state (PostgreSQL only).',
    labelNames: ['state'],
    registers: [this.registry],
  });

  constructor(private readonly options: MetricsOptions) {
    collectDefaultMetrics({ register: this.registry, prefix: 'resultsbus_' });
    this.poolSize.set(options.database.engine === 'pglite' ? 1 : options.poolSize);
    for (const bridge of options.bridgeNames) this.publishErrors.inc({ bridge }, 0);
  }

  /** Counts a committed recording call. */
  recorded(recorded: readonly RecordedResult[]): void {
    for (const { result, emission } of recorded) {
      this.results.inc({ outcome: result.outcome });
      if (emission === null) this.duplicates.inc();
      else this.emissions.inc({ outcome: emission.outcome, forced: String(emission.forced) });
    }
  }

  /** Counts a recording transaction of a group of calls. */
  group(report: GroupReport): void {
    this.groupResults.observe(report.results);
    this.groupCalls.observe(report.calls);
    if (report.retried) this.groupRetries.inc();
  }

  /** Times one HTTP request, observed when its answer has gone out (or it was cut off). */
  observe(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const timing: Timing = {
      started: process.hrtime.bigint(),
      method: req.method === 'GET' || req.method === 'POST' ? req.method : 'other',
      route: ROUTES.has(path) ? path : isRestPath(path) ? '/api/v2.0' : 'other',
      done: false,
      latency: this.latency,
    };
    // One listener shared by every request (no closure made per request); its state rides on the response.
    (res as TimedResponse)[TIMING] = timing;
    res.on('finish', observeEnd);
    res.on('close', observeEnd);
  }

  /** Counts open subscriptions: up when one starts, down when it ends, however it ends. */
  plugin(): Plugin {
    return {
      onSubscribe: ({ args }) => {
        const operation = args.document.definitions.find(
          (d: DefinitionNode): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (args.operationName == null || d.name?.value === args.operationName),
        );
        const first = operation?.selectionSet.selections[0];
        const field = first?.kind === Kind.FIELD ? first.name.value : 'other';
        return {
          onSubscribeResult: ({ result }) => {
            if (!(Symbol.asyncIterator in result)) return undefined;
            this.subscriptions.inc({ field });
            return { onEnd: () => this.subscriptions.dec({ field }) };
          },
        };
      },
    };
  }

  /** The text Prometheus scrapes. Reads the database's figures first; when it does not answer, says so and leaves them out. */
  async render(): Promise<string> {
    const { database, bridgeNames } = this.options;
    const db = database.db;
    try {
      const [statuses, connections] = await Promise.all([
        Promise.all(bridgeNames.map((name) => bridgeStatus(db, name))),
        database.engine === 'postgres'
          ? queryRows<{ state: string | null; n: number | string }>(
              db,
              sql`SELECT state, count(*) AS n FROM pg_stat_activity
                  WHERE datname = current_database() AND application_name LIKE 'resultsbus%'
                  GROUP BY state`,
            )
          : Promise.resolve([]),
      ]);
      this.databaseUp.set(1);
      if (this.registry.getSingleMetric(LATEST_SEQ) === undefined) this.registry.registerMetric(this.latestSeq);
      for (const status of statuses) {
        this.latestSeq.set(status.latestSeq);
        this.cursor.set({ bridge: status.name }, status.cursor);
        this.lag.set({ bridge: status.name }, status.lag);
        this.active.set({ bridge: status.name }, status.active ? 1 : 0);
      }
      this.connections.reset();
      for (const row of connections) this.connections.set({ state: row.state ?? 'unknown' }, Number(row.n));
    } catch {
      this.databaseUp.set(0);
      for (const gauge of [this.cursor, this.lag, this.active, this.connections]) gauge.reset();
      // A gauge without labels cannot be empty (reset makes it 0): it leaves the registry until the database answers again.
      this.registry.removeSingleMetric(LATEST_SEQ);
    }
    const counted = new Map((await this.publishErrors.get()).values.map((v) => [String(v.labels['bridge']), v.value]));
    this.connected.reset();
    this.unconfirmed.reset();
    for (const bridge of this.options.bridges?.() ?? []) {
      const before = counted.get(bridge.name) ?? 0;
      if (bridge.publishErrors > before) this.publishErrors.inc({ bridge: bridge.name }, bridge.publishErrors - before);
      this.connected.set({ bridge: bridge.name }, bridge.connected ? 1 : 0);
      this.unconfirmed.set({ bridge: bridge.name }, bridge.unconfirmed);
    }
    return this.registry.metrics();
  }
}
