/**
 * A bad setting fails at start, before anything is opened, with a message
 * that names the variable and what it accepts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAll, run } from './process.ts';

const scratch = mkdtempSync(join(tmpdir(), 'rb-cli-config-'));

afterEach(killAll);
afterAll(async () => {
  await killAll();
  rmSync(scratch, { recursive: true, force: true });
});

const cases: Array<{ command: string[]; env: Record<string, string>; message: string }> = [
  { command: ['serve'], env: { PORT: 'abc' }, message: 'PORT must be a whole number from 0 to 65535, got "abc"' },
  { command: ['serve'], env: { PORT: '70000' }, message: 'PORT must be a whole number from 0 to 65535, got 70000' },
  { command: ['migrate'], env: { DATABASE_URL: 'mysql://x' }, message: 'DATABASE_URL must start with postgres:// or postgresql://, got "mysql://x"' },
  {
    command: ['migrate'],
    env: { DATABASE_URL: 'postgres://rb@localhost/rb?host=/var/run/postgresql&port=abc' },
    message: 'DATABASE_URL: the port parameter of the database URL must be a port number, got "abc"',
  },
  {
    command: ['serve'],
    env: { RESULTSBUS_EXTRA_OUTCOMES: 'WAIVED,bad-name' },
    message: `RESULTSBUS_EXTRA_OUTCOMES: "bad-name" is not a valid outcome name; use upper-case letters, digits and '_' (e.g. WAIVED)`,
  },
  {
    command: ['token', 'list'],
    env: { RESULTSBUS_TOPIC_PREFIX: 'org..fedoraproject' },
    message: `RESULTSBUS_TOPIC_PREFIX must be dot-separated words of letters, digits, '_' or '-', got "org..fedoraproject"`,
  },
  { command: ['serve'], env: { RESULTSBUS_DB_POOL: '0' }, message: 'RESULTSBUS_DB_POOL must be a whole number from 1 to 1000, got 0' },
  { command: ['serve'], env: { RESULTSBUS_BRIDGE: 'maybe' }, message: 'RESULTSBUS_BRIDGE must be one of on, true, 1, yes, off, false, 0, no, got "maybe"' },
  {
    command: ['serve'],
    env: { RESULTSBUS_AMQP_URL: 'http://guest:secret@127.0.0.1:5672' },
    message: 'RESULTSBUS_AMQP_URL must be an amqp:// or amqps:// URL such as amqp://guest:guest@127.0.0.1:5672/%2F (unset: no AMQP bridge), got "http://guest:***@127.0.0.1:5672"',
  },
  {
    command: ['serve'],
    env: { RESULTSBUS_AMQP_URL: 'amqp://127.0.0.1', RESULTSBUS_AMQP_TOPICS: 'taskotron,bodhi' },
    message: 'RESULTSBUS_AMQP_TOPICS must be a comma-separated list of taskotron, resultsdb, got "taskotron,bodhi"',
  },
  {
    command: ['serve'],
    env: { RESULTSBUS_AMQP_URL: 'amqp://127.0.0.1', RESULTSBUS_AMQP_BRIDGE_NAME: 'default' },
    message: 'RESULTSBUS_AMQP_BRIDGE_NAME and RESULTSBUS_BRIDGE_NAME are both "default": each bus needs a cursor and a lock of its own',
  },
  { command: ['serve'], env: { RESULTSBUS_AMQP_PRIORITY: '10' }, message: 'RESULTSBUS_AMQP_PRIORITY must be a whole number from 0 to 9, got 10' },
  {
    command: ['serve'],
    env: { RESULTSBUS_PUBLIC_URL: 'resultsdb.example.org' },
    message: 'RESULTSBUS_PUBLIC_URL must be an http:// or https:// URL with no query, e.g. https://resultsdb.example.org, got "resultsdb.example.org"',
  },
  {
    command: ['serve'],
    env: { RESULTSBUS_FEDMSG_ENDPOINT: '127.0.0.1:9940' },
    message:
      'RESULTSBUS_FEDMSG_ENDPOINT must be a ZeroMQ endpoint such as tcp://127.0.0.1:9940 (or tcp://127.0.0.1:* for a free port, ipc://PATH), got "127.0.0.1:9940"',
  },
  {
    command: ['serve'],
    env: { RESULTSBUS_FEDMSG_SIGN: 'true' },
    message:
      "RESULTSBUS_FEDMSG_SIGN=true needs RESULTSBUS_FEDMSG_CERT and RESULTSBUS_FEDMSG_KEY: the paths of the emitter's PEM certificate and private key",
  },
  {
    command: ['serve'],
    env: { RESULTSBUS_MAX_QUERY_DEPTH: '20', RESULTSBUS_MAX_QUERY_NESTING: '16' },
    message: 'RESULTSBUS_MAX_QUERY_NESTING (16) must be larger than RESULTSBUS_MAX_QUERY_DEPTH (20)',
  },
  { command: ['serve'], env: { RESULTSBUS_MAX_BODY_BYTES: '10' }, message: 'RESULTSBUS_MAX_BODY_BYTES must be a whole number from 1000 to 1000000000, got 10' },
  {
    command: ['serve'],
    env: { RESULTSBUS_BRIDGE_NAME: 'main bus' },
    message: `RESULTSBUS_BRIDGE_NAME must be 1 to 64 letters, digits, '_', '.' or '-', got "main bus"`,
  },
  {
    command: ['serve'],
    env: { RESULTSBUS_LOG_LEVEL: 'verbose' },
    message: 'RESULTSBUS_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"',
  },
  {
    command: ['bridge', '--api', 'ws://127.0.0.1:4000/graphql'],
    env: { RESULTSBUS_LOG_FORMAT: 'xml' },
    message: 'RESULTSBUS_LOG_FORMAT must be json or pretty (unset: pretty when stdout is a terminal, json otherwise), got "xml"',
  },
];

/** `PORT=abc resultsbus serve`, as a test name. */
const named = cases.map((c) => ({
  ...c,
  line: `${Object.entries(c.env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')} resultsbus ${c.command.join(' ')}`,
}));

const PKI = fileURLToPath(new URL('../fixtures/fedmsg/pki/', import.meta.url));

describe('a signing key that cannot be used', () => {
  it.each([
    { key: 'intruder.key', cert: 'results-emitter.crt', message: /does not belong to the certificate/ },
    { key: 'missing.key', cert: 'results-emitter.crt', message: /cannot read RESULTSBUS_FEDMSG_KEY file .*missing\.key/ },
  ])('serve with $key and $cert stops before opening the store', async ({ key, cert, message }) => {
    const dataDir = join(scratch, `data-signing-${key}`);
    const out = await run(['serve'], {
      RESULTSBUS_DATA_DIR: dataDir,
      RESULTSBUS_FEDMSG_SIGN: 'true',
      RESULTSBUS_FEDMSG_CERT: `${PKI}${cert}`,
      RESULTSBUS_FEDMSG_KEY: `${PKI}${key}`,
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('configuration errors', () => {
  it.each(named)('$line fails at start naming the variable', async ({ command, env, message }) => {
    const dataDir = join(scratch, `data-${Object.keys(env).join('-')}-${command[0]}`);
    const out = await run(command, { RESULTSBUS_DATA_DIR: dataDir, ...env });
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(`resultsbus: configuration error: ${message}\n`);
    // Refused before the store was touched.
    expect(existsSync(dataDir)).toBe(false);
  });
});
