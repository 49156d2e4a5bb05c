/**
 * Depth and cost limits, checked for each request just before it runs, so an
 * expensive query is refused before it touches the database. Cost counts one
 * per field, times the page size of every connection it sits under (`first`,
 * default 50).
 *
 * Not a validation rule: yoga caches validation by document text, and the
 * cost depends on the variables (`first: $n`), so a cached "valid" would let
 * the same document through with a larger `$n`.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE } from './pagination.ts';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

/** What a selection set adds below the level it sits at. */
interface Measure {
  depth: number;
  cost: number;
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
): number {
  if (!value) return DEFAULT_PAGE;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
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

/** How deep and how costly `operation` is with these variables. */
function measureOperation(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | undefined,
): Measure {
  const defaults = new Map<string, ValueNode>();
  for (const v of operation.variableDefinitions ?? []) {
    if (v.defaultValue) defaults.set(v.variable.name.value, v.defaultValue);
  }
  // Each fragment is measured once: a fragment spread many times (or
  // spreading others many times) must not cost exponential time here, or the
  // limit itself would be the denial of service.
  const measured = new Map<string, Measure>();
  const inProgress = new Set<string>();
  const fragment = (name: string): Measure => {
    const known = measured.get(name);
    if (known) return known;
    const definition = fragments.get(name);
    // Unknown fragments and cycles are refused by validation before this runs.
    if (!definition || inProgress.has(name)) return { depth: 0, cost: 0 };
    inProgress.add(name);
    const result = measure(definition.selectionSet);
    inProgress.delete(name);
    measured.set(name, result);
    return result;
  };
  /** Depth in levels of fields: 1 for a set of leaves. */
  const measure = (set: SelectionSetNode): Measure => {
    let depth = 0;
    let cost = 0;
    for (const sel of set.selections) {
      let inner: Measure;
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        const first = sel.arguments?.find((a) => a.name.value === 'first');
        const hasEdges =
          sel.selectionSet?.selections.some(
            (s) => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'pageInfo'),
          ) ?? false;
        const multiplier = first !== undefined || hasEdges ? Math.max(1, firstArg(first?.value, variables, defaults)) : 1;
        const below = sel.selectionSet ? measure(sel.selectionSet) : { depth: 0, cost: 0 };
        inner = { depth: 1 + below.depth, cost: 1 + multiplier * below.cost };
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(sel.selectionSet);
      } else {
        inner = fragment(sel.name.value);
      }
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    }
    return { depth, cost };
  };
  return measure(operation.selectionSet);
}

/**
 * The QUERY_TOO_COMPLEX errors of the operation a request runs, with the
 * request's variables; none when it is within the limits.
 */
export function checkQueryLimits(
  limits: QueryLimits,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION) operations.push(def);
  }
  const operation =
    operationName == null ? (operations.length === 1 ? operations[0] : undefined) : operations.find((o) => o.name?.value === operationName);
  // Which operation to run is for execution to complain about.
  if (operation === undefined) return [];
  const { depth, cost } = measureOperation(operation, fragments, variables ?? undefined);
  const errors: GraphQLError[] = [];
  if (depth > limits.maxDepth) {
    errors.push(
      new GraphQLError(`query is ${depth} levels deep; at most ${limits.maxDepth} are allowed`, {
        nodes: [operation],
        extensions: { code: 'QUERY_TOO_COMPLEX' },
      }),
    );
  }
  if (cost > limits.maxCost) {
    const shown = Number.isFinite(cost) && cost < 1e15 ? String(cost) : 'more than 10^15';
    errors.push(
      new GraphQLError(
        `query would cost about ${shown} (fields times page sizes); at most ${limits.maxCost} is allowed; ask for smaller pages`,
        { nodes: [operation], extensions: { code: 'QUERY_TOO_COMPLEX' } },
      ),
    );
  }
  return errors;
}
