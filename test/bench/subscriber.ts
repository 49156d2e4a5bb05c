/**
 * A live client of `subscription { emissions(after:) }` over graphql-ws,
 * recording when each seq arrived (performance.now(), the same clock the load
 * generator stamps its requests and answers with).
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export const FOLLOW = 'subscription BenchFollow($after: Int) { emissions(after: $after) { seq } }';

export class Subscriber {
  /** Arrival time of each seq. */
  readonly arrived = new Map<number, number>();
  /** Seqs out of order or repeated (must stay 0: the stream is dense and ordered). */
  disorder = 0;
  private last: number;
  private readonly client: Client;
  private dispose: () => void = () => {};
  private waiters: Array<{ seq: number; resolve: () => void }> = [];
  error: unknown;

  constructor(
    wsUrl: string,
    readonly after: number,
  ) {
    this.last = after;
    this.client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  }

  start(): void {
    this.dispose = this.client.subscribe<{ emissions: { seq: number } }>(
      { query: FOLLOW, variables: { after: this.after } },
      {
        next: (value) => {
          const at = performance.now();
          const seq = value.data?.emissions.seq;
          if (seq === undefined) {
            this.error ??= new Error(`subscription sent ${JSON.stringify(value).slice(0, 300)}`);
            return;
          }
          if (seq !== this.last + 1) this.disorder++;
          this.last = Math.max(this.last, seq);
          this.arrived.set(seq, at);
          this.waiters = this.waiters.filter((w) => {
            if (w.seq > this.last) return true;
            w.resolve();
            return false;
          });
        },
        error: (error: unknown) => {
          this.error ??= error;
        },
        complete: () => {},
      },
    );
  }

  /** Resolves once every seq up to `seq` has arrived, or after `timeoutMs` (false). */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.last >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  get lastSeq(): number {
    return this.last;
  }

  async close(): Promise<void> {
    this.dispose();
    await this.client.dispose();
  }
}
