/**
 * The yoga instance, built apart from any listening server so tests can call
 * `yoga.fetch(...)` in-process. Expected errors keep their code; anything
 * else is masked.
 */
import { type DocumentNode, type ExecutionArgs, type ExecutionResult, GraphQLError, Kind, type ValueNode, visit } from 'graphql';
import type { Config } from '../config.ts';
import { createYoga, type Plugin, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';
import { describeFault, isDatabaseFault } from '../db/faults.ts';
import { type Logger, silentLogger } from '../log.ts';
import { UserError } from '../errors.ts';
import { type Context, createContext, type Services } from './context.ts';
import { shareSubscriptionEvents } from './events.ts';
import { renderGraphiQLPage } from './graphiql.ts';
import { checkArguments } from './inputs.ts';
import { checkQueryLimits, type ParseLimits, parseWithinLimits, type QueryLimits } from './limits.ts';
import { buildSchema } from './schema/index.ts';
import { allOutcomes } from '../config.ts';

export type ServerContext = {
  /** Set for graphql-ws operations: the `connectionParams` of the socket. */
  connectionParams?: Record<string, unknown> | undefined;
  /** Set for HTTP requests: the id the client gets back in `x-request-id` (src/app.ts). */
  reqId?: string | undefined;
};

export type Yoga = YogaServerInstance<ServerContext, Context>;

function toGraphQLError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof UserError) {
    // Already coded (see UserError.extensions): returning the same error tells yoga it is not masked, so it is not logged.
    if (error instanceof GraphQLError && error.extensions['code'] === original.code) return error;
    return new GraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: original.code, ...(original.field ? { field: original.field } : {}) },
    });
  }
  if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)) {
    const bad = /got invalid value|does not exist in "Outcome" enum|Expected type|Expected value of type|is not defined|was not provided|must not be null/.test(error.message);
    if (bad && error.extensions.code === undefined) {
      // Coded in place: a new error object would be taken for a masked one and logged as unexpected.
      error.extensions['code'] = 'BAD_USER_INPUT';
    }
    return error;
  }
  if (isDatabaseFault(original)) return databaseUnavailable();
  return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

/**
 * The answer to a request the database could not serve (down, restarting,
 * cut off, too busy): status 503 with Retry-After, and a code clients may
 * retry on (README, "Retrying"). The driver's text stays in the log.
 */
function databaseUnavailable(): GraphQLError {
  return new GraphQLError('the database is not available right now (restarting, unreachable or overloaded); retry in a moment', {
    extensions: { code: 'DATABASE_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': '1' } } },
  });
}

/**
 * Where a value sits among the arguments of `document`, as a path like
 * `input.outcome`, `inputs[1]` or `filter.outcome[0]`.
 */
function argumentPath(document: DocumentNode, isTarget: (value: ValueNode) => boolean): string | undefined {
  let found: string | undefined;
  const walk = (value: ValueNode, path: string): void => {
    if (found !== undefined) return;
    if (isTarget(value)) found = path;
    else if (value.kind === Kind.OBJECT) for (const f of value.fields) walk(f.value, `${path}.${f.name.value}`);
    else if (value.kind === Kind.LIST) value.values.forEach((v, i) => walk(v, `${path}[${i}]`));
  };
  visit(document, {
    Argument(node) {
      walk(node.value, node.name.value);
    },
  });
  return found;
}

/**
 * The input field a graphql-js enum error is about: the literal's place in
 * the arguments, or, for a variable, the place the variable is used plus the
 * path inside it that graphql-js reports (`at "i[1].outcome"`).
 */
function enumErrorField(error: GraphQLError, document: DocumentNode): string | undefined {
  const variable = /^Variable "\$([_A-Za-z]\w*)" got invalid value /.exec(error.message)?.[1];
  if (variable !== undefined) {
    const inside = new RegExp(` at "${variable}((?:\\.|\\[)[^"]*)"; `).exec(error.message)?.[1] ?? '';
    const usage = argumentPath(document, (v) => v.kind === Kind.VARIABLE && v.name.value === variable);
    return usage === undefined ? undefined : `${usage}${inside}`;
  }
  const node = error.nodes?.[0];
  return node === undefined ? undefined : argumentPath(document, (v) => v === node);
}

/**
 * Makes graphql-js's "does not exist in "Outcome" enum" errors say which
 * outcomes are allowed and which input field is at fault (`extensions.field`).
 */
function explainOutcomeErrors(outcomes: readonly string[]): Plugin {
  const allowed = `Allowed outcomes: ${outcomes.join(', ')}.`;
  const rewrite = (e: GraphQLError, document: DocumentNode): GraphQLError => {
    if (!e.message.includes('"Outcome" enum') || e.message.includes('Allowed outcomes')) return e;
    const field = enumErrorField(e, document);
    // A variable's message already names its path; a literal's does not.
    const named = field === undefined || e.message.startsWith('Variable ') ? e.message : `${field}: ${e.message}`;
    return new GraphQLError(`${named} ${allowed}`, {
      nodes: e.nodes,
      path: e.path,
      extensions: { ...e.extensions, code: 'BAD_USER_INPUT', ...(field === undefined ? {} : { field }) },
    });
  };
  return {
    onValidate: ({ params }) => ({ result, setResult }) => {
      if (result.length > 0) setResult(result.map((e) => rewrite(e, params.documentAST)));
    },
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        if ('errors' in result && result.errors) setResult({ ...result, errors: result.errors.map((e) => rewrite(e, args.document)) });
      },
    }),
  };
}

/**
 * Refuses operations over the alias, depth, cost or mutation limits, and
 * arguments the database could not take, before they run (queries,
 * mutations and subscriptions, over either HTTP road and graphql-ws).
 */
function limitQueries(limits: QueryLimits): Plugin {
  const check = ({ args, setResultAndStopExecution }: { args: ExecutionArgs; setResultAndStopExecution: (result: ExecutionResult) => void }) => {
    const variables = args.variableValues as Record<string, unknown> | null | undefined;
    const errors = checkQueryLimits(limits, args.schema, args.document, args.operationName, variables);
    if (errors.length === 0) errors.push(...checkArguments(args.schema, args.document, variables));
    if (errors.length > 0) setResultAndStopExecution({ errors });
  };
  return { onExecute: check, onSubscribe: check };
}

export interface YogaAppOptions {
  /** Where unexpected errors are logged, once each, with the request id. @default a logger that writes nothing */
  logger?: Logger;
  /** Plugins run after resultsbus's own (the metrics). @default [] */
  plugins?: Plugin[];
}

/**
 * Logs an error that reached an answer: an unexpected one as an error line
 * with its cause, a fault of the database as a warning (nobody's mistake, and
 * passing), a user's mistake at debug.
 */
export function logAnswerError(logger: Logger, error: unknown, reqId: string | undefined): void {
  const masked = toGraphQLError(error, 'Unexpected error.');
  const code = masked instanceof GraphQLError ? masked.extensions['code'] : undefined;
  const at = reqId === undefined ? {} : { reqId };
  if (code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error, ...at }, 'unexpected error');
  else if (code === 'DATABASE_UNAVAILABLE') logger.warn({ fault: describeFault(error), ...at }, 'a request failed: the database is unavailable');
  else logger.debug({ err: error, code, ...at }, 'user error');
}

/**
 * Yoga's logger on pino. Yoga calls `error` with an error whenever masking
 * changed it; that is also the case for a user's mistake that the masking
 * only gave its code to, so the masking itself says which errors were
 * unexpected. An error `logRequestErrors` logged already (with its request
 * id) is not logged again.
 */
function yogaLogging(logger: Logger, logged: WeakSet<object>): YogaLogger {
  const text = (args: unknown[]): string =>
    args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}` : JSON.stringify(a))).join(' ');
  return {
    // Yoga's debug lines are its own steps, two a request: trace, below our debug.
    debug: (...args: unknown[]) => {
      if (logger.isLevelEnabled('trace')) logger.trace(text(args));
    },
    info: (...args: unknown[]) => logger.info(text(args)),
    warn: (...args: unknown[]) => logger.warn(text(args)),
    error: (...args: unknown[]) => {
      for (const error of args) if (!(typeof error === 'object' && error !== null && logged.has(error))) logAnswerError(logger, error, undefined);
    },
  };
}

/**
 * Logs the unexpected errors and database faults of an operation's answer
 * with the request's id, where the context is at hand: before yoga masks
 * them (its masking runs after these plugins), for results, subscription
 * events and a subscription that fails. User mistakes are left to yoga's
 * masking, which logs the ones it changed at debug.
 */
function logRequestErrors(logger: Logger, logged: WeakSet<object>): Plugin {
  const log = (errors: readonly unknown[] | undefined, context: unknown): void => {
    if (errors === undefined) return;
    for (const error of errors) {
      if (typeof error !== 'object' || error === null || logged.has(error)) continue;
      const masked = toGraphQLError(error, 'Unexpected error.');
      const code = masked instanceof GraphQLError ? masked.extensions['code'] : undefined;
      if (code !== 'INTERNAL_SERVER_ERROR' && code !== 'DATABASE_UNAVAILABLE') continue;
      logged.add(error);
      logAnswerError(logger, error, (context as Partial<Context> | undefined)?.reqId);
    }
  };
  // One hook object for every request: nothing is made per request on the hot path.
  const afterExecute = {
    onExecuteDone: ({ args, result }: { args: { contextValue: unknown }; result: ExecutionResult | AsyncIterable<unknown> }) => {
      if ('errors' in result) log(result.errors, args.contextValue);
    },
  };
  return {
    onExecute: () => afterExecute,
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result }) => {
        if (!(Symbol.asyncIterator in result)) {
          log(result.errors, args.contextValue);
          return undefined;
        }
        return { onNext: ({ result: next }) => log(next.errors, args.contextValue) };
      },
      onSubscribeError: ({ error }) => log([error], args.contextValue),
    }),
  };
}

/**
 * Refuses documents that nest too deep or have too many tokens while they
 * are parsed (graphql-ws parses through the same hook); a parse that is
 * cached was within the limits when it was made.
 */
function limitParsing(limits: ParseLimits): Plugin {
  return {
    onParse: ({ setParseFn }) => {
      setParseFn((source, options) => parseWithinLimits(limits, source, options));
    },
  };
}

/**
 * A GET whose `variables` (or `extensions`) is not JSON: yoga's parser lets
 * the SyntaxError through, which would be masked as an internal error.
 */
function explainBadQueryString(): Plugin {
  return {
    onRequestParse: ({ requestParser, setRequestParser }) => {
      if (requestParser === undefined) return;
      const parser = requestParser;
      setRequestParser(async (request) => {
        try {
          return await parser(request);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new GraphQLError(
            `the request's parameters are not valid JSON (${error.message}); send variables as a URL-encoded JSON object, e.g. variables=%7B%22n%22%3A1%7D`,
            { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } },
          );
        }
      });
    },
  };
}

/**
 * UNAUTHENTICATED answers HTTP 401 (graphql-over-http allows it for this), with
 * the same body. Only for HTTP: yoga's result processing applies it, and the
 * short road calls this too; graphql-ws messages carry no status.
 */
export function withHttpStatus(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.some((e) => e.extensions['code'] === 'UNAUTHENTICATED')) return result;
  return {
    ...result,
    errors: result.errors.map((e) =>
      e.extensions['code'] === 'UNAUTHENTICATED'
        ? new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, extensions: { ...e.extensions, http: { status: 401 } } })
        : e,
    ),
  };
}

function unauthenticatedStatus(): Plugin {
  return {
    onResultProcess: ({ result, setResult }) => {
      if (!Array.isArray(result) && !(Symbol.asyncIterator in result)) setResult(withHttpStatus(result));
    },
  };
}

/** The limits of `config` on documents and operations. */
function limitsOf(config: Config): { parse: ParseLimits; query: QueryLimits } {
  return {
    parse: { maxTokens: config.maxQueryTokens, maxNesting: config.maxQueryNesting },
    query: { maxDepth: config.maxQueryDepth, maxCost: config.maxQueryCost, maxAliases: config.maxQueryAliases, maxMutations: config.maxMutations },
  };
}

export function createYogaApp(services: Services, options: YogaAppOptions = {}): Yoga {
  const outcomes = allOutcomes(services.config);
  const schema = buildSchema({ outcomes, maxBatch: services.config.maxBatch });
  const limits = limitsOf(services.config);
  const logger = options.logger ?? silentLogger();
  // Errors logged with their request id, which yoga's masking must not log again.
  const logged = new WeakSet<object>();
  const logging = yogaLogging(logger, logged);
  // What yoga's masking does with our maskError: logs the errors it changed.
  const maskShared = (error: GraphQLError, message: string): Error => {
    const masked = toGraphQLError(error, message);
    if (masked !== error) logging.error(error);
    return masked;
  };
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    maxRequestBodySize: services.config.maxBodyBytes,
    landingPage: false,
    graphiql: { title: 'resultsbus', subscriptionsProtocol: 'WS' },
    renderGraphiQL: renderGraphiQLPage,
    logging,
    context: ({ request, connectionParams, reqId }) => {
      const fromWs = connectionParams?.['authorization'] ?? connectionParams?.['Authorization'];
      const authorization = request?.headers.get('authorization') ?? (typeof fromWs === 'string' ? fromWs : null);
      return createContext(services, authorization, reqId);
    },
    maskedErrors: { maskError: toGraphQLError },
    plugins: [
      shareSubscriptionEvents({
        maskError: maskShared,
        callerOf: (context) => (context as Context).authorization,
        sinkOf: (context) => (context as Context).frames,
      }),
      logRequestErrors(logger, logged),
      limitParsing(limits.parse),
      explainBadQueryString(),
      explainOutcomeErrors(outcomes),
      limitQueries(limits.query),
      unauthenticatedStatus(),
      ...(options.plugins ?? []),
    ],
  });
}
