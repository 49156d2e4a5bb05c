/**
 * Load shapes: a closed loop of N concurrent clients (each sends its next
 * request when the previous one answered), and an open loop paced at a fixed
 * rate (requests go out on schedule whatever the answers do).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Samples } from './stats.ts';

export interface LoadResult {
  /** Requests answered without error. */
  requests: number;
  /** Results recorded (requests x batch size). */
  results: number;
  errors: number;
  firstError: string | undefined;
  seconds: number;
  /** Per-request latency, send to parsed answer. */
  latency: Samples;
}

export interface ClosedLoopOptions {
  clients: number;
  /** Stop sending after this long (ms) ... */
  durationMs?: number;
  /** ... or after this many results (whichever comes first). */
  results?: number;
  /** Results per request. */
  perRequest: number;
  /** Sends one request; resolves when it is answered. */
  send: (client: number) => Promise<void>;
  /** Called about once a second with the results so far. */
  progress?: (results: number, seconds: number) => void;
}

export async function closedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const latency = new Samples();
  let requests = 0;
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const maxRequests = options.results === undefined ? Number.POSITIVE_INFINITY : Math.ceil(options.results / options.perRequest);
  const t0 = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : t0 + options.durationMs;
  const ticker =
    options.progress === undefined
      ? undefined
      : setInterval(() => options.progress?.(requests * options.perRequest, (performance.now() - t0) / 1000), 1000);
  const worker = async (client: number): Promise<void> => {
    while (started < maxRequests && performance.now() < deadline) {
      started++;
      const sent = performance.now();
      try {
        await options.send(client);
        latency.add(performance.now() - sent);
        requests++;
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
        // A failing server should not turn the loop into a busy spin.
        if (errors > 100 && requests === 0) throw new Error(`every request fails: ${firstError}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.clients }, (_, i) => worker(i)));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { requests, results: requests * options.perRequest, errors, firstError, seconds, latency };
}

export interface PacedOptions {
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Sends request number `i`; resolves when it is answered. */
  send: (i: number) => Promise<void>;
  /** Give up on the schedule (and count the request as skipped) past this many in flight. @default 256 */
  maxInFlight?: number;
}

export interface PacedResult extends LoadResult {
  skipped: number;
}

/** Sends `rate` requests a second on a fixed schedule, not waiting for answers. */
export async function pacedLoop(options: PacedOptions): Promise<PacedResult> {
  const latency = new Samples();
  const maxInFlight = options.maxInFlight ?? 256;
  let requests = 0;
  let errors = 0;
  let skipped = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();
  const interval = 1000 / options.rate;
  const total = Math.floor((options.durationMs / 1000) * options.rate);
  const t0 = performance.now();
  let next = 0;
  while (next < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - t0) / interval) + 1);
    for (; next < due; next++) {
      if (inFlight >= maxInFlight) {
        skipped++;
        continue;
      }
      const i = next;
      const sent = performance.now();
      inFlight++;
      const p = options.send(i).then(
        () => {
          latency.add(performance.now() - sent);
          requests++;
        },
        (error: unknown) => {
          errors++;
          firstError ??= error instanceof Error ? error.message : String(error);
        },
      );
      const tracked = p.finally(() => {
        inFlight--;
        pending.delete(tracked);
      });
      pending.add(tracked);
    }
    const wait = t0 + next * interval - performance.now();
    await sleep(Math.max(1, Math.min(wait, 20)));
  }
  await Promise.all(pending);
  const seconds = (performance.now() - t0) / 1000;
  return { requests, results: requests, errors, firstError, seconds, latency, skipped };
}

/** Load and CPU seconds (server, PostgreSQL) of one side of a comparison, pooled over its windows. */
export interface Pooled {
  load: LoadResult;
  cpu: { server: number; postgres: number };
}

export function pooled(): Pooled {
  return { load: { requests: 0, results: 0, errors: 0, firstError: undefined, seconds: 0, latency: new Samples() }, cpu: { server: 0, postgres: 0 } };
}

/** Adds one measured window to `into`. */
export function addWindow(into: Pooled, load: LoadResult, cpu: { server: number; postgres: number }): void {
  into.load.latency.addAll(load.latency);
  into.load.requests += load.requests;
  into.load.results += load.results;
  into.load.errors += load.errors;
  into.load.firstError ??= load.firstError;
  into.load.seconds += load.seconds;
  into.cpu.server += cpu.server;
  into.cpu.postgres += cpu.postgres;
}
