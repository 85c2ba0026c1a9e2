import {
  decideInstitution,
  evolveInstitution,
  institutionDecider,
  type InstitutionCommand,
} from './institution';
import { spec } from '../testing/given-when-then';
import {
  institutionRegistered,
  registerInstitution,
  stockCountRevised,
  TODAY,
  TOMORROW,
} from '../testing/fixtures';

const institution = spec(institutionDecider);

describe('RegisterInstitution (PUT)', () => {
  it('registers a new institution', () => {
    institution
      .given([])
      .when(registerInstitution({ name: ' 太原理工大学 ', province: ' Shanxi ' }))
      .then([
        {
          type: 'InstitutionRegistered',
          data: {
            institutionId: 'tyut',
            name: '太原理工大学',
            kind: 'university',
            province: 'Shanxi',
            milestoneGroup: 'tyut',
            stockPatentCount: 3200,
            occurredOn: '2024-03-01',
          },
        },
      ]);
  });

  it('defaults occurredOn to today in China', () => {
    institution
      .given([])
      .when(registerInstitution({ occurredOn: undefined }))
      .then([institutionRegistered({ occurredOn: TODAY })]);
    institution
      .given([])
      .when(registerInstitution({ occurredOn: undefined }, '2024-02-29T16:30:00Z'))
      .then([institutionRegistered({ occurredOn: '2024-03-01' })]);
  });

  it('ignores a reason on first registration', () => {
    institution
      .given([])
      .when(registerInstitution({ reason: 'first count' }))
      .then([institutionRegistered()]);
  });

  it('re-sending the identical registration changes nothing', () => {
    institution.given([institutionRegistered()]).when(registerInstitution()).then([]);
  });

  it('re-sending with another date or a reason but the same count changes nothing', () => {
    institution
      .given([institutionRegistered()])
      .when(registerInstitution({ occurredOn: '2024-06-01', reason: 'no change' }))
      .then([]);
  });

  it('a changed stock count with a reason → StockCountRevised', () => {
    institution
      .given([institutionRegistered()])
      .when(
        registerInstitution({
          stockPatentCount: 3350,
          reason: ' recount after audit ',
          occurredOn: '2024-05-01',
        }),
      )
      .then([
        {
          type: 'StockCountRevised',
          data: {
            institutionId: 'tyut',
            stockPatentCount: 3350,
            reason: 'recount after audit',
            occurredOn: '2024-05-01',
          },
        },
      ]);
  });

  it('a revision compares with the latest count', () => {
    institution
      .given([institutionRegistered(), stockCountRevised()])
      .when(registerInstitution({ stockPatentCount: 3350 }))
      .then([]);
    institution
      .given([institutionRegistered(), stockCountRevised()])
      .when(registerInstitution({ stockPatentCount: 3200 }))
      .thenThrows('INSTITUTION.REVISION_REASON_REQUIRED', 'invalid');
  });

  it('a revision dated before the current count → INSTITUTION.REVISION_BACKDATED', () => {
    // Registered on 2024-03-01: a count "as of 2024-02-29" cannot replace it.
    const e = institution
      .given([institutionRegistered()])
      .when(registerInstitution({ stockPatentCount: 150, reason: 'demo data', occurredOn: '2024-02-29' }))
      .thenThrows('INSTITUTION.REVISION_BACKDATED', 'rule');
    expect(e.field).toBe('occurredOn');
    // Nor one dated before the latest revision (2024-05-01); the same day is fine.
    institution
      .given([institutionRegistered(), stockCountRevised()])
      .when(
        registerInstitution({ stockPatentCount: 3400, reason: 'late paperwork', occurredOn: '2024-04-30' }),
      )
      .thenThrows('INSTITUTION.REVISION_BACKDATED', 'rule');
    institution
      .given([institutionRegistered(), stockCountRevised()])
      .when(
        registerInstitution({ stockPatentCount: 3400, reason: 'second recount', occurredOn: '2024-05-01' }),
      )
      .then([stockCountRevised({ stockPatentCount: 3400, reason: 'second recount' })]);
  });

  it('a changed stock count without a reason → INSTITUTION.REVISION_REASON_REQUIRED', () => {
    const e = institution
      .given([institutionRegistered()])
      .when(registerInstitution({ stockPatentCount: 3350 }))
      .thenThrows('INSTITUTION.REVISION_REASON_REQUIRED', 'invalid');
    expect(e.field).toBe('reason');
  });

  it('a blank reason is no reason', () => {
    institution
      .given([institutionRegistered()])
      .when(registerInstitution({ stockPatentCount: 3350, reason: '   ' }))
      .thenThrows('INSTITUTION.REVISION_REASON_REQUIRED', 'invalid');
  });

  it.each([
    [{ name: '山西大学' }, 'name'],
    [{ kind: 'research-institute' }, 'kind'],
    [{ province: 'Hebei' }, 'province'],
    [{ milestoneGroup: 'other' }, 'milestoneGroup'],
  ])('changing %p → INSTITUTION.FIELDS_FIXED', (overrides, field) => {
    const e = institution
      .given([institutionRegistered()])
      .when(registerInstitution(overrides))
      .thenThrows('INSTITUTION.FIELDS_FIXED', 'rule');
    expect(e.field).toBe(field);
  });

  it('fixed fields are checked before the count', () => {
    institution
      .given([institutionRegistered()])
      .when(registerInstitution({ name: '山西大学', stockPatentCount: 1 }))
      .thenThrows('INSTITUTION.FIELDS_FIXED', 'rule');
  });

  it('names every changed field', () => {
    const e = institution
      .given([institutionRegistered()])
      .when(registerInstitution({ name: '山西大学', province: 'Hebei' }))
      .thenThrows('INSTITUTION.FIELDS_FIXED', 'rule');
    expect(e.message).toContain('name, province');
  });

  it.each([
    [{ institutionId: 'tyut/1' }, 'FIELD.INVALID_ID', 'institutionId'],
    [{ name: '' }, 'FIELD.REQUIRED', 'name'],
    [{ name: 'n'.repeat(201) }, 'FIELD.TOO_LONG', 'name'],
    [{ kind: 'company' }, 'FIELD.NOT_ALLOWED', 'kind'],
    [{ province: undefined }, 'FIELD.REQUIRED', 'province'],
    [{ province: 'p'.repeat(51) }, 'FIELD.TOO_LONG', 'province'],
    [{ milestoneGroup: 'key5' }, 'FIELD.NOT_ALLOWED', 'milestoneGroup'],
    [{ stockPatentCount: -1 }, 'FIELD.OUT_OF_RANGE', 'stockPatentCount'],
    [{ stockPatentCount: 1.5 }, 'FIELD.OUT_OF_RANGE', 'stockPatentCount'],
    [{ stockPatentCount: '3200' }, 'FIELD.OUT_OF_RANGE', 'stockPatentCount'],
    [{ stockPatentCount: 10_000_001 }, 'FIELD.OUT_OF_RANGE', 'stockPatentCount'],
    [{ occurredOn: TOMORROW }, 'DATE.IN_FUTURE', 'occurredOn'],
    [{ occurredOn: '2024-02-30' }, 'DATE.INVALID', 'occurredOn'],
    [{ reason: 12 }, 'FIELD.INVALID', 'reason'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = institution.given([]).when(registerInstitution(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  it('accepts zero stock patents', () => {
    institution
      .given([])
      .when(registerInstitution({ stockPatentCount: 0 }))
      .then([institutionRegistered({ stockPatentCount: 0 })]);
  });

  it('rejects an unknown command type as invalid (like the patent decider)', () => {
    institution
      .given([])
      .when({
        type: 'CloseInstitution',
        data: {},
        now: '2025-06-01T04:00:00Z',
      } as unknown as InstitutionCommand)
      .thenThrows('COMMAND.UNKNOWN', 'invalid');
  });

  it('decideInstitution is the decider’s decide', () => {
    expect(institutionDecider.decide).toBe(decideInstitution);
  });
});

describe('evolveInstitution', () => {
  it('folds registration and revisions', () => {
    const { state } = institution.given([
      institutionRegistered(),
      stockCountRevised(),
      stockCountRevised({
        stockPatentCount: 3400,
        reason: 'hospital patents added',
        occurredOn: '2024-06-01',
      }),
    ]);
    expect(state).toEqual({
      status: 'registered',
      institutionId: 'tyut',
      name: '太原理工大学',
      kind: 'university',
      province: 'Shanxi',
      milestoneGroup: 'tyut',
      stockPatentCount: 3400,
      registeredOn: '2024-03-01',
      revisions: [
        { stockPatentCount: 3350, reason: 'recount after audit', occurredOn: '2024-05-01' },
        { stockPatentCount: 3400, reason: 'hospital patents added', occurredOn: '2024-06-01' },
      ],
    });
  });

  it('ignores a revision before registration and unknown events', () => {
    expect(evolveInstitution({ status: 'none' }, stockCountRevised())).toEqual({ status: 'none' });
    const registered = evolveInstitution({ status: 'none' }, institutionRegistered());
    expect(evolveInstitution(registered, { type: 'InstitutionRenamed', data: {} } as never)).toBe(registered);
  });
});

describe('RegisterInstitution: supervising department (issue 15)', () => {
  it('records the department given on registration', () => {
    institution
      .given([])
      .when(registerInstitution({ department: 'education' }))
      .then([institutionRegistered({ department: 'education' })]);
  });

  it('refuses an unknown department, naming the field', () => {
    expect(
      institution
        .given([])
        .when(registerInstitution({ department: 'ministry-of-magic' }))
        .thenThrows('FIELD.NOT_ALLOWED').field,
    ).toBe('department');
  });

  it('an institution registered without one (an old event) gets it once, then it is fixed', () => {
    const old = institutionRegistered();
    expect('department' in old.data).toBe(false);
    institution
      .given([old])
      .when(registerInstitution({ department: 'health', occurredOn: '2024-05-01' }))
      .then([
        {
          type: 'SupervisingDepartmentAssigned',
          data: { institutionId: 'tyut', department: 'health', occurredOn: '2024-05-01' },
        },
      ]);
    const assigned = {
      type: 'SupervisingDepartmentAssigned' as const,
      data: { institutionId: 'tyut', department: 'health' as const, occurredOn: '2024-05-01' },
    };
    institution
      .given([old, assigned])
      .when(registerInstitution({ department: 'health' }))
      .then([]);
    institution.given([old, assigned]).when(registerInstitution()).then([]);
    expect(
      institution
        .given([old, assigned])
        .when(registerInstitution({ department: 'education' }))
        .thenThrows('INSTITUTION.FIELDS_FIXED').field,
    ).toBe('department');
    expect(evolveInstitution(evolveInstitution({ status: 'none' }, old), assigned)).toMatchObject({
      department: 'health',
    });
  });

  it('assigns the department and revises the count in one command', () => {
    institution
      .given([institutionRegistered()])
      .when(registerInstitution({ department: 'education', stockPatentCount: 3300, reason: 'recount' }))
      .then([
        {
          type: 'SupervisingDepartmentAssigned',
          data: { institutionId: 'tyut', department: 'education', occurredOn: '2024-03-01' },
        },
        stockCountRevised({ stockPatentCount: 3300, reason: 'recount', occurredOn: '2024-03-01' }),
      ]);
  });
});
