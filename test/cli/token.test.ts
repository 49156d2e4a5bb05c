/**
 * `resultsbus token create | list | revoke` and `resultsbus migrate`, run as
 * processes on a store of their own (a PGlite directory, or a fresh
 * PostgreSQL database); a token is tried for writing on a server opened on
 * that same store.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { engine } from '../helpers/database.ts';
import { createStore, killAll, migrationCount, postGraphQL, run, type Store } from './process.ts';

const Record = `
  mutation TokenRecord($input: RecordResultInput!) {
    recordResult(input: $input) { emitted }
  }
`;

const TOKEN_LINE = /^rb_[A-Za-z0-9_-]{43}\n$/;

/**
 * Opens a server on the store in this process, tries to record with each
 * token, and closes it again (PGlite lets one process in at a time, so the
 * next command can run).
 */
async function tryWriting(store: Store, tokens: string[]): Promise<Array<string | undefined>> {
  const database = await store.open();
  const app = await App.create({ config: loadConfig({ HOST: '127.0.0.1', PORT: '0', RESULTSBUS_BRIDGE: 'off' }), database });
  try {
    const url = await app.start();
    const outcomes: Array<string | undefined> = [];
    for (const token of tokens) {
      const input = { testcase: 'dist.token', item: 'token-1.0-1.fc40', type: 'koji_build', outcome: 'PASSED' };
      const response = await postGraphQL(url, Record, { input }, token);
      outcomes.push(response.errors ? response.errors[0]?.extensions?.code : 'written');
    }
    return outcomes;
  } finally {
    await app.stop();
    await database.close();
  }
}

let store: Store;
beforeAll(async () => {
  store = await createStore();
});
afterEach(killAll);
afterAll(async () => {
  await killAll();
  await store.dispose();
});

const token = (...args: string[]) => run(['token', ...args], store.env);
/** The secrets the first test created, by name. */
const secrets = new Map<string, string>();

describe('resultsbus token', () => {
  it('creates tokens that can write, lists them by name, and refuses a duplicate name', async () => {
    const empty = await token('list');
    expect(empty).toMatchObject({ code: 0, stdout: '', stderr: 'resultsbus: no tokens\n' });

    const ci = await token('create', 'ci');
    expect(ci.code).toBe(0);
    expect(ci.stdout).toMatch(TOKEN_LINE);
    expect(ci.stderr).toBe('resultsbus: token "ci" created; it is shown only this once\n');
    const bodhi = await token('create', 'bodhi');
    expect(bodhi.code).toBe(0);
    expect(bodhi.stdout).toMatch(TOKEN_LINE);
    expect(bodhi.stdout).not.toBe(ci.stdout);

    const duplicate = await token('create', 'ci');
    expect(duplicate.code).toBe(1);
    expect(duplicate.stdout).toBe('');
    expect(duplicate.stderr).toBe('resultsbus: a token named "ci" exists already; revoke it first or pick another name\n');

    const list = await token('list');
    expect(list.code).toBe(0);
    const rows = list.stdout.trimEnd().split('\n').map((line) => line.split('\t'));
    expect(rows.map((r) => r[0])).toEqual(['bodhi', 'ci']);
    for (const r of rows) expect(Number.isNaN(Date.parse(r[1] ?? ''))).toBe(false);
    // Only names and dates: a listed secret would defeat "shown only once".
    expect(list.stdout).not.toContain('rb_');

    secrets.set('ci', ci.stdout.trim()).set('bodhi', bodhi.stdout.trim());
    expect(await tryWriting(store, [ci.stdout.trim(), bodhi.stdout.trim(), 'rb_made-up'])).toEqual(['written', 'written', 'UNAUTHENTICATED']);
  });

  it('revokes a token by name: it can no longer write, the others still can, and the name is free again', async () => {
    const revoked = await token('revoke', 'ci');
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toBe('resultsbus: token "ci" revoked (running servers stop accepting it within 5 s)\n');
    expect((await token('list')).stdout).toMatch(/^bodhi\t\S+\n$/);

    const fresh = await token('create', 'ci');
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).not.toBe(`${secrets.get('ci')}\n`);
    expect(await tryWriting(store, [secrets.get('ci') ?? '', secrets.get('bodhi') ?? '', fresh.stdout.trim()])).toEqual([
      'UNAUTHENTICATED',
      'written',
      'written',
    ]);
    expect((await token('list')).stdout).toMatch(/^bodhi\t\S+\nci\t\S+\n$/);
  });

  it('explains an unknown name, a bad name and a missing action, with non-zero exit codes', async () => {
    const unknown = await token('revoke', 'nobody');
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: 'resultsbus: no token is named "nobody"\n' });

    const badName = await token('create', 'has space');
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain(`token name "has space" is not allowed; use 1 to 64 letters, digits, '.', '_' or '-'`);

    const noAction = await token();
    expect(noAction.code).toBe(2);
    expect(noAction.stderr).toContain('token needs an action: create NAME, list or revoke NAME');
    expect(noAction.stderr).toContain('Usage: resultsbus token create NAME');

    const noName = await token('create');
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('token create needs a NAME');

    const badAction = await token('rotate', 'ci');
    expect(badAction.code).toBe(2);
    expect(badAction.stderr).toContain('unknown token action "rotate"');

    // None of this created anything.
    expect((await token('list')).stdout.trimEnd().split('\n').map((l) => l.split('\t')[0])).toEqual(['bodhi', 'ci']);
  });
});

describe('resultsbus migrate', () => {
  it('applies every migration to an empty store, and again is a no-op', async () => {
    const empty = await createStore();
    try {
      const first = await run(['migrate'], empty.env);
      expect(first.stderr).toBe('');
      expect(first).toMatchObject({ code: 0, stdout: `resultsbus: migrations applied (${engine})\n` });
      const again = await run(['migrate'], empty.env);
      expect(again).toMatchObject({ code: 0, stdout: `resultsbus: migrations applied (${engine})\n` });
      expect(await empty.appliedMigrations()).toBe(migrationCount());
    } finally {
      await empty.dispose();
    }
  });

  it('fails with a clear message when the PostgreSQL cannot be reached', async () => {
    const out = await run(['migrate'], { DATABASE_URL: 'postgres://resultsbus:secret@127.0.0.1:9/resultsbus' });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      'resultsbus: cannot use the PostgreSQL at postgres://resultsbus:***@127.0.0.1:9/resultsbus: connect ECONNREFUSED 127.0.0.1:9; check DATABASE_URL and that the server is up\n',
    );
  });
});
