/**
 * Phase 0: what this machine does with no resultsbus code in the way, so the
 * figures of the other phases can be read against it.
 *
 * - HTTP: a bare node:http server in a child process that reads and parses
 *   each request's JSON and answers a fixed body the size of a
 *   `recordResult` answer, driven by the bench's own client with the same
 *   16 keep-alive connections and the same request bodies as phase 1.
 * - PostgreSQL: one-row INSERT transactions (autocommit, so each one is a
 *   durable commit) from 16 connections on a table of the bench database;
 *   then the same with a `pg_notify` in each, which is why recording notifies
 *   results only while someone follows them (README, "Live results").
 */
import { spawn } from 'node:child_process';
import { connectPostgres } from '../../src/db/client.ts';
import { Api } from './client.ts';
import { closedLoop } from './load.ts';
import { type BenchDatabase, processCpu } from './server.ts';
import { Workload } from './workload.ts';

const BARE_SERVER = `
const http = require('node:http');
const body = JSON.stringify({ data: { recordResult: { emitted: false, result: { resultId: 1234567 }, emission: null } } });
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
`;

export interface HttpCeiling {
  rate: number;
  /** CPU ms per request in the bare server and in the bench's client. */
  server: number;
  client: number;
}

export async function bareHttp(durationMs: number, clients: number): Promise<HttpCeiling> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      child.stdout?.once('data', (d: Buffer) => resolve(d.toString('utf8').trim()));
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error('the bare HTTP server has no pid');
    const api = new Api(`http://127.0.0.1:${port}`, 'none');
    const work = new Workload({ testcases: 50, builds: 2000 });
    const send = async (): Promise<void> => {
      await api.recordOne(work.input(work.randomKey()));
    };
    try {
      await closedLoop({ clients, durationMs: 1000, perRequest: 1, send });
      const server0 = processCpu(pid);
      const client0 = process.cpuUsage();
      const r = await closedLoop({ clients, durationMs, perRequest: 1, send });
      const client = process.cpuUsage(client0);
      if (r.errors > 0) throw new Error(`the bare HTTP server failed: ${r.firstError ?? ''}`);
      return {
        rate: r.requests / r.seconds,
        server: (1000 * (processCpu(pid) - server0)) / r.requests,
        client: (client.user + client.system) / 1000 / r.requests,
      };
    } finally {
      api.close();
    }
  } finally {
    child.kill();
  }
}

export interface CommitCeiling {
  plain: number;
  notifying: number;
}

/** Transactions per second of `statement`, sent by `clients` at once. */
async function commits(durationMs: number, clients: number, statement: () => Promise<unknown>): Promise<number> {
  const send = async (): Promise<void> => {
    await statement();
  };
  await closedLoop({ clients, durationMs: 500, perRequest: 1, send });
  const r = await closedLoop({ clients, durationMs, perRequest: 1, send });
  if (r.errors > 0) throw new Error(`commits failed: ${r.firstError ?? ''}`);
  return r.requests / r.seconds;
}

export async function commitCeiling(db: BenchDatabase, durationMs: number, clients: number): Promise<CommitCeiling> {
  const sql = connectPostgres(db.url, { max: clients, onnotice: () => {}, connection: { application_name: 'resultsbus-bench-ceiling' } });
  try {
    await sql`CREATE TABLE bench_commits (id bigserial PRIMARY KEY, v int NOT NULL)`;
    let n = 0;
    const plain = await commits(durationMs, clients, () => sql`INSERT INTO bench_commits (v) VALUES (${++n})`);
    const notifying = await commits(
      durationMs,
      clients,
      () => sql`WITH i AS (INSERT INTO bench_commits (v) VALUES (${++n}) RETURNING id) SELECT pg_notify('bench_commits', id::text) FROM i`,
    );
    await sql`DROP TABLE bench_commits`;
    return { plain, notifying };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
