/**
 * The plumbing of ResultsDB's REST API: its answers, its two error shapes,
 * and the request's own URL (which its paging links and `href`s are built
 * from, as ResultsDB builds them from Flask's `request.url`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * One entry of ResultsDB's `validation_error` list (pydantic's error, with
 * the keys ResultsDB keeps but `url`, which names a pydantic release).
 */
export interface ValidationIssue {
  loc: string[];
  msg: string;
  type: string;
  input: unknown;
}

/**
 * A refusal with ResultsDB's status and body: `{"message": ...}` for what
 * its controllers refuse, `{"validation_error": [...]}` for what its
 * pydantic parsers refuse.
 */
export class RestError extends Error {
  override name = 'RestError';
  constructor(
    readonly status: number,
    readonly body: { message: string } | { validation_error: ValidationIssue[] },
    readonly headers: Record<string, string> = {},
  ) {
    super('message' in body ? body.message : body.validation_error.map((e) => `${e.loc.join('.')}: ${e.msg}`).join('; '));
  }
}

export function refuse(status: number, message: string, headers?: Record<string, string>): RestError {
  return new RestError(status, { message }, headers);
}

/** A pydantic-style refusal: 400 with every issue found. */
export function invalid(issues: ValidationIssue[]): RestError {
  return new RestError(400, { validation_error: issues });
}

/** What a handler answers: a status and a JSON body. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function sendJson(res: ServerResponse, answer: Answer, head: boolean): void {
  const text = `${JSON.stringify(answer.body)}\n`;
  res
    .writeHead(answer.status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...answer.headers,
    })
    .end(head ? undefined : text);
}

/** The request as the API sees it: method, normalised path, query and the URL links are made from. */
export interface RestRequest {
  method: string;
  /** The path below `/api/v2.0`, doubled slashes merged, still percent-encoded: `/results/latest`. */
  path: string;
  query: URLSearchParams;
  /** `http://HOST/api/v2.0`: the base of every `href`. */
  base: string;
  /** The whole URL as the client asked for it (its paging links keep every parameter). */
  url: string;
  /** The `Authorization` header. */
  authorization: string | null;
  raw: IncomingMessage;
}

/** Where the API lives. */
export const PREFIX = '/api/v2.0';

/** The path with runs of slashes merged: clients build URLs by concatenation (`//api/v2.0/results`). */
export function mergeSlashes(path: string): string {
  return path.replace(/\/{2,}/g, '/');
}

/** Whether a request path belongs to the REST API. */
export function isRestPath(path: string): boolean {
  const merged = mergeSlashes(path);
  return merged === PREFIX || merged.startsWith(`${PREFIX}/`);
}
