/**
 * Conversion intent and screening into the resource pool (标注转化意愿 / 筛选入库): TagIntent →
 * IntentTagged. Re-tagging is allowed (the latest wins); `admitted` puts the patent in the pool. Only
 * a patent in force can be tagged: not after it lapsed, nor for a date after its term ended.
 */
import { invalid } from '../errors';
import { normalizeMoney } from '../money';
import { oneOf, optionalText, requirePastDate } from '../validate';
import type { TagIntent } from './commands';
import { INTENT_MODES, SCREENING_DECISIONS, SCREENING_METHODS } from './constants';
import type { IntentTagged, PatentEvent } from './events';
import {
  requireHeldByInstitution,
  requireInventoried,
  requireNotExpiredOn,
  requireNotTerminated,
} from './guards';
import type { Patent, PatentState } from './state';

export function decideTagIntent(command: TagIntent, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  requireHeldByInstitution(p);
  const d = command.data;
  const decision = oneOf(d.screening?.decision, SCREENING_DECISIONS, 'screening.decision');
  const method = oneOf(d.screening?.method, SCREENING_METHODS, 'screening.method');
  if (!Array.isArray(d.modes)) throw invalid('FIELD.INVALID', 'modes must be an array', 'modes');
  const modes = [...new Set(d.modes.map((m, i) => oneOf(m, INTENT_MODES, `modes[${i}]`)))];
  if (decision === 'admitted' && modes.length === 0) {
    throw invalid(
      'INTENT.MODES_REQUIRED',
      'a patent admitted to the pool needs at least one conversion mode',
      'modes',
    );
  }
  const reason = optionalText(d.screening.reason, 'screening.reason');
  const occurredOn = requirePastDate(d.occurredOn, 'occurredOn', command.now);
  requireNotExpiredOn(p, occurredOn, 'occurredOn');
  return [
    {
      type: 'IntentTagged',
      data: {
        applicationNumber: p.applicationNumber,
        modes,
        screening: { method, decision, ...(reason !== undefined ? { reason } : {}) },
        ...(d.askingPrice !== undefined ? { askingPrice: normalizeMoney(d.askingPrice, 'askingPrice') } : {}),
        occurredOn,
      },
    },
  ];
}

export function evolveIntentTagged(p: Patent, e: IntentTagged): Patent {
  const d = e.data;
  return {
    ...p,
    intent: {
      modes: [...d.modes],
      screening: { ...d.screening },
      ...(d.askingPrice !== undefined ? { askingPrice: d.askingPrice } : {}),
      taggedOn: d.occurredOn,
    },
    inPool: d.screening.decision === 'admitted',
  };
}
