import { spec } from '../testing/given-when-then';
import { accountDecider, loginRetryAfterSeconds, type Account, type AccountEvent } from './account';

const HASH = 'scrypt$32768$8$1$c2FsdA$aGFzaA';
const created: AccountEvent = {
  type: 'UserCreated',
  data: { userId: 'tto-wang', orgId: 'tyut', role: 'institution', displayName: 'Wang', admin: false },
};
const failed = (at: string): AccountEvent => ({ type: 'LoginFailed', data: { userId: 'tto-wang', at } });
const fold = (events: AccountEvent[]) => events.reduce(accountDecider.evolve, accountDecider.initialState());

describe('accounts', () => {
  it('given no account, when an admin creates one with a password, then UserCreated and PasswordSet', () => {
    spec(accountDecider)
      .given([])
      .when({ type: 'CreateUser', data: { ...created.data, passwordHash: HASH } })
      .then([
        created,
        { type: 'PasswordSet', data: { userId: 'tto-wang', passwordHash: HASH, reset: false } },
      ]);
  });

  it('given an account, when it is created again, then ACCOUNT.EXISTS', () => {
    spec(accountDecider)
      .given([created])
      .when({ type: 'CreateUser', data: created.data })
      .thenThrows('ACCOUNT.EXISTS');
  });

  it('only an ip-office account can be an admin; the role must be a party of the programme', () => {
    spec(accountDecider)
      .given([])
      .when({ type: 'CreateUser', data: { ...created.data, admin: true } })
      .thenThrows('ACCOUNT.ADMIN_NOT_IP_OFFICE', 'invalid');
    spec(accountDecider)
      .given([])
      .when({ type: 'CreateUser', data: { ...created.data, role: 'system' } })
      .thenThrows('FIELD.NOT_ALLOWED', 'invalid');
  });

  it('a password arrives hashed: anything but an scrypt hash is refused', () => {
    spec(accountDecider)
      .given([created])
      .when({ type: 'SetPassword', data: { userId: 'tto-wang', passwordHash: 'hunter2hunter2' } })
      .thenThrows('ACCOUNT.INVALID_PASSWORD_HASH', 'invalid');
  });

  it('given an account, when it is disabled twice, then only the first is recorded', () => {
    const disabled: AccountEvent = { type: 'UserDisabled', data: { userId: 'tto-wang', reason: 'left' } };
    spec(accountDecider).given([created]).when({ type: 'DisableUser', data: disabled.data }).then([disabled]);
    spec(accountDecider)
      .given([created, disabled])
      .when({ type: 'DisableUser', data: disabled.data })
      .then([]);
  });

  it('a password change bumps the password version and clears the failures', () => {
    const s = fold([
      created,
      failed('2026-12-03T01:00:00Z'),
      { type: 'PasswordSet', data: { userId: 'tto-wang', passwordHash: HASH, reset: true } },
    ]);
    expect(s).toMatchObject({ passwordVersion: 1, failedInARow: 0 });
  });

  it('a success is recorded only when it ends a run of failures', () => {
    const at = '2026-12-03T01:00:00Z';
    spec(accountDecider)
      .given([created])
      .when({ type: 'RecordLoginSuccess', data: { userId: 'tto-wang', at } })
      .then([]);
    spec(accountDecider)
      .given([created, failed(at)])
      .when({ type: 'RecordLoginSuccess', data: { userId: 'tto-wang', at } })
      .then([{ type: 'LoginSucceeded', data: { userId: 'tto-wang', at } }]);
  });

  it('five failed sign-ins in a row slow the account down: 30 s, doubling, at most 15 min', () => {
    const t0 = Date.parse('2026-12-03T01:00:00Z');
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const four = fold([created, ...[0, 1, 2, 3].map((i) => failed(at(i)))]) as Account;
    expect(loginRetryAfterSeconds(four, at(3))).toBe(0);
    const five = fold([created, ...[0, 1, 2, 3, 4].map((i) => failed(at(i)))]) as Account;
    expect(loginRetryAfterSeconds(five, at(4))).toBe(30);
    expect(loginRetryAfterSeconds(five, at(34))).toBe(0);
    const six = fold([created, ...[0, 1, 2, 3, 4, 5].map((i) => failed(at(i)))]) as Account;
    expect(loginRetryAfterSeconds(six, at(5))).toBe(60);
    const many = fold([created, ...Array.from({ length: 20 }, (_, i) => failed(at(i)))]) as Account;
    expect(loginRetryAfterSeconds(many, at(19))).toBe(900);
  });
});

describe('signing out', () => {
  const until = (h: number) => new Date(Date.parse('2026-12-03T00:00:00Z') + h * 3600_000).toISOString();
  const out = (jti: string, h: number): AccountEvent => ({
    type: 'SignedOut',
    data: { userId: 'tto-wang', jti, until: until(h) },
  });

  it('given a session, when it signs out, then SignedOut; a second sign-out of it records nothing', () => {
    spec(accountDecider)
      .given([created])
      .when({ type: 'RecordSignOut', data: { userId: 'tto-wang', jti: 'j1', until: until(1) } })
      .then([out('j1', 1)]);
    spec(accountDecider)
      .given([created, out('j1', 1)])
      .when({ type: 'RecordSignOut', data: { userId: 'tto-wang', jti: 'j1', until: until(1) } })
      .then([]);
  });

  it('remembers only sign-outs of tokens that could still be valid (a sign-in lasts at most 24 h)', () => {
    const s = fold([created, out('old', 1), out('mid', 20), out('new', 26)]) as Account;
    expect(Object.keys(s.signedOut).sort()).toEqual(['mid', 'new']);
  });
});
