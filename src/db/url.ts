/** PostgreSQL URLs as libpq reads them, for postgres.js (which reads less of them). */

/**
 * Splits libpq's `host` and `port` query parameters off a URL (postgres.js
 * would send them to the server as settings, which it refuses), and fills in
 * the empty host libpq allows beside them (`postgres://rb@/rb?host=/tmp`,
 * `postgres://rb@:5433/rb?host=/tmp`), which postgres.js cannot parse.
 */
export function socketOf(url: string): { url: string; host: string | undefined; port: number | undefined } {
  const at = url.indexOf('?');
  if (at < 0) return { url, host: undefined, port: undefined };
  const params = new URLSearchParams(url.slice(at + 1));
  const host = params.get('host') ?? undefined;
  const portText = params.get('port') ?? undefined;
  if (host === undefined && portText === undefined) return { url, host: undefined, port: undefined };
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) {
    throw new Error(`the port parameter of the database URL must be a port number, got ${JSON.stringify(portText)}`);
  }
  params.delete('host');
  params.delete('port');
  const base = url.slice(0, at).replace(/^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)(?=[:/]|$)/, '$1localhost');
  const left = params.toString();
  return { url: left === '' ? base : `${base}?${left}`, host: host === '' ? undefined : host, port: portText === undefined ? undefined : Number(portText) };
}
