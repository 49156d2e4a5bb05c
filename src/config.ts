/**
 * Every setting resultsbus reads, from the environment, validated once.
 *
 * A bad value fails at start with a message naming the variable and what it
 * accepts, rather than surfacing later as a confusing runtime error.
 */
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
  /** First part of every fedmsg topic. @default "org.fedoraproject" */
  topicPrefix: string;
  /** Environment part of every fedmsg topic. @default "dev" */
  environment: string;
  /** Module part of every fedmsg topic. @default "taskotron" */
  modname: string;
  /** Largest accepted `recordResults` batch. @default 1000 */
  maxBatch: number;
  /** Outcomes accepted besides the standard ones. @default [] */
  extraOutcomes: string[];
  /** Deepest accepted GraphQL selection. @default 12 */
  maxQueryDepth: number;
  /** Highest accepted estimated query cost. @default 50000 */
  maxQueryCost: number;
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
  return {
    host: str(env, 'HOST', '127.0.0.1'),
    port: int(env, 'PORT', 4000, 0, 65535),
    databaseUrl: databaseUrl === '' ? undefined : databaseUrl,
    dataDir: str(env, 'RESULTSBUS_DATA_DIR', './.resultsbus'),
    dbPoolSize: int(env, 'RESULTSBUS_DB_POOL', 10, 1, 1000),
    topicPrefix: topicPart(env, 'RESULTSBUS_TOPIC_PREFIX', 'org.fedoraproject'),
    environment: topicPart(env, 'RESULTSBUS_ENVIRONMENT', 'dev'),
    modname: topicPart(env, 'RESULTSBUS_MODNAME', 'taskotron'),
    maxBatch: int(env, 'RESULTSBUS_MAX_BATCH', 1000, 1, 100000),
    extraOutcomes: [...new Set(extra)].filter((o) => !(STANDARD_OUTCOMES as readonly string[]).includes(o)),
    maxQueryDepth: int(env, 'RESULTSBUS_MAX_QUERY_DEPTH', 12, 2, 100),
    maxQueryCost: int(env, 'RESULTSBUS_MAX_QUERY_COST', 50000, 10, 100000000),
  };
}

export function allOutcomes(config: Pick<Config, 'extraOutcomes'>): string[] {
  return [...STANDARD_OUTCOMES, ...config.extraOutcomes];
}
