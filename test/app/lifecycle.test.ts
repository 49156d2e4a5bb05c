/**
 * `App.stop()` may come while `start()` is still on its way (a SIGTERM during
 * the start): whatever the start opens is closed again, and nothing keeps
 * listening or publishing.
 */
import { expect, it } from 'vitest';
import { App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { silentLogger } from '../../src/log.ts';

it('stop() during start() leaves nothing listening: no HTTP port, no bridge', async () => {
  const database = await createTestDatabase();
  try {
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      RESULTSBUS_BRIDGE: 'on',
      RESULTSBUS_FEDMSG_ENDPOINT: 'tcp://127.0.0.1:*',
      RESULTSBUS_FEDMSG_REPLAY_ENDPOINT: 'tcp://127.0.0.1:*',
      RESULTSBUS_FEDMSG_POST_INIT_SLEEP_MS: '200',
    });
    const app = await App.create({ config, database, logger: silentLogger() });
    const starting = app.start();
    const stopping = app.stop();
    const [start] = await Promise.allSettled([starting, stopping]);
    const url = start.status === 'fulfilled' ? start.value : undefined;
    // Whether start got to listen or not, nothing answers now.
    if (url !== undefined) await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(app.bridge).toBeUndefined();
    // And stop() is still safe to call again.
    await app.stop();
  } finally {
    await database.dispose();
  }
});
