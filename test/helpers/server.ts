/**
 * A running resultsbus for one test: its own database, a free port, a token,
 * and helpers to talk to it over HTTP and graphql-ws the way clients do.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type Client, createClient } from 'graphql-ws';
import { print } from 'graphql';
import WebSocket from 'ws';
import { App } from '../../src/app.ts';
import type { Dashboard } from '../../src/dashboard/assets.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { loadConfig } from '../../src/config.ts';
import { type Logger, silentLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: string; field?: string } }>;
}

export interface RequestOptions {
  /** The bearer token to send; `null` sends none. @default the server's token */
  token?: string | null;
}

export interface TestServer {
  app: App;
  database: TestDatabase;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `ws://127.0.0.1:<port>/graphql` */
  wsUrl: string;
  /** A valid bearer token. */
  token: string;
  /** POSTs one operation to /graphql and returns the parsed response, errors included. */
  gql<TData = Record<string, unknown>, TVars = Record<string, unknown>>(
    document: string | TypedDocumentNode<TData, TVars>,
    variables?: TVars,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<TData>>;
  /** Like `gql`, but fails the test on errors and returns `data`. */
  data<TData = Record<string, unknown>, TVars = Record<string, unknown>>(
    document: string | TypedDocumentNode<TData, TVars>,
    variables?: TVars,
    options?: RequestOptions,
  ): Promise<TData>;
  /** A graphql-ws client on this server; closed with the server. */
  wsClient(): Client;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Extra environment for `loadConfig` (PORT is always 0). */
  env?: Record<string, string>;
  /** Subscription poll interval without notifications. @default 1000 */
  pollMs?: number;
  onQuery?: (query: string) => void;
  poolSize?: number;
  /** Where the app and its bridge log. @default nowhere */
  logger?: Logger;
  /** The built dashboard to serve. @default the checkout's dist/web */
  dashboard?: Dashboard;
}

export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await createTestDatabase({ onQuery: options.onQuery, poolSize: options.poolSize });
  // The bridge only where a test asks for it, and then on ports of its own.
  const config = loadConfig({
    RESULTSBUS_BRIDGE: 'off',
    RESULTSBUS_FEDMSG_ENDPOINT: 'tcp://127.0.0.1:*',
    RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: 'tcp://127.0.0.1:*',
    // Test subscribers connect after the start, not during it.
    RESULTSBUS_FEDMSG_POST_INIT_SLEEP_MS: '0',
    ...options.env,
    HOST: '127.0.0.1',
    PORT: '0',
  });
  const token = await createToken(database.db, 'test');
  const app = await App.create({ config, database, pollMs: options.pollMs, logger: options.logger ?? silentLogger(), dashboard: options.dashboard });
  let url: string;
  try {
    url = await app.start();
  } catch (error) {
    await app.stop();
    await database.dispose();
    throw error;
  }
  const wsUrl = `${url.replace(/^http/, 'ws')}/graphql`;
  const clients: Client[] = [];

  const gql: TestServer['gql'] = async (document, variables, requestOptions = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    const bearer = requestOptions.token === undefined ? token : requestOptions.token;
    if (bearer !== null) headers['authorization'] = `Bearer ${bearer}`;
    const query = typeof document === 'string' ? document : print(document);
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return (await response.json()) as GraphQLResponse<never>;
  };

  return {
    app,
    database,
    url,
    wsUrl,
    token,
    gql,
    async data(document, variables, requestOptions) {
      const response = await gql(document, variables, requestOptions);
      if (response.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
      if (!response.data) throw new Error('GraphQL response without data');
      return response.data;
    },
    wsClient() {
      const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.stop();
      await database.dispose();
    },
  };
}

/** Collects the next `n` values of a subscription (or fewer, when it ends), failing after `timeoutMs`. */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  n: number,
  timeoutMs = 30_000,
): Promise<T[]> {
  const got: T[] = [];
  return new Promise((resolve, reject) => {
    let dispose = (): void => {};
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`subscription gave ${got.length} of ${n} values within ${timeoutMs} ms`));
    }, timeoutMs);
    dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) {
            clearTimeout(timer);
            dispose();
            reject(new Error(JSON.stringify(value.errors)));
            return;
          }
          got.push(value.data as T);
          if (got.length === n) {
            clearTimeout(timer);
            dispose();
            resolve(got);
          }
        },
        error: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => {
          clearTimeout(timer);
          resolve(got);
        },
      },
    );
  });
}
