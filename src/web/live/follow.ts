/**
 * One live stream that survives cuts: subscribes, and when the socket closes
 * or the server ends the stream, subscribes again after a short backoff. For
 * `emissions(after:)` the variables are made from the last seq seen, so the
 * server replays exactly what was missed, and anything at or below that seq
 * is dropped: each emission reaches `onValue` once, however often the socket
 * was cut. (graphql-ws's own retry would re-send the first variables, and so
 * replay from the first `after` again.)
 */
import { stringifyDocument } from '@urql/core';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Client } from 'graphql-ws';

export interface FollowOptions<TData, TVars> {
  client: Client;
  document: TypedDocumentNode<TData, TVars>;
  /** The variables of each (re)subscription, given the last seq seen (`after`, then the highest `seqOf`). */
  variables: (lastSeq: number) => TVars;
  /** The first `lastSeq`: the highest seq the page already shows. @default 0 */
  after?: number;
  /** The seq of a value, for resuming and de-duplicating; leave out for a live-only stream (nothing to resume from). */
  seqOf?: (data: TData) => number;
  onValue: (data: TData) => void;
  /** Backoff before the n-th retry in a row, in ms. @default 250 ms, doubling up to 5 s */
  backoff?: (attempt: number) => number;
}

/** Starts following; returns the function that stops it. */
export function follow<TData, TVars>(options: FollowOptions<TData, TVars>): () => void {
  const { client, seqOf } = options;
  const query = stringifyDocument(options.document);
  const backoff = options.backoff ?? ((attempt: number) => Math.min(5_000, 250 * 2 ** attempt));
  let lastSeq = options.after ?? 0;
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let dispose: () => void = () => {};

  const again = (): void => {
    if (stopped) return;
    timer = setTimeout(open, backoff(attempt));
    attempt += 1;
  };
  const open = (): void => {
    if (stopped) return;
    const off = client.on('connected', () => {
      attempt = 0;
    });
    const unsubscribe = client.subscribe<TData>(
      { query, variables: options.variables(lastSeq) as Record<string, unknown> },
      {
        next: (value) => {
          if (value.data === undefined || value.data === null) return;
          if (seqOf !== undefined) {
            const seq = seqOf(value.data);
            if (seq <= lastSeq) return;
            lastSeq = seq;
          }
          options.onValue(value.data);
        },
        error: () => {
          off();
          again();
        },
        complete: () => {
          off();
          again();
        },
      },
    );
    dispose = () => {
      off();
      unsubscribe();
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    dispose();
  };
}
