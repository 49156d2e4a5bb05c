/**
 * API tokens for writers. Only a SHA-256 of each token is stored: tokens are
 * 256 random bits, so a fast hash is enough and a stolen table reveals none.
 */
import { createHash, randomBytes } from 'node:crypto';
import { asc, count, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { apiTokens } from '../db/schema.ts';
import { UserError } from '../errors.ts';

const TOKEN_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface TokenInfo {
  name: string;
  createdAt: Date;
}

/** Creates a token and returns its secret; the secret is not stored and cannot be shown again. */
export async function createToken(executor: Executor, name: string): Promise<string> {
  if (!TOKEN_NAME.test(name)) {
    throw new UserError(
      'BAD_USER_INPUT',
      `token name ${JSON.stringify(name)} is not allowed; use 1 to 64 letters, digits, '.', '_' or '-'`,
      'name',
    );
  }
  const token = `rb_${randomBytes(32).toString('base64url')}`;
  const inserted = await executor
    .insert(apiTokens)
    .values({ name, tokenHash: hashToken(token) })
    .onConflictDoNothing({ target: apiTokens.name })
    .returning({ id: apiTokens.id });
  if (inserted.length === 0) {
    throw new UserError('BAD_USER_INPUT', `a token named ${JSON.stringify(name)} exists already; revoke it first or pick another name`, 'name');
  }
  return token;
}

export async function listTokens(executor: Executor): Promise<TokenInfo[]> {
  return executor.select({ name: apiTokens.name, createdAt: apiTokens.createdAt }).from(apiTokens).orderBy(asc(apiTokens.name));
}

/** Deletes a token; writes with it fail from then on (within the cache time of running servers). */
export async function revokeToken(executor: Executor, name: string): Promise<void> {
  const deleted = await executor.delete(apiTokens).where(eq(apiTokens.name, name)).returning({ id: apiTokens.id });
  if (deleted.length === 0) throw new UserError('NOT_FOUND', `no token is named ${JSON.stringify(name)}`, 'name');
}

export async function tokenCount(executor: Executor): Promise<number> {
  const rows = await executor.select({ n: count() }).from(apiTokens);
  return rows[0]?.n ?? 0;
}

/** Who wrote, when writes need no token (RESULTSBUS_WRITE_AUTH=none). */
export const ANONYMOUS = 'anonymous';

/**
 * Checks bearer tokens. A valid token is remembered for `ttlMs` so that a
 * busy writer does not pay a query per request; a revoked token therefore
 * stops working within that time.
 */
export class TokenVerifier {
  private readonly valid = new Map<string, { name: string; until: number }>();

  /**
   * @param ttlMs how long a valid token is remembered
   * @param required false (RESULTSBUS_WRITE_AUTH=none): every caller may write, and `verify` names it `anonymous`
   */
  constructor(
    private readonly executor: Executor,
    private readonly ttlMs = 5000,
    readonly required = true,
  ) {}

  /** Returns the token's name (`anonymous` when tokens are not required), or throws UNAUTHENTICATED. */
  async verify(authorization: string | null | undefined): Promise<string> {
    if (!this.required) return ANONYMOUS;
    // RFC 7235: the scheme, one or more spaces, the token; a tab or line break is not a separator.
    const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(authorization ?? '');
    if (!match?.[1]) {
      throw new UserError('UNAUTHENTICATED', 'writing needs an "Authorization: Bearer <token>" header; use the token `serve` printed at its first start, or create one with `resultsbus token create NAME` (on PGlite, with the server stopped)');
    }
    const hash = hashToken(match[1]);
    const now = Date.now();
    const cached = this.valid.get(hash);
    if (cached && cached.until > now) return cached.name;
    const rows = await this.executor.select({ name: apiTokens.name }).from(apiTokens).where(eq(apiTokens.tokenHash, hash)).limit(1);
    const row = rows[0];
    if (!row) {
      this.valid.delete(hash);
      throw new UserError('UNAUTHENTICATED', 'the bearer token is not valid (unknown or revoked)');
    }
    if (this.valid.size > 10_000) this.valid.clear();
    this.valid.set(hash, { name: row.name, until: now + this.ttlMs });
    return row.name;
  }
}
