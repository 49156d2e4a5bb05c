/**
 * Every setting resultsbus reads, from the environment, validated once.
 *
 * A bad value fails at start with a message naming the variable and what it
 * accepts, rather than surfacing later as a confusing runtime error.
 */
import { userInfo } from 'node:os';
import { DEFAULT_TIMEOUTS } from './db/timeouts.ts';
import { socketOf } from './db/url.ts';
import { DEFAULT_GROUP } from './results/group-commit.ts';
import { DEFAULT_SUBJECTS, parseSubjectRules, type SubjectRule } from './results/subject.ts';
import { DEFAULT_VARIANT_KEYS } from './results/variant.ts';

export const STANDARD_OUTCOMES = [
  'PASSED',
  'FAILED',
  'INFO',
  'NEEDS_INSPECTION',
  'ERROR',
  'QUEUED',
  'RUNNING',
  'ABORTED',
] as const;

/** The levels of RESULTSBUS_LOG_LEVEL, most verbose first (pino's, and `silent`). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';
/** The values of RESULTSBUS_WRITE_AUTH. */
export const WRITE_AUTH = ['token', 'none'] as const;
export type WriteAuth = (typeof WRITE_AUTH)[number];

export interface Config {
  /** Interface the HTTP server binds. @default "127.0.0.1" */
  host: string;
  /** TCP port of the HTTP and WebSocket server. @default 4000 */
  port: number;
  /** PostgreSQL URL; when unset, embedded PGlite is used. @default undefined */
  databaseUrl: string | undefined;
  /** PGlite data directory (only without DATABASE_URL). @default "./.resultsbus" */
  dataDir: string;
  /** Connections in the postgres.js pool. @default 10 */
  dbPoolSize: number;
  /** How long opening a PostgreSQL connection may take, in ms (RESULTSBUS_DB_CONNECT_TIMEOUT_MS). @default 5000 */
  dbConnectTimeoutMs: number;
  /** PostgreSQL `statement_timeout` of the server's connections, in ms; 0: none (RESULTSBUS_DB_STATEMENT_TIMEOUT_MS). @default 15000 */
  dbStatementTimeoutMs: number;
  /** PostgreSQL `lock_timeout` of the server's connections, in ms; 0: none (RESULTSBUS_DB_LOCK_TIMEOUT_MS). @default 10000 */
  dbLockTimeoutMs: number;
  /** First part of every fedmsg topic. @default "org.fedoraproject" */
  topicPrefix: string;
  /** Environment part of every fedmsg topic. @default "dev" */
  environment: string;
  /** Module part of every fedmsg topic. @default "taskotron" */
  modname: string;
  /** Largest accepted `recordResults` batch. @default 1000 */
  maxBatch: number;
  /** Most results in one recording transaction shared by waiting calls (group commit). @default 1000 */
  groupMaxResults: number;
  /** Most bytes of strings and data in one such transaction. @default 4194304 (4 MiB) */
  groupMaxBytes: number;
  /** Outcomes accepted besides the standard ones. @default [] */
  extraOutcomes: string[];
  /**
   * The data keys whose values make a task state's variant, the part of its
   * key beyond (testcase, item type, item): results that differ in one of
   * them are states of their own (RESULTSBUS_VARIANT_KEYS; `none`: no
   * variant). `arch` is the result's arch.
   * @default ["arch", "scenario", "system_architecture", "system_variant"]
   */
  variantKeys: string[];
  /**
   * How a result that gives no item and type of its own gets its subject
   * from its data: rules `NAME_KEY=TYPE`, tried in order
   * (RESULTSBUS_SUBJECTS; `none`: only results with an item and type have
   * one). See src/results/subject.ts.
   * @default "item={type},productmd.compose.id=compose,nvr={type}|koji_build"
   */
  subjectRules: SubjectRule[];
  /** Deepest accepted GraphQL selection. @default 12 */
  maxQueryDepth: number;
  /** Highest accepted estimated query cost. @default 50000 */
  maxQueryCost: number;
  /** Operations one graphql-ws connection may have open at once; one more is refused with TOO_MANY_SUBSCRIPTIONS. @default 100 */
  maxSubscriptionsPerConnection: number;
  /** Operations all graphql-ws connections of the process may have open at once; one more is refused with TOO_MANY_SUBSCRIPTIONS. @default 10000 */
  maxSubscriptions: number;
  /** Most tokens (names, punctuation, values) a GraphQL document may have; checked while parsing. @default 20000 */
  maxQueryTokens: number;
  /** Deepest nesting of `{`, `[` and `(` in a GraphQL document, checked on the text before parsing. @default 64 */
  maxQueryNesting: number;
  /** Most aliases a GraphQL document may use. @default 100 */
  maxQueryAliases: number;
  /** Most mutation fields one request may run (`recordResults` takes a batch in one). @default 10 */
  maxMutations: number;
  /** Largest request body (HTTP) or message (graphql-ws), in bytes. @default 25000000 */
  maxBodyBytes: number;
  /** Time a client has to send a whole request, headers and body, in ms; then it gets 408 and the socket is closed. @default 30000 */
  requestTimeoutMs: number;
  /**
   * Whether writes (GraphQL's `recordResult`/`recordResults`, the REST API's
   * POSTs) need a bearer token (`token`) or are open to anyone (`none`, for a
   * store behind a gateway that authenticates; `serve` warns at start).
   * @default "token"
   */
  writeAuth: WriteAuth;
  /** Run the fedmsg bridge inside `resultsbus serve` (RESULTSBUS_BRIDGE=on|off). @default true */
  bridge: boolean;
  /** The bridge's name: its cursor row and its lock. @default "default" */
  bridgeName: string;
  /** How often a standby bridge tries to take over, in ms. @default 1000 */
  bridgeStandbyPollMs: number;
  /** ZeroMQ endpoint the PUB socket binds (`tcp://host:*` picks a free port). @default "tcp://127.0.0.1:9940" */
  fedmsgEndpoint: string;
  /** ZeroMQ endpoint the replay REP socket binds; `undefined` (RESULTSBUS_FEDMSG_REPLAY_ENDPOINT=off) binds none. @default "tcp://127.0.0.1:9941" */
  fedmsgReplayEndpoint: string | undefined;
  /** Pause after binding the PUB socket before the first message, in ms (fedmsg's post_init_sleep). @default 500 */
  fedmsgPostInitSleepMs: number;
  /** Messages the PUB socket queues per subscriber before it drops for that subscriber. @default 10000 */
  fedmsgHighWaterMark: number;
  /** Most messages one replay reply carries; the first ones, in seq order. @default 1000 */
  fedmsgReplayMax: number;
  /** The envelope's `username`. @default the OS user running the process */
  fedmsgUsername: string;
  /** Sign every envelope with X.509 (RESULTSBUS_FEDMSG_SIGN=true|false). @default false */
  fedmsgSign: boolean;
  /** PEM certificate of the emitter (required when signing). @default undefined */
  fedmsgCert: string | undefined;
  /** PEM private key of the emitter (required when signing). @default undefined */
  fedmsgKey: string | undefined;
  /**
   * The URL at which clients reach this server: the base of the `href`s in
   * bus messages (the ResultsDB topic's body), which must not depend on a
   * request (RESULTSBUS_PUBLIC_URL). @default "http://HOST:PORT"
   */
  publicUrl: string;
  /**
   * Whether RESULTSBUS_PUBLIC_URL was set: the REST API's links then use it
   * too; otherwise they use the request's `Host`, as ResultsDB's do. @default false
   */
  publicUrlSet: boolean;
  /** The AMQP broker the fedora-messaging bridge publishes to (RESULTSBUS_AMQP_URL); `undefined`: no AMQP bridge. @default undefined */
  amqpUrl: string | undefined;
  /** The exchange it publishes to (RESULTSBUS_AMQP_EXCHANGE). @default "amq.topic" */
  amqpExchange: string;
  /** The AMQP bridge's name: its cursor row and its lock, apart from the fedmsg bridge's (RESULTSBUS_AMQP_BRIDGE_NAME). @default "amqp" */
  amqpBridgeName: string;
  /** Publish `<prefix>.<env>.taskotron.result.new` (RESULTSBUS_AMQP_TOPICS has `taskotron`). @default true */
  amqpTaskotron: boolean;
  /** Publish `<prefix>.<env>.resultsdb.result.new` (RESULTSBUS_AMQP_TOPICS has `resultsdb`). @default true */
  amqpResultsdb: boolean;
  /** The messages' `priority`, property and header, 0 to 9 (RESULTSBUS_AMQP_PRIORITY). @default 0 */
  amqpPriority: number;
  /** Publish `mandatory`, so that a message no queue is bound for is returned and retried (RESULTSBUS_AMQP_MANDATORY=on|off). @default true */
  amqpMandatory: boolean;
  /** Most messages sent and not yet confirmed by the broker (RESULTSBUS_AMQP_MAX_UNCONFIRMED). @default 1000 */
  amqpMaxUnconfirmed: number;
  /** Longest pause between attempts to reach the broker, in ms; they start at 250 ms and double (RESULTSBUS_AMQP_RETRY_MAX_MS). @default 30000 */
  amqpRetryMaxMs: number;
  /** The lowest level `serve` and `bridge` log (RESULTSBUS_LOG_LEVEL). @default "info" */
  logLevel: LogLevel;
  /** JSON lines or readable lines (RESULTSBUS_LOG_FORMAT); `undefined`: readable when stdout is a terminal. @default undefined */
  logFormat: LogFormat | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  return value;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

const OUTCOME_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const TOPIC_PART = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function topicPart(env: Env, name: string, fallback: string): string {
  const value = str(env, name, fallback);
  if (!TOPIC_PART.test(value)) {
    throw new ConfigError(
      `${name} must be dot-separated words of letters, digits, '_' or '-', got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean, yes: string[], no: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.trim().toLowerCase();
  if (yes.includes(value)) return true;
  if (no.includes(value)) return false;
  throw new ConfigError(`${name} must be one of ${[...yes, ...no].join(', ')}, got ${JSON.stringify(raw)}`);
}

const ZMQ_ENDPOINT = /^(tcp:\/\/[^\s:]+:(\d{1,5}|\*)|ipc:\/\/\S+|inproc:\/\/\S+)$/;

function endpoint(env: Env, name: string, fallback: string): string {
  const value = str(env, name, fallback).trim();
  if (!ZMQ_ENDPOINT.test(value)) {
    throw new ConfigError(
      `${name} must be a ZeroMQ endpoint such as tcp://127.0.0.1:9940 (or tcp://127.0.0.1:* for a free port, ipc://PATH), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers).
    return 'resultsbus';
  }
}

/** What a bridge name may be (RESULTSBUS_BRIDGE_NAME, `bridgeStatus(name:)`). */
export const BRIDGE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function loadConfig(env: Env = process.env): Config {
  const extra = str(env, 'RESULTSBUS_EXTRA_OUTCOMES', '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of extra) {
    if (!OUTCOME_NAME.test(name)) {
      throw new ConfigError(
        `RESULTSBUS_EXTRA_OUTCOMES: ${JSON.stringify(name)} is not a valid outcome name; use upper-case letters, digits and '_' (e.g. WAIVED)`,
      );
    }
  }
  const databaseUrl = str(env, 'DATABASE_URL', '');
  if (databaseUrl !== '' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got ${JSON.stringify(databaseUrl)}`);
  }
  if (databaseUrl !== '') {
    try {
      socketOf(databaseUrl);
    } catch (error) {
      throw new ConfigError(`DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return {
    host: str(env, 'HOST', '127.0.0.1'),
    port: int(env, 'PORT', 4000, 0, 65535),
    databaseUrl: databaseUrl === '' ? undefined : databaseUrl,
    dataDir: str(env, 'RESULTSBUS_DATA_DIR', './.resultsbus'),
    dbPoolSize: int(env, 'RESULTSBUS_DB_POOL', 10, 1, 1000),
    dbConnectTimeoutMs: int(env, 'RESULTSBUS_DB_CONNECT_TIMEOUT_MS', DEFAULT_TIMEOUTS.connectMs, 100, 600000),
    dbStatementTimeoutMs: int(env, 'RESULTSBUS_DB_STATEMENT_TIMEOUT_MS', DEFAULT_TIMEOUTS.statementMs, 0, 86400000),
    dbLockTimeoutMs: int(env, 'RESULTSBUS_DB_LOCK_TIMEOUT_MS', DEFAULT_TIMEOUTS.lockMs, 0, 86400000),
    topicPrefix: topicPart(env, 'RESULTSBUS_TOPIC_PREFIX', 'org.fedoraproject'),
    environment: topicPart(env, 'RESULTSBUS_ENVIRONMENT', 'dev'),
    modname: topicPart(env, 'RESULTSBUS_MODNAME', 'taskotron'),
    maxBatch: int(env, 'RESULTSBUS_MAX_BATCH', 1000, 1, 100000),
    groupMaxResults: int(env, 'RESULTSBUS_GROUP_MAX_RESULTS', DEFAULT_GROUP.maxResults, 1, 100000),
    groupMaxBytes: int(env, 'RESULTSBUS_GROUP_MAX_BYTES', DEFAULT_GROUP.maxBytes, 1024, 1024 * 1024 * 1024),
    extraOutcomes: [...new Set(extra)].filter((o) => !(STANDARD_OUTCOMES as readonly string[]).includes(o)),
    variantKeys: variantKeys(env),
    subjectRules: subjectRules(env),
    maxQueryDepth: int(env, 'RESULTSBUS_MAX_QUERY_DEPTH', 12, 2, 100),
    maxQueryCost: int(env, 'RESULTSBUS_MAX_QUERY_COST', 50000, 10, 100000000),
    maxSubscriptionsPerConnection: int(env, 'RESULTSBUS_MAX_SUBSCRIPTIONS_PER_CONNECTION', 100, 1, 1000000),
    maxSubscriptions: int(env, 'RESULTSBUS_MAX_SUBSCRIPTIONS', 10000, 1, 10000000),
    writeAuth: writeAuth(env),
    ...requestLimits(env),
    ...fedmsgConfig(env),
    ...amqpConfig(env),
    publicUrl: publicUrl(env),
    publicUrlSet: (env['RESULTSBUS_PUBLIC_URL'] ?? '').trim() !== '',
    ...logConfig(env),
  };
}

/** A data key as a variant key: what the REST API accepts as a data key (no colon), printable, at most 255 characters. */
const VARIANT_KEY = /^[^\u0000-\u001f\u007f-\u009f:,\s]{1,255}$/u;

function variantKeys(env: Env): string[] {
  const raw = str(env, 'RESULTSBUS_VARIANT_KEYS', DEFAULT_VARIANT_KEYS.join(',')).trim();
  if (raw.toLowerCase() === 'none') return [];
  const keys = raw.split(',').map((s) => s.trim());
  for (const key of keys) {
    if (!VARIANT_KEY.test(key)) {
      throw new ConfigError(
        `RESULTSBUS_VARIANT_KEYS must be a comma-separated list of data keys (1 to 255 characters each, no spaces, colons or control characters), or none; got ${JSON.stringify(env['RESULTSBUS_VARIANT_KEYS'])}, whose ${JSON.stringify(key)} is not a data key`,
      );
    }
  }
  return [...new Set(keys)];
}

function subjectRules(env: Env): SubjectRule[] {
  try {
    return parseSubjectRules(str(env, 'RESULTSBUS_SUBJECTS', DEFAULT_SUBJECTS));
  } catch (error) {
    throw new ConfigError(
      `RESULTSBUS_SUBJECTS must be comma-separated rules NAME_KEY=TYPE (TYPE an item type, or {DATA_KEY}, alternatives separated by |), or none: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function writeAuth(env: Env): WriteAuth {
  const value = str(env, 'RESULTSBUS_WRITE_AUTH', 'token').trim().toLowerCase();
  if (!(WRITE_AUTH as readonly string[]).includes(value)) {
    throw new ConfigError(
      `RESULTSBUS_WRITE_AUTH must be token (writes need a bearer token) or none (anyone may write), got ${JSON.stringify(env['RESULTSBUS_WRITE_AUTH'])}`,
    );
  }
  return value as WriteAuth;
}

function logConfig(env: Env): Pick<Config, 'logLevel' | 'logFormat'> {
  const level = str(env, 'RESULTSBUS_LOG_LEVEL', 'info').trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`RESULTSBUS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env['RESULTSBUS_LOG_LEVEL'])}`);
  }
  const format = str(env, 'RESULTSBUS_LOG_FORMAT', '').trim().toLowerCase();
  if (format !== '' && format !== 'json' && format !== 'pretty') {
    throw new ConfigError(
      `RESULTSBUS_LOG_FORMAT must be json or pretty (unset: pretty when stdout is a terminal, json otherwise), got ${JSON.stringify(env['RESULTSBUS_LOG_FORMAT'])}`,
    );
  }
  return { logLevel: level as LogLevel, logFormat: format === '' ? undefined : format };
}

type RequestLimits = Pick<Config, 'maxQueryTokens' | 'maxQueryNesting' | 'maxQueryAliases' | 'maxMutations' | 'maxBodyBytes' | 'requestTimeoutMs'>;

function requestLimits(env: Env): RequestLimits {
  const depth = int(env, 'RESULTSBUS_MAX_QUERY_DEPTH', 12, 2, 100);
  const nesting = int(env, 'RESULTSBUS_MAX_QUERY_NESTING', 64, 4, 1000);
  // Every level of selection is a level of braces too.
  if (nesting <= depth) {
    throw new ConfigError(`RESULTSBUS_MAX_QUERY_NESTING (${nesting}) must be larger than RESULTSBUS_MAX_QUERY_DEPTH (${depth})`);
  }
  return {
    maxQueryTokens: int(env, 'RESULTSBUS_MAX_QUERY_TOKENS', 20000, 100, 1000000),
    maxQueryNesting: nesting,
    maxQueryAliases: int(env, 'RESULTSBUS_MAX_QUERY_ALIASES', 100, 0, 100000),
    maxMutations: int(env, 'RESULTSBUS_MAX_MUTATIONS', 10, 1, 10000),
    maxBodyBytes: int(env, 'RESULTSBUS_MAX_BODY_BYTES', 25_000_000, 1000, 1_000_000_000),
    requestTimeoutMs: int(env, 'RESULTSBUS_REQUEST_TIMEOUT_MS', 30000, 100, 3600000),
  };
}

type FedmsgConfig = Pick<
  Config,
  | 'bridge'
  | 'bridgeName'
  | 'bridgeStandbyPollMs'
  | 'fedmsgEndpoint'
  | 'fedmsgReplayEndpoint'
  | 'fedmsgHighWaterMark'
  | 'fedmsgPostInitSleepMs'
  | 'fedmsgReplayMax'
  | 'fedmsgUsername'
  | 'fedmsgSign'
  | 'fedmsgCert'
  | 'fedmsgKey'
>;

function fedmsgConfig(env: Env): FedmsgConfig {
  const bridgeName = str(env, 'RESULTSBUS_BRIDGE_NAME', 'default');
  if (!BRIDGE_NAME.test(bridgeName)) {
    throw new ConfigError(
      `RESULTSBUS_BRIDGE_NAME must be 1 to 64 letters, digits, '_', '.' or '-', got ${JSON.stringify(bridgeName)}`,
    );
  }
  const replay = str(env, 'RESULTSBUS_FEDMSG_REPLAY_ENDPOINT', 'tcp://127.0.0.1:9941');
  const sign = bool(env, 'RESULTSBUS_FEDMSG_SIGN', false, ['true', '1', 'yes', 'on'], ['false', '0', 'no', 'off']);
  const cert = str(env, 'RESULTSBUS_FEDMSG_CERT', '');
  const key = str(env, 'RESULTSBUS_FEDMSG_KEY', '');
  if (sign && (cert === '' || key === '')) {
    throw new ConfigError(
      'RESULTSBUS_FEDMSG_SIGN=true needs RESULTSBUS_FEDMSG_CERT and RESULTSBUS_FEDMSG_KEY: the paths of the emitter\'s PEM certificate and private key',
    );
  }
  const username = str(env, 'RESULTSBUS_FEDMSG_USERNAME', '');
  return {
    bridge: bool(env, 'RESULTSBUS_BRIDGE', true, ['on', 'true', '1', 'yes'], ['off', 'false', '0', 'no']),
    bridgeName,
    bridgeStandbyPollMs: int(env, 'RESULTSBUS_BRIDGE_STANDBY_POLL_MS', 1000, 10, 600000),
    fedmsgEndpoint: endpoint(env, 'RESULTSBUS_FEDMSG_ENDPOINT', 'tcp://127.0.0.1:9940'),
    fedmsgReplayEndpoint:
      replay.trim().toLowerCase() === 'off' ? undefined : endpoint(env, 'RESULTSBUS_FEDMSG_REPLAY_ENDPOINT', 'tcp://127.0.0.1:9941'),
    fedmsgHighWaterMark: int(env, 'RESULTSBUS_FEDMSG_HWM', 10000, 1, 10000000),
    fedmsgPostInitSleepMs: int(env, 'RESULTSBUS_FEDMSG_POST_INIT_SLEEP_MS', 500, 0, 60000),
    fedmsgReplayMax: int(env, 'RESULTSBUS_FEDMSG_REPLAY_MAX', 1000, 1, 10000),
    fedmsgUsername: username === '' ? osUser() : username,
    fedmsgSign: sign,
    fedmsgCert: cert === '' ? undefined : cert,
    fedmsgKey: key === '' ? undefined : key,
  };
}

function publicUrl(env: Env): string {
  const fallback = `http://${str(env, 'HOST', '127.0.0.1')}:${int(env, 'PORT', 4000, 0, 65535)}`;
  const value = str(env, 'RESULTSBUS_PUBLIC_URL', fallback).trim().replace(/\/+$/, '');
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`RESULTSBUS_PUBLIC_URL must be an http:// or https:// URL with no query, e.g. https://resultsdb.example.org, got ${JSON.stringify(value)}`);
  }
  return value;
}

const AMQP_TOPICS = ['taskotron', 'resultsdb'] as const;

type AmqpConfig = Pick<
  Config,
  'amqpUrl' | 'amqpExchange' | 'amqpBridgeName' | 'amqpTaskotron' | 'amqpResultsdb' | 'amqpPriority' | 'amqpMandatory' | 'amqpMaxUnconfirmed' | 'amqpRetryMaxMs'
>;

function amqpConfig(env: Env): AmqpConfig {
  const url = str(env, 'RESULTSBUS_AMQP_URL', '').trim();
  if (url !== '') {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') || parsed.hostname === '') {
      throw new ConfigError(
        `RESULTSBUS_AMQP_URL must be an amqp:// or amqps:// URL such as amqp://guest:guest@127.0.0.1:5672/%2F (unset: no AMQP bridge), got ${JSON.stringify(url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@'))}`,
      );
    }
  }
  const exchange = str(env, 'RESULTSBUS_AMQP_EXCHANGE', 'amq.topic');
  if (!/^[A-Za-z0-9_.:-]{1,255}$/.test(exchange)) {
    throw new ConfigError(`RESULTSBUS_AMQP_EXCHANGE must be an exchange name (letters, digits, '-', '_', '.', ':'), got ${JSON.stringify(exchange)}`);
  }
  const name = str(env, 'RESULTSBUS_AMQP_BRIDGE_NAME', 'amqp');
  if (!BRIDGE_NAME.test(name)) {
    throw new ConfigError(`RESULTSBUS_AMQP_BRIDGE_NAME must be 1 to 64 letters, digits, '_', '.' or '-', got ${JSON.stringify(name)}`);
  }
  const topics = str(env, 'RESULTSBUS_AMQP_TOPICS', AMQP_TOPICS.join(','))
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  for (const topic of topics) {
    if (!(AMQP_TOPICS as readonly string[]).includes(topic)) {
      throw new ConfigError(`RESULTSBUS_AMQP_TOPICS must be a comma-separated list of ${AMQP_TOPICS.join(', ')}, got ${JSON.stringify(env['RESULTSBUS_AMQP_TOPICS'])}`);
    }
  }
  if (topics.length === 0) {
    throw new ConfigError('RESULTSBUS_AMQP_TOPICS names no topic: give taskotron, resultsdb or both (or unset RESULTSBUS_AMQP_URL for no AMQP bridge)');
  }
  const onOff = (name: string, fallback: boolean): boolean => bool(env, name, fallback, ['on', 'true', '1', 'yes'], ['off', 'false', '0', 'no']);
  const bridgeName = str(env, 'RESULTSBUS_BRIDGE_NAME', 'default');
  if (url !== '' && name === bridgeName) {
    throw new ConfigError(`RESULTSBUS_AMQP_BRIDGE_NAME and RESULTSBUS_BRIDGE_NAME are both ${JSON.stringify(name)}: each bus needs a cursor and a lock of its own`);
  }
  return {
    amqpUrl: url === '' ? undefined : url,
    amqpExchange: exchange,
    amqpBridgeName: name,
    amqpTaskotron: topics.includes('taskotron'),
    amqpResultsdb: topics.includes('resultsdb'),
    amqpPriority: int(env, 'RESULTSBUS_AMQP_PRIORITY', 0, 0, 9),
    amqpMandatory: onOff('RESULTSBUS_AMQP_MANDATORY', true),
    amqpMaxUnconfirmed: int(env, 'RESULTSBUS_AMQP_MAX_UNCONFIRMED', 1000, 1, 100000),
    amqpRetryMaxMs: int(env, 'RESULTSBUS_AMQP_RETRY_MAX_MS', 30000, 100, 3600000),
  };
}

export function allOutcomes(config: Pick<Config, 'extraOutcomes'>): string[] {
  return [...STANDARD_OUTCOMES, ...config.extraOutcomes];
}
