/**
 * The end of the patent right before its term (专利权终止, 专利法 Art. 44; invalidation Art. 47):
 * LapsePatent → PatentLapsed, terminal for new dealings. Expiry at the end of the term and the lapse
 * for an unpaid annuity need no command: they follow from the dates (standing.ts). A lapse recorded
 * as `expired` must name the day after the last day of protection.
 */
import { addDays } from '../dates';
import { rule } from '../errors';
import { oneOf, requireOrder, requirePastDate } from '../validate';
import type { LapsePatent } from './commands';
import { LAPSE_REASONS } from './constants';
import type { PatentEvent, PatentLapsed } from './events';
import { requireInventoried, requireNotTerminated } from './guards';
import type { Patent, PatentState } from './state';

export function decideLapse(command: LapsePatent, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  const effectiveOn = requirePastDate(command.data.effectiveOn, 'effectiveOn', command.now);
  requireOrder(p.filingDate, 'filingDate', effectiveOn, 'effectiveOn');
  const reason = oneOf(command.data.reason, LAPSE_REASONS, 'reason');
  const end = addDays(p.expiryDate, 1);
  if (reason === 'expired' && effectiveOn !== end) {
    throw rule(
      'LAPSE.NOT_THE_EXPIRY',
      `the term ends by itself with its last day ${p.expiryDate} (专利法 Art. 42; no command needed): an expiry takes effect on ${end}, not ${effectiveOn}`,
      'effectiveOn',
    );
  }
  if (reason !== 'expired' && effectiveOn > end) {
    throw rule(
      'PATENT.EXPIRED',
      `the patent expired on ${p.expiryDate} (last day of protection); it cannot lapse on ${effectiveOn}`,
      'effectiveOn',
    );
  }
  const event: PatentLapsed = {
    type: 'PatentLapsed',
    data: { applicationNumber: p.applicationNumber, reason, effectiveOn },
  };
  return [event];
}

export function evolveLapsed(p: Patent, e: PatentLapsed): Patent {
  const d = e.data;
  return { ...p, status: 'lapsed', inPool: false, lapse: { reason: d.reason, effectiveOn: d.effectiveOn } };
}
