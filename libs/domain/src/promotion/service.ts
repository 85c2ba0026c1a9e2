import type { IsoDate } from '../dates';
import { invalid, notFound, rule } from '../errors';
import { parseApplicationNumber } from '../application-number';
import { requireNotExpiredOn } from '../patent/guards';
import type { PatentState } from '../patent/state';
import { intIn, oneOf, requireId, requireOrder, requirePastDate, requireText } from '../validate';

/**
 * Technology verification and maturation as a service record (plan §二(三)2: 积极开展技术验证和熟化):
 * a service organisation (中知（山西）知识产权运营中心, 山西省技术产权交易中心, a pilot base, …) performed a
 * verification, maturation or pilot test on a patent; the record names the provider, the dates and
 * the outcome (and, when assessed, the technology readiness level after it). Stream
 * `service-<serviceId>`; one event per stream.
 */

export type TechnologyServiceKind = 'verification' | 'maturation' | 'pilot-test';
export const TECHNOLOGY_SERVICE_KINDS: readonly TechnologyServiceKind[] = [
  'verification',
  'maturation',
  'pilot-test',
];

export interface TechnologyServiceRecorded {
  type: 'TechnologyServiceRecorded';
  data: {
    serviceId: string;
    applicationNumber: string;
    /** The institution of the patent (whose record it is). */
    institutionId: string;
    providerId: string;
    providerName: string;
    kind: TechnologyServiceKind;
    startedOn: IsoDate;
    completedOn: IsoDate;
    outcome: string;
    /** Technology readiness level (1–9) assessed after the service. */
    technologyReadinessAfter?: number;
  };
}
export type TechnologyServiceEvent = TechnologyServiceRecorded;
export const TECHNOLOGY_SERVICE_EVENT_TYPES: readonly TechnologyServiceEvent['type'][] = [
  'TechnologyServiceRecorded',
];

export interface RecordTechnologyService {
  type: 'RecordTechnologyService';
  data: Omit<TechnologyServiceRecorded['data'], 'institutionId'>;
  /** The patent as it stands, loaded by the command handler. */
  patent?: PatentState | undefined;
  now: string;
}
export type TechnologyServiceCommand = RecordTechnologyService;

export type TechnologyServiceState =
  { status: 'none' } | ({ status: 'recorded' } & TechnologyServiceRecorded['data']);

export const serviceStream = (serviceId: string): string => `service-${serviceId}`;

export function decideTechnologyService(
  command: TechnologyServiceCommand,
  state: TechnologyServiceState,
): TechnologyServiceEvent[] {
  switch (command.type) {
    case 'RecordTechnologyService': {
      const d = command.data;
      const serviceId = requireId(d.serviceId, 'serviceId');
      if (state.status !== 'none')
        throw rule('SERVICE.EXISTS', `service ${serviceId} has already been recorded`, 'serviceId');
      const an = parseApplicationNumber(d.applicationNumber).value;
      const providerId = requireId(d.providerId, 'providerId');
      const providerName = requireText(d.providerName, 'providerName', 200);
      const kind = oneOf(d.kind, TECHNOLOGY_SERVICE_KINDS, 'kind');
      const startedOn = requirePastDate(d.startedOn, 'startedOn', command.now);
      // A record of a service performed: it has ended, on or before the day it is recorded.
      const completedOn = requirePastDate(d.completedOn, 'completedOn', command.now);
      requireOrder(startedOn, 'startedOn', completedOn, 'completedOn');
      const outcome = requireText(d.outcome, 'outcome', 4000);
      const trl =
        d.technologyReadinessAfter === undefined || d.technologyReadinessAfter === null
          ? undefined
          : intIn(d.technologyReadinessAfter, 1, 9, 'technologyReadinessAfter');
      const p = command.patent ?? { status: 'none' };
      if (p.status === 'none')
        throw notFound('PATENT.NOT_FOUND', `patent ${an} has not been inventoried`, 'applicationNumber');
      if (p.applicationNumber !== an)
        throw invalid('FIELD.INVALID', 'the patent loaded is not the one named', 'applicationNumber');
      // Verification and maturation serve a patent in force: it began within the term of protection.
      requireNotExpiredOn(p, startedOn, 'startedOn');
      return [
        {
          type: 'TechnologyServiceRecorded',
          data: {
            serviceId,
            applicationNumber: an,
            institutionId: p.institutionId,
            providerId,
            providerName,
            kind,
            startedOn,
            completedOn,
            outcome,
            ...(trl !== undefined ? { technologyReadinessAfter: trl } : {}),
          },
        },
      ];
    }
    default: {
      const unknown: never = command.type;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${String(unknown)}`);
    }
  }
}

export function evolveTechnologyService(
  state: TechnologyServiceState,
  event: TechnologyServiceEvent,
): TechnologyServiceState {
  return event.type === 'TechnologyServiceRecorded' ? { status: 'recorded', ...event.data } : state;
}

export const technologyServiceDecider = {
  decide: decideTechnologyService,
  evolve: evolveTechnologyService,
  initialState: (): TechnologyServiceState => ({ status: 'none' }),
};
