/**
 * Where a bridge gets its emissions: the `emissions(after:)` subscription,
 * the same one any client uses. In `resultsbus serve` it is executed against
 * the server's own schema; `resultsbus bridge --api ws://...` runs it over
 * graphql-ws against a remote server. Either way the bridge sees the same
 * rows in the same order, and a restart resumes with `after: <cursor>`.
 */
import { type GraphQLSchema, print, subscribe } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { JsonValue } from '../fedmsg/canonical.ts';
import type { EmissionForBus } from '../fedmsg/envelope.ts';
import { graphql } from '../generated/index.ts';

/**
 * Emissions with a seq above `after`, in seq order, without end: stored ones
 * first, then live ones. Ends (or throws) only when the source is lost;
 * aborting `signal` ends it at once.
 */
export type EmissionSource = (after: number, signal: AbortSignal) => AsyncIterable<EmissionForBus>;

export const BridgeEmissionsDocument = graphql(`
  subscription BridgeEmissions($after: Int!) {
    emissions(after: $after) {
      seq
      msgId
      topic
      timestamp
      body
    }
  }
`);

const BRIDGE_QUERY = print(BridgeEmissionsDocument);

/** The subscription's payload, checked: a server of another version must fail loudly, not publish junk. */
function toBusEmission(value: unknown): EmissionForBus {
  const data = (value as { emissions?: unknown } | null | undefined)?.emissions as Partial<Record<keyof EmissionForBus, unknown>> | undefined;
  if (
    data === undefined ||
    data === null ||
    typeof data.seq !== 'number' ||
    typeof data.msgId !== 'string' ||
    typeof data.topic !== 'string' ||
    typeof data.timestamp !== 'number' ||
    data.body === undefined
  ) {
    throw new Error(`the emissions subscription sent something that is not an emission: ${JSON.stringify(value)}`);
  }
  return { seq: data.seq, msgId: data.msgId, topic: data.topic, timestamp: data.timestamp, body: data.body as JsonValue };
}

function errorsOf(errors: ReadonlyArray<{ message: string }> | undefined): Error | undefined {
  if (errors === undefined || errors.length === 0) return undefined;
  return new Error(`the emissions subscription failed: ${errors.map((e) => e.message).join('; ')}`);
}

/**
 * Runs the subscription in this process against `schema`, with a context made
 * by `context()` (the server's own services, no credentials: reads are public).
 */
export function schemaSource(schema: GraphQLSchema, context: () => unknown): EmissionSource {
  return async function* (after, signal) {
    const stream = await subscribe({
      schema,
      document: BridgeEmissionsDocument,
      variableValues: { after },
      contextValue: context(),
    });
    if (!(Symbol.asyncIterator in stream)) {
      throw errorsOf(stream.errors) ?? new Error('the emissions subscription did not start');
    }
    const iterator = stream[Symbol.asyncIterator]();
    const stop = (): void => void iterator.return?.()?.catch(() => {});
    signal.addEventListener('abort', stop);
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done || signal.aborted) return;
        const failure = errorsOf(next.value.errors);
        if (failure) throw failure;
        yield toBusEmission(next.value.data);
      }
    } finally {
      signal.removeEventListener('abort', stop);
      await iterator.return?.();
    }
  };
}

export interface RemoteSourceOptions {
  /** The server's graphql-ws URL, e.g. `ws://127.0.0.1:4000/graphql`. */
  url: string;
  /** Sent as the `authorization` connection parameter. @default undefined (reads are public) */
  token?: string | undefined;
  /** Ping interval, and how long a pong may take before the connection counts as lost, in ms. @default 10000 */
  keepAliveMs?: number;
}

/**
 * Runs the subscription over graphql-ws. A lost connection ends the iteration
 * with an error; the bridge resubscribes from where it got to.
 */
export function remoteSource(options: RemoteSourceOptions): EmissionSource {
  return async function* (after, signal) {
    // A server that vanishes without closing TCP would leave the bridge
    // waiting forever, lock held: ping it, and close when no pong comes.
    let socket: WebSocket | undefined;
    let pongTimer: NodeJS.Timeout | undefined;
    const client: Client = createClient({
      url: options.url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      keepAlive: options.keepAliveMs ?? 10_000,
      on: {
        connected: (s) => {
          socket = s as WebSocket;
        },
        ping: (received) => {
          if (received) return;
          pongTimer = setTimeout(() => {
            if (socket?.readyState === WebSocket.OPEN) socket.close(4408, 'no pong');
          }, options.keepAliveMs ?? 10_000);
        },
        pong: (received) => {
          if (received) clearTimeout(pongTimer);
        },
        closed: () => clearTimeout(pongTimer),
      },
      connectionParams: options.token === undefined ? undefined : { authorization: `Bearer ${options.token}` },
    });
    const iterator = client.iterate({ query: BRIDGE_QUERY, variables: { after } });
    const stop = (): void => void iterator.return?.()?.catch(() => {});
    signal.addEventListener('abort', stop);
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done || signal.aborted) {
          if (!signal.aborted) throw new Error(`the server at ${options.url} ended the emissions subscription`);
          return;
        }
        const failure = errorsOf(next.value.errors);
        if (failure) throw failure;
        yield toBusEmission(next.value.data);
      }
    } catch (error) {
      if (signal.aborted) return;
      throw describeRemoteError(error, options.url);
    } finally {
      signal.removeEventListener('abort', stop);
      await iterator.return?.();
      await client.dispose();
    }
  };
}

/** graphql-ws rejects with a CloseEvent or an ErrorEvent, neither an Error. */
function describeRemoteError(error: unknown, url: string): Error {
  if (error instanceof Error) return error;
  const event = error as { code?: unknown; reason?: unknown; message?: unknown; type?: unknown } | null;
  if (event && typeof event.code === 'number') {
    const reason = typeof event.reason === 'string' && event.reason !== '' ? `: ${event.reason}` : '';
    return new Error(`the connection to ${url} closed (code ${event.code}${reason})`);
  }
  if (event && typeof event.message === 'string') return new Error(`cannot reach ${url}: ${event.message}`);
  return new Error(`the connection to ${url} failed (${String(event?.type ?? error)})`);
}
