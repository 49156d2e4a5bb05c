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
import { perDocument } from './memo.ts';
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

/** Where a literal's variables are looked up: the request's value, else the operation's default literal. */
interface VariableLookup {
  find(name: string): { value: unknown } | { literal: ValueNode } | undefined;
}

/** For a default or a literal that holds no variable. */
const NO_VARIABLES: VariableLookup = { find: () => undefined };

/** A literal in the document at a place of `type`; variables inside it are looked up. */
function walkLiteral(
  node: ValueNode,
  type: GraphQLInputType,
  path: string,
  maxItems: number,
  variable: VariableLookup,
): void {
  if (node.kind === Kind.VARIABLE) {
    const found = variable.find(node.name.value);
    if (found === undefined) return;
    if ('value' in found) walkValue(found.value, type, path, maxItems);
    else walkLiteral(found.literal, type, path, maxItems, NO_VARIABLES);
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
  variable: VariableLookup,
): void {
  if (node.kind === Kind.STRING) checkStorable(path, node.value);
  else if (node.kind === Kind.LIST) node.values.forEach((v, i) => walkUntypedLiteral(v, `${path}[${i}]`, variable));
  else if (node.kind === Kind.OBJECT) {
    for (const f of node.fields) {
      checkStorable(`${path} key`, f.name.value);
      walkUntypedLiteral(f.value, `${path}.${f.name.value}`, variable);
    }
  } else if (node.kind === Kind.VARIABLE) {
    const found = variable.find(node.name.value);
    if (found !== undefined && 'value' in found) walkUntyped(found.value, path);
  }
}

/** A request's variables, else the operation's defaults (a class: no closure made per request). */
class RequestVariables implements VariableLookup {
  constructor(
    private readonly given: Record<string, unknown>,
    private readonly defaults: ReadonlyMap<string, ValueNode>,
  ) {}

  find(name: string): { value: unknown } | { literal: ValueNode } | undefined {
    if (Object.hasOwn(this.given, name)) return { value: this.given[name] };
    const literal = this.defaults.get(name);
    return literal === undefined ? undefined : { literal };
  }
}

/** An argument of the document whose value holds a variable: checked again with each request's variables. */
interface VariableArgument {
  value: ValueNode;
  type: GraphQLInputType;
  name: string;
  maxItems: number;
}

/**
 * What checking a document's arguments needs that does not depend on the
 * variables, worked out once per document (yoga hands the same DocumentNode
 * to every request with the same text): the variables' defaults, and the
 * arguments that hold a variable, in document order. `staticFailure`: a
 * default or a literal argument fails on its own; the full walk then runs
 * (and finds the same first failure) for every request with this document.
 */
interface ArgumentPlan {
  defaults: ReadonlyMap<string, ValueNode>;
  withVariables: readonly VariableArgument[];
  staticFailure: boolean;
}


function holdsVariable(node: ValueNode): boolean {
  if (node.kind === Kind.VARIABLE) return true;
  if (node.kind === Kind.LIST) return node.values.some(holdsVariable);
  if (node.kind === Kind.OBJECT) return node.fields.some((f) => holdsVariable(f.value));
  return false;
}

const planOf = perDocument(makePlan);

function makePlan(schema: GraphQLSchema, document: DocumentNode): ArgumentPlan {
  const defaults = new Map<string, ValueNode>();
  let staticFailure = false;
  const fails = (check: () => void): boolean => {
    try {
      check();
      return false;
    } catch (error) {
      if (error instanceof UserError) return true;
      throw error;
    }
  };
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const v of def.variableDefinitions ?? []) {
      if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
      const type = typeFromAST(schema, v.type);
      const defaultValue = v.defaultValue;
      if (defaultValue && type !== undefined && isInputType(type)) {
        if (fails(() => walkLiteral(defaultValue, type, `$${v.variable.name.value}`, DEFAULT_MAX_ITEMS, NO_VARIABLES))) staticFailure = true;
      }
    }
  }
  const withVariables: VariableArgument[] = [];
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (argument === null || argument === undefined) return false;
        const entry: VariableArgument = { value: node.value, type: argument.type, name: node.name.value, maxItems: maxItemsOf(argument.extensions) };
        if (holdsVariable(node.value)) withVariables.push(entry);
        else if (!staticFailure && fails(() => walkLiteral(entry.value, entry.type, entry.name, entry.maxItems, NO_VARIABLES))) staticFailure = true;
        return false;
      },
    }),
  );
  return { defaults, withVariables, staticFailure };
}

/**
 * The BAD_USER_INPUT error of the first argument that cannot be used, or
 * none. Paths are the argument's name and the place inside it
 * (`input.testcase`, `filter.outcome`, `ids`), as the recorder's own checks
 * name them.
 *
 * What does not depend on the variables is checked once per document (see
 * `ArgumentPlan`); the arguments that hold variables are walked for every
 * request, with its variables.
 */
export function checkArguments(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] {
  const plan = planOf(schema, document);
  if (plan.staticFailure) return checkArgumentsFully(schema, document, variables);
  if (plan.withVariables.length === 0) return [];
  const variable = new RequestVariables(variables ?? {}, plan.defaults);
  for (const argument of plan.withVariables) {
    try {
      walkLiteral(argument.value, argument.type, argument.name, argument.maxItems, variable);
    } catch (error) {
      return [asGraphQLError(error)];
    }
  }
  return [];
}

/** Every default and argument of the document, walked with the request's variables (a document whose literals fail). */
function checkArgumentsFully(
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
          walkLiteral(v.defaultValue, type, `$${v.variable.name.value}`, DEFAULT_MAX_ITEMS, NO_VARIABLES);
        } catch (error) {
          return [asGraphQLError(error)];
        }
      }
    }
  }
  const variable = new RequestVariables(given, defaults);
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
