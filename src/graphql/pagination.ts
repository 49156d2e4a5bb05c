/**
 * Forward keyset pagination (`first`/`after`) for every connection: a cursor
 * is the opaque form of the last row's key, so pages stay stable while rows
 * are being added and a page costs one index range scan, however deep.
 */
import { UserError } from '../errors.ts';
import { maxIdOf, type NodeTypename } from './ids.ts';

/** Rows per page when `first` is not given. */
export const DEFAULT_PAGE = 50;
/** Largest accepted `first`. */
export const MAX_PAGE = 500;

export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** Counts every row the connection's filter matches; run only when `totalCount` is asked for. */
  totalCount: () => Promise<number>;
}

export function pageSize(args: PageArgs): number {
  if (args.last != null || args.before != null) {
    throw new UserError('BAD_USER_INPUT', 'only forward pagination is supported: use `first` and `after`, not `last`/`before`', 'last');
  }
  const first = args.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) {
    throw new UserError('BAD_USER_INPUT', `first must be from 0 to ${MAX_PAGE}, got ${first}`, 'first');
  }
  return first;
}

export function encodeCursor(kind: string, key: number | string): string {
  return Buffer.from(`${kind}:${key}`).toString('base64url');
}

export function decodeCursor(kind: string, cursor: string | null | undefined): string | undefined {
  if (cursor == null) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString();
  // A cursor made here never holds a NUL (names cannot); PostgreSQL could not compare one.
  if (!text.startsWith(`${kind}:`) || text.includes('\u0000')) {
    throw new UserError('BAD_USER_INPUT', `after: ${JSON.stringify(cursor)} is not a cursor of this connection; pass an endCursor it returned`, 'after');
  }
  return text.slice(kind.length + 1);
}

/** The node type whose id each numeric cursor holds, for its column's range. */
const KEY_OF = { item: 'Item', result: 'Result', emission: 'Emission' } as const satisfies Record<string, NodeTypename>;

export function decodeNumericCursor(kind: keyof typeof KEY_OF, cursor: string | null | undefined): number | undefined {
  const raw = decodeCursor(kind, cursor);
  if (raw === undefined) return undefined;
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  // Past the column's range PostgreSQL would refuse the comparison.
  if (!Number.isSafeInteger(n) || n > maxIdOf(KEY_OF[kind])) {
    throw new UserError('BAD_USER_INPUT', `after: ${JSON.stringify(cursor)} is not a cursor of this connection`, 'after');
  }
  return n;
}

/**
 * Runs `fetch(limit + 1)` and builds the connection: the extra row only tells
 * whether another page follows. `count` counts what the filter matches over
 * all pages (the cursor left out); it runs only if `totalCount` is selected,
 * so a page that does not ask for it costs no count.
 */
export async function paginate<T>(
  args: PageArgs,
  fetch: (limit: number) => Promise<T[]>,
  cursorOf: (row: T) => string,
  count: () => Promise<number>,
): Promise<Connection<T>> {
  const size = pageSize(args);
  // Even for `first: 0`: the one extra row still tells whether there is a page.
  const rows = await fetch(size + 1);
  const page = rows.slice(0, size);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: args.after != null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: count,
  };
}
