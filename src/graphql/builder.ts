/**
 * The Pothos builder, its plugins and scalars. A new builder is made per
 * schema because the `Outcome` enum depends on configuration
 * (RESULTSBUS_EXTRA_OUTCOMES).
 */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind, print, valueFromASTUntyped } from 'graphql';
import type { Context } from './context.ts';
import { decodeNodeId } from './ids.ts';
import { DEFAULT_MAX_ITEMS } from './inputs.ts';
import { DATABASE_READ } from './limits.ts';

export interface SchemaTypes {
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: false;
  /** What every connection's resolver returns besides its page (src/graphql/pagination.ts). */
  Connection: { totalCount: () => Promise<number> };
}

export function createBuilder() {
  const builder = new SchemaBuilder<SchemaTypes>({
    plugins: [RelayPlugin],
    defaultFieldNullability: false,
    relay: {
      clientMutationId: 'omit',
      idFieldOptions: { description: 'A global ID, for `node(id:)`.' },
      cursorFieldOptions: { description: 'Where this edge sits, for `after`.' },
      nodeFieldOptions: { description: 'The object at this edge.' },
      edgesFieldOptions: { description: 'The objects of this page with their cursors.' },
      pageInfoFieldOptions: { description: 'Where this page sits.' },
      cursorType: 'String',
      nodeTypeOptions: { description: 'An object with a global ID, fetchable with `node(id:)`.' },
      pageInfoTypeOptions: { description: 'Where a page of a connection sits: whether more follow, and its end cursor.' },
      nodeQueryOptions: { description: 'Fetches any object by its global ID.', extensions: DATABASE_READ },
      nodesQueryOptions: { description: `Fetches objects by their global IDs (at most ${DEFAULT_MAX_ITEMS}).`, extensions: DATABASE_READ },
      // Our own decoding, so that a malformed ID is BAD_USER_INPUT rather than an uncoded error.
      decodeGlobalID: (globalID) => decodeNodeId(globalID),
    },
  });

  builder.queryType({ description: 'Reads: public, no token needed.' });
  builder.mutationType({ description: 'Writes: need an `Authorization: Bearer <token>` header.' });
  builder.subscriptionType({ description: 'Live streams over graphql-ws on the same /graphql path.' });

  builder.scalarType('DateTime', {
    description: 'A point in time, as an ISO 8601 string in UTC (`2026-11-24T12:00:00.000Z`).',
    serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
    parseValue: (value) => parseDate(value, JSON.stringify(value) ?? String(value)),
    parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null, print(ast)),
  });

  builder.scalarType('JSON', {
    description: 'Any JSON value.',
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
  });

  return builder;
}

/**
 * ISO 8601 only: a date (`2026-11-24`, midnight UTC) or a date and time with
 * `Z` or an offset. `new Date()` alone would also take "5" (the year 2005) or
 * "March 7", and read a time without a zone in the server's own time zone.
 */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

function parseDate(value: unknown, shown: string): Date {
  const date = typeof value === 'string' && ISO_DATE_TIME.test(value) ? new Date(value.replace(' ', 'T')) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw new GraphQLError(
      `DateTime must be an ISO 8601 date, or date and time with a zone, such as "2026-11-24" or "2026-11-24T12:00:00Z"; got ${shown}`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  return date;
}

export type Builder = ReturnType<typeof createBuilder>;
