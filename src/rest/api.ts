/**
 * ResultsDB's REST API v2.0 (resultsdb/controllers/api_v2.py) on the app's
 * HTTP server, under `/api/v2.0`: a table of routes, each a plain function of
 * the request. Results are recorded by the same `Recorder` as GraphQL's
 * `recordResult`, with the same token check; reads are public.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { allOutcomes } from '../config.ts';
import { describeFault, isDatabaseFault } from '../db/faults.ts';
import { UserError } from '../errors.ts';
import type { Services } from '../graphql/context.ts';
import { readBody } from '../graphql/http.ts';
import type { Logger } from '../log.ts';
import { checkStorable } from '../results/validate.ts';
import { groupBody, jsonObject, restFieldError, resultBody, testcaseBody } from './body.ts';
import { type Answer, mergeSlashes, PREFIX, refuse, RestError, type RestRequest, sendJson } from './http.ts';
import { listParam, namesQuery, type ResultsQuery, resultsQuery } from './params.ts';
import {
  restGroup,
  restGroups,
  restLatest,
  restResultById,
  restResults,
  restTestcase,
  restTestcases,
  saveGroups,
  saveTestcase,
} from './queries.ts';
import { serializeGroup, serializeResult, serializeTestcase } from './serialize.ts';
import type { SubjectRule } from '../results/subject.ts';


type Handler = (req: RestRequest, params: string[]) => Promise<Answer>;

interface Route {
  method: 'GET' | 'POST';
  /** Matched against the path below `/api/v2.0`; groups are the parameters, percent-decoded. */
  pattern: RegExp;
  handler: Handler;
}

const RE_PAGE = /([?&])page=([0-9]+)/;
const RE_CALLBACK = /([?&])callback=[^&]*&?/;
const RE_CLEAN_AMPERSANDS = /&+/g;

/**
 * ResultsDB's `prev_next_urls`: the request's own URL with `page` set to
 * the page before and after (`next` only when there is one more row than
 * `limit`), and the rows cut to `limit`.
 */
function pageAnswer<T>(url: string, rows: T[], limit: number, serialize: (row: T) => unknown): Answer {
  const page = prevNext(url, rows, limit);
  return { status: 200, body: { data: page.data.map(serialize), next: page.next, prev: page.prev } };
}

/** See `pageAnswer`. */
function prevNext<T>(url: string, rows: T[], limit: number): { data: T[]; prev: string | null; next: string | null } {
  const placeholder = '[!@#$%^&*PLACEHOLDER*&^%$#@!]';
  const match = RE_PAGE.exec(url);
  let page: number;
  let base: string;
  if (match === null) {
    base = url.includes('?') ? `${url}&page=${placeholder}` : `${url}?page=${placeholder}`;
    page = 0;
  } else {
    page = Number(match[2]);
    base = url.replace(RE_PAGE, `${match[1]}page=${placeholder}`);
  }
  base = base.replace(RE_CALLBACK, '$1').replace(RE_CLEAN_AMPERSANDS, '&');
  const prev = page > 0 ? base.replace(placeholder, String(page - 1)) : null;
  const next = rows.length > limit ? base.replace(placeholder, String(page + 1)) : null;
  return { data: rows.slice(0, limit), prev, next };
}

export class RestApi {
  private readonly outcomes: string[];
  private readonly subjectRules: readonly SubjectRule[];
  private readonly routes: Route[];

  /**
   * @param databaseAnswers the app's readiness probe (`/readyz`'s): whether
   *   the database answers within a second; `/healthcheck` asks it too
   */
  constructor(
    private readonly services: Services,
    private readonly logger: Logger,
    private readonly databaseAnswers: () => Promise<boolean>,
  ) {
    this.outcomes = allOutcomes(services.config);
    this.subjectRules = services.config.subjectRules;
    const get = (pattern: RegExp, handler: Handler): Route => ({ method: 'GET', pattern, handler });
    const post = (pattern: RegExp, handler: Handler): Route => ({ method: 'POST', pattern, handler });
    // In Flask's order of precedence: `/testcases/<path:name>/results` before `/testcases/<path:name>`.
    this.routes = [
      get(/^\/?$/, (req) => this.landing(req)),
      get(/^\/healthcheck$/, () => this.healthcheck()),
      get(/^\/results$/, (req) => this.results(req, this.query(req))),
      post(/^\/results$/, (req) => this.createResult(req)),
      get(/^\/results\/latest$/, (req) => this.latest(req)),
      get(/^\/results\/([^/]+)$/, (req, [id]) => this.result(req, id ?? '')),
      get(/^\/testcases$/, (req) => this.testcases(req)),
      post(/^\/testcases$/, (req) => this.createTestcase(req)),
      get(/^\/testcases\/(.+)\/results$/, (req, [name]) => this.testcaseResults(req, name ?? '')),
      get(/^\/testcases\/(.+)$/, (req, [name]) => this.testcase(req, name ?? '')),
      get(/^\/groups$/, (req) => this.groups(req)),
      post(/^\/groups$/, (req) => this.createGroup(req)),
      get(/^\/groups\/([^/]+)\/results$/, (req, [uuid]) => this.groupResults(req, uuid ?? '')),
      get(/^\/groups\/([^/]+)$/, (req, [uuid]) => this.group(req, uuid ?? '')),
    ];
  }

  /** Answers a request whose path `isRestPath`; `reqId` goes on what is logged about it. */
  async handle(req: IncomingMessage, res: ServerResponse, reqId?: string): Promise<void> {
    const head = req.method === 'HEAD';
    let answer: Answer;
    try {
      answer = await this.dispatch(req);
    } catch (error) {
      // The client went away, or was timed out (Node answered 408): nothing to answer.
      if (req.socket.destroyed) return;
      answer = this.failure(error, reqId === undefined ? this.logger : this.logger.child({ reqId }));
    }
    if (res.headersSent) return;
    sendJson(res, answer, head);
  }

  private failure(error: unknown, logger: Logger): Answer {
    if (error instanceof RestError) {
      logger.debug({ status: error.status }, 'user error');
      return { status: error.status, body: error.body, headers: error.headers };
    }
    if (error instanceof UserError) {
      logger.debug({ code: error.code }, 'user error');
      const status = error.code === 'UNAUTHENTICATED' ? 401 : error.code === 'NOT_FOUND' ? 404 : 400;
      return { status, body: { message: restFieldError(error).message } };
    }
    if (isDatabaseFault(error)) {
      logger.warn({ fault: describeFault(error) }, 'a request failed: the database is unavailable');
      return {
        status: 503,
        body: { message: 'the database is not available right now (restarting, unreachable or overloaded); retry in a moment' },
        headers: { 'retry-after': '1' },
      };
    }
    logger.error({ err: error }, 'unexpected error');
    return { status: 500, body: { message: 'Internal Server Error' } };
  }

  private async dispatch(raw: IncomingMessage): Promise<Answer> {
    const url = raw.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const below = mergeSlashes(rawPath).slice(PREFIX.length);
    const method = raw.method === 'HEAD' ? 'GET' : (raw.method ?? 'GET');
    // Behind a proxy the Host is the proxy's: RESULTSBUS_PUBLIC_URL, when set, says where clients reach us.
    const origin = this.services.config.publicUrlSet ? this.services.config.publicUrl : `http://${raw.headers.host ?? 'localhost'}`;
    const req: RestRequest = {
      method,
      path: below,
      query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
      base: `${origin}${PREFIX}`,
      url: `${origin}${url}`,
      authorization: raw.headers.authorization ?? null,
      raw,
    };
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const match = route.pattern.exec(below);
      if (match === null) continue;
      if (route.method !== method) {
        allowed.add(route.method === 'GET' ? 'GET, HEAD' : route.method);
        continue;
      }
      let params: string[];
      try {
        params = match.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        throw refuse(404, 'Not found');
      }
      try {
        for (const p of params) checkStorable('path', p);
      } catch (error) {
        throw refuse(400, error instanceof Error ? error.message : String(error));
      }
      return route.handler(req, params);
    }
    if (allowed.size > 0) throw refuse(405, 'Method not allowed', { allow: [...allowed].join(', ') });
    throw refuse(404, 'Not found');
  }

  private query(req: RestRequest): ResultsQuery {
    return resultsQuery(req.query, this.outcomes);
  }

  /** The body as a JSON object, within the app's body size limit. */
  private async body(req: RestRequest): Promise<Record<string, unknown>> {
    return jsonObject(await this.bodyText(req));
  }

  /** The body's text, within the app's body size limit. */
  private async bodyText(req: RestRequest): Promise<string> {
    const { maxBodyBytes } = this.services.config;
    const length = req.raw.headers['content-length'];
    if (length !== undefined && Number(length) > maxBodyBytes) {
      throw refuse(413, `the request body is over ${maxBodyBytes} bytes (RESULTSBUS_MAX_BODY_BYTES)`, { connection: 'close' });
    }
    const body = await readBody(req.raw, maxBodyBytes);
    if (body === undefined) throw refuse(413, `the request body is over ${maxBodyBytes} bytes (RESULTSBUS_MAX_BODY_BYTES)`);
    return body.toString('utf8');
  }

  /** Writes need what GraphQL's mutations need (or nothing, with RESULTSBUS_WRITE_AUTH=none). */
  private async authorize(req: RestRequest): Promise<void> {
    await this.services.tokens.verify(req.authorization);
  }

  private landing(req: RestRequest): Promise<Answer> {
    // 300, as ResultsDB answers it.
    return Promise.resolve({
      status: 300,
      body: {
        documentation: 'http://docs.resultsdb20.apiary.io/',
        groups: `${req.base}/groups`,
        message:
          'Everything is fine. But choose wisely, for while the true Grail will bring you life, the false Grail will take it from you.',
        outcomes: this.outcomes,
        results: `${req.base}/results`,
        testcases: `${req.base}/testcases`,
      },
    });
  }

  private async healthcheck(): Promise<Answer> {
    if (!(await this.databaseAnswers())) return { status: 503, body: { message: 'Unable to communicate with database' } };
    return { status: 200, body: { message: 'Health check OK' } };
  }

  private async results(req: RestRequest, q: ResultsQuery): Promise<Answer> {
    const rows = await restResults(this.services.db, q);
    return pageAnswer(req.url, rows, q.limit, (r) => serializeResult(req.base, r, this.subjectRules));
  }

  private async latest(req: RestRequest): Promise<Answer> {
    const q = this.query(req);
    const filtered =
      q.testcases.length > 0 || q.testcasesLike.length > 0 || q.since.start !== null || q.groups.length > 0 || q.data.length > 0;
    if (q.distinctOn.length > 0 && !filtered) throw refuse(400, "Please, provide at least one filter beside '_distinct_on'");
    const rows = await restLatest(this.services.db, q, this.services.config.variantKeys);
    return { status: 200, body: { data: rows.map((r) => serializeResult(req.base, r, this.subjectRules)) } };
  }

  private async result(req: RestRequest, id: string): Promise<Answer> {
    const row = /^\d{1,18}$/.test(id) ? await restResultById(this.services.db, Number(id)) : undefined;
    if (row === undefined) throw refuse(404, 'Result not found');
    return { status: 200, body: serializeResult(req.base, row, this.subjectRules) };
  }

  private async createResult(req: RestRequest): Promise<Answer> {
    await this.authorize(req);
    const text = await this.bodyText(req);
    const { input, testcase, groups } = resultBody(jsonObject(text), text, this.outcomes);
    const { db, recorder } = this.services;
    // What the recorder does not keep (the testcase's ref_url, the groups'
    // descriptions) first: a result is never recorded without it.
    if (testcase.refUrl !== undefined) await saveTestcase(db, testcase);
    // Groups named by uuid alone get their rows from the recorder.
    await saveGroups(db, groups.filter((g) => g.description !== undefined || g.refUrl !== undefined));
    const [recorded] = await recorder.record(db, [input], 'input');
    if (recorded === undefined) throw new Error('the recorder returned no result');
    const row = await restResultById(db, recorded.result.id);
    if (row === undefined) throw new Error(`result ${recorded.result.id} was recorded but cannot be read`);
    // ResultsDB's answer has no word for it; these say what the rule did.
    const headers = {
      'x-resultsbus-task-state': recorded.result.taskStateId === null ? 'none' : String(recorded.result.taskStateId),
      'x-resultsbus-emitted': recorded.emission === null ? 'false' : String(recorded.emission.seq),
    };
    return { status: 201, body: serializeResult(req.base, row, this.subjectRules), headers };
  }

  private async testcases(req: RestRequest): Promise<Answer> {
    const query = namesQuery(req.query, 'name');
    const rows = await restTestcases(this.services.db, query);
    return pageAnswer(req.url, rows, query.paging.limit, (t) => serializeTestcase(req.base, t));
  }

  private async testcase(req: RestRequest, name: string): Promise<Answer> {
    const row = await restTestcase(this.services.db, name);
    if (row === undefined) throw refuse(404, 'Testcase not found');
    return { status: 200, body: serializeTestcase(req.base, row) };
  }

  private async testcaseResults(req: RestRequest, name: string): Promise<Answer> {
    const q = this.query(req);
    const row = await restTestcase(this.services.db, name);
    if (row === undefined) throw refuse(404, 'Testcase not found');
    return this.results(req, { ...q, testcases: [row.name] });
  }

  private async createTestcase(req: RestRequest): Promise<Answer> {
    await this.authorize(req);
    const spec = testcaseBody(await this.body(req));
    const row = await saveTestcase(this.services.db, spec);
    return { status: 201, body: serializeTestcase(req.base, row) };
  }

  private async groups(req: RestRequest): Promise<Answer> {
    const names = namesQuery(req.query, 'description');
    const rows = await restGroups(this.services.db, { ...names, uuids: listParam(req.query, 'uuid') });
    return pageAnswer(req.url, rows, names.paging.limit, (g) => serializeGroup(req.base, g));
  }

  private async group(req: RestRequest, uuid: string): Promise<Answer> {
    const row = await restGroup(this.services.db, uuid);
    if (row === undefined) throw refuse(404, 'Group not found');
    return { status: 200, body: serializeGroup(req.base, row) };
  }

  private async groupResults(req: RestRequest, uuid: string): Promise<Answer> {
    const q = this.query(req);
    const row = await restGroup(this.services.db, uuid);
    if (row === undefined) throw refuse(404, `Group not found: ${uuid}`);
    return this.results(req, { ...q, groups: [row.uuid] });
  }

  private async createGroup(req: RestRequest): Promise<Answer> {
    await this.authorize(req);
    const spec = groupBody(await this.body(req));
    await saveGroups(this.services.db, [spec]);
    const row = await restGroup(this.services.db, spec.uuid);
    if (row === undefined) throw new Error(`group ${spec.uuid} was saved but cannot be read`);
    return { status: 201, body: serializeGroup(req.base, row) };
  }
}
