/** Accepts an object's global ID or, for convenience, its plain numeric id. */
import { decodeGlobalID } from '@pothos/plugin-relay';
import { UserError } from '../errors.ts';

export function parseId(typename: string, id: string, field = 'id'): number {
  if (/^\d+$/.test(id)) return Number(id);
  let decoded: { typename: string; id: string } | undefined;
  try {
    decoded = decodeGlobalID(id);
  } catch {
    decoded = undefined;
  }
  if (decoded?.typename !== typename || !/^\d+$/.test(decoded.id)) {
    throw new UserError('BAD_USER_INPUT', `${field}: ${JSON.stringify(id)} is not the ID of a ${typename}; pass its global ID or its number`, field);
  }
  return Number(decoded.id);
}
