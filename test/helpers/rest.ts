/** Talking to a test server's ResultsDB REST API the way Greenwave and resultsdb_api do: plain HTTP and JSON. */
import type { TestServer } from './server.ts';

export interface RestResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body (undefined for an empty one). */
  body: unknown;
  text: string;
}

export interface RestOptions {
  /** The bearer token to send; `null` sends none. @default the server's token for POSTs, none for GETs */
  token?: string | null;
  /** A raw body instead of JSON of `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

/** `path` is appended to the server's URL as it is (so `//api/v2.0/...` stays doubled). */
export async function rest(server: TestServer, method: string, path: string, body?: unknown, options: RestOptions = {}): Promise<RestResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const token = options.token === undefined ? (method === 'POST' ? server.token : null) : options.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  let payload: string | undefined;
  if (options.raw !== undefined) payload = options.raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${server.url}${path}`, { method, headers, body: payload, redirect: 'manual' });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : (JSON.parse(text) as unknown), text };
}

export const get = (server: TestServer, path: string, options?: RestOptions): Promise<RestResponse> => rest(server, 'GET', path, undefined, options);
export const post = (server: TestServer, path: string, body: unknown, options?: RestOptions): Promise<RestResponse> =>
  rest(server, 'POST', path, body, options);
