import type { IsoDate } from '../dates';
import { invalid, rule } from '../errors';
import {
  intIn,
  oneOf,
  optionalText,
  requireId,
  requirePastDate,
  requireText,
  todayInChina,
} from '../validate';

export type InstitutionKind = 'university' | 'research-institute' | 'hospital';
export const INSTITUTION_KINDS: readonly InstitutionKind[] = ['university', 'research-institute', 'hospital'];
/** Milestone groups of the Shanxi plan (§6): 太原理工大学, the four key universities, everyone else. */
export type MilestoneGroup = 'tyut' | 'key4' | 'other';
export const MILESTONE_GROUPS: readonly MilestoneGroup[] = ['tyut', 'key4', 'other'];
/**
 * The supervising department of an institution (主管部门): 教育厅 (education), 科技厅 (science and
 * technology), 卫健委 (health), 农业农村厅 (agriculture and rural affairs), 国资委 (state-owned assets),
 * 工信厅 (industry and IT), or another.
 */
export type SupervisingDepartment =
  | 'education'
  | 'science-technology'
  | 'health'
  | 'agriculture-rural'
  | 'state-assets'
  | 'industry-it'
  | 'other';
export const SUPERVISING_DEPARTMENTS: readonly SupervisingDepartment[] = [
  'education',
  'science-technology',
  'health',
  'agriculture-rural',
  'state-assets',
  'industry-it',
  'other',
];

export interface InstitutionRegistered {
  type: 'InstitutionRegistered';
  data: {
    institutionId: string;
    name: string;
    kind: InstitutionKind;
    province: string;
    milestoneGroup: MilestoneGroup;
    stockPatentCount: number;
    occurredOn: IsoDate;
    /** Absent in events recorded before issue 15 (then `SupervisingDepartmentAssigned` may add it). */
    department?: SupervisingDepartment;
  };
}

/** The department of an institution registered without one (fixed once given). */
export interface SupervisingDepartmentAssigned {
  type: 'SupervisingDepartmentAssigned';
  data: { institutionId: string; department: SupervisingDepartment; occurredOn: IsoDate };
}

export interface StockCountRevised {
  type: 'StockCountRevised';
  data: { institutionId: string; stockPatentCount: number; reason: string; occurredOn: IsoDate };
}

export type InstitutionEvent = InstitutionRegistered | StockCountRevised | SupervisingDepartmentAssigned;
export const INSTITUTION_EVENT_TYPES: readonly InstitutionEvent['type'][] = [
  'InstitutionRegistered',
  'StockCountRevised',
  'SupervisingDepartmentAssigned',
];

/**
 * PUT semantics: registers the institution, or revises its stock count (a reason is then required).
 * Re-sending the same registration changes nothing. Name, kind, province and milestone group are
 * fixed once registered.
 */
export interface RegisterInstitution {
  type: 'RegisterInstitution';
  data: {
    institutionId: string;
    name: string;
    kind: InstitutionKind;
    province: string;
    milestoneGroup: MilestoneGroup;
    stockPatentCount: number;
    /** Supervising department; fixed once given (an institution registered without one may get it later). */
    department?: SupervisingDepartment;
    /** Why the stock count changed; required when it does. */
    reason?: string;
    /** Business date; defaults to today in China. */
    occurredOn?: IsoDate;
  };
  now: string;
}

export type InstitutionCommand = RegisterInstitution;

export interface Institution {
  status: 'registered';
  institutionId: string;
  name: string;
  kind: InstitutionKind;
  province: string;
  milestoneGroup: MilestoneGroup;
  stockPatentCount: number;
  department?: SupervisingDepartment;
  registeredOn: IsoDate;
  revisions: { stockPatentCount: number; reason: string; occurredOn: IsoDate }[];
}

export type InstitutionState = { status: 'none' } | Institution;

export const initialInstitutionState = (): InstitutionState => ({ status: 'none' });

export function decideInstitution(command: InstitutionCommand, state: InstitutionState): InstitutionEvent[] {
  switch (command.type) {
    case 'RegisterInstitution': {
      const d = command.data;
      const institutionId = requireId(d.institutionId, 'institutionId');
      const name = requireText(d.name, 'name', 200);
      const kind = oneOf(d.kind, INSTITUTION_KINDS, 'kind');
      const province = requireText(d.province, 'province', 50);
      const milestoneGroup = oneOf(d.milestoneGroup, MILESTONE_GROUPS, 'milestoneGroup');
      const stockPatentCount = intIn(d.stockPatentCount, 0, 10_000_000, 'stockPatentCount');
      const occurredOn =
        d.occurredOn === undefined
          ? todayInChina(command.now)
          : requirePastDate(d.occurredOn, 'occurredOn', command.now);
      const reason = optionalText(d.reason, 'reason');
      const department =
        d.department === undefined ? undefined : oneOf(d.department, SUPERVISING_DEPARTMENTS, 'department');
      if (state.status === 'none') {
        return [
          {
            type: 'InstitutionRegistered',
            data: {
              institutionId,
              name,
              kind,
              province,
              milestoneGroup,
              stockPatentCount,
              occurredOn,
              ...(department !== undefined ? { department } : {}),
            },
          },
        ];
      }
      const changed = (
        [
          ['name', name, state.name],
          ['kind', kind, state.kind],
          ['province', province, state.province],
          ['milestoneGroup', milestoneGroup, state.milestoneGroup],
          ['department', department ?? state.department, state.department ?? department],
        ] as const
      ).filter(([, a, b]) => a !== b);
      if (changed.length > 0) {
        throw rule(
          'INSTITUTION.FIELDS_FIXED',
          `${changed.map(([f]) => f).join(', ')} cannot change once the institution is registered`,
          changed[0]![0],
        );
      }
      const assigned: InstitutionEvent[] =
        department !== undefined && state.department === undefined
          ? [{ type: 'SupervisingDepartmentAssigned', data: { institutionId, department, occurredOn } }]
          : [];
      if (stockPatentCount === state.stockPatentCount) return assigned;
      if (reason === undefined) {
        throw invalid(
          'INSTITUTION.REVISION_REASON_REQUIRED',
          `stockPatentCount changes from ${state.stockPatentCount} to ${stockPatentCount}: give a reason`,
          'reason',
        );
      }
      // The latest count is the one in force: a revision dated before it would be the current record
      // while the count as of today (programme progress) is still the later one.
      const currentSince = state.revisions[state.revisions.length - 1]?.occurredOn ?? state.registeredOn;
      if (occurredOn < currentSince) {
        throw rule(
          'INSTITUTION.REVISION_BACKDATED',
          `occurredOn ${occurredOn} is before ${currentSince}, the date of the current stock count (${state.stockPatentCount}): a revision cannot take effect before it`,
          'occurredOn',
        );
      }
      return [
        ...assigned,
        { type: 'StockCountRevised', data: { institutionId, stockPatentCount, reason, occurredOn } },
      ];
    }
    default: {
      const unknown: never = command.type;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${String(unknown)}`);
    }
  }
}

export function evolveInstitution(state: InstitutionState, event: InstitutionEvent): InstitutionState {
  switch (event.type) {
    case 'InstitutionRegistered': {
      const { occurredOn, ...d } = event.data;
      return { status: 'registered', ...d, registeredOn: occurredOn, revisions: [] };
    }
    case 'StockCountRevised': {
      if (state.status === 'none') return state;
      const { stockPatentCount, reason, occurredOn } = event.data;
      return {
        ...state,
        stockPatentCount,
        revisions: [...state.revisions, { stockPatentCount, reason, occurredOn }],
      };
    }
    case 'SupervisingDepartmentAssigned':
      return state.status === 'none' ? state : { ...state, department: event.data.department };
    default:
      return state;
  }
}

export const institutionDecider = {
  decide: decideInstitution,
  evolve: evolveInstitution,
  initialState: initialInstitutionState,
};
