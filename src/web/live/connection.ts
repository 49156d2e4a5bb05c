/**
 * The page's one graphql-ws connection, shared by every live view, and what
 * state it is in for the header's indicator. graphql-ws's own retry is off:
 * it would re-send each subscription with the variables it started with, so a
 * stream resumed after a cut would replay from its first `after` again.
 * `follow` (./follow.ts) re-subscribes instead, from the last seq it saw.
 */
import { type Client, createClient } from 'graphql-ws';

/** `reconnecting`: the socket closed and the page's streams are trying again (./follow.ts). */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

type Listener = (state: ConnectionState) => void;

export interface Connection {
  readonly client: Client;
  state(): ConnectionState;
  /** Calls `listener` on every change; returns the unsubscribe. */
  onChange(listener: Listener): () => void;
}

/** `ws://` or `wss://` on this page's host, at /graphql. */
export function graphqlWsUrl(location: Location): string {
  const url = new URL('/graphql', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

export function openConnection(url: string): Connection {
  let current: ConnectionState = 'connecting';
  const listeners = new Set<Listener>();
  const set = (next: ConnectionState): void => {
    if (next === current) return;
    current = next;
    for (const listener of listeners) listener(next);
  };
  const client = createClient({
    url,
    lazy: true,
    // Moving from page to page closes one page's streams before the next opens
    // its own: the socket stays for that, rather than closing and reconnecting.
    lazyCloseTimeout: 5_000,
    retryAttempts: 0,
    // A socket that went quiet without a close (a dropped network) is noticed within 20 s.
    keepAlive: 10_000,
    on: {
      connected: () => set('live'),
      closed: () => set(current === 'connecting' ? 'connecting' : 'reconnecting'),
    },
  });
  return {
    client,
    state: () => current,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
