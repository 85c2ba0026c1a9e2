/** Tiered promotion (分层推广): PromotePatent → Promoted, only for pool patents in force. */
import { rule } from '../errors';
import { oneOf, requireId, requirePastDate, requireText } from '../validate';
import type { PromotePatent } from './commands';
import { PROMOTION_CHANNELS, PROMOTION_TIERS } from './constants';
import type { PatentEvent, Promoted } from './events';
import { requireInPool, requireInventoried, requireNotExpiredOn, requireNotTerminated } from './guards';
import type { Patent, PatentState } from './state';

export function decidePromote(command: PromotePatent, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  requireInPool(p);
  const d = command.data;
  const promotionId = requireId(d.promotionId, 'promotionId');
  if (p.promotions.some((x) => x.promotionId === promotionId)) {
    throw rule(
      'PROMOTION.DUPLICATE_ID',
      `promotion ${promotionId} already exists on this patent`,
      'promotionId',
    );
  }
  const event: Promoted = {
    type: 'Promoted',
    data: {
      applicationNumber: p.applicationNumber,
      promotionId,
      channel: oneOf(d.channel, PROMOTION_CHANNELS, 'channel'),
      tier: oneOf(d.tier, PROMOTION_TIERS, 'tier'),
      organizer: requireText(d.organizer, 'organizer'),
      occurredOn: requirePastDate(d.occurredOn, 'occurredOn', command.now),
    },
  };
  requireNotExpiredOn(p, event.data.occurredOn, 'occurredOn');
  return [event];
}

export function evolvePromoted(p: Patent, e: Promoted): Patent {
  const { applicationNumber: _a, ...pr } = e.data;
  return { ...p, promotions: [...p.promotions, pr] };
}
