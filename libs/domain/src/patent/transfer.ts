/**
 * Transfer (转让): TransferPatent → Transferred (the contract), RegisterTransfer → TransferRegistered
 * (转让登记; ownership moves only here, 专利法 Art. 10).
 *
 * - the institution must still hold the patent, in force on the contract date;
 * - one transfer contract at a time: a second one while the first awaits registration is refused
 *   unless the first was cancelled (or otherwise ended, see deal-ending.ts);
 * - no transfer while an exclusive licence is in force unless the licensee is the assignee;
 * - a co-owned patent needs every co-owner's consent (专利法 Art. 14 ¶2), a pledged one the
 *   pledgee's (民法典 Art. 444 ¶2).
 *
 * An equity contribution (equity.ts) is a transfer to a company for a share of its equity: the same
 * rules (requireTransferable), registered by RegisterTransfer.
 */
import { notFound, rule } from '../errors';
import { normalizeMoney } from '../money';
import { oneOf, requireId, requireOrder, requirePastDate, requireText } from '../validate';
import type { RegisterTransfer, TransferPatent } from './commands';
import { PRICING_METHODS } from './constants';
import type { PatentEvent, Transferred, TransferRegistered } from './events';
import {
  requireCoOwnerConsents,
  requireDatedBeforeEnd,
  requireHeldByInstitution,
  requireInventoried,
  requireNewDealId,
  requireNotExpiredOn,
  requireNotTerminated,
  requirePledgeeConsents,
} from './guards';
import { isPendingTransfer, licenceInForceOn, type Patent, type PatentState } from './state';

/**
 * What a contract that moves ownership needs (a sale, or an equity contribution): the holder rules,
 * one such contract at a time, the exclusive-licence rule, the term, and the consents. Returns the
 * contract date.
 */
export function requireTransferable(
  p: Patent,
  dealId: string,
  assigneeId: string,
  contractDateValue: unknown,
  now: string,
): string {
  requireNotTerminated(p, now);
  requireHeldByInstitution(p);
  requireNewDealId(p, dealId);
  const contractDate = requirePastDate(contractDateValue, 'contractDate', now);
  requireNotExpiredOn(p, contractDate, 'contractDate');
  const pending = p.transfers.find(isPendingTransfer);
  if (pending) {
    throw rule(
      'TRANSFER.PENDING',
      `${pending.kind === 'equity-contribution' ? 'equity contribution' : 'transfer'} ${pending.dealId} to ${pending.assigneeName} (contract of ${pending.contractDate}) awaits registration; a second transfer contract needs the first one cancelled`,
      'dealId',
    );
  }
  const blocking = p.licenses.find(
    (l) => l.type === 'exclusive' && licenceInForceOn(l, contractDate) && l.licenseeId !== assigneeId,
  );
  if (blocking) {
    throw rule(
      'TRANSFER.EXCLUSIVE_LICENSE_IN_FORCE',
      `exclusive licence ${blocking.dealId} to ${blocking.licenseeName} is in force until ${blocking.endDate}; only the licensee may acquire the patent`,
    );
  }
  requireCoOwnerConsents(p, 'transfer', dealId, contractDate, p.holder.id);
  requirePledgeeConsents(p, 'transfer', dealId, contractDate);
  return contractDate;
}

export function decideTransfer(command: TransferPatent, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  requireHeldByInstitution(p);
  const d = command.data;
  const dealId = requireId(d.dealId, 'dealId');
  const assigneeId = requireId(d.assigneeId, 'assigneeId');
  const contractDate = requireTransferable(p, dealId, assigneeId, d.contractDate, command.now);
  const event: Transferred = {
    type: 'Transferred',
    data: {
      applicationNumber: p.applicationNumber,
      dealId,
      assigneeId,
      assigneeName: requireText(d.assigneeName, 'assigneeName'),
      contractDate,
      price: normalizeMoney(d.price, 'price'),
      pricingMethod: oneOf(d.pricingMethod, PRICING_METHODS, 'pricingMethod'),
    },
  };
  return [event];
}

export function decideRegisterTransfer(command: RegisterTransfer, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  const d = command.data;
  const deal = p.transfers.find((t) => t.dealId === d.dealId);
  if (!deal)
    throw notFound(
      'TRANSFER.NOT_FOUND',
      `no transfer or equity-contribution deal ${d.dealId} on this patent`,
      'dealId',
    );
  if (deal.registration) {
    throw rule(
      'TRANSFER.ALREADY_REGISTERED',
      `transfer ${deal.dealId} was registered on ${deal.registration.registeredOn}`,
    );
  }
  if (deal.ended) {
    throw rule(
      'DEAL.ENDED',
      `transfer ${deal.dealId} was ${deal.ended.ending} on ${deal.ended.endedOn} (${deal.ended.reason}); it cannot be registered`,
      'dealId',
    );
  }
  requireHeldByInstitution(p);
  const registeredOn = requirePastDate(d.registeredOn, 'registeredOn', command.now);
  requireOrder(deal.contractDate, 'contractDate', registeredOn, 'registeredOn');
  requireDatedBeforeEnd(p, registeredOn, 'registeredOn', command.now);
  const event: TransferRegistered = {
    type: 'TransferRegistered',
    data: {
      applicationNumber: p.applicationNumber,
      dealId: deal.dealId,
      registeredOn,
      noticeNumber: requireText(d.noticeNumber, 'noticeNumber', 100),
    },
  };
  return [event];
}

export function evolveTransferred(p: Patent, e: Transferred): Patent {
  const { applicationNumber: _a, ...t } = e.data;
  return { ...p, transfers: [...p.transfers, t] };
}

export function evolveTransferRegistered(p: Patent, e: TransferRegistered): Patent {
  const d = e.data;
  const deal = p.transfers.find((t) => t.dealId === d.dealId);
  if (!deal) return p;
  return {
    ...p,
    transfers: p.transfers.map((t) =>
      t.dealId === d.dealId
        ? { ...t, registration: { registeredOn: d.registeredOn, noticeNumber: d.noticeNumber } }
        : t,
    ),
    holder: {
      kind: 'enterprise',
      id: deal.assigneeId,
      name: deal.assigneeName,
      since: d.registeredOn,
      dealId: deal.dealId,
    },
    inPool: false,
  };
}
