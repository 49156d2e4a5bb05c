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

  /**
   * graphql-js copies an original error's `extensions` into the GraphQLError
   * that wraps it, so a UserError thrown in a resolver arrives coded and the
   * server can pass it on as it is (and need not log it as unexpected).
   */
  get extensions(): { code: UserErrorCode; field?: string } {
    return this.field === undefined ? { code: this.code } : { code: this.code, field: this.field };
  }
}

export function badInput(field: string, message: string): UserError {
  return new UserError('BAD_USER_INPUT', `${field}: ${message}`, field);
}
