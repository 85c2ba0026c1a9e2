import { accountDecider, accountStream, type AccountCommand, type AccountState } from '@patent-ledger/domain';
import {
  fingerprintOf,
  handleCommand,
  loadAggregate,
  newId,
  type Actor,
  type CommandOutcome,
  type EventStore,
} from '@patent-ledger/eventsourcing';

/** The events of an account stream as the account decider folds them. */
const asAccountEvent = (e: { type: string; data: unknown }) => ({ type: e.type, data: e.data }) as never;

/**
 * An account's state and stream version, read from its stream `user-<id>`, and when it was last
 * disabled (`disabledAt`): a sign-in token issued before then is not honoured again once the account
 * is enabled.
 */
export async function loadAccount(
  store: EventStore,
  userId: string,
): Promise<{ state: AccountState; version: number; disabledAt?: string }> {
  const { state, version, events } = await loadAggregate(
    store,
    accountDecider,
    accountStream(userId),
    asAccountEvent,
  );
  const disabled = events.findLast((e) => e.type === 'UserDisabled');
  return { state, version, ...(disabled ? { disabledAt: disabled.metadata.recordedAt } : {}) };
}

/**
 * Decides and appends an account command as `actor` (an admin, the operator, or the user signing
 * in). The fingerprint never covers a password hash (each hash has a fresh salt).
 */
export function runAccountCommand(
  store: EventStore,
  command: AccountCommand,
  actor: Actor,
  now: string,
  ids: { commandId?: string; fingerprint?: string } = {},
): Promise<CommandOutcome> {
  const redacted = { ...command, data: { ...command.data, passwordHash: undefined } };
  return handleCommand(
    store,
    accountDecider,
    accountStream(command.data.userId),
    command,
    {
      commandId: ids.commandId ?? newId(),
      fingerprint: ids.fingerprint ?? fingerprintOf(redacted),
      actor: { role: actor.role, orgId: actor.orgId, userId: actor.userId },
      now,
    },
    { upcast: asAccountEvent },
  );
}
