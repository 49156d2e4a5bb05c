/**
 * The yoga instance, built apart from any listening server so tests can call
 * `yoga.fetch(...)` in-process. Expected errors keep their code; anything
 * else is masked.
 */
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { UserError } from '../errors.ts';
import { type Context, createContext, type Services } from './context.ts';
import { type QueryLimits, queryLimitsRule } from './limits.ts';
import { buildSchema } from './schema/index.ts';
import { allOutcomes } from '../config.ts';

export type ServerContext = {
  /** Set for graphql-ws operations: the `connectionParams` of the socket. */
  connectionParams?: Record<string, unknown> | undefined;
};

export type Yoga = YogaServerInstance<ServerContext, Context>;

function toGraphQLError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof UserError) {
    return new GraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
    });
  }
  if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)) {
    const bad = /got invalid value|does not exist in "Outcome" enum|Expected type|Expected value of type|is not defined|was not provided/.test(error.message);
    if (bad && error.extensions.code === undefined) {
      return new GraphQLError(error.message, { nodes: error.nodes, path: error.path, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
    }
    return error;
  }
  console.error('resultsbus: unexpected error', original);
  return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/** Adds the list of allowed outcomes to graphql-js's "does not exist in Outcome enum" errors. */
function explainOutcomeErrors(outcomes: readonly string[]): Plugin {
  const allowed = `Allowed outcomes: ${outcomes.join(', ')}.`;
  const rewrite = (e: Error): Error =>
    e instanceof GraphQLError && e.message.includes('"Outcome" enum') && !e.message.includes('Allowed outcomes')
      ? new GraphQLError(`${e.message} ${allowed}`, { nodes: e.nodes, path: e.path, extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } })
      : e;
  return {
    onValidate: () => ({ result, setResult }) => {
      if (result.length > 0) setResult(result.map(rewrite));
    },
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        if ('errors' in result && result.errors) setResult({ ...result, errors: result.errors.map(rewrite) });
      },
    }),
  };
}

function limitQueries(limits: QueryLimits): Plugin {
  return {
    onValidate: ({ addValidationRule, context }) => {
      // yoga (and our graphql-ws bridge) put the request's params on the context.
      const variables = (context as { params?: { variables?: Record<string, unknown> } }).params?.variables;
      addValidationRule(queryLimitsRule(limits, variables));
    },
  };
}

export function createYogaApp(services: Services): Yoga {
  const outcomes = allOutcomes(services.config);
  const schema = buildSchema({ outcomes, maxBatch: services.config.maxBatch });
  const limits = { maxDepth: services.config.maxQueryDepth, maxCost: services.config.maxQueryCost };
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'resultsbus', subscriptionsProtocol: 'WS' },
    logging: 'warn',
    context: ({ request, connectionParams }) => {
      const fromWs = connectionParams?.['authorization'] ?? connectionParams?.['Authorization'];
      const authorization = request?.headers.get('authorization') ?? (typeof fromWs === 'string' ? fromWs : null);
      return createContext(services, authorization);
    },
    maskedErrors: { maskError: toGraphQLError },
    plugins: [explainOutcomeErrors(outcomes), limitQueries(limits)],
  });
}
