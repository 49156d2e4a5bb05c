/**
 * The dashboard's weight and speed, measured one way for the test
 * (test/web/weight.test.ts) and the bench (`npm run bench`, phase 10): the
 * gzipped size of all its JavaScript, and first loads of the package page
 * with a grid of 50 builds x 50 testcases, from navigation to the last cell
 * in place, each in a fresh browser context (nothing cached).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { WEB_BUILD } from '../../src/dashboard/source.ts';
import type { OfflineBrowser } from './browser.ts';

/** The package whose grid is measured, and its size: issue 13's 50 builds x 50 testcases. */
export const GRID = { pkg: 'bigpkg', builds: 50, testcases: 50 } as const;

/** The grid's results, oldest build first (the order builds are made in), one per cell; every 11th FAILED. */
export function gridInputs(): Array<{ testcase: string; item: string; type: string; outcome: 'PASSED' | 'FAILED' }> {
  const inputs: Array<{ testcase: string; item: string; type: string; outcome: 'PASSED' | 'FAILED' }> = [];
  for (let b = 0; b < GRID.builds; b++) {
    for (let t = 0; t < GRID.testcases; t++) {
      inputs.push({
        testcase: `dist.check${String(t).padStart(2, '0')}`,
        item: `${GRID.pkg}-1.${b}-1.fc26`,
        type: 'koji_build',
        outcome: gridFailed(b, t) ? 'FAILED' : 'PASSED',
      });
    }
  }
  return inputs;
}

/** Whether the cell of build `b` (0 the oldest) and testcase `t` is FAILED. */
export function gridFailed(b: number, t: number): boolean {
  return (b * 7 + t) % 11 === 0;
}

/** The mutation that stores `gridInputs()`, 1,000 at a time. */
export const GRID_RECORD = 'mutation GridRecord($inputs: [RecordResultInput!]!) { recordResults(inputs: $inputs) { results { resultId } } }';

export interface ScriptWeight {
  files: Array<{ name: string; gzipped: number }>;
  /** Bytes, gzipped at level 9, of every script in the build (the lazily loaded chart too). */
  total: number;
}

export function scriptWeight(dir: string = WEB_BUILD): ScriptWeight {
  const assets = join(dir, 'assets');
  const files = readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .map((name) => ({ name, gzipped: gzipSync(readFileSync(join(assets, name)), { level: 9 }).length }));
  return { files, total: files.reduce((sum, f) => sum + f.gzipped, 0) };
}

export function formatWeight(weight: ScriptWeight): string {
  return `${weight.files.map((f) => `${f.name} ${(f.gzipped / 1024).toFixed(1)} KB`).join(', ')}; ${(weight.total / 1024).toFixed(1)} KB gzipped in all`;
}

export interface FirstLoads {
  /** Navigation to the last cell in place, per attempt, in ms. */
  loads: number[];
  best: number;
  /** Of the last attempt: when DOMContentLoaded ended, in ms, and how many resources it loaded. */
  domContentLoaded: number;
  resources: number;
  /** The last attempt's page, still open, for what a caller checks on it. */
  page: Page;
}

/** The selector of the grid's bottom-right cell: there, every cell is. */
export const LAST_CELL = `table.grid tbody tr:nth-child(${GRID.testcases}) td:nth-child(${GRID.builds + 1})`;

/**
 * `attempts` first loads of `${base}/packages/<GRID.pkg>`, each in a fresh
 * context, after one page load to start chromium's own processes (on
 * another path). The best counts, so that one burst of someone else's work
 * on a shared machine does not decide.
 */
export async function packagePageLoads(browser: OfflineBrowser, base: string, attempts = 3): Promise<FirstLoads> {
  const warm = await browser.page();
  await warm.goto(`${base}/healthz`);
  await warm.context().close();
  const loads: number[] = [];
  let page = await browser.page();
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) {
      await page.context().close();
      page = await browser.page();
    }
    const started = Date.now();
    await page.goto(`${base}/packages/${GRID.pkg}`);
    await page.locator(LAST_CELL).waitFor({ timeout: 20_000 });
    loads.push(Date.now() - started);
  }
  const navigation = await page.evaluate(() => {
    const [entry] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
    return { domContentLoaded: Math.round(entry?.domContentLoadedEventEnd ?? 0), resources: performance.getEntriesByType('resource').length };
  });
  return { loads, best: Math.min(...loads), ...navigation, page };
}
