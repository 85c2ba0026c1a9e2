import { DomainError } from '@patent-ledger/domain';

/**
 * A request the policy does not allow. Carries the rule that decided (its id in POLICY, READ_POLICY
 * or ADMIN_POLICY) so the answer can name it; mapped to 403 problem+json.
 */
export class AccessDeniedError extends DomainError {
  constructor(
    readonly rule: string,
    readonly action: string,
    message: string,
  ) {
    super('ACCESS.DENIED', message, 'forbidden');
    this.name = 'AccessDeniedError';
  }
}

/** The same error after crossing a thread boundary as a plain Error with its fields. */
export function reviveAccessDenied(err: unknown): unknown {
  if (err instanceof Error && !(err instanceof AccessDeniedError) && err.name === 'AccessDeniedError') {
    const f = err as unknown as { rule: string; action: string };
    return new AccessDeniedError(f.rule, f.action, err.message);
  }
  return err;
}
