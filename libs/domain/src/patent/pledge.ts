/**
 * Pledges (专利权质押): RegisterPledge → PledgeRegistered, ReleasePledge → PledgeReleased.
 *
 * The pledge exists from its registration (民法典 Art. 444 ¶1; 专利权质押登记办法). While it binds,
 * the patentee may not transfer or license the patent, nor declare an open licence, without the
 * pledgee's consent (Art. 444 ¶2; 细则 r.86(4)) — see guards.requirePledgeeConsents. A co-owned
 * patent is pledged only with every co-owner's consent (专利法 Art. 14 ¶2).
 */
import { notFound, rule } from '../errors';
import { normalizeMoney } from '../money';
import { requireId, requireOrder, requirePastDate, requireText } from '../validate';
import type { RegisterPledge, ReleasePledge } from './commands';
import type { PatentEvent, PledgeRegistered, PledgeReleased } from './events';
import {
  requireCoOwnerConsents,
  requireInventoried,
  requireNotExpiredOn,
  requireNotTerminated,
} from './guards';
import type { Patent, PatentState } from './state';

export function decideRegisterPledge(command: RegisterPledge, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  const d = command.data;
  const pledgeId = requireId(d.pledgeId, 'pledgeId');
  if (p.pledges.some((x) => x.pledgeId === pledgeId)) {
    throw rule('PLEDGE.DUPLICATE_ID', `pledge ${pledgeId} already exists on this patent`, 'pledgeId');
  }
  const registeredOn = requirePastDate(d.registeredOn, 'registeredOn', command.now);
  requireNotExpiredOn(p, registeredOn, 'registeredOn');
  requireOrder(p.grantDate, 'grantDate', registeredOn, 'registeredOn');
  const event: PledgeRegistered = {
    type: 'PledgeRegistered',
    data: {
      applicationNumber: p.applicationNumber,
      pledgeId,
      pledgeeId: requireId(d.pledgeeId, 'pledgeeId'),
      pledgeeName: requireText(d.pledgeeName, 'pledgeeName'),
      registrationNumber: requireText(d.registrationNumber, 'registrationNumber', 100),
      registeredOn,
      ...(d.securedAmount !== undefined && d.securedAmount !== null
        ? { securedAmount: normalizeMoney(d.securedAmount, 'securedAmount') }
        : {}),
    },
  };
  requireCoOwnerConsents(p, 'pledge', pledgeId, registeredOn, p.holder.id);
  return [event];
}

export function decideReleasePledge(command: ReleasePledge, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  const d = command.data;
  const pledge = p.pledges.find((x) => x.pledgeId === d.pledgeId);
  if (!pledge) throw notFound('PLEDGE.NOT_FOUND', `no pledge ${d.pledgeId} on this patent`, 'pledgeId');
  if (pledge.releasedOn !== undefined) {
    throw rule(
      'PLEDGE.ALREADY_RELEASED',
      `pledge ${pledge.pledgeId} was released on ${pledge.releasedOn}`,
      'pledgeId',
    );
  }
  const releasedOn = requirePastDate(d.releasedOn, 'releasedOn', command.now);
  requireOrder(pledge.registeredOn, 'registeredOn', releasedOn, 'releasedOn');
  const event: PledgeReleased = {
    type: 'PledgeReleased',
    data: { applicationNumber: p.applicationNumber, pledgeId: pledge.pledgeId, releasedOn },
  };
  return [event];
}

export function evolvePledgeRegistered(p: Patent, e: PledgeRegistered): Patent {
  const { applicationNumber: _a, ...pledge } = e.data;
  return { ...p, pledges: [...(p.pledges ?? []), pledge] };
}

export function evolvePledgeReleased(p: Patent, e: PledgeReleased): Patent {
  const d = e.data;
  return {
    ...p,
    pledges: (p.pledges ?? []).map((x) =>
      x.pledgeId === d.pledgeId ? { ...x, releasedOn: d.releasedOn } : x,
    ),
  };
}
