/**
 * A bad setting fails at start, before anything is opened, with a message
 * that names the variable and what it accepts.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAll, run } from './process.ts';

const scratch = mkdtempSync(join(tmpdir(), 'rb-cli-config-'));

afterEach(killAll);
afterAll(async () => {
  await killAll();
  rmSync(scratch, { recursive: true, force: true });
});

const cases: Array<{ command: string[]; env: Record<string, string>; message: string }> = [
  { command: ['serve'], env: { PORT: 'abc' }, message: 'PORT must be a whole number from 0 to 65535, got "abc"' },
  { command: ['serve'], env: { PORT: '70000' }, message: 'PORT must be a whole number from 0 to 65535, got 70000' },
  { command: ['migrate'], env: { DATABASE_URL: 'mysql://x' }, message: 'DATABASE_URL must start with postgres:// or postgresql://, got "mysql://x"' },
  {
    command: ['serve'],
    env: { RESULTSBUS_EXTRA_OUTCOMES: 'WAIVED,bad-name' },
    message: `RESULTSBUS_EXTRA_OUTCOMES: "bad-name" is not a valid outcome name; use upper-case letters, digits and '_' (e.g. WAIVED)`,
  },
  {
    command: ['token', 'list'],
    env: { RESULTSBUS_TOPIC_PREFIX: 'org..fedoraproject' },
    message: `RESULTSBUS_TOPIC_PREFIX must be dot-separated words of letters, digits, '_' or '-', got "org..fedoraproject"`,
  },
  { command: ['serve'], env: { RESULTSBUS_DB_POOL: '0' }, message: 'RESULTSBUS_DB_POOL must be a whole number from 1 to 1000, got 0' },
];

/** `PORT=abc resultsbus serve`, as a test name. */
const named = cases.map((c) => ({
  ...c,
  line: `${Object.entries(c.env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')} resultsbus ${c.command.join(' ')}`,
}));

describe('configuration errors', () => {
  it.each(named)('$line fails at start naming the variable', async ({ command, env, message }) => {
    const dataDir = join(scratch, `data-${Object.keys(env).join('-')}-${command[0]}`);
    const out = await run(command, { RESULTSBUS_DATA_DIR: dataDir, ...env });
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(`resultsbus: configuration error: ${message}\n`);
    // Refused before the store was touched.
    expect(existsSync(dataDir)).toBe(false);
  });
});
