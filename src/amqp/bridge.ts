/**
 * The fedora-messaging bridge of a configuration: a bridge (src/bridge/)
 * of its own name, following the same emission stream as the fedmsg one,
 * with RabbitMQ as its sink.
 */
import { Bridge, type StreamBridgeOptions } from '../bridge/bridge.ts';
import type { EmissionSource } from '../bridge/source.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { EmissionForBus } from '../fedmsg/envelope.ts';
import type { Logger } from '../log.ts';
import DataLoader from 'dataloader';
import { restResultsByIds } from '../rest/queries.ts';
import { PREFIX } from '../rest/http.ts';
import { type RestResultRow, serializeResult } from '../rest/serialize.ts';
import { type AmqpMessage, resultsdbMessage, taskotronMessage } from './message.ts';
import { AmqpSink } from './sink.ts';

/** `<prefix>.<env>.resultsdb.result.new`. */
export function resultsdbTopicOf(config: Pick<Config, 'topicPrefix' | 'environment'>): string {
  return `${config.topicPrefix}.${config.environment}.resultsdb.result.new`;
}

/**
 * The messages of an emission under `config`: the Taskotron one, and the
 * ResultsDB one with the result read back and serialised as the REST API
 * does, its hrefs on RESULTSBUS_PUBLIC_URL.
 */
export function amqpEncoder(config: Config, database: Database): (emission: EmissionForBus) => Promise<AmqpMessage[]> {
  const settings = { priority: config.amqpPriority };
  const topic = resultsdbTopicOf(config);
  const base = `${config.publicUrl}${PREFIX}`;
  // The emissions in the making at once (the sink's encode window) are read in one statement.
  const results = new DataLoader<number, RestResultRow | undefined>(
    async (ids) => {
      const rows = new Map((await restResultsByIds(database.db, ids)).map((row) => [row.id, row]));
      return ids.map((id) => rows.get(id));
    },
    // setImmediate: every emission the stream has at hand is taken before the read goes out.
    { cache: false, maxBatchSize: 256, batchScheduleFn: (run) => setImmediate(run) },
  );
  return async (emission) => {
    const out: AmqpMessage[] = [];
    if (config.amqpTaskotron) out.push(taskotronMessage(emission, settings));
    if (config.amqpResultsdb) {
      const id = (emission.body as { result?: { id?: unknown } } | null)?.result?.id;
      if (typeof id !== 'number') throw new Error(`emission ${emission.seq} names no result id`);
      const row = await results.load(id);
      // Emission and result are written in one transaction: a missing one is a broken store.
      if (row === undefined) throw new Error(`emission ${emission.seq}: result ${id} is not in the database`);
      out.push(resultsdbMessage(emission, topic, serializeResult(base, row, config.subjectRules), settings));
    }
    return out;
  };
}

export interface AmqpBridgeOptions extends Pick<StreamBridgeOptions, 'cursorFlushMs' | 'retryMs'> {
  config: Config;
  database: Database;
  source: EmissionSource;
  logger: Logger;
}

/** Starts the AMQP bridge of `config` (RESULTSBUS_AMQP_URL must be set); a broker that is down does not stop it from starting. */
export function startAmqpBridge(options: AmqpBridgeOptions): Promise<Bridge> {
  const { config, database } = options;
  const url = config.amqpUrl;
  if (url === undefined) throw new Error('RESULTSBUS_AMQP_URL is not set');
  return Bridge.startWith(
    {
      database,
      source: options.source,
      name: config.amqpBridgeName,
      standbyPollMs: config.bridgeStandbyPollMs,
      // The broker queues for consumers that are not there yet.
      postInitSleepMs: 0,
      maxUnconfirmed: config.amqpMaxUnconfirmed,
      logger: options.logger,
      ...(options.cursorFlushMs === undefined ? {} : { cursorFlushMs: options.cursorFlushMs }),
      ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    },
    (logger) =>
      new AmqpSink({
        name: config.amqpBridgeName,
        url,
        exchange: config.amqpExchange,
        mandatory: config.amqpMandatory,
        retryMaxMs: config.amqpRetryMaxMs,
        encode: amqpEncoder(config, database),
        logger,
      }),
  );
}
