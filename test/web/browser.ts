/**
 * Debian's chromium for the dashboard's tests, driven by playwright-core,
 * with the network limited to this machine: every request outside the
 * allowed origins is refused and recorded (a test asserts there were none),
 * and host names other than localhost do not even resolve, which covers
 * WebSockets and anything else `route` does not see.
 *
 * Without /usr/bin/chromium the tests skip, and say so; with CI=true they
 * fail instead (.ci/run installs chromium), as test/app/graphiql.test.ts does.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { ROOT } from '../../src/dashboard/source.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** Where the screenshots go (gitignored); CI keeps the folder as the run's artifacts. */
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'web');

/** Skips the test when there is no chromium, except on CI, where that is a failure. */
export function needChromium(ctx: { skip: (note?: string) => void }): void {
  if (existsSync(CHROMIUM)) return;
  if (process.env['CI'] === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run installs it (apt-get install -y chromium)`);
  const why = `no browser at ${CHROMIUM} (apt-get install -y chromium); CI=true makes this a failure`;
  console.warn(`dashboard browser test skipped: ${why}`);
  ctx.skip(why);
}

export interface OfflineBrowser {
  browser: Browser;
  /** Requests (and WebSockets) to anything but the allowed origins. */
  outside: string[];
  /** Requests that failed, with why. */
  failed: string[];
  /** Errors thrown in the page, and console errors. */
  errors: string[];
  /** A page at `width` x 900 (1,280 unless told). */
  page(width?: number): Promise<Page>;
  close(): Promise<void>;
}

export async function offlineBrowser(origins: readonly string[]): Promise<OfflineBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
    ],
  });
  const outside: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  const contexts: BrowserContext[] = [];
  const allowed = (url: string): boolean => origins.includes(new URL(url).origin.replace(/^ws/, 'http'));
  return {
    browser,
    outside,
    failed,
    errors,
    async page(width = 1280) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      contexts.push(context);
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('data:') || allowed(url)) return route.continue();
        outside.push(url);
        return route.abort('internetdisconnected');
      });
      const page = await context.newPage();
      page.on('websocket', (ws) => {
        if (!allowed(ws.url())) outside.push(ws.url());
      });
      page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`));
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      return page;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
    },
  };
}

/** Writes `<name>.png` (the full page) into ARTIFACTS and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * A time bound for this machine: `ms` when it is ours; when other work keeps
 * more runnable processes than there are cores (load average above the core
 * count: a shared 2-core machine, CI's two engines), each gets that much less
 * of a core, and the bound grows by the same factor. Tests print the figures
 * either way.
 */
export function budgetMs(ms: number): number {
  const contention = (loadavg()[0] ?? 0) / availableParallelism();
  return Math.round(ms * Math.max(1, contention));
}
