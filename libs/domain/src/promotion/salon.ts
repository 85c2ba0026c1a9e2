import type { IsoDate } from '../dates';
import { invalid, rule } from '../errors';
import { optionalText, requireId, requirePastDate, requireText } from '../validate';
import { patentList, registeredEnterprises, requirePoolPatents, type PromotionFacts } from './common';

/**
 * Quarterly salons (plan §二(三)2: 每季度组织知识产权沙龙): a salon held is a fact of its own, recorded
 * after the day it was held, naming its organizer (the ip-office, an institution, or a service
 * organisation such as 山西省知识产权服务协会), the pool patents presented and the registered
 * enterprises that attended. Whether each quarter had one is a query (`GET /salons/quarters`).
 * Stream `salon-<salonId>`; one event per stream.
 */

export interface SalonRecorded {
  type: 'SalonRecorded';
  data: {
    salonId: string;
    /** The organisation that organised it (an org id: the ip-office, an institution, a service body). */
    organizerId: string;
    organizerName: string;
    /** The province whose quarterly salon it is. */
    province: string;
    /** The business date it was held on: on or before the day it is recorded. */
    heldOn: IsoDate;
    title: string;
    /** Pool patents presented (application numbers). */
    applicationNumbers: string[];
    /** Registered enterprises that attended (enterprise registry ids). */
    enterpriseIds: string[];
    notes?: string;
  };
}
export type SalonEvent = SalonRecorded;
export const SALON_EVENT_TYPES: readonly SalonEvent['type'][] = ['SalonRecorded'];

export interface RecordSalon extends PromotionFacts {
  type: 'RecordSalon';
  data: SalonRecorded['data'];
  /** The registered province of the organizer when it is a registered institution (loaded by the handler). */
  organizerProvince?: string | undefined;
  now: string;
}
export type SalonCommand = RecordSalon;

export type SalonState = { status: 'none' } | ({ status: 'recorded' } & SalonRecorded['data']);

export const salonStream = (salonId: string): string => `salon-${salonId}`;

/** The quarter (1–4) of a business date. */
export function quarterOf(date: IsoDate): { year: number; quarter: 1 | 2 | 3 | 4 } {
  const month = Number(date.slice(5, 7));
  return { year: Number(date.slice(0, 4)), quarter: (Math.floor((month - 1) / 3) + 1) as 1 | 2 | 3 | 4 };
}

/** The first and last day of a quarter. */
export function quarterBounds(year: number, quarter: number): { from: IsoDate; to: IsoDate } {
  if (!Number.isInteger(quarter) || quarter < 1 || quarter > 4)
    throw invalid('FIELD.OUT_OF_RANGE', 'quarter must be 1 to 4', 'quarter');
  const y = String(year).padStart(4, '0');
  const first = String((quarter - 1) * 3 + 1).padStart(2, '0');
  const last = ['03-31', '06-30', '09-30', '12-31'][quarter - 1];
  return { from: `${y}-${first}-01`, to: `${y}-${last}` };
}

export function decideSalon(command: SalonCommand, state: SalonState): SalonEvent[] {
  switch (command.type) {
    case 'RecordSalon': {
      const d = command.data;
      const salonId = requireId(d.salonId, 'salonId');
      if (state.status !== 'none')
        throw rule('SALON.EXISTS', `salon ${salonId} has already been recorded`, 'salonId');
      const organizerId = requireId(d.organizerId, 'organizerId');
      const organizerName = requireText(d.organizerName, 'organizerName', 200);
      const province = requireText(d.province, 'province', 50);
      // An institution's salon is its own province's: it cannot stand in for another province's quarter.
      if (command.organizerProvince !== undefined && command.organizerProvince !== province)
        throw rule(
          'SALON.OTHER_PROVINCE',
          `organizer ${organizerId} is an institution of ${command.organizerProvince}, not of ${province}`,
          'province',
        );
      // A salon is a fact that happened: not dated after the day it is recorded.
      const heldOn = requirePastDate(d.heldOn, 'heldOn', command.now);
      const title = requireText(d.title, 'title', 500);
      const applicationNumbers = patentList(d.applicationNumbers, 'applicationNumbers', 'SALON.NO_PATENTS');
      const enterpriseIds = registeredEnterprises(d.enterpriseIds, 'enterpriseIds', command, {
        min: 1,
        emptyCode: 'SALON.NO_ENTERPRISES',
      });
      requirePoolPatents(applicationNumbers, 'applicationNumbers', command, heldOn, 'heldOn');
      const notes = optionalText(d.notes, 'notes', 4000);
      return [
        {
          type: 'SalonRecorded',
          data: {
            salonId,
            organizerId,
            organizerName,
            province,
            heldOn,
            title,
            applicationNumbers,
            enterpriseIds,
            ...(notes !== undefined ? { notes } : {}),
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

export function evolveSalon(state: SalonState, event: SalonEvent): SalonState {
  return event.type === 'SalonRecorded' ? { status: 'recorded', ...event.data } : state;
}

export const salonDecider = {
  decide: decideSalon,
  evolve: evolveSalon,
  initialState: (): SalonState => ({ status: 'none' }),
};
