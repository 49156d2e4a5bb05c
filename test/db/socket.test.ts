/**
 * DATABASE_URL may name the server's Unix socket directory the way libpq
 * does, with a `host` query parameter.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectPostgres } from '../../src/db/client.ts';
import { socketOf } from '../../src/db/url.ts';
import { engine } from '../helpers/database.ts';

describe('socketOf', () => {
  it('takes the host parameter off the URL and gives it to postgres.js', () => {
    expect(socketOf('postgres://rb@localhost/rb?host=/var/run/postgresql')).toEqual({ url: 'postgres://rb@localhost/rb', host: '/var/run/postgresql', port: undefined });
    expect(socketOf('postgres://rb@localhost/rb?host=%2Fvar%2Frun%2Fpostgresql&sslmode=disable')).toEqual({
      url: 'postgres://rb@localhost/rb?sslmode=disable',
      host: '/var/run/postgresql',
      port: undefined,
    });
    expect(socketOf('postgres://rb@localhost/rb?host=/tmp&port=5433')).toEqual({ url: 'postgres://rb@localhost/rb', host: '/tmp', port: 5433 });
    expect(() => socketOf('postgres://rb@localhost/rb?host=/tmp&port=x')).toThrow('the port parameter of the database URL must be a port number, got "x"');
  });

  it('fills in the empty host libpq allows beside the parameter', () => {
    expect(socketOf('postgresql://rb@/rb?host=/tmp')).toEqual({ url: 'postgresql://rb@localhost/rb', host: '/tmp', port: undefined });
    expect(socketOf('postgres:///rb?host=/tmp')).toEqual({ url: 'postgres://localhost/rb', host: '/tmp', port: undefined });
    expect(socketOf('postgres://rb@:5433/rb?host=/tmp')).toEqual({ url: 'postgres://rb@localhost:5433/rb', host: '/tmp', port: undefined });
  });

  it('leaves a URL without the parameter alone', () => {
    expect(socketOf('postgres://rb@127.0.0.1:5432/rb')).toEqual({ url: 'postgres://rb@127.0.0.1:5432/rb', host: undefined, port: undefined });
    expect(socketOf('postgres://rb@db/rb?sslmode=require')).toEqual({ url: 'postgres://rb@db/rb?sslmode=require', host: undefined, port: undefined });
  });
});

const socketDir = '/var/run/postgresql';
describe.skipIf(engine === 'pglite' || !existsSync(`${socketDir}/.s.PGSQL.5432`))('a URL with ?host=<socket directory>', () => {
  it.each([
    ['a host parameter', (user: string, db: string) => `postgres://${user}@localhost/${db}?host=${socketDir}`],
    ['an empty host with a port', (user: string, db: string) => `postgres://${user}@:5432/${db}?host=${socketDir}`],
    ['host and port parameters', (user: string, db: string) => `postgresql://${user}@/${db}?host=${socketDir}&port=5432`],
  ])('connects over the Unix socket with %s', async (_, form) => {
    const tcp = new URL(process.env['TEST_DATABASE_URL'] ?? '');
    const url = form(tcp.username, tcp.pathname.slice(1));
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
