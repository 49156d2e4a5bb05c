/**
 * Serves the built dashboard (dist/web): hashed files under /assets/ with a
 * year-long immutable cache, anything else the build put at its root as is,
 * and index.html for each of the app's page paths (src/web/routes.ts), so
 * that a link such as /items/koji_build/perl-Specio-0.25-1.fc26 opens the
 * app on that page (its router reads the path); any other path is a 404.
 * The files are read once, at start: the build is small (about 200 KB) and
 * does not change under a running server.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { isPagePath } from '../web/routes.ts';
import { BUILD_INFO, type BuildInfo, sourceHash, WEB_BUILD } from './source.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  body: Buffer;
  type: string;
  cache: string;
}

/** Why the dashboard cannot be served, or what is off about it, for the log. */
export interface DashboardProblem {
  level: 'warn';
  msg: string;
}

/** What went missing: answered for every dashboard path while there is no build. */
const NOT_BUILT =
  'The dashboard is not built: there is no dist/web/index.html.\n' +
  'Build it with `npm run build:web` (npm install and npm ci do it, through the prepare script), then restart.\n' +
  'The GraphQL API and GraphiQL are at /graphql.\n';

export class Dashboard {
  private constructor(
    private readonly files: Map<string, Asset>,
    /** Set when the build is missing or older than the source; logged by the app at start. */
    readonly problem: DashboardProblem | undefined,
  ) {}

  /**
   * Reads the build in `dir`. A missing build is not an error for the
   * server (the API works without it); every page then says how to build it.
   */
  static load(dir: string = WEB_BUILD, checkSource = dir === WEB_BUILD): Dashboard {
    const files = new Map<string, Asset>();
    if (!existsSync(join(dir, 'index.html'))) {
      return new Dashboard(files, { level: 'warn', msg: `the dashboard is not built (no ${join(dir, 'index.html')}): run npm run build:web` });
    }
    const walk = (folder: string): void => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) {
          walk(path);
          continue;
        }
        if (!entry.isFile() || statSync(path).size > 10 * 1024 * 1024) continue;
        const url = `/${relative(dir, path).split(sep).join('/')}`;
        const hashed = url.startsWith('/assets/');
        files.set(url, {
          body: readFileSync(path),
          type: TYPES[extname(path)] ?? 'application/octet-stream',
          // Hashed names change with their content; the rest must be asked for again each time.
          cache: hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
      }
    };
    walk(dir);
    let problem: DashboardProblem | undefined;
    if (checkSource) {
      const info = files.get(`/${BUILD_INFO}`);
      const built = info === undefined ? undefined : (JSON.parse(info.body.toString('utf8')) as Partial<BuildInfo>).sourceHash;
      if (built !== sourceHash()) {
        problem = { level: 'warn', msg: 'the dashboard build in dist/web is older than src/web (or the lockfile): run npm run build:web' };
      }
    }
    return new Dashboard(files, problem);
  }

  /** Answers a GET or HEAD for `path`: a built file, the app's page for one of its paths, or a 404. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const head = req.method === 'HEAD';
    const file = path === '/index.html' ? undefined : this.files.get(path);
    if (file !== undefined) {
      send(res, file, head);
      return;
    }
    if (!isPagePath(path)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(head ? undefined : 'not found\n');
      return;
    }
    const page = this.files.get('/index.html');
    if (page === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }).end(head ? undefined : NOT_BUILT);
      return;
    }
    send(res, page, head);
  }
}

function send(res: ServerResponse, file: Asset, head: boolean): void {
  res
    .writeHead(200, {
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': file.cache,
      'x-content-type-options': 'nosniff',
    })
    .end(head ? undefined : file.body);
}
