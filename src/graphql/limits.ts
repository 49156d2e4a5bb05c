/**
 * Depth and cost limits, checked at validation so an expensive query is
 * refused before it touches the database. Cost counts one per field, times
 * the page size of every connection it sits under (`first`, default 50).
 */
import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE } from './pagination.ts';

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

function firstArg(value: ValueNode | undefined, variables: Record<string, unknown> | undefined): number {
  if (!value) return DEFAULT_PAGE;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = variables?.[value.name.value];
    return typeof v === 'number' ? v : DEFAULT_PAGE;
  }
  return DEFAULT_PAGE;
}

export function queryLimitsRule(limits: QueryLimits, variables?: Record<string, unknown>) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const measure = (set: SelectionSetNode, depth: number, seen: Set<string>): { depth: number; cost: number } => {
      let maxDepth = depth;
      let cost = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value.startsWith('__')) continue;
          const isConnection = sel.arguments?.some((a) => a.name.value === 'first') ?? false;
          const hasEdges = sel.selectionSet?.selections.some((s) => s.kind === Kind.FIELD && (s.name.value === 'edges' || s.name.value === 'pageInfo')) ?? false;
          const multiplier = isConnection || hasEdges ? Math.max(1, firstArg(sel.arguments?.find((a) => a.name.value === 'first')?.value, variables)) : 1;
          cost += 1;
          if (sel.selectionSet) {
            const inner = measure(sel.selectionSet, depth + 1, seen);
            maxDepth = Math.max(maxDepth, inner.depth);
            cost += multiplier * inner.cost;
          }
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const inner = measure(sel.selectionSet, depth, seen);
          maxDepth = Math.max(maxDepth, inner.depth);
          cost += inner.cost;
        } else {
          const name = sel.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue;
          const inner = measure(fragment.selectionSet, depth, new Set([...seen, name]));
          maxDepth = Math.max(maxDepth, inner.depth);
          cost += inner.cost;
        }
      }
      return { depth: maxDepth, cost };
    };
    return {
      OperationDefinition(node) {
        const { depth, cost } = measure(node.selectionSet, 1, new Set());
        if (depth > limits.maxDepth) {
          context.reportError(
            new GraphQLError(`query is ${depth} levels deep; at most ${limits.maxDepth} are allowed`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_COMPLEX' },
            }),
          );
        }
        if (cost > limits.maxCost) {
          context.reportError(
            new GraphQLError(
              `query would cost about ${cost} (fields times page sizes); at most ${limits.maxCost} is allowed; ask for smaller pages`,
              { nodes: [node], extensions: { code: 'QUERY_TOO_COMPLEX' } },
            ),
          );
        }
      },
    };
  };
}
