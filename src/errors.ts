/**
 * Errors a user can cause. The GraphQL layer turns them into errors with
 * `extensions.code` (and `extensions.field` where one field is to blame);
 * anything else stays masked as an internal error.
 */
export type UserErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'NOT_FOUND';

export class UserError extends Error {
  override name = 'UserError';
  readonly code: UserErrorCode;
  /** The input field at fault, as a path (`inputs[2].outcome`). */
  readonly field: string | undefined;

  constructor(code: UserErrorCode, message: string, field?: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

export function badInput(field: string, message: string): UserError {
  return new UserError('BAD_USER_INPUT', `${field}: ${message}`, field);
}
