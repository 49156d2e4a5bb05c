/**
 * Checks every argument of a request, literal or variable, before it runs:
 * strings PostgreSQL cannot store as text (NUL, lone surrogates) and lists
 * longer than their limit would otherwise fail inside the database as
 * internal errors, or make statements with 100,000 parameters.
 *
 * A list's limit is `extensions.maxItems` of its argument or input field,
 * else `DEFAULT_MAX_ITEMS`. Values of the JSON scalar are checked for their
 * strings only (their shape is the resolver's business).
 */
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLInputType,
  type GraphQLSchema,
  isInputObjectType,
  isInputType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  TypeInfo,
  typeFromAST,
  type ValueNode,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { badInput, UserError } from '../errors.ts';
import { checkStorable } from '../results/validate.ts';
import { MAX_PAGE } from './pagination.ts';

/** The longest list an argument may carry unless it says otherwise: the largest page. */
export const DEFAULT_MAX_ITEMS = MAX_PAGE;

/** For a list whose resolver checks its length itself (the recorder's batch limit). */
export const LENGTH_CHECKED_BY_RESOLVER = { maxItems: Number.POSITIVE_INFINITY } as const;

function maxItemsOf(extensions: Readonly<Record<string, unknown>> | null | undefined): number {
  const declared = extensions?.['maxItems'];
  return typeof declared === 'number' ? declared : DEFAULT_MAX_ITEMS;
}

function checkLength(path: string, length: number, max: number): void {
  if (length > max) throw badInput(path, `has ${length} entries; at most ${max} are allowed`);
}

/**
 * How deep a variable's JSON may nest where the schema does not say its shape
 * (a scalar): JSON.parse takes any depth, and walking it here must not
 * overflow the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Any JSON: every string and key must be storable. */
function walkUntyped(value: unknown, path: string, depth = 0): void {
  if (typeof value === 'string') checkStorable(path, value);
  else if (typeof value === 'object' && value !== null) {
    if (depth >= MAX_JSON_DEPTH) throw badInput(path, `nests more than ${MAX_JSON_DEPTH} levels of lists and objects`);
    if (Array.isArray(value)) value.forEach((v, i) => walkUntyped(v, `${path}[${i}]`, depth + 1));
    else {
      for (const [key, v] of Object.entries(value)) {
        checkStorable(`${path} key`, key);
        walkUntyped(v, `${path}.${key}`, depth + 1);
      }
    }
  }
}

/** A variable's value (plain JSON) at a place of `type`. */
function walkValue(value: unknown, type: GraphQLInputType, path: string, maxItems: number): void {
  if (value === null || value === undefined) return;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    // graphql-js takes a single value for a list of one.
    if (!Array.isArray(value)) return walkValue(value, inner.ofType, path, DEFAULT_MAX_ITEMS);
    checkLength(path, value.length, maxItems);
    value.forEach((v, i) => walkValue(v, inner.ofType, `${path}[${i}]`, DEFAULT_MAX_ITEMS));
  } else if (isInputObjectType(inner)) {
    if (typeof value !== 'object' || Array.isArray(value)) return;
    const fields = inner.getFields();
    for (const [name, v] of Object.entries(value)) {
      const field = fields[name];
      if (field !== undefined) walkValue(v, field.type, `${path}.${name}`, maxItemsOf(field.extensions));
    }
  } else if (isScalarType(inner)) {
    walkUntyped(value, path);
  }
}

/** A literal in the document at a place of `type`; variables inside it are looked up. */
function walkLiteral(
  node: ValueNode,
  type: GraphQLInputType,
  path: string,
  maxItems: number,
  variable: (name: string) => { value: unknown } | { literal: ValueNode } | undefined,
): void {
  if (node.kind === Kind.VARIABLE) {
    const found = variable(node.name.value);
    if (found === undefined) return;
    if ('value' in found) walkValue(found.value, type, path, maxItems);
    else walkLiteral(found.literal, type, path, maxItems, () => undefined);
    return;
  }
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) {
    if (node.kind !== Kind.LIST) return walkLiteral(node, inner.ofType, path, DEFAULT_MAX_ITEMS, variable);
    checkLength(path, node.values.length, maxItems);
    node.values.forEach((v, i) => walkLiteral(v, inner.ofType, `${path}[${i}]`, DEFAULT_MAX_ITEMS, variable));
  } else if (isInputObjectType(inner)) {
    if (node.kind !== Kind.OBJECT) return;
    const fields = inner.getFields();
    for (const f of node.fields) {
      const field = fields[f.name.value];
      if (field !== undefined) walkLiteral(f.value, field.type, `${path}.${f.name.value}`, maxItemsOf(field.extensions), variable);
    }
  } else if (isScalarType(inner)) {
    walkUntypedLiteral(node, path, variable);
  }
}

function walkUntypedLiteral(
  node: ValueNode,
  path: string,
  variable: (name: string) => { value: unknown } | { literal: ValueNode } | undefined,
): void {
  if (node.kind === Kind.STRING) checkStorable(path, node.value);
  else if (node.kind === Kind.LIST) node.values.forEach((v, i) => walkUntypedLiteral(v, `${path}[${i}]`, variable));
  else if (node.kind === Kind.OBJECT) {
    for (const f of node.fields) {
      checkStorable(`${path} key`, f.name.value);
      walkUntypedLiteral(f.value, `${path}.${f.name.value}`, variable);
    }
  } else if (node.kind === Kind.VARIABLE) {
    const found = variable(node.name.value);
    if (found !== undefined && 'value' in found) walkUntyped(found.value, path);
  }
}

/**
 * The BAD_USER_INPUT error of the first argument that cannot be used, or
 * none. Paths are the argument's name and the place inside it
 * (`input.testcase`, `filter.outcome`, `ids`), as the recorder's own checks
 * name them.
 */
export function checkArguments(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] {
  const given = variables ?? {};
  const defaults = new Map<string, ValueNode>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const v of def.variableDefinitions ?? []) {
      if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
      const type = typeFromAST(schema, v.type);
      // Variables are checked where they are used; a default is checked here, once.
      if (v.defaultValue && type !== undefined && isInputType(type)) {
        try {
          walkLiteral(v.defaultValue, type, `$${v.variable.name.value}`, DEFAULT_MAX_ITEMS, () => undefined);
        } catch (error) {
          return [asGraphQLError(error)];
        }
      }
    }
  }
  const variable = (name: string): { value: unknown } | { literal: ValueNode } | undefined => {
    if (Object.hasOwn(given, name)) return { value: given[name] };
    const literal = defaults.get(name);
    return literal === undefined ? undefined : { literal };
  };
  const typeInfo = new TypeInfo(schema);
  let failure: GraphQLError | undefined;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        if (failure !== undefined) return false;
        const argument = typeInfo.getArgument();
        if (argument === null || argument === undefined) return false;
        try {
          walkLiteral(node.value, argument.type, node.name.value, maxItemsOf(argument.extensions), variable);
        } catch (error) {
          failure = asGraphQLError(error);
        }
        return false;
      },
    }),
  );
  return failure === undefined ? [] : [failure];
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof UserError) return new GraphQLError(error.message, { extensions: error.extensions });
  throw error;
}
