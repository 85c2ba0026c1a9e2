import { PARTY_ROLES, type PartyRole } from '@patent-ledger/domain';

/** The parties of the programme (domain.md §2). `system` is not among them: a service gets one of these. */
export const ROLES = PARTY_ROLES;
export type Role = PartyRole;

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** Organisation and user identifiers: 1–128 letters, digits or `. _ : @ -`, starting with a letter or digit. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/**
 * Who is calling, as proven by a verified credential. Every principal is bound to one organisation
 * and one role; `admin` (ip-office only) may manage accounts and read the denied-access log.
 */
export interface Principal {
  role: Role;
  orgId: string;
  userId: string;
  admin: boolean;
  /** Where the credential came from: a token the ledger issued, a sign-in to an account, or SSO. */
  source: 'ledger' | 'account' | 'oidc';
}

/** The actor recorded in event metadata: the principal's role, organisation and user, nothing else. */
export const actorOf = (p: Pick<Principal, 'role' | 'orgId' | 'userId'>) => ({
  role: p.role,
  orgId: p.orgId,
  userId: p.userId,
});
