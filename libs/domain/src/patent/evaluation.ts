/**
 * Market evaluation (市场评价): EvaluatePatent → EnterpriseEvaluated, only for pool patents in force;
 * one per enterprise per patent (a second one from the same enterprise supersedes the first).
 */
import { rule } from '../errors';
import { intIn, oneOf, optionalText, requireId, requirePastDate, requireText } from '../validate';
import type { EvaluatePatent } from './commands';
import { COOPERATION_WILLINGNESS, ENTERPRISE_CATEGORIES, IMPROVEMENT_NEEDS } from './constants';
import type { EnterpriseEvaluated, PatentEvent } from './events';
import { requireInPool, requireInventoried, requireNotExpiredOn, requireNotTerminated } from './guards';
import type { Patent, PatentState } from './state';

export function decideEvaluate(command: EvaluatePatent, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  requireInPool(p);
  const d = command.data;
  const evaluationId = requireId(d.evaluationId, 'evaluationId');
  if (p.evaluationIds.includes(evaluationId)) {
    throw rule(
      'EVALUATION.DUPLICATE_ID',
      `evaluation ${evaluationId} already exists on this patent`,
      'evaluationId',
    );
  }
  const enterpriseId = requireId(d.enterpriseId, 'enterpriseId');
  const previous = p.evaluations.find((e) => e.enterpriseId === enterpriseId);
  const notes = optionalText(d.improvementNeeds?.notes, 'improvementNeeds.notes');
  const event: EnterpriseEvaluated = {
    type: 'EnterpriseEvaluated',
    data: {
      applicationNumber: p.applicationNumber,
      evaluationId,
      enterpriseId,
      enterpriseName: requireText(d.enterpriseName, 'enterpriseName'),
      enterpriseCategory: oneOf(d.enterpriseCategory, ENTERPRISE_CATEGORIES, 'enterpriseCategory'),
      industrializationProspect: intIn(d.industrializationProspect, 1, 5, 'industrializationProspect'),
      improvementNeeds: {
        level: oneOf(d.improvementNeeds?.level, IMPROVEMENT_NEEDS, 'improvementNeeds.level'),
        ...(notes !== undefined ? { notes } : {}),
      },
      cooperationWillingness: oneOf(
        d.cooperationWillingness,
        COOPERATION_WILLINGNESS,
        'cooperationWillingness',
      ),
      ...(previous ? { supersedes: previous.evaluationId } : {}),
      occurredOn: requirePastDate(d.occurredOn, 'occurredOn', command.now),
    },
  };
  requireNotExpiredOn(p, event.data.occurredOn, 'occurredOn');
  return [event];
}

export function evolveEvaluated(p: Patent, e: EnterpriseEvaluated): Patent {
  const { applicationNumber: _a, supersedes: _s, ...ev } = e.data;
  return {
    ...p,
    evaluations: [...p.evaluations.filter((x) => x.enterpriseId !== ev.enterpriseId), ev],
    evaluationIds: [...p.evaluationIds, ev.evaluationId],
  };
}
