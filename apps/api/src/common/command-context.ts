import { createHash } from 'node:crypto';
import type { Principal } from '@patent-ledger/access';
import { fingerprintOf, newId, type CommandContext } from '@patent-ledger/eventsourcing';
import type { Request } from 'express';
import { header, resolveActor } from './actor';
import { PINNED_BY_IF_MATCH } from './problem.filter';
import { ProblemException } from './problem';

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

/**
 * Parses `If-Match`: an ETag of a version (`"3"`, also a bare `3`) or a list of them, of which one
 * must match (RFC 9110 §13.1.1). Returns the versions; undefined for no header or `*`.
 */
export function parseIfMatch(req: Request): number[] | undefined {
  const raw = header(req, 'if-match');
  if (raw === undefined || raw.trim() === '*') return undefined;
  const versions = raw.split(',').map((part) => {
    const m = /^"?(\d{1,15})"?$/.exec(part.trim());
    if (!m) {
      throw ProblemException.of(
        400,
        'PRECONDITION.INVALID_IF_MATCH',
        'If-Match must be the ETag of a version, e.g. "3"',
        {
          errors: [{ field: 'If-Match', message: `cannot parse ${JSON.stringify(raw)}` }],
        },
      );
    }
    return Number(m[1]);
  });
  return [...new Set(versions)];
}

/**
 * The command id an Idempotency-Key stands for: scoped to its caller (organisation and user), so
 * another caller's key can neither replay, reveal nor block a request.
 */
export function scopedCommandId(p: Pick<Principal, 'orgId' | 'userId'>, key: string): string {
  const h = createHash('sha256')
    .update(`patent-ledger:command\0${p.orgId}\0${p.userId}\0${key}`)
    .digest('hex');
  return `key-${h.slice(0, 40)}`;
}

/**
 * Builds the command context of a request: the idempotency key (`Idempotency-Key`, scoped to the
 * caller, else a fresh id), a fingerprint of the caller, method, path and body (the same key with
 * another request is 422), the actor from the verified credential, the pinned version (`If-Match`)
 * and the correlation id (`X-Correlation-Id`).
 */
export function commandContext(req: Request, now: string): CommandContext {
  const key = header(req, 'idempotency-key');
  if (key !== undefined && !KEY_RE.test(key)) {
    throw ProblemException.of(
      400,
      'IDEMPOTENCY.INVALID_KEY',
      'Idempotency-Key must be 1-255 visible ASCII characters',
      {
        errors: [{ field: 'Idempotency-Key', message: 'invalid key' }],
      },
    );
  }
  const actor = resolveActor(req);
  const ifMatch = parseIfMatch(req);
  if (ifMatch !== undefined) (req as Request & { [PINNED_BY_IF_MATCH]?: boolean })[PINNED_BY_IF_MATCH] = true;
  const correlationId = header(req, 'x-correlation-id');
  const commandId = key !== undefined ? scopedCommandId(actor, key) : newId();
  return {
    commandId,
    fingerprint: fingerprintOf({
      principal: [actor.orgId, actor.userId],
      method: req.method,
      path: req.path,
      body: req.body ?? null,
    }),
    actor,
    now,
    ...(correlationId !== undefined ? { correlationId } : {}),
    ...(ifMatch !== undefined ? { expectedVersion: ifMatch.length === 1 ? ifMatch[0]! : ifMatch } : {}),
  };
}
