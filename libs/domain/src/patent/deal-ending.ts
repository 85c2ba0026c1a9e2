/**
 * Deals that end (合同的取消、提前终止、解除; 民法典 Arts. 155, 557, 562–566): EndDeal → DealEnded, for a
 * transfer or licence contract, with the date and the reason.
 *
 * - cancelled: the contract never took effect (or was annulled): a licence never bound;
 * - terminated early / rescinded: the contract binds until the day before `endedOn`;
 * - a transfer can end only before its registration (afterwards ownership has moved; undoing it is a
 *   new transfer registered back); ending it frees the patent for another transfer contract;
 * - the deal's open obligations close as `cancelled` on `endedOn` rather than stay overdue for ever.
 */
import { notFound, rule } from '../errors';
import { oneOf, requireId, requireOrder, requirePastDate, requireText } from '../validate';
import type { EndDeal } from './commands';
import { DEAL_ENDINGS } from './constants';
import type { DealEnded, PatentEvent } from './events';
import { requireInventoried } from './guards';
import type { Patent, PatentState } from './state';

export function decideEndDeal(command: EndDeal, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  const d = command.data;
  const dealId = requireId(d.dealId, 'dealId');
  const transfer = p.transfers.find((t) => t.dealId === dealId);
  const licence = p.licenses.find((l) => l.dealId === dealId);
  const deal = transfer ?? licence;
  if (!deal)
    throw notFound('DEAL.NOT_FOUND', `no transfer or licence deal ${dealId} on this patent`, 'dealId');
  if (deal.ended) {
    throw rule(
      'DEAL.ALREADY_ENDED',
      `deal ${dealId} was ${deal.ended.ending} on ${deal.ended.endedOn}`,
      'dealId',
    );
  }
  const ending = oneOf(d.ending, DEAL_ENDINGS, 'ending');
  const endedOn = requirePastDate(d.endedOn, 'endedOn', command.now);
  const reason = requireText(d.reason, 'reason', 2000);
  requireOrder(deal.contractDate, 'contractDate', endedOn, 'endedOn');
  if (transfer?.registration) {
    throw rule(
      'TRANSFER.ALREADY_REGISTERED',
      `transfer ${dealId} was registered on ${transfer.registration.registeredOn}: ownership moved (专利法 Art. 10); undoing it takes a transfer registered back`,
      'dealId',
    );
  }
  if (licence && ending !== 'cancelled' && endedOn > licence.endDate) {
    throw rule(
      'DEAL.ENDED_AFTER_TERM',
      `licence ${dealId} ran until ${licence.endDate}; it cannot be ${ending} on ${endedOn}`,
      'endedOn',
    );
  }
  const event: DealEnded = {
    type: 'DealEnded',
    data: { applicationNumber: p.applicationNumber, dealId, ending, endedOn, reason },
  };
  return [event];
}

export function evolveDealEnded(p: Patent, e: DealEnded): Patent {
  const { dealId, ending, endedOn, reason } = e.data;
  const ended = { ending, endedOn, reason };
  return {
    ...p,
    transfers: p.transfers.map((t) => (t.dealId === dealId ? { ...t, ended } : t)),
    licenses: p.licenses.map((l) => (l.dealId === dealId ? { ...l, ended } : l)),
  };
}
