import type { Actor } from '@patent-ledger/eventsourcing';
import type { Request } from 'express';
import { ProblemException } from './problem';

export const ACTOR_ROLES = [
  'institution',
  'enterprise',
  'ip-office',
  'auditor',
  'analyst',
  'system',
] as const;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/**
 * Who is calling. Until token-based access control lands, the actor is taken from the
 * `X-Actor-Role`, `X-Actor-Org` and `X-Actor-User` headers (trusted, for service-to-service use),
 * defaulting to a `system` actor. This is the single place a token guard will replace.
 */
export function resolveActor(req: Request): Actor {
  const role = header(req, 'x-actor-role') ?? 'system';
  if (!(ACTOR_ROLES as readonly string[]).includes(role)) {
    throw ProblemException.of(
      400,
      'ACTOR.INVALID_ROLE',
      `X-Actor-Role must be one of ${ACTOR_ROLES.join(', ')}`,
      {
        errors: [{ field: 'X-Actor-Role', message: `unknown role "${role}"` }],
      },
    );
  }
  const orgId = header(req, 'x-actor-org') ?? 'local';
  const userId = header(req, 'x-actor-user') ?? 'anonymous';
  for (const [name, v] of [
    ['X-Actor-Org', orgId],
    ['X-Actor-User', userId],
  ] as const) {
    if (!ID_RE.test(v)) {
      throw ProblemException.of(
        400,
        'ACTOR.INVALID_ID',
        `${name} must be 1-128 letters, digits or . _ : @ -`,
        {
          errors: [{ field: name, message: 'invalid identifier' }],
        },
      );
    }
  }
  return { role, orgId, userId };
}

export function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}
