/**
 * DATABASE_URL may name the server's Unix socket directory the way libpq
 * does, with a `host` query parameter.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectPostgres, socketOf } from '../../src/db/client.ts';
import { engine } from '../helpers/database.ts';

describe('socketOf', () => {
  it('takes the host parameter off the URL and gives it to postgres.js', () => {
    expect(socketOf('postgres://rb@localhost/rb?host=/var/run/postgresql')).toEqual({ url: 'postgres://rb@localhost/rb', host: '/var/run/postgresql' });
    expect(socketOf('postgres://rb@localhost/rb?host=%2Fvar%2Frun%2Fpostgresql&sslmode=disable')).toEqual({
      url: 'postgres://rb@localhost/rb?sslmode=disable',
      host: '/var/run/postgresql',
    });
  });

  it('fills in the empty host libpq allows beside the parameter', () => {
    expect(socketOf('postgresql://rb@/rb?host=/tmp')).toEqual({ url: 'postgresql://rb@localhost/rb', host: '/tmp' });
    expect(socketOf('postgres:///rb?host=/tmp')).toEqual({ url: 'postgres://localhost/rb', host: '/tmp' });
  });

  it('leaves a URL without the parameter alone', () => {
    expect(socketOf('postgres://rb@127.0.0.1:5432/rb')).toEqual({ url: 'postgres://rb@127.0.0.1:5432/rb', host: undefined });
    expect(socketOf('postgres://rb@db/rb?sslmode=require')).toEqual({ url: 'postgres://rb@db/rb?sslmode=require', host: undefined });
  });
});

const socketDir = '/var/run/postgresql';
describe.skipIf(engine === 'pglite' || !existsSync(`${socketDir}/.s.PGSQL.5432`))('a URL with ?host=<socket directory>', () => {
  it('connects over the Unix socket', async () => {
    const tcp = new URL(process.env['TEST_DATABASE_URL'] ?? '');
    const url = `postgres://${tcp.username}@localhost${tcp.pathname}?host=${socketDir}`;
    const sql = connectPostgres(url, { max: 1, onnotice: () => {} });
    try {
      // No server address: the connection is not TCP.
      const [row] = await sql<Array<{ addr: string | null; db: string }>>`SELECT inet_server_addr()::text AS addr, current_database() AS db`;
      expect(row).toEqual({ addr: null, db: tcp.pathname.slice(1) });
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
