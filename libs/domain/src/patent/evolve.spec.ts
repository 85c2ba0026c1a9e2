import { evolvePatent, patentDecider } from './decider';
import type { PatentCommand } from './commands';
import type { PatentEvent } from './events';
import type { PatentState } from './state';
import {
  AN,
  declareOpenLicense,
  ENT_A,
  ENT_B,
  ENT_C,
  evaluated,
  evaluatePatent,
  fileDensityProduct,
  industrialized,
  industrializePatent,
  INSTITUTION_ID,
  intentTagged,
  inventoried,
  inventoryPatent,
  lapsePatent,
  licensePatent,
  promotePatent,
  recordLicense,
  registerTransfer,
  reportTransaction,
  tagIntent,
  takeOpenLicense,
  transferPatent,
  transferRegistered,
  withdrawOpenLicense,
} from '../testing/fixtures';

/** Decides each command against the state folded so far, as the command handler does. */
function run(commands: PatentCommand[]): { events: PatentEvent[]; state: PatentState } {
  let state = patentDecider.initialState();
  const events: PatentEvent[] = [];
  for (const c of commands) {
    for (const e of patentDecider.decide(c, state)) {
      events.push(e);
      state = patentDecider.evolve(state, e);
    }
  }
  return { events, state };
}

describe('evolve: a full lifecycle', () => {
  const lifecycle = [
    inventoryPatent(),
    tagIntent({ askingPrice: '800000' }),
    evaluatePatent(),
    promotePatent(),
    evaluatePatent({
      evaluationId: 'ev-2',
      industrializationProspect: 5,
      cooperationWillingness: 'purchase',
      occurredOn: '2024-06-01',
    }),
    evaluatePatent({
      evaluationId: 'ev-b',
      enterpriseId: ENT_B.id,
      enterpriseName: ENT_B.name,
      occurredOn: '2024-06-05',
    }),
    licensePatent(),
    recordLicense(),
    reportTransaction({ dealId: 'deal-l1', reportedOn: '2024-07-20', platformRef: 'PF-L1' }),
    industrializePatent(),
    declareOpenLicense(),
    takeOpenLicense(),
    withdrawOpenLicense(),
    fileDensityProduct(),
    transferPatent({ contractDate: '2025-03-10' }),
    registerTransfer({ registeredOn: '2025-04-01' }),
    reportTransaction({ reportedOn: '2025-04-05', platformRef: 'PF-T1' }),
    industrializePatent({
      industrializationId: 'ind-2',
      enterpriseId: ENT_A.id,
      productName: 'Battery pack',
      startedOn: '2025-04-10',
    }),
    reportTransaction({
      dealId: undefined,
      industrializationId: 'ind-1',
      reportedOn: '2025-04-20',
      platformRef: 'PF-I1',
    }),
    lapsePatent({ reason: 'abandoned', effectiveOn: '2025-05-20' }),
  ];

  it('every command is accepted and yields exactly one event', () => {
    const { events } = run(lifecycle);
    expect(events.map((e) => e.type)).toEqual([
      'PatentInventoried',
      'IntentTagged',
      'EnterpriseEvaluated',
      'Promoted',
      'EnterpriseEvaluated',
      'EnterpriseEvaluated',
      'Licensed',
      'LicenseRecorded',
      'TransactionReported',
      'Industrialized',
      'OpenLicensed',
      'OpenLicenseTaken',
      'OpenLicenseWithdrawn',
      'DensityProductFiled',
      'Transferred',
      'TransferRegistered',
      'TransactionReported',
      'Industrialized',
      'TransactionReported',
      'PatentLapsed',
    ]);
    expect(events[4]).toEqual(
      evaluated({
        evaluationId: 'ev-2',
        industrializationProspect: 5,
        cooperationWillingness: 'purchase',
        occurredOn: '2024-06-01',
        supersedes: 'ev-1',
      }),
    );
    expect(events[17]).toEqual(
      industrialized({
        industrializationId: 'ind-2',
        enterpriseId: ENT_A.id,
        productName: 'Battery pack',
        startedOn: '2025-04-10',
        basis: { kind: 'owner', dealId: 'deal-t1' },
      }),
    );
  });

  it('folds into the expected state', () => {
    const { state } = run(lifecycle);
    expect(state).toEqual({
      status: 'lapsed',
      applicationNumber: AN,
      institutionId: INSTITUTION_ID,
      title: 'Lithium battery separator with ceramic coating',
      kind: 'invention',
      filingDate: '2017-07-21',
      grantDate: '2020-03-10',
      termYears: 20,
      termAdjustmentDays: 0,
      // 专利法 Art. 42 ¶1: the day before the 20th anniversary
      expiryDate: '2037-07-20',
      inventors: ['Wang Wei', 'Li Na'],
      coPatentees: [],
      coOwners: [],
      ipc: ['H01M 50/403'],
      fiscallyFunded: true,
      funding: { projectNumber: '2016YFB0100100', funder: 'Ministry of Science and Technology' },
      declaration: { declaredOn: '2017-07-21' },
      implementationStatus: 'not-implemented',
      technologyReadiness: 5,
      selfAssessedGrade: 'A',
      applicationScenarios: ['energy storage'],
      highValueFlags: {
        strategicEmergingIndustry: false,
        overseasFamily: false,
        maintainedOver10Years: false,
        pledgeFinancing: false,
        award: false,
      },
      highValue: false,
      cohort: 'stock',
      inventoriedOn: '2024-03-15',
      intent: {
        modes: ['transfer', 'license'],
        screening: { method: 'institution-central', decision: 'admitted' },
        askingPrice: '800000.00',
        taggedOn: '2024-03-20',
      },
      inPool: false,
      holder: { kind: 'enterprise', id: ENT_A.id, name: ENT_A.name, since: '2025-04-01', dealId: 'deal-t1' },
      evaluations: [
        {
          evaluationId: 'ev-2',
          enterpriseId: ENT_A.id,
          enterpriseName: ENT_A.name,
          enterpriseCategory: 'high-tech',
          industrializationProspect: 5,
          improvementNeeds: { level: 'minor' },
          cooperationWillingness: 'purchase',
          occurredOn: '2024-06-01',
        },
        {
          evaluationId: 'ev-b',
          enterpriseId: ENT_B.id,
          enterpriseName: ENT_B.name,
          enterpriseCategory: 'high-tech',
          industrializationProspect: 4,
          improvementNeeds: { level: 'minor' },
          cooperationWillingness: 'license',
          occurredOn: '2024-06-05',
        },
      ],
      evaluationIds: ['ev-1', 'ev-2', 'ev-b'],
      promotions: [
        {
          promotionId: 'pr-1',
          channel: 'salon',
          tier: 'featured',
          organizer: 'Shanxi IP Office',
          occurredOn: '2024-05-01',
        },
      ],
      transfers: [
        {
          dealId: 'deal-t1',
          assigneeId: ENT_A.id,
          assigneeName: ENT_A.name,
          contractDate: '2025-03-10',
          price: '1250000.00',
          pricingMethod: 'agreed',
          registration: { registeredOn: '2025-04-01', noticeNumber: 'ZL-TR-2024-0001' },
        },
      ],
      licenses: [
        {
          dealId: 'deal-l1',
          licenseeId: ENT_B.id,
          licenseeName: ENT_B.name,
          type: 'ordinary',
          contractDate: '2024-07-01',
          effectiveDate: '2024-07-01',
          endDate: '2026-06-30',
          royalty: '200000.00',
          source: 'contract',
          recordal: { recordalNumber: '2024990000123', recordedOn: '2024-08-01' },
        },
        {
          dealId: 'deal-o1',
          licenseeId: ENT_C.id,
          licenseeName: ENT_C.name,
          type: 'ordinary',
          contractDate: '2025-02-01',
          effectiveDate: '2025-02-01',
          endDate: '2026-12-31',
          source: 'open-license',
          declarationId: 'ol-1',
        },
      ],
      industrializations: [
        {
          industrializationId: 'ind-1',
          enterpriseId: ENT_B.id,
          productName: 'Ceramic-coated separator film',
          startedOn: '2024-10-01',
          basis: { kind: 'license', dealId: 'deal-l1' },
          densityFiling: { recordNumber: 'MJ-2025-0001', filedOn: '2025-03-01' },
        },
        {
          industrializationId: 'ind-2',
          enterpriseId: ENT_A.id,
          productName: 'Battery pack',
          startedOn: '2025-04-10',
          basis: { kind: 'owner', dealId: 'deal-t1' },
        },
      ],
      openLicenses: [
        {
          declarationId: 'ol-1',
          royalty: { basis: 'percentage-of-sales', rate: 3 },
          termFrom: '2025-01-01',
          termTo: '2026-12-31',
          licenceFrom: 'notification',
          declaredOn: '2025-01-01',
          withdrawnOn: '2025-03-01',
        },
      ],
      reports: [
        { dealId: 'deal-l1', reportedOn: '2024-07-20', platformRef: 'PF-L1' },
        { dealId: 'deal-t1', reportedOn: '2025-04-05', platformRef: 'PF-T1' },
        { industrializationId: 'ind-1', reportedOn: '2025-04-20', platformRef: 'PF-I1' },
      ],
      annuities: { payments: [] },
      pledges: [],
      consents: [],
      lapse: { reason: 'abandoned', effectiveOn: '2025-05-20' },
    });
  });

  it('does not mutate the state it is given', () => {
    const before = patentDecider.evolve(patentDecider.initialState(), inventoried());
    const snapshot = structuredClone(before);
    evolvePatent(before, intentTagged());
    evolvePatent(before, transferRegistered());
    expect(before).toEqual(snapshot);
  });
});

describe('evolve: tolerance', () => {
  const inventoriedState = (): PatentState => evolvePatent({ status: 'none' }, inventoried());

  it('an unknown event type leaves the state unchanged', () => {
    const state = inventoriedState();
    const next = evolvePatent(state, {
      type: 'PatentPledged',
      data: { applicationNumber: AN },
    } as unknown as PatentEvent);
    expect(next).toBe(state);
    expect(next).toEqual(inventoriedState());
  });

  it('an unknown event type before inventory leaves the empty state', () => {
    const next = evolvePatent({ status: 'none' }, {
      type: 'PatentPledged',
      data: {},
    } as unknown as PatentEvent);
    expect(next).toEqual({ status: 'none' });
  });

  it('events before PatentInventoried are ignored', () => {
    expect(evolvePatent({ status: 'none' }, intentTagged())).toEqual({ status: 'none' });
  });

  it('a registration of an unknown deal does not move ownership', () => {
    const state = inventoriedState();
    expect(evolvePatent(state, transferRegistered({ dealId: 'nope' }))).toEqual(state);
  });

  it('an old Industrialized event without a basis is read as licence-based', () => {
    const { basis: _b, ...old } = industrialized().data;
    const next = evolvePatent(inventoriedState(), {
      type: 'Industrialized',
      data: old,
    } as unknown as PatentEvent);
    expect(next).toMatchObject({
      industrializations: [{ industrializationId: 'ind-1', basis: { kind: 'license' } }],
    });
  });

  it('an old PatentInventoried without coPatentees / scenarios / flags gets defaults', () => {
    const { coPatentees: _c, applicationScenarios: _s, highValueFlags: _f, ...old } = inventoried().data;
    const next = evolvePatent({ status: 'none' }, {
      type: 'PatentInventoried',
      data: old,
    } as unknown as PatentEvent);
    expect(next).toMatchObject({
      coPatentees: [],
      applicationScenarios: [],
      highValueFlags: {
        strategicEmergingIndustry: false,
        overseasFamily: false,
        maintainedOver10Years: false,
        pledgeFinancing: false,
        award: false,
      },
      highValue: false,
    });
  });
});
