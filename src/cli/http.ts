/** Talks to a resultsbus API over HTTP, with RESULTSBUS_URL and RESULTSBUS_TOKEN. */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { CliError } from './args.ts';

/** Where the CLI sends requests. @default "http://127.0.0.1:4000" */
export function apiUrl(env: Record<string, string | undefined> = process.env): string {
  const base = env['RESULTSBUS_URL'] || 'http://127.0.0.1:4000';
  return base.endsWith('/graphql') ? base : `${base.replace(/\/+$/, '')}/graphql`;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export async function request<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  env: Record<string, string | undefined> = process.env,
): Promise<TData> {
  const url = apiUrl(env);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  const token = env['RESULTSBUS_TOKEN'];
  if (token) headers['authorization'] = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: print(document), variables }) });
  } catch (error) {
    throw new CliError(`cannot reach ${url}: ${(error as Error).cause ?? (error as Error).message}; is the server running (resultsbus serve) and RESULTSBUS_URL right?`, 1);
  }
  let body: GraphQLResponse<TData>;
  try {
    body = (await response.json()) as GraphQLResponse<TData>;
  } catch {
    throw new CliError(`${url} answered HTTP ${response.status} without a GraphQL response`, 1);
  }
  if (body.errors && body.errors.length > 0) {
    const lines = body.errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`);
    if (body.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED') && !token) {
      lines.push('set RESULTSBUS_TOKEN to a token from `resultsbus token create NAME` (or the one `serve` printed first)');
    }
    throw new CliError(lines.join('\n'), 1);
  }
  if (!body.data) throw new CliError(`${url} answered HTTP ${response.status} with no data`, 1);
  return body.data;
}
