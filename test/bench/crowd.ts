/**
 * Subscriptions of the fan-out phase (fanout.ts), in a worker thread of
 * their own: hundreds of subscribers' frames must not queue behind the load
 * generator's requests on one event loop, or the bench would measure itself.
 * Arrival times go into shared memory, on the clock both threads share
 * (`performance.timeOrigin + performance.now()`).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** The server's default cap per connection. */
const PER_CONNECTION = 100;

interface CrowdData {
  wsUrl: string;
  query: string;
  size: number;
  base: number;
  capacity: number;
  /** Float64 [size * capacity]: when subscription i got seq base + k (0: not yet). */
  arrivals: SharedArrayBuffer;
  /** Int32 [size]: emissions each subscription has got. */
  received: SharedArrayBuffer;
}

/** The time on the clock both threads share, ms. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Subscriptions on connections of 100, stamping each one's arrivals by seq, in a worker. */
export class Crowd {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private readonly arrivals: Float64Array;
  private readonly received: Int32Array;
  firstError: unknown;

  constructor(
    wsUrl: string,
    query: string,
    readonly size: number,
    readonly base: number,
    readonly capacity: number,
  ) {
    const data: CrowdData = {
      wsUrl,
      query,
      size,
      base,
      capacity,
      arrivals: new SharedArrayBuffer(size * capacity * 8),
      received: new SharedArrayBuffer(size * 4),
    };
    this.arrivals = new Float64Array(data.arrivals);
    this.received = new Int32Array(data.received);
    // A worker does not inherit tsx's loader for its entry file: it registers it, then imports this one.
    const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    this.worker = new Worker(boot, { eval: true, workerData: data });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (message: { error?: string }) => {
      if (message.error !== undefined) this.firstError ??= message.error;
    });
    this.worker.on('error', (error) => {
      this.firstError ??= error;
    });
  }

  /** When subscription `i` got `seq`, or 0. */
  arrival(i: number, seq: number): number {
    const k = seq - this.base;
    if (k < 0 || k >= this.capacity) return 0;
    return this.arrivals[i * this.capacity + k] ?? 0;
  }

  /** Resolves once every subscription has `n` emissions past the base, or after `timeoutMs` (false). */
  async waitFor(n: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      let all = true;
      for (let i = 0; i < this.size && all; i++) all = Atomics.load(this.received, i) >= n;
      if (all) return true;
      if (performance.now() > deadline || this.firstError !== undefined) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    this.worker.postMessage('close');
    // A worker that does not end on its own (a socket left open) is ended.
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

function runWorker(data: CrowdData): void {
  const arrivals = new Float64Array(data.arrivals);
  const received = new Int32Array(data.received);
  const clients: Client[] = [];
  const disposers: Array<() => void> = [];
  const report = (error: unknown): void => parentPort?.postMessage({ error: JSON.stringify(error) ?? String(error) });
  for (let c = 0; c * PER_CONNECTION < data.size; c++) {
    clients.push(createClient({ url: data.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 }));
  }
  for (let i = 0; i < data.size; i++) {
    const client = clients[Math.floor(i / PER_CONNECTION)] as Client;
    const offset = i * data.capacity;
    disposers.push(
      client.subscribe<{ emissions: { seq: number } }>(
        { query: data.query, variables: { after: data.base } },
        {
          next: (value) => {
            const at = now();
            const seq = value.data?.emissions.seq;
            if (seq === undefined) {
              report(value.errors ?? value);
              return;
            }
            const k = seq - data.base;
            if (k >= 0 && k < data.capacity && arrivals[offset + k] === 0) {
              arrivals[offset + k] = at;
              Atomics.add(received, i, 1);
            }
          },
          error: report,
          complete: () => {},
        },
      ),
    );
  }
  parentPort?.on('message', (message: unknown) => {
    if (message !== 'close') return;
    for (const dispose of disposers) dispose();
    void Promise.all(clients.map((c) => c.dispose())).finally(() => parentPort?.close());
  });
}

if (!isMainThread) runWorker(workerData as CrowdData);
