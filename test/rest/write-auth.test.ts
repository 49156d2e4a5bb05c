/**
 * RESULTSBUS_WRITE_AUTH: validated with the other settings, and a `serve`
 * whose writes are open says so, loudly, when it starts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createStore, killAll, logLines, run, serve, type Store } from '../cli/process.ts';

const stores: Store[] = [];
afterAll(async () => {
  await killAll();
  for (const store of stores) await store.dispose();
});

describe('RESULTSBUS_WRITE_AUTH', () => {
  it('is token by default, takes token or none, and refuses anything else naming the variable', () => {
    expect(loadConfig({}).writeAuth).toBe('token');
    expect(loadConfig({ RESULTSBUS_WRITE_AUTH: 'none' }).writeAuth).toBe('none');
    expect(loadConfig({ RESULTSBUS_WRITE_AUTH: ' Token ' }).writeAuth).toBe('token');
    expect(() => loadConfig({ RESULTSBUS_WRITE_AUTH: 'open' })).toThrow(ConfigError);
    expect(() => loadConfig({ RESULTSBUS_WRITE_AUTH: 'open' })).toThrow(
      'RESULTSBUS_WRITE_AUTH must be token (writes need a bearer token) or none (anyone may write), got "open"',
    );
  });

  it('a bad value stops serve before it opens anything', async () => {
    const exit = await run(['serve'], { RESULTSBUS_WRITE_AUTH: 'maybe' });
    expect(exit.code).not.toBe(0);
    expect(exit.stderr).toContain('RESULTSBUS_WRITE_AUTH must be token (writes need a bearer token) or none (anyone may write), got "maybe"');
  });

  it('serve with none logs a warning at start; with the default it does not', async () => {
    const open = await createStore();
    stores.push(open);
    const served = await serve({ ...open.env, RESULTSBUS_WRITE_AUTH: 'none' });
    const warning = logLines(served.stdout()).find((line) => line.level === 'warn' && String(line.msg).startsWith('WRITES ARE OPEN'));
    expect(warning).toMatchObject({ writeAuth: 'none' });
    expect(String(warning?.msg)).toContain('RESULTSBUS_WRITE_AUTH=none');
    // Anyone can write.
    const answer = await fetch(`${served.url}/api/v2.0/results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ testcase: 'dist.open', outcome: 'PASSED', data: { item: 'x-1-1', type: 'koji_build' } }),
    });
    expect(answer.status).toBe(201);
    await served.stop();

    const closed = await createStore();
    stores.push(closed);
    const guarded = await serve(closed.env);
    expect(logLines(guarded.stdout()).filter((line) => line.level === 'warn')).toEqual([]);
    await guarded.stop();
  });
});
