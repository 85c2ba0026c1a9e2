/**
 * Builders for the given / when / then specs of the domain deciders. Every builder has realistic
 * defaults for one patent (an invention of 太原理工大学, 201710601862.3) and takes overrides.
 *
 * Event builders take typed overrides (given events are always well-formed). Command builders take
 * loose overrides (`unknown` values) so specs can send malformed input; an override of `undefined`
 * removes the field, as if the client had not sent it.
 */
import { dateOf, isIsoDate } from '../dates';
import { DomainError } from '../errors';
import type {
  InstitutionCommand,
  InstitutionRegistered,
  StockCountRevised,
} from '../institution/institution';
import type { PatentCommand, PatentCommandType } from '../patent/commands';
import type { PatentEvent, PatentEventType } from '../patent/events';

/** The fixed clock of the specs: 2025-06-01 12:00 in China. */
export const NOW = '2025-06-01T04:00:00Z';
/** Today in China at NOW. */
export const TODAY = '2025-06-01';
export const TOMORROW = '2025-06-02';

/** 201710601862.3: filed 2017, type digit 1 (invention), check digit 157 mod 11 = 3. */
export const AN = '201710601862.3';
export const INSTITUTION_ID = 'tyut';
/** The last day of protection of the invention filed 2017-07-21: the day before the 20th anniversary. */
export const EXPIRY = '2037-07-20';

export const ENT_A = { id: 'ent-a', name: 'Shanxi Energy Co.' } as const;
export const ENT_B = { id: 'ent-b', name: 'Taiyuan Materials Ltd.' } as const;
export const ENT_C = { id: 'ent-c', name: 'Datong Technology Co.' } as const;

type EventOf<T extends PatentEventType> = Extract<PatentEvent, { type: T }>;
type EventData<T extends PatentEventType> = EventOf<T>['data'];

function event<T extends PatentEventType>(
  type: T,
  defaults: EventData<T>,
  overrides: Partial<EventData<T>>,
): EventOf<T> {
  return { type, data: { ...defaults, ...overrides } } as unknown as EventOf<T>;
}

// ---------------------------------------------------------------------------------------------
// patent events

export const inventoried = (o: Partial<EventData<'PatentInventoried'>> = {}) =>
  event(
    'PatentInventoried',
    {
      applicationNumber: AN,
      institutionId: INSTITUTION_ID,
      title: 'Lithium battery separator with ceramic coating',
      kind: 'invention',
      filingDate: '2017-07-21',
      grantDate: '2020-03-10',
      inventors: ['Wang Wei', 'Li Na'],
      coPatentees: [],
      ipc: ['H01M 50/403'],
      fiscallyFunded: true,
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
      cohort: 'stock',
      occurredOn: '2024-03-15',
      funding: { projectNumber: '2016YFB0100100', funder: 'Ministry of Science and Technology' },
      declaration: { declaredOn: '2017-07-21' },
    },
    o,
  );

export const intentTagged = (o: Partial<EventData<'IntentTagged'>> = {}) =>
  event(
    'IntentTagged',
    {
      applicationNumber: AN,
      modes: ['transfer', 'license'],
      screening: { method: 'institution-central', decision: 'admitted' },
      occurredOn: '2024-03-20',
    },
    o,
  );

export const declinedTag = (o: Partial<EventData<'IntentTagged'>> = {}) =>
  intentTagged({
    modes: [],
    screening: { method: 'institution-central', decision: 'declined', reason: 'no market' },
    ...o,
  });

export const evaluated = (o: Partial<EventData<'EnterpriseEvaluated'>> = {}) =>
  event(
    'EnterpriseEvaluated',
    {
      applicationNumber: AN,
      evaluationId: 'ev-1',
      enterpriseId: ENT_A.id,
      enterpriseName: ENT_A.name,
      enterpriseCategory: 'high-tech',
      industrializationProspect: 4,
      improvementNeeds: { level: 'minor' },
      cooperationWillingness: 'license',
      occurredOn: '2024-04-10',
    },
    o,
  );

export const promoted = (o: Partial<EventData<'Promoted'>> = {}) =>
  event(
    'Promoted',
    {
      applicationNumber: AN,
      promotionId: 'pr-1',
      channel: 'salon',
      tier: 'featured',
      organizer: 'Shanxi IP Office',
      occurredOn: '2024-05-01',
    },
    o,
  );

export const transferred = (o: Partial<EventData<'Transferred'>> = {}) =>
  event(
    'Transferred',
    {
      applicationNumber: AN,
      dealId: 'deal-t1',
      assigneeId: ENT_A.id,
      assigneeName: ENT_A.name,
      contractDate: '2024-09-01',
      price: '1250000.00',
      pricingMethod: 'agreed',
    },
    o,
  );

/** An equity contribution (作价投资) to ENT_C, awaiting registration. */
export const equityContributed = (o: Partial<EventData<'EquityContributed'>> = {}) =>
  event(
    'EquityContributed',
    {
      applicationNumber: AN,
      dealId: 'deal-e1',
      companyId: ENT_C.id,
      companyName: ENT_C.name,
      contractDate: '2024-09-01',
      valuation: '3000000.00',
      equityShare: '15',
    },
    o,
  );

export const transferRegistered = (o: Partial<EventData<'TransferRegistered'>> = {}) =>
  event(
    'TransferRegistered',
    { applicationNumber: AN, dealId: 'deal-t1', registeredOn: '2024-10-15', noticeNumber: 'ZL-TR-2024-0001' },
    o,
  );

/**
 * A licence contract; its contract date defaults to the start of its term (as schema v1 had it) when
 * that is not after TODAY, else to 2024-07-01 — as licensePatent() defaults it.
 */
export const licensed = (o: Partial<EventData<'Licensed'>> = {}) =>
  event(
    'Licensed',
    {
      applicationNumber: AN,
      dealId: 'deal-l1',
      licenseeId: ENT_B.id,
      licenseeName: ENT_B.name,
      type: 'ordinary',
      contractDate:
        o.effectiveDate !== undefined && o.effectiveDate <= TODAY ? o.effectiveDate : '2024-07-01',
      effectiveDate: '2024-07-01',
      endDate: '2026-06-30',
      royalty: '200000.00',
    },
    o,
  );

export const licenseRecorded = (o: Partial<EventData<'LicenseRecorded'>> = {}) =>
  event(
    'LicenseRecorded',
    { applicationNumber: AN, dealId: 'deal-l1', recordalNumber: '2024990000123', recordedOn: '2024-08-01' },
    o,
  );

export const industrialized = (o: Partial<EventData<'Industrialized'>> = {}) =>
  event(
    'Industrialized',
    {
      applicationNumber: AN,
      industrializationId: 'ind-1',
      enterpriseId: ENT_B.id,
      productName: 'Ceramic-coated separator film',
      startedOn: '2024-10-01',
      basis: { kind: 'license', dealId: 'deal-l1' },
    },
    o,
  );

export const densityProductFiled = (o: Partial<EventData<'DensityProductFiled'>> = {}) =>
  event(
    'DensityProductFiled',
    {
      applicationNumber: AN,
      industrializationId: 'ind-1',
      recordNumber: 'MJ-2025-0001',
      filedOn: '2025-03-01',
    },
    o,
  );

export const openLicensed = (o: Partial<EventData<'OpenLicensed'>> = {}) =>
  event(
    'OpenLicensed',
    {
      applicationNumber: AN,
      declarationId: 'ol-1',
      royalty: { basis: 'percentage-of-sales', rate: 3 },
      termFrom: '2025-01-01',
      termTo: '2026-12-31',
      occurredOn: '2025-01-01',
    },
    o,
  );

export const openLicenseTaken = (o: Partial<EventData<'OpenLicenseTaken'>> = {}) =>
  event(
    'OpenLicenseTaken',
    {
      applicationNumber: AN,
      declarationId: 'ol-1',
      dealId: 'deal-o1',
      licenseeId: ENT_C.id,
      licenseeName: ENT_C.name,
      notifiedOn: '2025-02-01',
    },
    o,
  );

export const openLicenseWithdrawn = (o: Partial<EventData<'OpenLicenseWithdrawn'>> = {}) =>
  event(
    'OpenLicenseWithdrawn',
    { applicationNumber: AN, declarationId: 'ol-1', withdrawnOn: '2025-03-01' },
    o,
  );

/** A platform report of exactly one target: a deal or an industrialization. */
export const transactionReported = (
  target: { dealId: string } | { industrializationId: string },
  o: Partial<Omit<EventData<'TransactionReported'>, 'dealId' | 'industrializationId'>> = {},
): EventOf<'TransactionReported'> => ({
  type: 'TransactionReported',
  data: { applicationNumber: AN, ...target, reportedOn: '2025-04-01', platformRef: 'PF-2025-0001', ...o },
});

export const lapsed = (o: Partial<EventData<'PatentLapsed'>> = {}) =>
  event('PatentLapsed', { applicationNumber: AN, reason: 'non-payment', effectiveOn: '2025-05-01' }, o);

export const dealEnded = (o: Partial<EventData<'DealEnded'>> = {}) =>
  event(
    'DealEnded',
    {
      applicationNumber: AN,
      dealId: 'deal-t1',
      ending: 'cancelled',
      endedOn: '2024-10-01',
      reason: 'the buyer withdrew',
    },
    o,
  );

/** The annuity of year 9 (2025-07-21 – 2026-07-20) of the default patent, paid early. */
export const annuityPaid = (o: Partial<EventData<'AnnuityPaid'>> = {}) =>
  event(
    'AnnuityPaid',
    {
      applicationNumber: AN,
      year: 9,
      paidOn: '2025-05-20',
      amount: '2000.00',
      surchargePercent: 0,
      openLicenseReduction: false,
    },
    o,
  );

export const PLEDGEE = { id: 'bank-sx', name: 'Bank of Shanxi' } as const;

export const pledgeRegistered = (o: Partial<EventData<'PledgeRegistered'>> = {}) =>
  event(
    'PledgeRegistered',
    {
      applicationNumber: AN,
      pledgeId: 'pl-1',
      pledgeeId: PLEDGEE.id,
      pledgeeName: PLEDGEE.name,
      registrationNumber: 'Y2024990000321',
      registeredOn: '2024-06-01',
      securedAmount: '3000000.00',
    },
    o,
  );

export const pledgeReleased = (o: Partial<EventData<'PledgeReleased'>> = {}) =>
  event('PledgeReleased', { applicationNumber: AN, pledgeId: 'pl-1', releasedOn: '2025-01-15' }, o);

export const consentRecorded = (o: Partial<EventData<'ConsentRecorded'>> = {}) =>
  event(
    'ConsentRecorded',
    {
      applicationNumber: AN,
      consentId: 'c-1',
      party: 'pledgee',
      partyId: 'pl-1',
      scope: 'license',
      ref: 'deal-l1',
      consentedOn: '2024-06-20',
    },
    o,
  );

/** Inventoried and admitted to the resource pool. */
export const inPool = (): PatentEvent[] => [inventoried(), intentTagged()];

// ---------------------------------------------------------------------------------------------
// patent commands

type CommandOf<T extends PatentCommandType> = Extract<PatentCommand, { type: T }>;
type CommandData<T extends PatentCommandType> = CommandOf<T>['data'];
/** Overrides of a command's data: any value, `undefined` removes the field. */
export type Loose<T> = { [K in keyof T]?: unknown };

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function command<T extends PatentCommandType>(
  type: T,
  defaults: Omit<CommandData<T>, 'applicationNumber'>,
  overrides: Loose<CommandData<T>>,
  now: string,
): CommandOf<T> {
  const data = withoutUndefined({ applicationNumber: AN, ...defaults, ...overrides });
  return { type, data, now } as unknown as CommandOf<T>;
}

export const inventoryPatent = (o: Loose<CommandData<'InventoryPatent'>> = {}, now = NOW) =>
  command(
    'InventoryPatent',
    {
      institutionId: INSTITUTION_ID,
      title: 'Lithium battery separator with ceramic coating',
      kind: 'invention',
      filingDate: '2017-07-21',
      grantDate: '2020-03-10',
      inventors: ['Wang Wei', 'Li Na'],
      ipc: ['H01M 50/403'],
      fiscallyFunded: true,
      funding: { projectNumber: '2016YFB0100100', funder: 'Ministry of Science and Technology' },
      declaration: { declaredOn: '2017-07-21' },
      implementationStatus: 'not-implemented',
      technologyReadiness: 5,
      selfAssessedGrade: 'A',
      applicationScenarios: ['energy storage'],
      occurredOn: '2024-03-15',
    },
    o,
    now,
  );

export const tagIntent = (o: Loose<CommandData<'TagIntent'>> = {}, now = NOW) =>
  command(
    'TagIntent',
    {
      modes: ['transfer', 'license'],
      screening: { method: 'institution-central', decision: 'admitted' },
      occurredOn: '2024-03-20',
    },
    o,
    now,
  );

export const evaluatePatent = (o: Loose<CommandData<'EvaluatePatent'>> = {}, now = NOW) =>
  command(
    'EvaluatePatent',
    {
      evaluationId: 'ev-1',
      enterpriseId: ENT_A.id,
      enterpriseName: ENT_A.name,
      enterpriseCategory: 'high-tech',
      industrializationProspect: 4,
      improvementNeeds: { level: 'minor' },
      cooperationWillingness: 'license',
      occurredOn: '2024-04-10',
    },
    o,
    now,
  );

export const promotePatent = (o: Loose<CommandData<'PromotePatent'>> = {}, now = NOW) =>
  command(
    'PromotePatent',
    {
      promotionId: 'pr-1',
      channel: 'salon',
      tier: 'featured',
      organizer: 'Shanxi IP Office',
      occurredOn: '2024-05-01',
    },
    o,
    now,
  );

export const transferPatent = (o: Loose<CommandData<'TransferPatent'>> = {}, now = NOW) =>
  command(
    'TransferPatent',
    {
      dealId: 'deal-t1',
      assigneeId: ENT_A.id,
      assigneeName: ENT_A.name,
      contractDate: '2024-09-01',
      price: '1250000',
      pricingMethod: 'agreed',
    },
    o,
    now,
  );

export const recordEquityContribution = (o: Loose<CommandData<'RecordEquityContribution'>> = {}, now = NOW) =>
  command(
    'RecordEquityContribution',
    {
      dealId: 'deal-e1',
      companyId: ENT_C.id,
      companyName: ENT_C.name,
      contractDate: '2024-09-01',
      valuation: '3000000',
      equityShare: '15',
    },
    o,
    now,
  );

export const registerTransfer = (o: Loose<CommandData<'RegisterTransfer'>> = {}, now = NOW) =>
  command(
    'RegisterTransfer',
    { dealId: 'deal-t1', registeredOn: '2024-10-15', noticeNumber: 'ZL-TR-2024-0001' },
    o,
    now,
  );

/**
 * A licence contract; its contract date defaults to the start of the term when that is a date not
 * after today (a term starting later defaults to a contract of 2024-07-01).
 */
export const licensePatent = (o: Loose<CommandData<'LicensePatent'>> = {}, now = NOW) =>
  command(
    'LicensePatent',
    {
      dealId: 'deal-l1',
      licenseeId: ENT_B.id,
      licenseeName: ENT_B.name,
      type: 'ordinary',
      contractDate:
        isIsoDate(o.effectiveDate) && o.effectiveDate <= dateOf(now) ? o.effectiveDate : '2024-07-01',
      effectiveDate: '2024-07-01',
      endDate: '2026-06-30',
      royalty: '200000',
    },
    o,
    now,
  );

export const recordLicense = (o: Loose<CommandData<'RecordLicense'>> = {}, now = NOW) =>
  command(
    'RecordLicense',
    { dealId: 'deal-l1', recordalNumber: '2024990000123', recordedOn: '2024-08-01' },
    o,
    now,
  );

export const industrializePatent = (o: Loose<CommandData<'IndustrializePatent'>> = {}, now = NOW) =>
  command(
    'IndustrializePatent',
    {
      industrializationId: 'ind-1',
      enterpriseId: ENT_B.id,
      productName: 'Ceramic-coated separator film',
      startedOn: '2024-10-01',
    },
    o,
    now,
  );

export const fileDensityProduct = (o: Loose<CommandData<'FileDensityProduct'>> = {}, now = NOW) =>
  command(
    'FileDensityProduct',
    { industrializationId: 'ind-1', recordNumber: 'MJ-2025-0001', filedOn: '2025-03-01' },
    o,
    now,
  );

export const declareOpenLicense = (o: Loose<CommandData<'DeclareOpenLicense'>> = {}, now = NOW) =>
  command(
    'DeclareOpenLicense',
    {
      declarationId: 'ol-1',
      royalty: { basis: 'percentage-of-sales', rate: 3 },
      termFrom: '2025-01-01',
      termTo: '2026-12-31',
      occurredOn: '2025-01-01',
    },
    o,
    now,
  );

export const takeOpenLicense = (o: Loose<CommandData<'TakeOpenLicense'>> = {}, now = NOW) =>
  command(
    'TakeOpenLicense',
    { dealId: 'deal-o1', licenseeId: ENT_C.id, licenseeName: ENT_C.name, notifiedOn: '2025-02-01' },
    o,
    now,
  );

export const withdrawOpenLicense = (o: Loose<CommandData<'WithdrawOpenLicense'>> = {}, now = NOW) =>
  command('WithdrawOpenLicense', { withdrawnOn: '2025-03-01' }, o, now);

/** Reports the transfer deal-t1 unless overridden (pass `dealId: undefined` to drop it). */
export const reportTransaction = (o: Loose<CommandData<'ReportTransaction'>> = {}, now = NOW) =>
  command(
    'ReportTransaction',
    { dealId: 'deal-t1', reportedOn: '2025-04-01', platformRef: 'PF-2025-0001' },
    o,
    now,
  );

export const lapsePatent = (o: Loose<CommandData<'LapsePatent'>> = {}, now = NOW) =>
  command('LapsePatent', { reason: 'non-payment', effectiveOn: '2025-05-01' }, o, now);

export const endDeal = (o: Loose<CommandData<'EndDeal'>> = {}, now = NOW) =>
  command(
    'EndDeal',
    { dealId: 'deal-t1', ending: 'cancelled', endedOn: '2024-10-01', reason: 'the buyer withdrew' },
    o,
    now,
  );

export const payAnnuity = (o: Loose<CommandData<'PayAnnuity'>> = {}, now = NOW) =>
  command('PayAnnuity', { year: 9, paidOn: '2025-05-20', amount: '2000.00' }, o, now);

export const registerPledge = (o: Loose<CommandData<'RegisterPledge'>> = {}, now = NOW) =>
  command(
    'RegisterPledge',
    {
      pledgeId: 'pl-1',
      pledgeeId: PLEDGEE.id,
      pledgeeName: PLEDGEE.name,
      registrationNumber: 'Y2024990000321',
      registeredOn: '2024-06-01',
      securedAmount: '3000000',
    },
    o,
    now,
  );

export const releasePledge = (o: Loose<CommandData<'ReleasePledge'>> = {}, now = NOW) =>
  command('ReleasePledge', { pledgeId: 'pl-1', releasedOn: '2025-01-15' }, o, now);

export const recordConsent = (o: Loose<CommandData<'RecordConsent'>> = {}, now = NOW) =>
  command(
    'RecordConsent',
    {
      consentId: 'c-1',
      party: 'pledgee',
      partyId: 'pl-1',
      scope: 'license',
      ref: 'deal-l1',
      consentedOn: '2024-06-20',
    },
    o,
    now,
  );

/** One well-formed command of every type except InventoryPatent. */
export const everyCommandOnAnInventoriedPatent = (): PatentCommand[] => [
  tagIntent(),
  evaluatePatent(),
  promotePatent(),
  transferPatent(),
  recordEquityContribution(),
  registerTransfer(),
  licensePatent(),
  recordLicense(),
  industrializePatent(),
  fileDensityProduct(),
  declareOpenLicense(),
  takeOpenLicense(),
  withdrawOpenLicense(),
  reportTransaction(),
  lapsePatent(),
  endDeal(),
  payAnnuity(),
  registerPledge(),
  releasePledge(),
  recordConsent(),
];

// ---------------------------------------------------------------------------------------------
// institution

export const institutionRegistered = (
  o: Partial<InstitutionRegistered['data']> = {},
): InstitutionRegistered => ({
  type: 'InstitutionRegistered',
  data: {
    institutionId: INSTITUTION_ID,
    name: '太原理工大学',
    kind: 'university',
    province: 'Shanxi',
    milestoneGroup: 'tyut',
    stockPatentCount: 3200,
    occurredOn: '2024-03-01',
    ...o,
  },
});

export const stockCountRevised = (o: Partial<StockCountRevised['data']> = {}): StockCountRevised => ({
  type: 'StockCountRevised',
  data: {
    institutionId: INSTITUTION_ID,
    stockPatentCount: 3350,
    reason: 'recount after audit',
    occurredOn: '2024-05-01',
    ...o,
  },
});

export const registerInstitution = (
  o: Loose<InstitutionCommand['data']> = {},
  now = NOW,
): InstitutionCommand => {
  const data = withoutUndefined({
    institutionId: INSTITUTION_ID,
    name: '太原理工大学',
    kind: 'university',
    province: 'Shanxi',
    milestoneGroup: 'tyut',
    stockPatentCount: 3200,
    occurredOn: '2024-03-01',
    ...o,
  });
  return { type: 'RegisterInstitution', data, now } as unknown as InstitutionCommand;
};

// ---------------------------------------------------------------------------------------------
// errors

/** Runs fn and returns the DomainError it throws; fails when it throws nothing or something else. */
export function domainErrorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw new Error(`expected a DomainError, got ${String(e)}`);
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}
