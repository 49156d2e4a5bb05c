/**
 * A fedmsg consumer for tests: a real ZeroMQ SUB socket that keeps every
 * message it receives, as fedmsg-tail or a hub would see it.
 */
import { Subscriber } from 'zeromq';

export interface BusMessage {
  /** Frame 1. */
  topic: string;
  /** Frame 2, the exact bytes. */
  bytes: Buffer;
  /** Frame 2, parsed. */
  envelope: {
    topic: string;
    msg: { task: Record<string, unknown>; result: Record<string, unknown> };
    timestamp: number;
    msg_id: string;
    i: number;
    username: string;
    seq_id: number;
    crypto?: string;
    signature?: string;
    certificate?: string;
  };
}

/**
 * Connects and subscribes; resolves once connected, plus a moment for the
 * subscription to reach the publisher (PUB drops what it sends before).
 */
async function subscribe(socket: Subscriber, endpoint: string, topic: string): Promise<void> {
  const connected = new Promise<void>((resolve) => {
    const onConnect = (): void => {
      socket.events.off('connect', onConnect);
      resolve();
    };
    socket.events.on('connect', onConnect);
  });
  socket.connect(endpoint);
  socket.subscribe(topic);
  await connected;
  await new Promise((resolve) => setTimeout(resolve, 200));
}

export class BusListener {
  readonly messages: BusMessage[] = [];
  private waiters: Array<() => void> = [];
  private readonly done: Promise<void>;

  private constructor(private readonly socket: Subscriber) {
    this.done = this.receive();
  }

  /** Connects to `endpoint`; see `subscribe`. */
  static async connect(endpoint: string, options: { topic?: string; receiveHighWaterMark?: number } = {}): Promise<BusListener> {
    const socket = new Subscriber({ linger: 0, receiveHighWaterMark: options.receiveHighWaterMark ?? 100_000 });
    await subscribe(socket, endpoint, options.topic ?? '');
    return new BusListener(socket);
  }

  private async receive(): Promise<void> {
    try {
      for await (const [topic, bytes] of this.socket) {
        if (topic === undefined || bytes === undefined) continue;
        this.messages.push({ topic: topic.toString(), bytes, envelope: JSON.parse(bytes.toString()) as BusMessage['envelope'] });
        for (const wake of this.waiters.splice(0)) wake();
      }
    } catch {
      // Closed.
    }
  }

  /** Resolves once `done(messages)` holds; fails after `timeoutMs` saying what arrived. */
  async waitUntil(done: (messages: BusMessage[]) => boolean, timeoutMs = 30_000): Promise<BusMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.messages)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const seqs = this.messages.map((m) => m.envelope.seq_id);
        throw new Error(`the bus gave ${this.messages.length} messages within ${timeoutMs} ms, seq_ids ${JSON.stringify(seqs.slice(-50))}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages;
  }

  /** Resolves with the messages once `n` have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<BusMessage[]> {
    return this.waitUntil((messages) => messages.length >= n, timeoutMs);
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.done;
  }
}

/**
 * A SUB socket that connects and subscribes but does not read until told to:
 * the slowest consumer there is. Its kernel buffer is kept small so that the
 * publisher's queue for it fills up.
 */
export async function stalledSubscriber(
  endpoint: string,
  receiveHighWaterMark: number,
): Promise<{ drain(): Promise<number>; close(): void }> {
  // The receive timeout ends `drain` once nothing more arrives.
  const socket = new Subscriber({ linger: 0, receiveHighWaterMark, receiveBufferSize: 4096, receiveTimeout: 500 });
  await subscribe(socket, endpoint, '');
  return {
    /** Reads what reached it (its queue and its buffer) and returns how many messages that was. */
    async drain() {
      let count = 0;
      for (;;) {
        try {
          await socket.receive();
          count++;
        } catch {
          return count;
        }
      }
    },
    close: () => socket.close(),
  };
}
