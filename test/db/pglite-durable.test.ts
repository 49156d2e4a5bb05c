/**
 * PGlite on a data directory (what `serve` runs without DATABASE_URL) syncs
 * at commit: an acknowledged recordResult has been through fsync. As shipped,
 * PGlite ran with fsync off and its Node filesystem dropped fsync calls.
 */
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { loadConfig } from '../../src/config.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';

let dir: string;
let database: Database;
let app: App;
let url: string;
let token: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'resultsbus-durable-'));
  database = await openDatabase({ url: undefined, dataDir: join(dir, 'data') });
  await migrate(database);
  token = await createToken(database.db, 'test');
  app = await App.create({ config: loadConfig({ RESULTSBUS_BRIDGE: 'off', HOST: '127.0.0.1', PORT: '0' }), database });
  url = await app.start();
});
afterAll(async () => {
  await app?.stop();
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PGlite on a data directory', () => {
  it('has every acknowledged recordResult through fsync before the answer', async () => {
    const fsync = vi.spyOn(fs, 'fsyncSync');
    try {
      for (const outcome of ['PASSED', 'FAILED', 'PASSED']) {
        const before = fsync.mock.calls.length;
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            query: 'mutation ($input: RecordResultInput!) { recordResult(input: $input) { emitted } }',
            variables: { input: { testcase: 'dist.depcheck', item: 'perl-Specio-0.25-1.fc26', type: 'koji_build', outcome } },
          }),
        });
        expect(await response.json()).toEqual({ data: { recordResult: { emitted: true } } });
        expect(fsync.mock.calls.length).toBeGreaterThan(before);
      }
    } finally {
      fsync.mockRestore();
    }
  });
});
