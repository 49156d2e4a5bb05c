/**
 * Bench phases of the fedmsg bridge (issue 3), each on a fresh database with
 * a `resultsbus serve` child running the built-in bridge, and a ZeroMQ SUB
 * socket in this process as the consumer.
 *
 *   latency     recordResult paced at 500/s, every result a state change, signing on: time from the
 *               mutation's answer (after its commit) to the frame arriving at the SUB socket
 *   throughput  N stored emissions, then a bridge of a new name starts from cursor 0: messages/s
 *               at the SUB socket from the first to the last, unsigned and signed, with the CPU the
 *               server child used (the bridge is part of its one event loop: "one core")
 */
import { fileURLToPath } from 'node:url';
import { Subscriber } from 'zeromq';
import { freePort } from '../cli/process.ts';
import { Api, transportFromEnv } from './client.ts';
import { pacedLoop, type PacedResult } from './load.ts';
import { type BenchDatabase, createBenchDatabase, processCpu, type ServerChild, startServerChild } from './server.ts';
import { Samples } from './stats.ts';
import { Workload } from './workload.ts';

const PKI = fileURLToPath(new URL('../fixtures/fedmsg/pki/', import.meta.url));

export function signing(on: boolean): Record<string, string> {
  return on
    ? {
        RESULTSBUS_FEDMSG_SIGN: 'true',
        RESULTSBUS_FEDMSG_CERT: `${PKI}results-emitter.crt`,
        RESULTSBUS_FEDMSG_KEY: `${PKI}results-emitter.key`,
      }
    : { RESULTSBUS_FEDMSG_SIGN: 'false' };
}

/** A SUB socket that stamps each message's arrival, by seq_id (phase 9 uses it too). */
export class Consumer {
  readonly arrived = new Map<number, number>();
  count = 0;
  private readonly socket = new Subscriber({ linger: 0, receiveHighWaterMark: 0 });
  private readonly done: Promise<void>;
  private waiters: Array<() => void> = [];

  private constructor(endpoint: string) {
    this.socket.connect(endpoint);
    this.socket.subscribe('');
    this.done = this.receive();
  }

  /** Connects and waits until the subscription can have reached the publisher (if it is up). */
  static async connect(endpoint: string): Promise<Consumer> {
    const consumer = new Consumer(endpoint);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return consumer;
  }

  private async receive(): Promise<void> {
    try {
      for await (const [, bytes] of this.socket) {
        const at = performance.now();
        if (bytes === undefined) continue;
        // The envelope is canonical JSON: "seq_id" is found without parsing it all.
        const text = bytes.toString();
        const m = /"seq_id":(\d+)/.exec(text);
        if (m?.[1] !== undefined && !this.arrived.has(Number(m[1]))) this.arrived.set(Number(m[1]), at);
        this.count++;
        for (const wake of this.waiters.splice(0)) wake();
      }
    } catch {
      // Closed.
    }
  }

  async waitFor(n: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.arrived.size < n) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.done;
  }
}

export async function ports(): Promise<{ RESULTSBUS_FEDMSG_ENDPOINT: string; RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: string; RESULTSBUS_FEDMSG_HWM: string }> {
  return {
    RESULTSBUS_FEDMSG_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
    RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: `tcp://127.0.0.1:${await freePort()}`,
    // The consumer must not be dropped from: it is measuring.
    RESULTSBUS_FEDMSG_HWM: '10000000',
  };
}

export interface BridgeLatencyResult {
  load: PacedResult;
  /** Arrival at the SUB socket minus the mutation's answer, ms. */
  latency: Samples;
  emissions: number;
  missing: number;
  serverCpu: number;
}

/**
 * Commit of a state-changing result to the frame at a SUB socket, at `rate`
 * emissions a second, signing on. With `batch` > 1 the results go in
 * recordResults calls of that many (rate / batch calls a second), which
 * spares the server most of the per-request cost of recording, so that the
 * bridge is measured rather than an HTTP server at its limit.
 */
export async function bridgeLatency(
  baseUrl: string,
  options: { rate: number; batch: number; durationMs: number; warmupMs: number; nodeArgs: string[] },
): Promise<BridgeLatencyResult> {
  const db = await createBenchDatabase(baseUrl);
  let server: ServerChild | undefined;
  let consumer: Consumer | undefined;
  try {
    const env = { ...(await ports()), RESULTSBUS_BRIDGE: 'on', ...signing(true) };
    consumer = await Consumer.connect(env.RESULTSBUS_FEDMSG_ENDPOINT);
    server = await startServerChild({ databaseUrl: db.url, nodeArgs: options.nodeArgs, env });
    const api = new Api(server.url, server.token, transportFromEnv());
    // Every result on a known key flips, so every result is an emission.
    const work = new Workload({ testcases: 50, builds: 2000, flip: 1 });
    const send = async (): Promise<number[]> => {
      if (options.batch === 1) {
        const seq = (await api.recordOne(work.input(work.randomKey()))).recordResult.emission?.seq;
        return seq === undefined ? [] : [seq];
      }
      const inputs = Array.from({ length: options.batch }, () => work.input(work.randomKey()));
      return (await api.recordMany(inputs)).recordResults.emissions.map((e) => e.seq);
    };
    const calls = options.rate / options.batch;
    await pacedLoop({ rate: calls, durationMs: options.warmupMs, send: async () => void (await send()) });
    const ackAt = new Map<number, number>();
    const cpu0 = processCpu(server.pid);
    const load = await pacedLoop({
      rate: calls,
      durationMs: options.durationMs,
      send: async () => {
        const seqs = await send();
        const now = performance.now();
        for (const seq of seqs) ackAt.set(seq, now);
      },
    });
    const serverCpu = processCpu(server.pid) - cpu0;
    const last = [...ackAt.keys()].reduce((a, b) => Math.max(a, b), 0);
    await consumer.waitFor(last, 10_000);
    const latency = new Samples();
    let missing = 0;
    for (const [seq, ack] of ackAt) {
      const got = consumer.arrived.get(seq);
      if (got === undefined) missing++;
      else latency.add(got - ack);
    }
    api.close();
    return { load, latency, emissions: ackAt.size, missing, serverCpu };
  } finally {
    await consumer?.close();
    await server?.stop();
    await db.drop();
  }
}

export interface BridgeThroughputRun {
  signed: boolean;
  messages: number;
  seconds: number;
  /** CPU seconds of the server child (its event loop runs the bridge) while it published. */
  serverCpu: number;
}

/**
 * Stores `emissions` emissions with the bridge off, then starts the server
 * with a bridge of a new name (cursor 0) once unsigned and once signed, and
 * times the messages at the SUB socket from the first to the last.
 */
export async function bridgeThroughput(
  baseUrl: string,
  options: { emissions: number; nodeArgs: string[]; progress?: (line: string) => void },
): Promise<BridgeThroughputRun[]> {
  const db = await createBenchDatabase(baseUrl);
  let server: ServerChild | undefined;
  try {
    const token = await storeEmissions(db, options.emissions, { nodeArgs: options.nodeArgs });
    const runs: BridgeThroughputRun[] = [];
    for (const signed of [false, true]) {
      const env = { ...(await ports()), RESULTSBUS_BRIDGE: 'on', RESULTSBUS_BRIDGE_NAME: signed ? 'bench-signed' : 'bench-unsigned', ...signing(signed) };
      const consumer = await Consumer.connect(env.RESULTSBUS_FEDMSG_ENDPOINT);
      try {
        // The post-init pause lets the consumer's subscription arrive before the first message.
        server = await startServerChild({ databaseUrl: db.url, nodeArgs: options.nodeArgs, env: { ...env, RESULTSBUS_FEDMSG_POST_INIT_SLEEP_MS: '1000' }, token });
        const cpu0 = processCpu(server.pid);
        const ok = await consumer.waitFor(options.emissions, 300_000);
        const serverCpu = processCpu(server.pid) - cpu0;
        if (!ok) throw new Error(`the bridge published ${consumer.arrived.size} of ${options.emissions} messages within 300 s`);
        let first = Number.POSITIVE_INFINITY;
        let last = 0;
        for (const at of consumer.arrived.values()) {
          first = Math.min(first, at);
          last = Math.max(last, at);
        }
        const seconds = (last - first) / 1000;
        runs.push({ signed, messages: consumer.arrived.size, seconds, serverCpu });
        options.progress?.(`${signed ? 'signed' : 'unsigned'}: ${consumer.arrived.size} messages in ${seconds.toFixed(2)} s`);
      } finally {
        await consumer.close();
        await server?.stop();
        server = undefined;
      }
    }
    return runs;
  } finally {
    await server?.stop();
    await db.drop();
  }
}

/**
 * Records `emissions` results that each emit (distinct keys first, each the
 * first result of its key, then flips), through a server that is stopped
 * again; returns its token for the servers that follow.
 */
export async function storeEmissions(db: BenchDatabase, emissions: number, options: { nodeArgs?: string[]; env?: Record<string, string> }): Promise<string> {
  const server = await startServerChild({ databaseUrl: db.url, nodeArgs: options.nodeArgs, env: options.env });
  try {
    const api = new Api(server.url, server.token, transportFromEnv());
    const work = new Workload({ testcases: 50, builds: 2000, flip: 1 });
    for (let done = 0; done < emissions; ) {
      const n = Math.min(500, emissions - done);
      await api.recordMany(Array.from({ length: n }, (_, i) => work.input((done + i) % work.keys)));
      done += n;
    }
    api.close();
    return server.token;
  } finally {
    await server.stop();
  }
}
