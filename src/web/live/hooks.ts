/**
 * The live layer for components: the page's connection in a context, its
 * state for the header, a stream that follows while a component is mounted,
 * and a throttled re-fetch for pages that re-read their query on each event.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Connection, ConnectionState } from './connection.ts';
import { follow, type FollowOptions } from './follow.ts';

export const LiveContext = createContext<Connection | undefined>(undefined);

function useConnection(): Connection {
  const connection = useContext(LiveContext);
  if (connection === undefined) throw new Error('LiveContext is not provided (see main.tsx)');
  return connection;
}

export function useConnectionState(): ConnectionState {
  const connection = useConnection();
  const [state, setState] = useState(connection.state());
  useEffect(() => {
    setState(connection.state());
    return connection.onChange(setState);
  }, [connection]);
  return state;
}

/**
 * Follows a stream while mounted and `enabled`; it restarts when `key`
 * changes (another build, another filter). The latest `onValue` is called,
 * so it may close over fresh state.
 */
export function useFollow<TData, TVars>(key: string, enabled: boolean, options: Omit<FollowOptions<TData, TVars>, 'client'>): void {
  const connection = useConnection();
  const latest = useRef(options);
  latest.current = options;
  useEffect(() => {
    if (!enabled) return;
    return follow({
      ...latest.current,
      client: connection.client,
      onValue: (data) => latest.current.onValue(data),
    });
  }, [connection, key, enabled]);
}

/**
 * Calls `refresh` when the socket comes back after a cut: what happened
 * meanwhile may not come down a live-only stream.
 */
export function useOnReconnect(refresh: () => void): void {
  const state = useConnectionState();
  const before = useRef(state);
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    if (before.current === 'reconnecting' && state === 'live') latest.current();
    before.current = state;
  }, [state]);
}

/**
 * A re-fetch that runs at most once per `ms`: a burst of events (a batch of
 * results) costs one or two queries, and the last event is always followed
 * by one.
 */
export function useThrottled(run: () => void, ms = 200): () => void {
  const latest = useRef(run);
  latest.current = run;
  const state = useRef<{ timer: ReturnType<typeof setTimeout> | undefined; last: number; pending: boolean }>({ timer: undefined, last: 0, pending: false });
  useEffect(() => () => clearTimeout(state.current.timer), []);
  const trigger = useRef(() => {
    const s = state.current;
    if (s.timer !== undefined) {
      s.pending = true;
      return;
    }
    const fire = (): void => {
      s.timer = undefined;
      s.last = Date.now();
      latest.current();
      if (s.pending) {
        s.pending = false;
        s.timer = setTimeout(fire, ms);
      }
    };
    const wait = Math.max(0, s.last + ms - Date.now());
    s.timer = setTimeout(fire, wait);
  });
  return trigger.current;
}
