/**
 * Global IDs (`base64("Result:42")`) and plain numeric ids. Both are checked
 * here, before they reach a query: an id that is not a whole number in its
 * column's range would otherwise fail inside the database as an internal
 * error instead of telling the caller what was wrong.
 */
import { decodeGlobalID } from '@pothos/plugin-relay';
import { UserError } from '../errors.ts';

/** The largest id of each node type: `integer` columns, or `bigint` ones read as JS numbers. */
const MAX_ID = {
  Result: Number.MAX_SAFE_INTEGER,
  Emission: Number.MAX_SAFE_INTEGER,
  Item: 2_147_483_647,
  Testcase: 2_147_483_647,
  TaskState: 2_147_483_647,
} as const satisfies Record<string, number>;

export type NodeTypename = keyof typeof MAX_ID;

/** The largest id a node of `typename` can have. */
export function maxIdOf(typename: NodeTypename): number {
  return MAX_ID[typename];
}

function isNodeTypename(name: string): name is NodeTypename {
  return Object.hasOwn(MAX_ID, name);
}

function notAnId(typename: string, id: string, field: string): UserError {
  return new UserError('BAD_USER_INPUT', `${field}: ${JSON.stringify(id)} is not the ID of a ${typename}; pass its global ID or its number`, field);
}

/** The number inside an ID of `typename`, or BAD_USER_INPUT when it cannot be one. */
export function numericId(typename: NodeTypename, raw: string, field = 'id', shown = raw): number {
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > MAX_ID[typename]) throw notAnId(typename, shown, field);
  return n;
}

/**
 * Decodes a global ID of one of our node types (the relay plugin's
 * `decodeGlobalID`, used by `node` and `nodes`); anything else is BAD_USER_INPUT.
 */
export function decodeNodeId(globalID: string, field = 'id'): { typename: NodeTypename; id: string } {
  let decoded: { typename: string; id: string } | undefined;
  try {
    decoded = decodeGlobalID(globalID);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || !isNodeTypename(decoded.typename)) {
    throw new UserError(
      'BAD_USER_INPUT',
      `${field}: ${JSON.stringify(globalID)} is not a global ID of this API; use the \`id\` of a ${Object.keys(MAX_ID).join(', ')}`,
      field,
    );
  }
  numericId(decoded.typename, decoded.id, field, globalID);
  return { typename: decoded.typename, id: decoded.id };
}

/** Accepts an object's global ID or, for convenience, its plain numeric id. */
export function parseId(typename: NodeTypename, id: string, field = 'id'): number {
  if (/^\d+$/.test(id)) return numericId(typename, id, field);
  let decoded: { typename: string; id: string } | undefined;
  try {
    decoded = decodeGlobalID(id);
  } catch {
    decoded = undefined;
  }
  if (decoded?.typename !== typename) throw notAnId(typename, id, field);
  return numericId(typename, decoded.id, field, id);
}
