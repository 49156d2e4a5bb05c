/** What every resolver gets: the services, the caller's credentials and per-request loaders. */
import type { BridgeLiveView } from '../bridge/cursor.ts';
import { brandWithType } from '@pothos/core';
import DataLoader from 'dataloader';
import type { TokenVerifier } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import { emissionsBySeqs } from '../emissions/queries.ts';
import type { LiveFeed } from '../emissions/stream.ts';
import { type ItemView, itemsByIds, type TaskStateView, taskStatesByIds, taskStatesOfItems } from '../items/queries.ts';
import { resultsByIds, type TestcaseView, testcasesByIds } from '../results/queries.ts';
import type { Recorder } from '../results/record.ts';
import type { FrameSink } from './events.ts';
import type { NodeTypename } from './ids.ts';
import type { EmissionView, ResultView } from '../results/views.ts';

export interface Services {
  config: Config;
  db: Db;
  recorder: Recorder;
  feed: LiveFeed;
  tokens: TokenVerifier;
  /** The bridge of this name that runs in this process, if one does. @default () => undefined */
  runningBridge?: (name: string) => BridgeLiveView | undefined;
}

export interface Loaders {
  result: DataLoader<number, ResultView | undefined>;
  emission: DataLoader<number, EmissionView | undefined>;
  item: DataLoader<number, ItemView | undefined>;
  testcase: DataLoader<number, TestcaseView | undefined>;
  taskState: DataLoader<number, TaskStateView | undefined>;
  /** All task states of an item, in one query per page of items. */
  taskStatesOfItem: DataLoader<number, TaskStateView[]>;
}

export interface Context extends Services {
  /** The `Authorization` header (HTTP) or connection parameter (graphql-ws). */
  authorization: string | null;
  loaders: Loaders;
  /** The HTTP request's id (`x-request-id`), for what is logged about it. */
  reqId: string | undefined;
  /** Set by graphql-ws for a subscription: where its frames can be written directly (src/graphql/events.ts). */
  frames?: FrameSink;
}

function byKey<K, V extends object>(
  load: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (v: V) => K,
  onRows: (rows: readonly object[]) => void,
): DataLoader<K, V | undefined> {
  return new DataLoader<K, V | undefined>(async (keys) => {
    const rows = await load(keys);
    onRows(rows);
    const map = new Map(rows.map((r) => [keyOf(r), r]));
    return keys.map((k) => map.get(k));
  });
}

/** @param onRows sees every row the loaders read (event loaders claim them). */
export function createLoaders(db: Db, onRows: (rows: readonly object[]) => void = () => {}): Loaders {
  return {
    result: byKey((ids) => resultsByIds(db, ids), (r) => r.id, onRows),
    emission: byKey((seqs) => emissionsBySeqs(db, seqs), (e) => e.seq, onRows),
    item: byKey((ids) => itemsByIds(db, ids), (i) => i.id, onRows),
    testcase: byKey((ids) => testcasesByIds(db, ids), (t) => t.id, onRows),
    taskState: byKey((ids) => taskStatesByIds(db, ids), (s) => s.id, onRows),
    taskStatesOfItem: new DataLoader(async (itemIds) => {
      const rows = await taskStatesOfItems(db, itemIds);
      onRows(rows);
      return itemIds.map((id) => rows.filter((r) => r.itemId === id));
    }),
  };
}

/*
 * Loaders of a subscription event. A subscription's context lives as long as
 * the subscription, so its own loaders would cache every row it ever loaded
 * (stale data, and memory without bound). So what an event resolves is
 * loaded through loaders of the event's batch instead: made once per batch
 * the stream hands out, shared by every subscriber's execution of it (500
 * subscribers selecting `item { name }` make one item read), and gone with
 * the batch. Each row such loaders read belongs to them too, so nested fields
 * stay on the event's loaders.
 */
const batchLoaders = new WeakMap<object, Loaders>();
const rowLoaders = new WeakMap<object, Loaders>();

/**
 * Binds `row`, handed out in `batch` by a live stream, to the batch's
 * loaders, and returns it: the root value of a subscription event.
 */
export function asEvent<T extends object>(row: T, batch: object, db: Db): T {
  let loaders = batchLoaders.get(batch);
  if (loaders === undefined) {
    const made = createLoaders(db, (rows) => {
      for (const r of rows) rowLoaders.set(r, made);
    });
    loaders = made;
    batchLoaders.set(batch, loaders);
  }
  rowLoaders.set(row, loaders);
  return row;
}

/** The loaders a field of `parent` loads through: its event's, else the request's. */
export function loadersOf(parent: object, ctx: Context): Loaders {
  return rowLoaders.get(parent) ?? ctx.loaders;
}

/**
 * Loads a row another row points at. The recording statements write every
 * pointer together with the row it points at, and nothing is deleted
 * (test/results/integrity.test.ts), so a miss is a broken database, not a
 * user's mistake.
 */
export async function loadRequired<K, V>(loader: DataLoader<K, V | undefined>, key: K, what: string): Promise<V> {
  const row = await loader.load(key);
  if (row === undefined) throw new Error(`${what} is missing`);
  return row;
}

/**
 * A node loaded for `node`/`nodes`, marked with its type before anyone sees
 * it: the relay plugin brands it only after the whole batch is in, and hands
 * the same promise to a second `node(id:)` of that ID in the request, which
 * could then resolve to an unbranded object ("Abstract type Node must
 * resolve to an Object type").
 */
export async function branded<T>(typename: NodeTypename, row: Promise<T | undefined>): Promise<T | undefined> {
  const value = await row;
  // The type name, as the plugin brands it: the brand cannot be redefined with another value.
  if (value !== undefined) brandWithType(value, typename as unknown as Parameters<typeof brandWithType>[1]);
  return value;
}

export function createContext(services: Services, authorization: string | null, reqId?: string): Context {
  return { ...services, authorization, reqId, loaders: createLoaders(services.db) };
}
