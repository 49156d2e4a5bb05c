/**
 * The load generator's side of the API: GraphQL over HTTP, and the mutations
 * the bench sends; ResultsDB's REST API (POST a result, GET a read) on the
 * same connections.
 *
 * Transport. By default node:http with a keep-alive Agent (each concurrent
 * worker keeps reusing one connection). Node's fetch (undici, also keep-alive)
 * is available with BENCH_HTTP=fetch, but on this 2-core machine it costs the
 * client 0.3-1.5 ms of CPU per request against ~0.04 ms for node:http (measured
 * against a bare node:http server: fetch 1,700-2,400 requests/s, node:http
 * 15,000-19,000), so at 2,500 results/s fetch alone would take most of a core
 * away from the server and PostgreSQL it is measuring. The `undici` package
 * (for a tuned Agent) is not installed and is not needed for this.
 */
import { Agent, request } from 'node:http';
import type { BenchInput, RestResultBody } from './workload.ts';

/** The selection a CI task would plausibly ask for: no extra reads on the server. */
export const RECORD_ONE = `mutation BenchRecord($input: RecordResultInput!) {
  recordResult(input: $input) { emitted result { resultId } emission { seq } }
}`;

export const RECORD_MANY = `mutation BenchRecordMany($inputs: [RecordResultInput!]!) {
  recordResults(inputs: $inputs) { results { resultId } emissions { seq } }
}`;

export interface RecordOneData {
  recordResult: { emitted: boolean; result: { resultId: number }; emission: { seq: number } | null };
}

export interface RecordManyData {
  recordResults: { results: Array<{ resultId: number }>; emissions: Array<{ seq: number }> };
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

export class GraphQLRequestError extends Error {
  override name = 'GraphQLRequestError';
}

export type Transport = 'http' | 'fetch';

export function transportFromEnv(): Transport {
  const raw = process.env['BENCH_HTTP'] ?? 'http';
  if (raw !== 'http' && raw !== 'fetch') throw new Error(`BENCH_HTTP must be http or fetch, got ${raw}`);
  return raw;
}

export class RestRequestError extends Error {
  override name = 'RestRequestError';
}

export class Api {
  readonly endpoint: string;
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

  /**
   * @param accept the Accept header of GraphQL requests: `application/json` takes the server's
   *   short road for JSON POSTs (src/graphql/http.ts), anything else yoga's full one
   */
  constructor(
    url: string,
    token: string,
    readonly transport: Transport = 'http',
    accept = 'application/json',
  ) {
    this.endpoint = `${url}/graphql`;
    this.url = new URL(this.endpoint);
    this.headers = { 'content-type': 'application/json', accept, authorization: `Bearer ${token}` };
  }

  /** POSTs a body to GraphQL. */
  private post(body: string): Promise<{ status: number; text: string }> {
    return this.send('POST', this.url.pathname, body);
  }

  /** Sends a request (a body only with POST); resolves with the status and the whole answer. */
  private send(method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; text: string }> {
    if (this.transport === 'fetch') {
      const init: RequestInit = body === undefined ? { method, headers: this.headers } : { method, headers: this.headers, body };
      return fetch(new URL(path, this.url), init).then(async (r) => ({ status: r.status, text: await r.text() }));
    }
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path,
          method,
          agent: this.agent,
          headers: body === undefined ? this.headers : { ...this.headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body === undefined) req.end();
      else req.end(body);
    });
  }

  async request<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const response = await this.post(JSON.stringify({ query, variables }));
    const text = response.text;
    let body: GraphQLResponse<T>;
    try {
      body = JSON.parse(text) as GraphQLResponse<T>;
    } catch {
      throw new GraphQLRequestError(`HTTP ${response.status}: ${text.slice(0, 300)}`);
    }
    if (body.errors?.length) throw new GraphQLRequestError(JSON.stringify(body.errors).slice(0, 500));
    if (!body.data) throw new GraphQLRequestError(`HTTP ${response.status} without data`);
    return body.data;
  }

  recordOne(input: BenchInput): Promise<RecordOneData> {
    return this.request<RecordOneData>(RECORD_ONE, { input });
  }

  recordMany(inputs: BenchInput[]): Promise<RecordManyData> {
    return this.request<RecordManyData>(RECORD_MANY, { inputs });
  }

  /** POSTs a result to ResultsDB's REST API (`/api/v2.0/results`); resolves with its id. */
  async postResult(body: RestResultBody): Promise<number> {
    const answer = await this.restCall<{ id: number }>('POST', '/results', 201, JSON.stringify(body));
    return answer.id;
  }

  /** GETs a path of ResultsDB's REST API (`/results/latest?...`); resolves with the parsed answer. */
  restGet<T>(pathAndQuery: string): Promise<T> {
    return this.restCall<T>('GET', pathAndQuery, 200);
  }

  private async restCall<T>(method: 'GET' | 'POST', pathAndQuery: string, expected: number, body?: string): Promise<T> {
    const response = await this.send(method, `/api/v2.0${pathAndQuery}`, body);
    if (response.status !== expected) throw new RestRequestError(`HTTP ${response.status}: ${response.text.slice(0, 300)}`);
    return JSON.parse(response.text) as T;
  }

  /** The highest committed seq, from the public `emissions` query. */
  async lastSeq(): Promise<number> {
    const data = await this.request<{ emissions: { edges: Array<{ node: { seq: number } }> } }>(
      'query BenchLastSeq { emissions(first: 1, newestFirst: true) { edges { node { seq } } } }',
      {},
    );
    return data.emissions.edges[0]?.node.seq ?? 0;
  }

  close(): void {
    this.agent.destroy();
  }
}
