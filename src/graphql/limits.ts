/**
 * Size, depth and cost limits, so an expensive request is refused before it
 * touches the database. Nesting and tokens are checked on the text, before
 * and while it is parsed (`parseWithinLimits`); aliases, depth, cost and the
 * number of mutations just before the operation runs. Cost counts one per
 * field (`extensions.cost` for a field that reads the database on its own,
 * `DATABASE_READ`), times the page size of every connection it sits under
 * (`first`, default 50).
 *
 * Not a validation rule: yoga caches validation by document text, and the
 * cost depends on the variables (`first: $n`), so a cached "valid" would let
 * the same document through with a larger `$n`.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getNamedType,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLSchema,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  parse,
  type ParseOptions,
  type SelectionSetNode,
  type Source,
  type ValueNode,
  visit,
} from 'graphql';
import { perDocument } from './memo.ts';
import { DEFAULT_PAGE } from './pagination.ts';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
  /** Aliases in the whole document. */
  maxAliases: number;
  /** Root fields of a mutation operation. */
  maxMutations: number;
}

/** The limits checked on a document's text, before and while it is parsed. */
export interface ParseLimits {
  maxTokens: number;
  maxNesting: number;
}

/**
 * What a field whose resolver runs a statement of its own (per parent, not
 * batched by a loader) adds to a query's cost, set as `extensions.cost` on
 * the field. Ten: a scalar is one, and an aliased database read is what made
 * thousands of `item` or `bridgeStatus` aliases take seconds.
 */
export const DATABASE_READ = { cost: 10 } as const;

function tooComplex(message: string, operation?: OperationDefinitionNode): GraphQLError {
  return new GraphQLError(message, { ...(operation ? { nodes: [operation] } : {}), extensions: { code: 'QUERY_TOO_COMPLEX' } });
}

/**
 * How deep `{`, `[` and `(` nest in a document's text, outside strings and
 * comments; stops counting past `max`. The parser is recursive: thousands of
 * levels would overflow its stack before any limit on the parsed document
 * could look at it.
 */
export function nestingDepth(text: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < n && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22 /* " */) {
      if (text.startsWith('"""', i)) {
        i += 3;
        while (i < n && !text.startsWith('"""', i)) i += text.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        i++;
        while (i < n && text.charCodeAt(i) !== 0x22 && text.charCodeAt(i) !== 0x0a) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      }
    } else if (c === 0x7b || c === 0x5b || c === 0x28) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      depth = Math.max(0, depth - 1);
    }
    i++;
  }
  return deepest;
}

/**
 * graphql-js's `parse`, refusing a document that nests deeper than
 * `maxNesting` (checked on the text first) or has more than `maxTokens`
 * tokens (graphql-js stops lexing there), with QUERY_TOO_COMPLEX.
 */
export function parseWithinLimits(limits: ParseLimits, source: string | Source, options?: ParseOptions): DocumentNode {
  const text = typeof source === 'string' ? source : source.body;
  if (nestingDepth(text, limits.maxNesting) > limits.maxNesting) {
    throw tooComplex(`query nests brackets more than ${limits.maxNesting} levels deep; at most ${limits.maxNesting} are allowed`);
  }
  try {
    return parse(source, { ...options, maxTokens: limits.maxTokens });
  } catch (error) {
    if (error instanceof GraphQLError && /contains more tha[nt] \d+ tokens/.test(error.message)) {
      throw tooComplex(`query has more than ${limits.maxTokens} tokens; at most ${limits.maxTokens} are allowed; send large inputs as variables`);
    }
    throw error;
  }
}

/** What a selection set adds below the level it sits at. */
interface Measure {
  depth: number;
  cost: number;
}

interface OperationMeasure extends Measure {
  rootFields: number;
}

/**
 * The page size a connection field will use: its literal `first`, or the
 * variable's value, or the variable's default in the operation, or the
 * server's default page.
 */
function firstArg(
  value: ValueNode | undefined,
  variables: Record<string, unknown> | undefined,
  defaults: ReadonlyMap<string, ValueNode>,
  usesVariable: () => void,
): number {
  if (!value) return DEFAULT_PAGE;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    usesVariable();
    const name = value.name.value;
    if (variables !== undefined && Object.hasOwn(variables, name)) {
      const v = variables[name];
      return typeof v === 'number' ? v : DEFAULT_PAGE;
    }
    const fallback = defaults.get(name);
    return fallback?.kind === Kind.INT ? Number(fallback.value) : DEFAULT_PAGE;
  }
  return DEFAULT_PAGE;
}

/**
 * How deep and how costly `operation` is with these variables, and how many
 * root fields it runs; `variablesMatter`: whether a variable's value went
 * into it (a page size `first: $n`), else it holds for any variables.
 */
function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | undefined,
): OperationMeasure & { variablesMatter: boolean } {
  let variablesMatter = false;
  const usesVariable = (): void => {
    variablesMatter = true;
  };
  const defaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) {
    if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  }
  const typeNamed = (name: string | undefined, fallback: GraphQLCompositeType | undefined): GraphQLCompositeType | undefined => {
    if (name === undefined) return fallback;
    const type = schema.getType(name);
    return type !== undefined && isCompositeType(type) ? type : undefined;
  };
  // Each fragment is measured once: a fragment spread many times (or
  // spreading others many times) must not cost exponential time here, or the
  // limit itself would be the denial of service. Its type condition fixes the
  // type it is measured on.
  const measured = new Map<string, Measure & { fields: number }>();
  const inProgress = new Set<string>();
  const fragment = (name: string): Measure & { fields: number } => {
    const known = measured.get(name);
    if (known) return known;
    const definition = fragments.get(name);
    // Unknown fragments and cycles are refused by validation before this runs.
    if (!definition || inProgress.has(name)) return { depth: 0, cost: 0, fields: 0 };
    inProgress.add(name);
    const result = measure(definition.selectionSet, typeNamed(definition.typeCondition.name.value, undefined));
    inProgress.delete(name);
    measured.set(name, result);
    return result;
  };
  /** Depth in levels of fields: 1 for a set of leaves; `fields`: the fields at this level, through fragments. */
  const measure = (set: SelectionSetNode, parent: GraphQLCompositeType | undefined): Measure & { fields: number } => {
    let depth = 0;
    let cost = 0;
    let fields = 0;
    for (const sel of set.selections) {
      let inner: Measure;
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        fields += 1;
        const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[sel.name.value] : undefined;
        const declared = definition?.extensions['cost'];
        const own = typeof declared === 'number' ? declared : 1;
        const child = definition === undefined ? undefined : getNamedType(definition.type);
        const first = sel.arguments?.find((a) => a.name.value === 'first');
        const hasEdges =
          sel.selectionSet?.selections.some(
            (s) => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'pageInfo'),
          ) ?? false;
        const multiplier = first !== undefined || hasEdges ? Math.max(1, firstArg(first?.value, variables, defaults, usesVariable)) : 1;
        const below = sel.selectionSet ? measure(sel.selectionSet, child !== undefined && isCompositeType(child) ? child : undefined) : { depth: 0, cost: 0 };
        inner = { depth: 1 + below.depth, cost: own + multiplier * below.cost };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const within = measure(sel.selectionSet, typeNamed(sel.typeCondition?.name.value, parent));
        fields += within.fields;
        inner = within;
      } else {
        const within = fragment(sel.name.value);
        fields += within.fields;
        inner = within;
      }
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    }
    return { depth, cost, fields };
  };
  const root = measure(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
  return { depth: root.depth, cost: root.cost, rootFields: root.fields, variablesMatter };
}

function aliasCount(document: DocumentNode): number {
  let n = 0;
  visit(document, {
    Field(node) {
      if (node.alias !== undefined) n += 1;
    },
  });
  return n;
}

/**
 * What the limits need to know of a document apart from the variables,
 * worked out once per document (yoga hands the same DocumentNode to every
 * request with the same text): its operations and fragments, its aliases,
 * and each operation's measure when no variable goes into it.
 */
interface DocumentFacts {
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  operations: readonly OperationDefinitionNode[];
  aliases: number;
  /** By operation: its measure when it holds for any variables; absent until measured once. */
  measures: Map<OperationDefinitionNode, OperationMeasure | 'depends on variables'>;
}

const factsOf = perDocument((_schema: GraphQLSchema, document: DocumentNode): DocumentFacts => {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
  }
  return { fragments, operations, aliases: aliasCount(document), measures: new Map() };
});

/**
 * The QUERY_TOO_COMPLEX errors of the operation a request runs, with the
 * request's variables; none when it is within the limits.
 */
export function checkQueryLimits(
  limits: QueryLimits,
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] {
  const { fragments, operations, aliases, measures } = factsOf(schema, document);
  const operation =
    operationName == null ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
  // Which operation to run is for execution to complain about.
  if (operation === undefined) return [];
  const errors: GraphQLError[] = [];
  if (aliases > limits.maxAliases) {
    errors.push(tooComplex(`query uses ${aliases} aliases; at most ${limits.maxAliases} are allowed`, operation));
  }
  let measure = measures.get(operation);
  if (measure === undefined || measure === 'depends on variables') {
    const { variablesMatter, ...measured } = measureOperation(schema, operation, fragments, variables ?? undefined);
    if (measure === undefined) measures.set(operation, variablesMatter ? 'depends on variables' : measured);
    measure = measured;
  }
  const { depth, cost, rootFields } = measure;
  if (depth > limits.maxDepth) {
    errors.push(tooComplex(`query is ${depth} levels deep; at most ${limits.maxDepth} are allowed`, operation));
  }
  if (cost > limits.maxCost) {
    const shown = Number.isFinite(cost) && cost < 1e15 ? String(cost) : 'more than 10^15';
    errors.push(
      tooComplex(`query would cost about ${shown} (fields times page sizes); at most ${limits.maxCost} is allowed; ask for smaller pages`, operation),
    );
  }
  if (operation.operation === 'mutation' && rootFields > limits.maxMutations) {
    const shown = rootFields < 1e15 ? String(rootFields) : 'more than 10^15';
    errors.push(
      tooComplex(
        `request runs ${shown} mutations; at most ${limits.maxMutations} are allowed per request; record many results with one recordResults`,
        operation,
      ),
    );
  }
  return errors;
}
