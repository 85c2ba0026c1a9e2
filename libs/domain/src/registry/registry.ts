import type { IsoDate } from '../dates';
import { invalid } from '../errors';
import { ENTERPRISE_CATEGORIES } from '../patent/constants';
import type { EnterpriseCategory } from '../patent/events';
import {
  oneOf,
  optionalText,
  requireId,
  requirePastDate,
  requireText,
  textList,
  todayInChina,
} from '../validate';

/**
 * The registries of the plan's §二(二)1 (issue 15): enterprises registered on the platform (an
 * enterprise account's organisation is its `enterpriseId`) and the experts recommended into the pool.
 * Streams `enterprise-<enterpriseId>` and `expert-<expertId>`; PUT semantics: the first call registers,
 * an identical one changes nothing, a changed one records the new details.
 */

export interface EnterpriseContact {
  name: string;
  phone?: string;
  email?: string;
}

export interface EnterpriseDetails {
  enterpriseId: string;
  name: string;
  category: EnterpriseCategory;
  /** GB/T 2260 administrative division code (6 digits, e.g. 140100 太原市). */
  region: string;
  contact: EnterpriseContact;
  occurredOn: IsoDate;
}

export interface EnterpriseRegistered {
  type: 'EnterpriseRegistered';
  data: EnterpriseDetails;
}
export interface EnterpriseDetailsChanged {
  type: 'EnterpriseDetailsChanged';
  data: EnterpriseDetails;
}
export type EnterpriseEvent = EnterpriseRegistered | EnterpriseDetailsChanged;

export interface RegisterEnterprise {
  type: 'RegisterEnterprise';
  data: Omit<EnterpriseDetails, 'occurredOn'> & { occurredOn?: IsoDate };
  now: string;
}
export type EnterpriseCommand = RegisterEnterprise;
export type EnterpriseState = { status: 'none' } | ({ status: 'registered' } & EnterpriseDetails);

export interface ExpertDetails {
  expertId: string;
  name: string;
  /** Technical fields the expert evaluates (IPC classes or words), 1–20. */
  fields: string[];
  organisation: string;
  title?: string;
  /** The organisation that recommends the expert (a department, an enterprise). */
  recommendedBy: string;
  occurredOn: IsoDate;
}
export interface ExpertRecommended {
  type: 'ExpertRecommended';
  data: ExpertDetails;
}
export interface ExpertDetailsChanged {
  type: 'ExpertDetailsChanged';
  data: ExpertDetails;
}
export type ExpertEvent = ExpertRecommended | ExpertDetailsChanged;
export interface RecommendExpert {
  type: 'RecommendExpert';
  data: Omit<ExpertDetails, 'occurredOn'> & { occurredOn?: IsoDate };
  now: string;
}
export type ExpertCommand = RecommendExpert;
export type ExpertState = { status: 'none' } | ({ status: 'recommended' } & ExpertDetails);

export const enterpriseStream = (id: string): string => `enterprise-${id}`;
export const expertStream = (id: string): string => `expert-${id}`;

const REGION = /^\d{6}$/;
const PHONE = /^\+?[0-9][0-9 -]{4,29}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function decideEnterprise(command: EnterpriseCommand, state: EnterpriseState): EnterpriseEvent[] {
  switch (command.type) {
    case 'RegisterEnterprise': {
      const d = command.data;
      const enterpriseId = requireId(d.enterpriseId, 'enterpriseId');
      const name = requireText(d.name, 'name', 200);
      const category = oneOf(d.category, ENTERPRISE_CATEGORIES, 'category');
      if (typeof d.region !== 'string' || !REGION.test(d.region)) {
        throw invalid('FIELD.INVALID', 'region must be a 6-digit GB/T 2260 code, e.g. 140100', 'region');
      }
      const c = (d.contact ?? {}) as Partial<EnterpriseContact>;
      const contactName = requireText(c.name, 'contact.name', 100);
      const phone = optionalText(c.phone, 'contact.phone', 30);
      if (phone !== undefined && !PHONE.test(phone))
        throw invalid('FIELD.INVALID', 'contact.phone must be a telephone number', 'contact.phone');
      const email = optionalText(c.email, 'contact.email', 254);
      if (email !== undefined && !EMAIL.test(email))
        throw invalid('FIELD.INVALID', 'contact.email must be an e-mail address', 'contact.email');
      const occurredOn =
        d.occurredOn === undefined
          ? todayInChina(command.now)
          : requirePastDate(d.occurredOn, 'occurredOn', command.now);
      const contact: EnterpriseContact = {
        name: contactName,
        ...(phone !== undefined ? { phone } : {}),
        ...(email !== undefined ? { email } : {}),
      };
      const details = { enterpriseId, name, category, region: d.region, contact };
      if (state.status === 'none')
        return [{ type: 'EnterpriseRegistered', data: { ...details, occurredOn } }];
      const { status: _s, occurredOn: _o, ...current } = state;
      if (same(details, current)) return [];
      return [{ type: 'EnterpriseDetailsChanged', data: { ...details, occurredOn } }];
    }
    default: {
      const unknown: never = command.type;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${String(unknown)}`);
    }
  }
}

export function evolveEnterprise(state: EnterpriseState, event: EnterpriseEvent): EnterpriseState {
  switch (event.type) {
    case 'EnterpriseRegistered':
    case 'EnterpriseDetailsChanged':
      return { status: 'registered', ...event.data };
    default:
      return state;
  }
}

export const enterpriseDecider = {
  decide: decideEnterprise,
  evolve: evolveEnterprise,
  initialState: (): EnterpriseState => ({ status: 'none' }),
};

export function decideExpert(command: ExpertCommand, state: ExpertState): ExpertEvent[] {
  switch (command.type) {
    case 'RecommendExpert': {
      const d = command.data;
      const expertId = requireId(d.expertId, 'expertId');
      const name = requireText(d.name, 'name', 100);
      const fields = textList(d.fields, 'fields', { min: 1, max: 20 });
      const organisation = requireText(d.organisation, 'organisation', 200);
      const title = optionalText(d.title, 'title', 100);
      const recommendedBy = requireId(d.recommendedBy, 'recommendedBy');
      const occurredOn =
        d.occurredOn === undefined
          ? todayInChina(command.now)
          : requirePastDate(d.occurredOn, 'occurredOn', command.now);
      const details = {
        expertId,
        name,
        fields,
        organisation,
        ...(title !== undefined ? { title } : {}),
        recommendedBy,
      };
      if (state.status === 'none') return [{ type: 'ExpertRecommended', data: { ...details, occurredOn } }];
      const { status: _s, occurredOn: _o, ...current } = state;
      if (same(details, current)) return [];
      return [{ type: 'ExpertDetailsChanged', data: { ...details, occurredOn } }];
    }
    default: {
      const unknown: never = command.type;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${String(unknown)}`);
    }
  }
}

export function evolveExpert(state: ExpertState, event: ExpertEvent): ExpertState {
  switch (event.type) {
    case 'ExpertRecommended':
    case 'ExpertDetailsChanged':
      return { status: 'recommended', ...event.data };
    default:
      return state;
  }
}

export const expertDecider = {
  decide: decideExpert,
  evolve: evolveExpert,
  initialState: (): ExpertState => ({ status: 'none' }),
};
