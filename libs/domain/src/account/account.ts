/**
 * Accounts of people who sign in to the ledger (the embedded identity store). Each account is a
 * stream `user-<userId>`: its creation, password changes, disabling and failed sign-ins are events,
 * audited and replayable like everything else. Passwords arrive here already hashed (scrypt, outside
 * the domain): the domain never sees a password.
 */
import { invalid, rule } from '../errors';
import { oneOf, requireId } from '../validate';

/** The parties of the programme (domain.md §2). */
export const PARTY_ROLES = ['institution', 'enterprise', 'ip-office', 'auditor', 'analyst'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

export const accountStream = (userId: string): string => `user-${userId}`;

/** Failed sign-ins in a row after which an account is slowed down. */
export const LOGIN_FAILURES_BEFORE_THROTTLE = 5;
const THROTTLE_BASE_SECONDS = 30;
const THROTTLE_MAX_SECONDS = 15 * 60;

export interface UserCreated {
  type: 'UserCreated';
  data: { userId: string; orgId: string; role: PartyRole; displayName: string; admin: boolean };
}
export interface PasswordSet {
  type: 'PasswordSet';
  /** `reset`: set by an admin for the user (true), or the first password given at creation (false). */
  data: { userId: string; passwordHash: string; reset: boolean };
}
export interface UserDisabled {
  type: 'UserDisabled';
  data: { userId: string; reason: string };
}
export interface UserEnabled {
  type: 'UserEnabled';
  data: { userId: string };
}
export interface LoginFailed {
  type: 'LoginFailed';
  data: { userId: string; at: string };
}
export interface LoginSucceeded {
  type: 'LoginSucceeded';
  data: { userId: string; at: string };
}
export interface SignedOut {
  type: 'SignedOut';
  /** The sign-in token `jti` is no longer honoured (it would have expired at `until`). */
  data: { userId: string; jti: string; until: string };
}
export type AccountEvent =
  UserCreated | PasswordSet | UserDisabled | UserEnabled | LoginFailed | LoginSucceeded | SignedOut;
export const ACCOUNT_EVENT_TYPES: readonly AccountEvent['type'][] = [
  'UserCreated',
  'PasswordSet',
  'UserDisabled',
  'UserEnabled',
  'LoginFailed',
  'LoginSucceeded',
  'SignedOut',
];

export type AccountCommand =
  | {
      type: 'CreateUser';
      data: {
        userId: string;
        orgId: string;
        role: string;
        displayName: string;
        admin?: boolean;
        passwordHash?: string;
      };
    }
  | { type: 'SetPassword'; data: { userId: string; passwordHash: string } }
  | { type: 'DisableUser'; data: { userId: string; reason: string } }
  | { type: 'EnableUser'; data: { userId: string } }
  | { type: 'RecordLoginFailure'; data: { userId: string; at: string } }
  | { type: 'RecordLoginSuccess'; data: { userId: string; at: string } }
  | { type: 'RecordSignOut'; data: { userId: string; jti: string; until: string } };

export interface Account {
  status: 'active' | 'disabled';
  userId: string;
  orgId: string;
  role: PartyRole;
  displayName: string;
  admin: boolean;
  passwordHash?: string;
  /** Password changes so far (a token issued before the latest one is no longer honoured). */
  passwordVersion: number;
  failedInARow: number;
  lastFailureAt?: string;
  /** Sign-in tokens ended by a sign-out: jti → when the token would have expired. */
  signedOut: Record<string, string>;
}

/** Longest lifetime of a sign-in token; a sign-out older than this needs no remembering. */
export const LONGEST_SIGN_IN_MS = 24 * 3600 * 1000;
export type AccountState = { status: 'none' } | Account;

function requireText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw invalid('FIELD.INVALID_TEXT', `${field} is required: 1-${max} characters`, field);
  }
  return value.trim();
}

function requireHash(value: unknown): string {
  if (typeof value !== 'string' || !/^scrypt\$/.test(value)) {
    throw invalid('ACCOUNT.INVALID_PASSWORD_HASH', 'passwordHash must be an scrypt hash', 'passwordHash');
  }
  return value;
}

const existing = (state: AccountState, userId: string): Account => {
  if (state.status === 'none') throw rule('ACCOUNT.NOT_FOUND', `no account ${userId}`, 'userId');
  return state;
};

export function decideAccount(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'CreateUser': {
      const d = command.data;
      const userId = requireId(d.userId, 'userId');
      const orgId = requireId(d.orgId, 'orgId');
      const role = oneOf(d.role, PARTY_ROLES, 'role');
      const displayName = requireText(d.displayName, 'displayName', 200);
      const admin = d.admin === true;
      if (admin && role !== 'ip-office') {
        throw invalid('ACCOUNT.ADMIN_NOT_IP_OFFICE', 'only an ip-office account can be an admin', 'admin');
      }
      if (state.status !== 'none') {
        throw rule('ACCOUNT.EXISTS', `account ${userId} already exists`, 'userId');
      }
      const events: AccountEvent[] = [
        { type: 'UserCreated', data: { userId, orgId, role, displayName, admin } },
      ];
      if (d.passwordHash !== undefined) {
        events.push({
          type: 'PasswordSet',
          data: { userId, passwordHash: requireHash(d.passwordHash), reset: false },
        });
      }
      return events;
    }
    case 'SetPassword': {
      const a = existing(state, command.data.userId);
      return [
        {
          type: 'PasswordSet',
          data: { userId: a.userId, passwordHash: requireHash(command.data.passwordHash), reset: true },
        },
      ];
    }
    case 'DisableUser': {
      const a = existing(state, command.data.userId);
      if (a.status === 'disabled') return [];
      return [
        {
          type: 'UserDisabled',
          data: { userId: a.userId, reason: requireText(command.data.reason, 'reason', 500) },
        },
      ];
    }
    case 'EnableUser': {
      const a = existing(state, command.data.userId);
      return a.status === 'active' ? [] : [{ type: 'UserEnabled', data: { userId: a.userId } }];
    }
    case 'RecordLoginFailure': {
      const a = existing(state, command.data.userId);
      return [{ type: 'LoginFailed', data: { userId: a.userId, at: command.data.at } }];
    }
    case 'RecordSignOut': {
      const a = existing(state, command.data.userId);
      const { jti, until } = command.data;
      if (typeof jti !== 'string' || jti === '' || Number.isNaN(Date.parse(until))) {
        throw invalid('ACCOUNT.INVALID_SIGN_OUT', 'a sign-out names the token (jti) and its expiry', 'jti');
      }
      if (a.signedOut[jti] !== undefined) return [];
      return [{ type: 'SignedOut', data: { userId: a.userId, jti, until } }];
    }
    case 'RecordLoginSuccess': {
      const a = existing(state, command.data.userId);
      // Only a success that ends a run of failures is recorded: it resets the counter.
      return a.failedInARow === 0
        ? []
        : [{ type: 'LoginSucceeded', data: { userId: a.userId, at: command.data.at } }];
    }
    default: {
      const never: never = command;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${(never as { type: string }).type}`);
    }
  }
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'UserCreated':
      return { status: 'active', ...event.data, passwordVersion: 0, failedInARow: 0, signedOut: {} };
    case 'PasswordSet':
      if (state.status === 'none') return state;
      return {
        ...state,
        passwordHash: event.data.passwordHash,
        passwordVersion: state.passwordVersion + 1,
        failedInARow: 0,
      };
    case 'UserDisabled':
      return state.status === 'none' ? state : { ...state, status: 'disabled' };
    case 'UserEnabled':
      return state.status === 'none' ? state : { ...state, status: 'active', failedInARow: 0 };
    case 'LoginFailed':
      return state.status === 'none'
        ? state
        : { ...state, failedInARow: state.failedInARow + 1, lastFailureAt: event.data.at };
    case 'LoginSucceeded':
      return state.status === 'none' ? state : { ...state, failedInARow: 0 };
    case 'SignedOut': {
      if (state.status === 'none') return state;
      // Tokens that expired before this one could still be valid need no remembering.
      const horizon = Date.parse(event.data.until) - LONGEST_SIGN_IN_MS;
      const signedOut: Record<string, string> = {};
      for (const [jti, until] of Object.entries(state.signedOut)) {
        if (Date.parse(until) > horizon) signedOut[jti] = until;
      }
      signedOut[event.data.jti] = event.data.until;
      return { ...state, signedOut };
    }
    default:
      return state;
  }
}

export const accountDecider = {
  decide: decideAccount,
  evolve: evolveAccount,
  initialState: (): AccountState => ({ status: 'none' }),
};

/**
 * Seconds until the account may try to sign in again (0: now). After five failed sign-ins in a row
 * each further attempt waits 30 s after the last failure, doubling with every failure, at most 15 min.
 */
export function loginRetryAfterSeconds(account: Account, now: string): number {
  if (account.failedInARow < LOGIN_FAILURES_BEFORE_THROTTLE || account.lastFailureAt === undefined) return 0;
  const wait = Math.min(
    THROTTLE_MAX_SECONDS,
    THROTTLE_BASE_SECONDS * 2 ** (account.failedInARow - LOGIN_FAILURES_BEFORE_THROTTLE),
  );
  const until = Date.parse(account.lastFailureAt) + wait * 1000;
  return Math.max(0, Math.ceil((until - Date.parse(now)) / 1000));
}
