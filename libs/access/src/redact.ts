/**
 * Field visibility: where a read is allowed but a field is not, the field is left out, not the whole
 * answer. Restricted fields (POLICY's `deal-money`, `evaluations-in-full`, `inventors`, `user-ids`)
 * are seen by the holder and the institution of record, ip-office and auditor; the counterparty of a
 * deal sees that deal's money, inventors and user ids; an enterprise sees its own evaluation in full.
 */
import type { Patent } from '@patent-ledger/domain';
import { isCounterparty, seesEverything } from './policy';
import type { Principal } from './principal';

type Caller = Pick<Principal, 'role' | 'orgId'>;

/** A patent's state as this caller may see it. */
export function redactPatent(caller: Caller, p: Patent): Patent {
  if (seesEverything(caller, p)) return p;
  const counterparty = isCounterparty(caller, p);
  const out: Patent = {
    ...p,
    transfers: p.transfers.map((t) => (t.assigneeId === caller.orgId ? t : omit(t, 'price'))),
    licenses: p.licenses.map((l) => (l.licenseeId === caller.orgId ? l : omit(l, 'royalty'))),
    evaluations: p.evaluations.filter((e) => e.enterpriseId === caller.orgId),
    evaluationIds: p.evaluations.filter((e) => e.enterpriseId === caller.orgId).map((e) => e.evaluationId),
  };
  if (p.intent) out.intent = omit(p.intent, 'askingPrice');
  if (!counterparty) delete (out as Partial<Patent>).inventors;
  return out;
}

/** A pool entry (or any record with the holder's asking price) as this caller may see it. */
export function redactAskingPrice<T extends { institutionId: string; askingPrice?: string }>(
  caller: Caller & { admin?: boolean },
  entry: T,
): T {
  const sees =
    caller.role === 'ip-office' ||
    caller.role === 'auditor' ||
    (caller.role === 'institution' && caller.orgId === entry.institutionId);
  return sees || entry.askingPrice === undefined ? entry : omit(entry, 'askingPrice');
}

/**
 * A patent's recorded events as a reader of its records (holder, ip-office, auditor) may see them:
 * the command ids of another organisation's events are left out for everyone but ip-office and
 * auditor (a command id is its sender's idempotency record).
 */
export function redactCommandIds<T extends { actor: { orgId: string }; commandId?: string }>(
  caller: Caller,
  entry: T,
): T {
  if (caller.role === 'ip-office' || caller.role === 'auditor' || entry.actor.orgId === caller.orgId) {
    return entry;
  }
  return omit(entry, 'commandId');
}

function omit<T, K extends keyof T>(value: T, key: K): T {
  const copy = { ...value };
  delete copy[key];
  return copy;
}
