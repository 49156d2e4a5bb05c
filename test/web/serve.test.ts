/**
 * How `serve` serves the built dashboard: what it was built from, its page
 * paths, its assets' types and cache headers, the routes it leaves alone,
 * and what a person sees when there is no build.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dashboard } from '../../src/dashboard/assets.ts';
import { BUILD_INFO, type BuildInfo, sourceHash, WEB_BUILD } from '../../src/dashboard/source.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

describe('the dashboard as served', () => {
  it('is built from this checkout: dist/web/build.json has the hash of src/web and the lockfile (npm ci builds it; npm run build:web after a change)', () => {
    const info = JSON.parse(readFileSync(join(WEB_BUILD, BUILD_INFO), 'utf8')) as BuildInfo;
    expect(info.sourceHash).toBe(sourceHash());
  });

  it('answers / and every page path with the app, hashed assets with their type and a year-long cache, anything else with 404', async () => {
    const root = await fetch(`${server.url}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(root.headers.get('cache-control')).toBe('no-cache');
    const html = await root.text();
    expect(html).toContain('<title>resultsbus</title>');
    const scripts = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(scripts.some((path) => path.endsWith('.js'))).toBe(true);
    expect(scripts.some((path) => path.endsWith('.css'))).toBe(true);
    // Nothing from another host: no CDN, no web fonts.
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);

    for (const path of ['/items/koji_build/perl-Specio-0.25-1.fc26', '/packages/perl-Specio', '/testcases/dist.depcheck', '/bus']) {
      const page = await fetch(`${server.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(await page.text(), path).toBe(html);
    }
    for (const path of scripts) {
      const asset = await fetch(`${server.url}${path}`);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('content-type'), path).toBe(path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(asset.headers.get('cache-control'), path).toBe('public, max-age=31536000, immutable');
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    const head = await fetch(`${server.url}/bus`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    for (const path of ['/nope', '/assets/index-gone.js', '/items/koji_build', '/favicon.ico']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
    }
  });

  it('leaves /graphql (GraphiQL and POST), /api/v2.0, /metrics, /healthz and /readyz as they were', async () => {
    const graphiql = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect((await graphiql.text()).toLowerCase()).toContain('graphiql');
    expect(await server.data('{ bridgeStatus { latestSeq } }')).toEqual({ bridgeStatus: { latestSeq: 0 } });
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ bridgeStatus { latestSeq } }')}`, { headers: { accept: 'application/json' } });
    expect(await get.json()).toEqual({ data: { bridgeStatus: { latestSeq: 0 } } });
    expect((await fetch(`${server.url}/api/v2.0/results`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('resultsbus_emissions_latest_seq');
    expect(await (await fetch(`${server.url}/healthz`)).text()).toBe('ok\n');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('without a build, says on every page path how to make one (503), and the API still works', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'resultsbus-noweb-'));
    const bare = await startServer({ dashboard: Dashboard.load(empty) });
    try {
      expect(Dashboard.load(empty).problem?.msg).toMatch(/^the dashboard is not built \(no .*index\.html\): run npm run build:web$/);
      const page = await fetch(`${bare.url}/items/koji_build/x-1-1`);
      expect(page.status).toBe(503);
      expect(await page.text()).toBe(
        'The dashboard is not built: there is no dist/web/index.html.\n' +
          'Build it with `npm run build:web` (npm install and npm ci do it, through the prepare script), then restart.\n' +
          'The GraphQL API and GraphiQL are at /graphql.\n',
      );
      expect((await fetch(`${bare.url}/nope`)).status).toBe(404);
      expect(await bare.data('{ bridgeStatus { latestSeq } }')).toEqual({ bridgeStatus: { latestSeq: 0 } });
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('notices a build older than its source (what serve logs as a warning at start)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'resultsbus-oldweb-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>resultsbus</title>');
      writeFileSync(join(dir, BUILD_INFO), JSON.stringify({ sourceHash: 'an older one', builtAt: '2026-01-01T00:00:00.000Z' }));
      expect(Dashboard.load(dir, true).problem?.msg).toBe(
        'the dashboard build in dist/web is older than src/web (or the lockfile): run npm run build:web',
      );
      writeFileSync(join(dir, BUILD_INFO), JSON.stringify({ sourceHash: sourceHash(), builtAt: '2026-01-01T00:00:00.000Z' }));
      expect(Dashboard.load(dir, true).problem).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
