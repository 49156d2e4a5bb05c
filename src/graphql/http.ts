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
 * `Origin` header: CORS), bodies whose Content-Length is over the size limit
 * (yoga answers 413 without reading them), and bodies that are not a plain
 * `{ query, variables?, operationName? }` object (yoga has the error messages
 * for those: the body, already read, is passed on to it), as are
 * subscriptions, which yoga refuses over plain JSON.
 *
 * A POST /graphql whose body comes without a Content-Length (chunked) is read
 * here whatever its headers, counting bytes: yoga, past the limit, stops
 * reading and closes, so the client still sending got a connection reset
 * instead of the 413. Past the limit this reads on to the end, discarding
 * (the request timeout bounds how long), and answers yoga's 413.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGraphQLError, processRegularResult } from 'graphql-yoga';
import { type ServerContext, withHttpStatus, type Yoga } from './yoga.ts';

const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

interface Params {
  query: string;
  variables?: Record<string, unknown> | undefined;
  operationName?: string | undefined;
}

/** A POST /graphql with a body of no stated length: read here, counting bytes (see above). */
function isChunkedPost(req: IncomingMessage, path: string): boolean {
  return req.method === 'POST' && path === '/graphql' && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] !== undefined;
}

/** Whether the headers ask for what the short road answers: plain JSON in, plain JSON out. */
function plainJsonRequest(req: IncomingMessage): boolean {
  const { headers } = req;
  return headers.accept === 'application/json' && headers.origin === undefined && JSON_TYPE.test(headers['content-type'] ?? '');
}

/** Whether the request takes the short road, from its headers alone. */
export function takesShortRoad(req: IncomingMessage, path: string, maxBodyBytes: number): boolean {
  if (isChunkedPost(req, path)) return true;
  const length = req.headers['content-length'];
  return (
    req.method === 'POST' &&
    path === '/graphql' &&
    plainJsonRequest(req) &&
    req.headers['transfer-encoding'] === undefined &&
    length !== undefined &&
    /^\d+$/.test(length) &&
    Number(length) <= maxBodyBytes
  );
}

/** The body, or undefined when it is over `max` bytes (then read to its end and dropped). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size > max ? undefined : chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Yoga's own answer to a body over its limit, in the media type the client accepts. */
function tooLarge(yoga: Yoga, req: IncomingMessage): Response {
  const error = createGraphQLError('Request body too large', { extensions: { http: { status: 413 }, code: 'REQUEST_ENTITY_TOO_LARGE' } });
  const type = req.headers.accept === 'application/json' ? 'application/json' : 'application/graphql-response+json';
  return processRegularResult({ errors: [error] }, yoga.fetchAPI, type);
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
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    // The body is handed over whole: its framing is the new Request's own.
    if (/^(transfer-encoding|content-length)$/i.test(name)) continue;
    pairs.push([name, raw[i + 1] ?? '']);
  }
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
export async function shortRoad(yoga: Yoga, req: IncomingMessage, res: ServerResponse, maxBodyBytes: number, reqId?: string): Promise<void> {
  const body = await readBody(req, maxBodyBytes);
  if (body === undefined) return send(res, tooLarge(yoga, req));
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/graphql'}`;
  // The full road, with the body already read.
  const fullRoad = async (): Promise<void> =>
    send(res, await yoga.fetch(new yoga.fetchAPI.Request(url, { method: 'POST', headers: requestHeaders(req), body: body.toString('utf8') }), { reqId }));
  const params = plainJsonRequest(req) ? plainParams(body) : undefined;
  // Yoga says what is wrong with it.
  if (params === undefined) return fullRoad();
  const request = new yoga.fetchAPI.Request(url, { method: 'POST', headers: requestHeaders(req) });
  const serverContext: ServerContext = { reqId };
  const result = await yoga.getResultForParams({ params, request }, serverContext);
  if (result === undefined) throw new Error('yoga gave no result for a GraphQL request');
  if (Symbol.asyncIterator in result) {
    // A subscription: yoga refuses it over plain JSON and says what it would take.
    await result[Symbol.asyncIterator]().return?.();
    return fullRoad();
  }
  await send(res, processRegularResult(withHttpStatus(result), yoga.fetchAPI, 'application/json'));
}
