/**
 * The Pothos builder, its plugins and scalars. A new builder is made per
 * schema because the `Outcome` enum depends on configuration
 * (RESULTSBUS_EXTRA_OUTCOMES).
 */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';
import type { Context } from './context.ts';

export interface SchemaTypes {
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: false;
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
      nodeQueryOptions: { description: 'Fetches any object by its global ID.' },
      nodesQueryOptions: { description: 'Fetches objects by their global IDs.' },
    },
  });

  builder.queryType({ description: 'Reads: public, no token needed.' });
  builder.mutationType({ description: 'Writes: need an `Authorization: Bearer <token>` header.' });
  builder.subscriptionType({ description: 'Live streams over graphql-ws on the same /graphql path.' });

  builder.scalarType('DateTime', {
    description: 'A point in time, as an ISO 8601 string in UTC (`2026-11-24T12:00:00.000Z`).',
    serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
    parseValue: (value) => parseDate(value),
    parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null),
  });

  builder.scalarType('JSON', {
    description: 'Any JSON value.',
    serialize: (value) => value,
    parseValue: (value) => value,
    parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
  });

  return builder;
}

function parseDate(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : null;
  if (date === null || Number.isNaN(date.getTime())) {
    throw new GraphQLError(`DateTime must be an ISO 8601 string such as "2026-11-24T12:00:00Z", got ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return date;
}

export type Builder = ReturnType<typeof createBuilder>;
