/**
 * What `resultsbus` says about itself: `--help` on every command prints its
 * usage and exits 0 without touching a database; no command or an unknown
 * one prints the usage and exits non-zero.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAll, run } from './process.ts';

const scratch = mkdtempSync(join(tmpdir(), 'rb-cli-usage-'));
// Never created: a command that opened the store despite --help would make it.
const dataDir = join(scratch, 'data');
const env = { RESULTSBUS_DATA_DIR: dataDir };

afterEach(killAll);
afterAll(async () => {
  await killAll();
  rmSync(scratch, { recursive: true, force: true });
});

const COMMANDS = ['serve', 'migrate', 'record', 'token', 'schema', 'bridge', 'tail', 'replay'] as const;

describe('resultsbus --help', () => {
  it.each(COMMANDS)('%s --help prints its usage and exits 0', async (command) => {
    const out = await run([command, '--help'], env);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`^Usage: resultsbus ${command}\\b`));
    expect(existsSync(dataDir)).toBe(false);
  });

  it('resultsbus --help lists every command and exits 0', async () => {
    const out = await run(['--help'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Usage: resultsbus <command> \[options\]/);
    for (const command of COMMANDS) expect(out.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  it('no command prints the usage on stderr and exits 2', async () => {
    const out = await run([], env);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^Usage: resultsbus <command> \[options\]/);
  });

  it('an unknown command says so, prints the usage and exits 2', async () => {
    const out = await run(['publish'], env);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^resultsbus: unknown command "publish"\n\nUsage: resultsbus <command> \[options\]/);
    expect(existsSync(dataDir)).toBe(false);
  });
});
