/**
 * The system under test: a fresh database on BENCH_DATABASE_URL's server and a
 * `resultsbus serve` child process on it, so that the load generator does not
 * share the server's event loop. Also CPU accounting for the child and for
 * the PostgreSQL backends serving the bench database.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { connectPostgres } from '../../src/db/client.ts';
import { createPostgresDatabase } from '../helpers/database.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BenchDatabase {
  name: string;
  url: string;
  /** A small pool on the bench database, for the bench's own reads. */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

export async function createBenchDatabase(baseUrl: string): Promise<BenchDatabase> {
  const { name, url, drop } = await createPostgresDatabase(baseUrl, 'rb_bench');
  const sql = connectPostgres(url, { max: 2, onnotice: () => {}, connection: { application_name: 'resultsbus-bench' } });
  let dropped = false;
  return {
    name,
    url,
    sql,
    async drop() {
      if (dropped) return;
      dropped = true;
      await sql.end({ timeout: 5 });
      await drop();
    },
  };
}

export interface ServerChild {
  url: string;
  token: string;
  pid: number;
  /** What it printed on stdout so far. */
  output(): string;
  stop(): Promise<void>;
}

export interface ServerChildOptions {
  databaseUrl: string;
  /** Extra node flags for the child, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Extra environment (RESULTSBUS_DB_POOL, ...). */
  env?: Record<string, string>;
  /** The token, when the database has one already (a restart prints none). */
  token?: string;
}

/**
 * Starts `node src/cli/bin.js serve` on a free port. The first API token is
 * the one `serve` creates and prints on an empty database.
 */
export async function startServerChild(options: ServerChildOptions): Promise<ServerChild> {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), 'src/cli/bin.js', 'serve'], {
    cwd: ROOT,
    // The fedmsg bridge only where a phase asks for it (it would also take
    // the same fixed ports in both stores).
    env: { ...process.env, RESULTSBUS_BRIDGE: 'off', ...options.env, DATABASE_URL: options.databaseUrl, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<{ url: string; token: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 60 s\n${out}\n${err}`)), 60_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const served = /serving (http:\/\/\S+)\/graphql/.exec(out);
      const token = /^\s+(rb_\S+)\s*$/m.exec(out) ?? (options.token === undefined ? null : [options.token, options.token]);
      if (served?.[1] && token?.[1]) {
        clearTimeout(timer);
        resolve({ url: served[1], token: token[1] });
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      // Keep the child's complaints visible (errors it logs while serving).
      if (err.length < 20_000) process.stderr.write(`[server] ${chunk}`);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before serving\n${out}\n${err}`));
    });
  });
  const { url, token } = await ready;
  const pid = child.pid;
  if (pid === undefined) throw new Error('server child has no pid');
  return {
    url,
    token,
    pid,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const TICK = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used, from /proc; 0 when it is gone. */
export function processCpu(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

/** Busy and total CPU seconds of the whole machine, from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) / TICK, total: total / TICK };
}

export interface CpuSnapshot {
  at: number;
  bench: number;
  server: number;
  backends: Map<number, number>;
  machine: { busy: number; total: number };
}

export interface CpuReport {
  seconds: number;
  bench: number;
  server: number;
  postgres: number;
  /** Busy CPU of everything else on the machine (other people's work, PostgreSQL's background writers). */
  other: number;
  cores: number;
}

/** Measures where CPU went during a phase: bench process, server child, our PostgreSQL backends, the rest. */
export class CpuMeter {
  constructor(
    private readonly db: BenchDatabase,
    private readonly serverPid: () => number,
  ) {}

  async snapshot(): Promise<CpuSnapshot> {
    const rows = await this.db.sql<Array<{ pid: number }>>`
      SELECT pid FROM pg_stat_activity WHERE datname = ${this.db.name}`;
    const backends = new Map<number, number>();
    for (const { pid } of rows) backends.set(pid, processCpu(pid));
    const usage = process.cpuUsage();
    return {
      at: performance.now(),
      bench: (usage.user + usage.system) / 1e6,
      server: processCpu(this.serverPid()),
      backends,
      machine: machineCpu(),
    };
  }

  async since(start: CpuSnapshot): Promise<CpuReport> {
    const end = await this.snapshot();
    let pg = 0;
    for (const [pid, cpu] of end.backends) pg += cpu - (start.backends.get(pid) ?? 0);
    const bench = end.bench - start.bench;
    const server = end.server - start.server;
    const busy = end.machine.busy - start.machine.busy;
    const seconds = (end.at - start.at) / 1000;
    const total = end.machine.total - start.machine.total;
    return {
      seconds,
      bench,
      server,
      postgres: pg,
      other: Math.max(0, busy - bench - server - pg),
      cores: seconds > 0 ? total / seconds : 0,
    };
  }
}

/** CPU milliseconds per result spent in the server child and in the PostgreSQL backends. */
export function cpuPerResult(r: CpuReport, results: number): { server: number; postgres: number } {
  return results > 0 ? { server: (1000 * r.server) / results, postgres: (1000 * r.postgres) / results } : { server: Number.NaN, postgres: Number.NaN };
}

/** Where the CPU went, in % of one core, and per result. */
export function formatCpu(r: CpuReport, results: number): string {
  const pct = (s: number): string => `${Math.round((100 * s) / r.seconds)}%`;
  const per = cpuPerResult(r, results);
  return `cpu in % of one core (${Math.round(r.cores)} cores): server ${pct(r.server)}, postgres backends ${pct(r.postgres)}, bench client ${pct(r.bench)}, everything else on the machine ${pct(r.other)}; per result: server ${per.server.toFixed(3)} ms + postgres ${per.postgres.toFixed(3)} ms`;
}
