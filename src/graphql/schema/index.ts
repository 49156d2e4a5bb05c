/** Assembles the schema from the per-type files. */
import { type GraphQLSchema, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { DEFAULT_PAGE, MAX_PAGE } from '../pagination.ts';
import { createBuilder } from '../builder.ts';
import { createRefs, type SchemaOptions } from '../refs.ts';
import { registerBridge } from '../types/bridge.ts';
import { registerEmission } from '../types/emission.ts';
import { createFilters } from '../types/filters.ts';
import { registerItem } from '../types/item.ts';
import { registerResult } from '../types/result.ts';
import { registerTestcase } from '../types/testcase.ts';

export type { SchemaOptions };

export function buildSchema(options: SchemaOptions): GraphQLSchema {
  const builder = createBuilder();
  const refs = createRefs(builder, options);
  const filters = createFilters(builder, refs);
  registerResult(builder, refs, filters, options);
  registerEmission(builder, refs, filters);
  registerItem(builder, refs);
  registerTestcase(builder, refs);
  registerBridge(builder);
  return describeStockParts(builder.toSchema({ sortSchema: true }));
}

/** Descriptions for the arguments and fields the relay plugin adds itself. */
const STOCK: Record<string, string> = {
  first: `How many to return: 0 to ${MAX_PAGE}, default ${DEFAULT_PAGE}.`,
  after: 'Return what follows this cursor (an `endCursor` or edge `cursor`).',
  last: 'Not supported: pagination is forward only (`first`/`after`).',
  before: 'Not supported: pagination is forward only (`first`/`after`).',
  id: 'A global ID.',
  ids: 'Global IDs.',
  input: 'The result to record.',
  inputs: 'The results to record, applied in this order.',
  'PageInfo.hasNextPage': 'Whether more follow after this page.',
  'PageInfo.hasPreviousPage': 'Whether this page was asked for with `after`.',
  'PageInfo.startCursor': 'The cursor of the first edge of this page.',
  'PageInfo.endCursor': 'The cursor of the last edge of this page; pass it as `after` for the next page.',
};

function describeStockParts(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      field.description ??= STOCK[`${type.name}.${field.name}`] ?? null;
      if ('args' in field) for (const arg of field.args) arg.description ??= STOCK[arg.name] ?? null;
    }
  }
  return schema;
}
