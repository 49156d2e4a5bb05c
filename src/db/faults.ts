/**
 * Telling a fault of the database (it is down, restarting, failing over, cut
 * off, too busy) from everything else. Such a fault is nobody's mistake and
 * passes: the API answers it with the retryable code DATABASE_UNAVAILABLE,
 * instead of masking it as an internal error, and `/readyz` with 503.
 */

/** The error's `code` property, when it has a string one (node, postgres.js and PostgreSQL errors do). */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The innermost error of a chain of `cause`s (drizzle wraps the driver's error) and `originalError`s (GraphQL wraps the resolver's). */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let i = 0; i < 10; i++) {
    const wrapper = current as { cause?: unknown; originalError?: unknown } | null;
    const cause = wrapper?.originalError ?? wrapper?.cause;
    if (cause === undefined || cause === null) return current;
    current = cause;
  }
  return current;
}

/**
 * Codes that mean "the database could not do it now", not "this request is
 * wrong": node's socket errors, postgres.js's connection errors (ours too:
 * `CONNECTION_CLOSED` from a lane), and PostgreSQL's SQLSTATEs for a
 * connection ended by the server (57P01-57P03), too many connections
 * (53300), a statement or lock wait cut short by its timeout (57014, 55P03)
 * and an unwritable standby after a failover (25006).
 */
const FAULT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'DATABASE_CLOSED',
  'ANSWER_LOST',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
  '55P03',
  '25006',
]);

/** Whether `error`, or an error it wraps, is a fault of the database rather than of the request or of our code. */
export function isDatabaseFault(error: unknown): boolean {
  let current = error;
  for (let i = 0; i < 10 && current !== undefined && current !== null; i++) {
    const code = codeOf(current);
    // SQLSTATE class 08: connection exceptions.
    if (code !== undefined && (FAULT_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    // GraphQL wraps the resolver's error in `originalError`, drizzle the driver's in `cause`.
    const wrapper = current as { cause?: unknown; originalError?: unknown };
    current = wrapper.originalError ?? wrapper.cause;
  }
  return false;
}

/**
 * Faults the server reported on a statement, after which the transaction
 * was rolled back (a statement or lock timeout, a read-only standby): unlike
 * a lost connection or a lost answer, they leave no doubt that nothing of it
 * was committed.
 */
const ROLLED_BACK_FAULTS = new Set(['57014', '55P03', '25006']);

/** Whether `error` says for certain that its transaction was rolled back: any error but a fault of the database, or a fault the server reported on a statement. */
export function rolledBack(error: unknown): boolean {
  if (!isDatabaseFault(error)) return true;
  const code = codeOf(rootCause(error));
  return code !== undefined && ROLLED_BACK_FAULTS.has(code);
}

/** What a fault was, in a few words fit for a log line (never for a client: driver text can carry values). */
export function describeFault(error: unknown): string {
  const root = rootCause(error);
  const code = codeOf(root);
  const message = root instanceof Error ? root.message : String(root);
  return code === undefined ? message : `${message} (${code})`;
}
