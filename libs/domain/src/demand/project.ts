import type { IsoDate } from '../dates';
import { invalid, notFound, rule } from '../errors';
import { parseApplicationNumber } from '../application-number';
import { oneOf, optionalText, requireId, requireOrder, requirePastDate } from '../validate';
import type { NeedState } from './need';

/**
 * Cooperation projects (plan §二(四)1: 联合攻关, 订单式研发): an institution and an enterprise open a
 * joint R&D or ordered-research project on one or more patents, perhaps answering an accepted need;
 * patents inventoried later may name the project (`PatentInventoried.projectId`), which is how the
 * project's resulting patents are known. Stream `project-<projectId>`.
 */

export type ProjectKind = 'joint-rd' | 'ordered-research';
export const PROJECT_KINDS: readonly ProjectKind[] = ['joint-rd', 'ordered-research'];
export type ProjectOutcome = 'completed' | 'discontinued';
export const PROJECT_OUTCOMES: readonly ProjectOutcome[] = ['completed', 'discontinued'];

export interface ProjectOpened {
  type: 'ProjectOpened';
  data: {
    projectId: string;
    kind: ProjectKind;
    enterpriseId: string;
    institutionId: string;
    applicationNumbers: string[];
    needId?: string;
    startedOn: IsoDate;
  };
}
export interface ProjectClosed {
  type: 'ProjectClosed';
  data: { projectId: string; closedOn: IsoDate; outcome: ProjectOutcome; notes?: string };
}
export type ProjectEvent = ProjectOpened | ProjectClosed;
export const PROJECT_EVENT_TYPES: readonly ProjectEvent['type'][] = ['ProjectOpened', 'ProjectClosed'];

export interface OpenProject {
  type: 'OpenProject';
  data: ProjectOpened['data'];
  /** The need the project answers (when `needId` is given), loaded by the command handler. */
  need?: NeedState | undefined;
  now: string;
}
export interface CloseProject {
  type: 'CloseProject';
  data: { projectId: string; closedOn: IsoDate; outcome: ProjectOutcome; notes?: string };
  now: string;
}
export type ProjectCommand = OpenProject | CloseProject;

export type Project = ProjectOpened['data'] & {
  status: 'open' | 'closed';
  closed?: { closedOn: IsoDate; outcome: ProjectOutcome; notes?: string };
};
export type ProjectState = { status: 'none' } | Project;

export const projectStream = (projectId: string): string => `project-${projectId}`;

export function decideProject(command: ProjectCommand, state: ProjectState): ProjectEvent[] {
  switch (command.type) {
    case 'OpenProject': {
      const d = command.data;
      const projectId = requireId(d.projectId, 'projectId');
      if (state.status !== 'none')
        throw rule('PROJECT.EXISTS', `project ${projectId} has already been opened`, 'projectId');
      const kind = oneOf(d.kind, PROJECT_KINDS, 'kind');
      const enterpriseId = requireId(d.enterpriseId, 'enterpriseId');
      const institutionId = requireId(d.institutionId, 'institutionId');
      if (
        !Array.isArray(d.applicationNumbers) ||
        d.applicationNumbers.length < 1 ||
        d.applicationNumbers.length > 100
      )
        throw invalid('FIELD.INVALID', 'applicationNumbers must list 1–100 patents', 'applicationNumbers');
      const numbers = d.applicationNumbers.map(
        (an, i) => parseApplicationNumber(an, `applicationNumbers[${i}]`).value,
      );
      if (new Set(numbers).size !== numbers.length)
        throw invalid('FIELD.INVALID', 'applicationNumbers lists a patent twice', 'applicationNumbers');
      const startedOn = requirePastDate(d.startedOn, 'startedOn', command.now);
      let needId: string | undefined;
      if (d.needId !== undefined) {
        needId = requireId(d.needId, 'needId');
        const need = command.need ?? { status: 'none' };
        if (need.status === 'none')
          throw notFound('NEED.NOT_FOUND', `need ${needId} has not been posted`, 'needId');
        if (need.status !== 'answered' || need.answer?.answer !== 'accepted')
          throw rule(
            'NEED.NOT_ACCEPTED',
            `need ${needId} has not been accepted by the institution`,
            'needId',
          );
        if (need.enterpriseId !== enterpriseId || need.institutionId !== institutionId)
          throw rule(
            'PROJECT.PARTIES_MISMATCH',
            `need ${needId} is between ${need.enterpriseId} and ${need.institutionId}, not the project's parties`,
            'needId',
          );
        if (!numbers.includes(need.applicationNumber))
          throw rule(
            'PROJECT.NEED_PATENT_MISSING',
            `applicationNumbers must include ${need.applicationNumber}, the patent of need ${needId}`,
            'applicationNumbers',
          );
        requireOrder(need.answer.answeredOn, 'the need answered on', startedOn, 'startedOn');
      }
      return [
        {
          type: 'ProjectOpened',
          data: {
            projectId,
            kind,
            enterpriseId,
            institutionId,
            applicationNumbers: numbers,
            ...(needId !== undefined ? { needId } : {}),
            startedOn,
          },
        },
      ];
    }
    case 'CloseProject': {
      if (state.status === 'none')
        throw notFound('PROJECT.NOT_FOUND', 'no project with this id has been opened');
      if (state.status === 'closed')
        throw rule('PROJECT.CLOSED', `the project was closed on ${state.closed?.closedOn}`);
      const closedOn = requirePastDate(command.data.closedOn, 'closedOn', command.now);
      requireOrder(state.startedOn, 'startedOn', closedOn, 'closedOn');
      const outcome = oneOf(command.data.outcome, PROJECT_OUTCOMES, 'outcome');
      const notes = optionalText(command.data.notes, 'notes', 4000);
      return [
        {
          type: 'ProjectClosed',
          data: { projectId: state.projectId, closedOn, outcome, ...(notes !== undefined ? { notes } : {}) },
        },
      ];
    }
    default: {
      const unknown: never = command;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${String((unknown as { type: string }).type)}`);
    }
  }
}

export function evolveProject(state: ProjectState, event: ProjectEvent): ProjectState {
  switch (event.type) {
    case 'ProjectOpened':
      return { status: 'open', ...event.data };
    case 'ProjectClosed': {
      if (state.status === 'none') return state;
      const { closedOn, outcome, notes } = event.data;
      return {
        ...state,
        status: 'closed',
        closed: { closedOn, outcome, ...(notes !== undefined ? { notes } : {}) },
      };
    }
    default:
      return state;
  }
}

export const projectDecider = {
  decide: decideProject,
  evolve: evolveProject,
  initialState: (): ProjectState => ({ status: 'none' }),
};
