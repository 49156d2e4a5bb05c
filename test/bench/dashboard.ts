/**
 * Phase 10 (issue 13 §3): the dashboard's weight and speed, on a database
 * and server child of their own. Stores 50 builds x 50 testcases of one
 * package (recordResults of 1,000), opens the package page in Debian's
 * chromium through playwright-core (test/web/browser.ts: the network limited
 * to the server), and takes the best of three first loads, each in a fresh
 * context, from navigation to the grid's last cell in place; and the gzipped
 * size of all the dashboard's JavaScript. Measured as test/web/weight.test.ts
 * measures it (test/web/measure.ts).
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Dashboard } from '../../src/dashboard/assets.ts';
import { CHROMIUM, offlineBrowser } from '../web/browser.ts';
import { GRID, GRID_RECORD, gridInputs, packagePageLoads, scriptWeight, type ScriptWeight } from '../web/measure.ts';
import { Api } from './client.ts';
import { createBenchDatabase, startServerChild } from './server.ts';

export interface DashboardRun {
  /** Why nothing was measured (no chromium, no build); undefined when it was. */
  skipped?: string;
  weight?: ScriptWeight;
  loads: number[];
  best: number;
  domContentLoaded: number;
  resources: number;
  /** The results stored, and how long storing them took, in s. */
  stored: number;
  storeSeconds: number;
  /** The 1, 5 and 15 minute load averages when the loads were taken, and the cores. */
  load: number[];
  cores: number;
}

export async function dashboardLoad(baseUrl: string, options: { nodeArgs?: string[] }): Promise<DashboardRun> {
  const empty = { loads: [], best: Number.NaN, domContentLoaded: 0, resources: 0, stored: 0, storeSeconds: 0, load: loadavg(), cores: availableParallelism() };
  // The server serves the checkout's dist/web: measure only what the source builds.
  const problem = Dashboard.load().problem;
  if (problem !== undefined) return { ...empty, skipped: problem.msg };
  const weight = scriptWeight();
  if (!existsSync(CHROMIUM)) return { ...empty, weight, skipped: `no browser at ${CHROMIUM} (apt-get install -y chromium)` };

  const db = await createBenchDatabase(baseUrl);
  const server = await startServerChild({ databaseUrl: db.url, nodeArgs: options.nodeArgs ?? [] });
  const api = new Api(server.url, server.token);
  const browser = await offlineBrowser([new URL(server.url).origin]);
  try {
    const inputs = gridInputs();
    const t = performance.now();
    for (let i = 0; i < inputs.length; i += 1000) await api.request(GRID_RECORD, { inputs: inputs.slice(i, i + 1000) });
    const storeSeconds = (performance.now() - t) / 1000;
    const load = loadavg();
    const loads = await packagePageLoads(browser, server.url);
    const columns = await loads.page.locator('table.grid thead th.build').count();
    if (columns !== GRID.builds) throw new Error(`the package page shows ${columns} builds, not ${GRID.builds}`);
    if (browser.outside.length > 0) throw new Error(`the page asked other hosts: ${browser.outside.join(', ')}`);
    return {
      weight,
      loads: loads.loads,
      best: loads.best,
      domContentLoaded: loads.domContentLoaded,
      resources: loads.resources,
      stored: inputs.length,
      storeSeconds,
      load,
      cores: availableParallelism(),
    };
  } finally {
    await browser.close();
    api.close();
    await server.stop();
    await db.drop();
  }
}
