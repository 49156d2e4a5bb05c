/**
 * The `resultsbus` command as a user runs it: a child process of
 * `node src/cli/bin.js`, with a clean environment, a free port and a store
 * (PGlite data directory or a fresh PostgreSQL database) of its own. Every
 * child is tracked so that a failing test still leaves none behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { type Database, openDatabase, queryRows } from '../../src/db/client.ts';
import { createPostgresDatabase, engine } from '../helpers/database.ts';
import type { LogLine } from '../helpers/log.ts';

export const BIN = fileURLToPath(new URL('../../src/cli/bin.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Children still running, killed by `killAll`. */
const running = new Set<ChildProcess>();

/**
 * The test runner's environment without anything resultsbus reads, so that a
 * developer's own DATABASE_URL or RESULTSBUS_TOKEN never leaks into a test.
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(RESULTSBUS_|DATABASE_URL$|TEST_DATABASE_URL$|BENCH_DATABASE_URL$|PORT$|HOST$)/.test(name)) continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

// A directory of its own as the working directory: a command that fell back
// to the default data directory (./.resultsbus) would write there, not into
// the checkout.
// One fixed directory, shared by every run, so that nothing piles up.
const workDir = join(tmpdir(), 'resultsbus-cli-tests');
mkdirSync(workDir, { recursive: true });

function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: workDir, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `resultsbus <args>` to its end; fails after `timeoutMs` (and kills it). */
export function run(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Exit> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`resultsbus ${args.join(' ')} did not end within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A port nothing listens on right now (the OS picks it; we close it again). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The log lines in a long-running command's output (`serve`, `bridge`):
 * its JSON lines, parsed; plain lines (the first token) are left out.
 */
export function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** A running `resultsbus serve`. */
export interface Served {
  readonly pid: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The bound PUB endpoint when its bridge is publishing. */
  readonly fedmsgEndpoint: string | undefined;
  /** The bound replay endpoint when its bridge is publishing. */
  readonly replayEndpoint: string | undefined;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` and waits for the exit; fails if it takes longer than `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export interface ServeOptions {
  /** The port to serve on. @default a free one */
  port?: number;
  /** How long it may take to say it is serving. @default 90000 */
  timeoutMs?: number;
}

/**
 * Starts `resultsbus serve` and resolves once it says it is serving; rejects
 * (with its output) when it exits first or takes too long.
 */
export async function serve(env: Record<string, string>, options: ServeOptions = {}): Promise<Served> {
  const port = options.port ?? (await freePort());
  const timeoutMs = options.timeoutMs ?? 90_000;
  // The built-in bridge binds free ports unless the test names its own.
  const child = spawnCli(['serve'], {
    HOST: '127.0.0.1',
    PORT: String(port),
    RESULTSBUS_FEDMSG_ENDPOINT: 'tcp://127.0.0.1:*',
    RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: 'tcp://127.0.0.1:*',
    ...env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.stdout?.off('data', onData);
      child.kill('SIGKILL');
      reject(new Error(`resultsbus serve did not start within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    const onData = (): void => {
      // Either log format (JSON, or readable with RESULTSBUS_LOG_FORMAT=pretty) says it in its message.
      if (stdout.includes(`serving ${url}/graphql`)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`resultsbus serve exited (${exit.code ?? exit.signal}) before serving\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`));
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('resultsbus serve has no pid');
  const bus = logLines(stdout).find((line) => line.role === 'active');
  return {
    pid,
    url,
    port,
    fedmsgEndpoint: typeof bus?.endpoint === 'string' ? bus.endpoint : undefined,
    replayEndpoint: typeof bus?.replayEndpoint === 'string' ? bus.replayEndpoint : undefined,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM', stopTimeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`resultsbus serve did not stop within ${stopTimeoutMs} ms after ${signal}\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, stopTimeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Kills every child still running; for afterEach/afterAll. */
export async function killAll(): Promise<void> {
  const waits = [...running].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

/** Where a command keeps its data: a PGlite directory, or a fresh PostgreSQL database on TEST_DATABASE_URL. */
export interface Store {
  /** The environment that points a command at it. */
  env: Record<string, string>;
  /** The PGlite directory (PGlite only). */
  dataDir: string | undefined;
  /** Opens it in this process (not while a `serve` holds a PGlite directory). */
  open(): Promise<Database>;
  /** Migrations recorded as applied, by drizzle's own bookkeeping. */
  appliedMigrations(): Promise<number>;
  dispose(): Promise<void>;
}

export async function createStore(): Promise<Store> {
  let env: Record<string, string>;
  let dataDir: string | undefined;
  let url: string | undefined;
  let dispose: () => Promise<void>;
  if (engine === 'postgres') {
    const created = await createPostgresDatabase();
    url = created.url;
    env = { DATABASE_URL: created.url };
    dispose = created.drop;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'rb-cli-store-'));
    dataDir = dir;
    env = { RESULTSBUS_DATA_DIR: dir };
    dispose = async () => rmSync(dir, { recursive: true, force: true });
  }
  const open = (): Promise<Database> => openDatabase({ url, dataDir, poolSize: 2 });
  return {
    env,
    dataDir,
    open,
    async appliedMigrations() {
      const database = await open();
      try {
        const rows = await queryRows<{ n: number | string }>(
          database.db,
          sql`SELECT count(*) AS n FROM drizzle.__drizzle_migrations`,
        );
        return Number(rows[0]?.n ?? 0);
      } finally {
        await database.close();
      }
    },
    dispose,
  };
}

/** How many migrations the checkout has (drizzle-kit's journal). */
export function migrationCount(): number {
  const journal = JSON.parse(readFileSync(join(ROOT, 'drizzle/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** POSTs one GraphQL operation to a server, as curl or a client would. */
export async function postGraphQL(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as GraphQLResponse;
}

/** A `resultsbus` command that keeps running (`tail`), read while it writes. */
export interface Running {
  readonly pid: number;
  /** The complete stdout lines so far. */
  lines(): string[];
  stderr(): string;
  /** Whether it has exited. */
  exited(): boolean;
  /**
   * Resolves once `done()` holds, checked whenever it writes; rejects with its
   * output when it exits first or `timeoutMs` pass. `what` names the wait.
   */
  waitUntil(done: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the stdout lines once there are `n` of them. */
  waitForLines(n: number, timeoutMs?: number): Promise<string[]>;
  /** Resolves once stderr matches `pattern` `times` times (e.g. a second "connected" after a reconnect). */
  waitForStderr(pattern: RegExp, times?: number, timeoutMs?: number): Promise<void>;
  /** Waits for it to exit by itself; kills it and fails after `timeoutMs`. */
  exit(timeoutMs?: number): Promise<Exit>;
  /** Sends `signal` and waits for the exit; kills it and fails after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

/** Starts `resultsbus <args>` without waiting for its end; `killAll` ends it if the test does not. */
export function startCli(args: string[], env: Record<string, string> = {}): Running {
  const child = spawnCli(args, env);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`resultsbus ${args.join(' ')} has no pid`);
  let stdout = '';
  let stderr = '';
  let ended: Exit | undefined;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    notify();
  });
  const closed = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => {
      ended = { code, signal, stdout, stderr };
      resolve(ended);
      notify();
    });
  });
  const lines = (): string[] => stdout.split('\n').slice(0, -1);
  const describeOutput = (): string => `\nstdout: ${stdout}\nstderr: ${stderr}`;

  const waitUntil = (done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (done()) finish();
        else if (ended !== undefined) finish(new Error(`resultsbus ${args.join(' ')} exited (${ended.code ?? ended.signal}) before ${what}${describeOutput()}`));
      };
      const timer = setTimeout(() => finish(new Error(`resultsbus ${args.join(' ')}: no ${what} within ${timeoutMs} ms${describeOutput()}`)), timeoutMs);
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      listeners.add(check);
      check();
    });

  const exit = async (timeoutMs = 30_000): Promise<Exit> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`resultsbus ${args.join(' ')} did not exit within ${timeoutMs} ms${describeOutput()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    pid,
    lines,
    stderr: () => stderr,
    exited: () => ended !== undefined,
    waitUntil,
    async waitForLines(n, timeoutMs) {
      await waitUntil(() => lines().length >= n, `${n} lines on stdout`, timeoutMs);
      return lines();
    },
    waitForStderr(pattern, times = 1, timeoutMs) {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      return waitUntil(() => (stderr.match(global)?.length ?? 0) >= times, `${pattern} ${times}x on stderr`, timeoutMs);
    },
    exit,
    stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (ended === undefined) child.kill(signal);
      return exit(timeoutMs);
    },
  };
}
