/**
 * Subscriptions of the fan-out phase (fanout.ts), in a worker thread of
 * their own: hundreds of subscribers' frames must not queue behind the load
 * generator's requests on one event loop, or the bench would measure itself.
 * Arrival times go into shared memory, on the clock both threads share
 * (`performance.timeOrigin + performance.now()`).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { performance as nodePerformance } from 'node:perf_hooks';
import WebSocket from 'ws';

const BRACE = 0x7b;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const SEQ = Buffer.from('"seq":');
const NEXT = Buffer.from('","type":"next"');
const NEXT_PREFIX_MIN = 30;

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
  private busyReply: ((busy: { idle: number; active: number }) => void) | undefined;

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
    this.worker.on('message', (message: { error?: string; busy?: { idle: number; active: number } }) => {
      if (message.error !== undefined) this.firstError ??= message.error;
      if (message.busy !== undefined) this.busyReply?.(message.busy);
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

  /** The worker's event loop time so far, busy and idle (ms): how much of a core receiving takes. */
  busy(): Promise<{ idle: number; active: number }> {
    return new Promise((resolve) => {
      this.busyReply = resolve;
      this.worker.postMessage('busy');
    });
  }

  async close(): Promise<void> {
    this.worker.postMessage('close');
    // A worker that does not end on its own (a socket left open) is ended.
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * One connection's subscriptions, on a bare graphql-transport-ws receiver:
 * graphql-ws's client costs several times the server's work per frame, and
 * 250,000 frames a second would measure the client. It still checks each
 * frame's type and id, and reads the seq from it.
 */
function connect(data: CrowdData, first: number, count: number, arrivals: Float64Array, received: Int32Array, report: (error: unknown) => void): WebSocket {
  // Frames are read as bytes: no UTF-8 check, no string per frame.
  const socket = new WebSocket(data.wsUrl, 'graphql-transport-ws', { skipUTF8Validation: true, perMessageDeflate: false });
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
  socket.on('error', report);
  socket.on('message', (raw: Buffer) => {
    const at = now();
    // {"id":"<i>","type":"next","payload":{"data":{"emissions":{"seq":<n>,...
    if (raw.length > NEXT_PREFIX_MIN && raw[0] === BRACE && (raw[7] ?? 0) >= DIGIT_0 && (raw[7] ?? 0xff) <= DIGIT_9) {
      let p = 7;
      let i = 0;
      for (let c = raw[p] ?? 0; c >= DIGIT_0 && c <= DIGIT_9; c = raw[++p] ?? 0) i = i * 10 + c - DIGIT_0;
      const seqAt = raw.indexOf(SEQ, p);
      if (raw.indexOf(NEXT, p) === p && seqAt > 0 && i >= first && i < first + count) {
        let seq = 0;
        for (let q = seqAt + SEQ.length, c = raw[q] ?? 0; c >= DIGIT_0 && c <= DIGIT_9; c = raw[++q] ?? 0) seq = seq * 10 + c - DIGIT_0;
        const k = seq - data.base;
        const slot = i * data.capacity + k;
        if (k >= 0 && k < data.capacity && arrivals[slot] === 0) {
          arrivals[slot] = at;
          Atomics.add(received, i, 1);
        }
        return;
      }
    }
    const text = raw.toString();
    const message = JSON.parse(text) as { type: string; id?: string; payload?: unknown };
    if (message.type === 'connection_ack') {
      for (let i = first; i < first + count; i++) {
        socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: data.query, variables: { after: data.base } } }));
      }
    } else if (message.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong' }));
    } else if (message.type !== 'pong') {
      report(message);
    }
  });
  return socket;
}

function runWorker(data: CrowdData): void {
  const arrivals = new Float64Array(data.arrivals);
  const received = new Int32Array(data.received);
  const report = (error: unknown): void => parentPort?.postMessage({ error: error instanceof Error ? error.message : (JSON.stringify(error) ?? String(error)) });
  const sockets: WebSocket[] = [];
  for (let first = 0; first < data.size; first += PER_CONNECTION) {
    sockets.push(connect(data, first, Math.min(PER_CONNECTION, data.size - first), arrivals, received, report));
  }
  parentPort?.on('message', (message: unknown) => {
    if (message === 'busy') {
      const { idle, active } = nodePerformance.eventLoopUtilization();
      parentPort?.postMessage({ busy: { idle, active } });
    }
    if (message !== 'close') return;
    void Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.close(1000);
          }),
      ),
    ).finally(() => parentPort?.close());
  });
}

if (!isMainThread) runWorker(workerData as CrowdData);
