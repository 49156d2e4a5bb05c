/**
 * A shorter road through yoga for the request that makes up nearly all of the
 * traffic: `POST /graphql` with a JSON body and `Accept: application/json`,
 * as every task, the CLI and the bench send it.
 *
 * Yoga wraps each Node request in a fetch `Request` whose body goes through a
 * web stream (and a second one that counts bytes against the size limit),
 * runs its request parsers and validators, and writes the answer back through
 * a fetch `Response`: about a third of the server's CPU per `recordResult`.
 * Here the body is read as a Buffer, checked with the same rules, and handed
 * to yoga's own `getResultForParams`, which runs the same plugins (masked
 * errors, the limits, the outcome messages) and the same context; yoga's
 * `processRegularResult` makes the answer, status and headers included. So the
 * answer is the one yoga gives; only the plumbing around it is shorter.
 *
 * Anything else takes yoga's full road: other methods and media types, other
 * `Accept` values (with their own status rules), browsers' requests (an
 * `Origin` header: CORS), chunked bodies, bodies over the size limit, and
 * bodies that are not a plain `{ query, variables?, operationName? }` object
 * (yoga has the error messages for those: the body, already read, is passed
 * on to it), as are subscriptions, which yoga refuses over plain JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { processRegularResult } from 'graphql-yoga';
import { MAX_BODY_BYTES, type ServerContext, type Yoga } from './yoga.ts';


const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

interface Params {
  query: string;
  variables?: Record<string, unknown> | undefined;
  operationName?: string | undefined;
}

/** Whether the request may take the short road, from its headers alone. */
export function takesShortRoad(req: IncomingMessage, path: string): boolean {
  const { headers } = req;
  const length = headers['content-length'];
  return (
    req.method === 'POST' &&
    path === '/graphql' &&
    headers.accept === 'application/json' &&
    headers.origin === undefined &&
    headers['transfer-encoding'] === undefined &&
    JSON_TYPE.test(headers['content-type'] ?? '') &&
    length !== undefined &&
    /^\d+$/.test(length) &&
    Number(length) <= MAX_BODY_BYTES
  );
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The body as GraphQL parameters, when it is the plain shape; undefined otherwise. */
function plainParams(body: Buffer): Params | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  for (const key of Object.keys(record)) if (key !== 'query' && key !== 'variables' && key !== 'operationName') return undefined;
  const { query, variables, operationName } = record;
  if (typeof query !== 'string') return undefined;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  return {
    query,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: (operationName ?? undefined) as string | undefined,
  };
}

function requestHeaders(req: IncomingMessage): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return pairs;
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers).end(body);
}

/**
 * Answers a request that `takesShortRoad` accepted. Resolves once the answer
 * is written.
 */
export async function shortRoad(yoga: Yoga, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/graphql'}`;
  // The full road, with the body already read.
  const fullRoad = async (): Promise<void> =>
    send(res, await yoga.fetch(new yoga.fetchAPI.Request(url, { method: 'POST', headers: requestHeaders(req), body: body.toString('utf8') })));
  const params = plainParams(body);
  // Yoga says what is wrong with it.
  if (params === undefined) return fullRoad();
  const request = new yoga.fetchAPI.Request(url, { method: 'POST', headers: requestHeaders(req) });
  const serverContext: ServerContext = {};
  const result = await yoga.getResultForParams({ params, request }, serverContext);
  if (result === undefined) throw new Error('yoga gave no result for a GraphQL request');
  if (Symbol.asyncIterator in result) {
    // A subscription: yoga refuses it over plain JSON and says what it would take.
    await result[Symbol.asyncIterator]().return?.();
    return fullRoad();
  }
  await send(res, processRegularResult(result, yoga.fetchAPI, 'application/json'));
}
