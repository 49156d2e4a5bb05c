/**
 * A TCP proxy in front of the test PostgreSQL that a test can cut and
 * restore, to stand for a database that goes away (a restart, a network cut)
 * and comes back, without touching the server other tests share.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { App } from '../../src/app.ts';
import { createToken } from '../../src/auth/tokens.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { silentLogger } from '../../src/log.ts';
import { createPostgresDatabase } from './database.ts';

export interface FaultProxy {
  /** The URL to connect to: `url` with the proxy's port. */
  readonly url: string;
  /** Closes every connection and refuses new ones (reset as soon as they open). */
  cut(): void;
  /** Lets connections through again. */
  restore(): void;
  close(): Promise<void>;
}

export async function faultProxy(url: string): Promise<FaultProxy> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as AddressInfo).port);
  return {
    url: proxied.toString(),
    cut() {
      open = false;
      for (const s of sockets) s.resetAndDestroy();
    },
    restore() {
      open = true;
    },
    async close() {
      open = false;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ProxiedApp {
  readonly app: App;
  /** The app's base URL. */
  readonly url: string;
  /** A token that can write. */
  readonly token: string;
  /** What stands between the app and its PostgreSQL. */
  readonly proxy: FaultProxy;
  /** Stops the app and drops its database. */
  dispose(): Promise<void>;
}

/**
 * An app (bridge off) on a fresh PostgreSQL database of its own, reached
 * through a fault proxy, so that a test can cut its database off and back.
 */
export async function startBehindProxy(options: { pollMs?: number } = {}): Promise<ProxiedApp> {
  const created = await createPostgresDatabase();
  const steps: Array<() => Promise<void>> = [created.drop];
  const dispose = async (): Promise<void> => {
    for (const step of steps.reverse()) await step().catch(() => {});
  };
  try {
    const proxy = await faultProxy(created.url);
    steps.push(() => proxy.close());
    const database = await openDatabase({ url: proxy.url, dataDir: undefined, poolSize: 2 });
    steps.push(() => database.close());
    await migrate(database);
    const token = await createToken(database.db, 'test');
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', RESULTSBUS_BRIDGE: 'off' });
    const app = await App.create({ config, database, pollMs: options.pollMs, logger: silentLogger() });
    steps.push(() => app.stop());
    const url = await app.start();
    return { app, url, token, proxy, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
