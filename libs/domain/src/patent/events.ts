import type { PatentKind } from '../application-number';
import type { IsoDate } from '../dates';
import type { Money } from '../money';

export type ImplementationStatus = 'not-implemented' | 'implemented' | 'industrialized';
export type Grade = 'A' | 'B' | 'C';
export type Cohort = 'stock' | 'new';
export type IntentMode = 'transfer' | 'license' | 'self-implementation';
export type ScreeningMethod = 'inventor-self' | 'institution-central';
export type ScreeningDecision = 'admitted' | 'declined';
export type EnterpriseCategory = 'ip-advantage' | 'specialized-sme' | 'high-tech' | 'state-owned' | 'other';
export type ImprovementNeed = 'none' | 'minor' | 'major' | 'pilot-needed';
export type CooperationWillingness = 'none' | 'watch' | 'interested' | 'license' | 'purchase' | 'joint-rd';
export type PromotionChannel = 'online' | 'salon' | 'roadshow' | 'matchmaking' | 'expo';
export type PromotionTier = 'featured' | 'standard';
export type PricingMethod = 'agreed' | 'listing' | 'auction';
export type LicenseType = 'exclusive' | 'sole' | 'ordinary';
export type RoyaltyBasis = 'lump-sum' | 'percentage-of-sales';
export type LapseReason = 'expired' | 'non-payment' | 'invalidated' | 'abandoned';

/** 高价值发明专利 flags (CNIPA statistical definition). */
export interface HighValueFlags {
  strategicEmergingIndustry: boolean;
  overseasFamily: boolean;
  maintainedOver10Years: boolean;
  pledgeFinancing: boolean;
  award: boolean;
}
export const HIGH_VALUE_FLAGS: readonly (keyof HighValueFlags)[] = [
  'strategicEmergingIndustry',
  'overseasFamily',
  'maintainedOver10Years',
  'pledgeFinancing',
  'award',
];

export interface PatentInventoried {
  type: 'PatentInventoried';
  data: {
    applicationNumber: string;
    institutionId: string;
    title: string;
    kind: PatentKind;
    filingDate: IsoDate;
    grantDate: IsoDate;
    inventors: string[];
    coPatentees: string[];
    ipc: string[];
    fiscallyFunded: boolean;
    implementationStatus: ImplementationStatus;
    technologyReadiness: number;
    selfAssessedGrade: Grade;
    applicationScenarios: string[];
    highValueFlags: HighValueFlags;
    cohort: Cohort;
    occurredOn: IsoDate;
  };
}

export interface Screening {
  method: ScreeningMethod;
  decision: ScreeningDecision;
  reason?: string;
}

export interface IntentTagged {
  type: 'IntentTagged';
  data: {
    applicationNumber: string;
    modes: IntentMode[];
    screening: Screening;
    askingPrice?: Money;
    occurredOn: IsoDate;
  };
}

export interface ImprovementNeeds {
  level: ImprovementNeed;
  notes?: string;
}

export interface EnterpriseEvaluated {
  type: 'EnterpriseEvaluated';
  data: {
    applicationNumber: string;
    evaluationId: string;
    enterpriseId: string;
    enterpriseName: string;
    enterpriseCategory: EnterpriseCategory;
    industrializationProspect: number;
    improvementNeeds: ImprovementNeeds;
    cooperationWillingness: CooperationWillingness;
    /** evaluationId of the earlier evaluation by the same enterprise that this one supersedes. */
    supersedes?: string;
    occurredOn: IsoDate;
  };
}

export interface Promoted {
  type: 'Promoted';
  data: {
    applicationNumber: string;
    promotionId: string;
    channel: PromotionChannel;
    tier: PromotionTier;
    organizer: string;
    occurredOn: IsoDate;
  };
}

export interface Transferred {
  type: 'Transferred';
  data: {
    applicationNumber: string;
    dealId: string;
    assigneeId: string;
    assigneeName: string;
    contractDate: IsoDate;
    price: Money;
    pricingMethod: PricingMethod;
  };
}

export interface TransferRegistered {
  type: 'TransferRegistered';
  data: { applicationNumber: string; dealId: string; registeredOn: IsoDate; noticeNumber: string };
}

export interface Licensed {
  type: 'Licensed';
  data: {
    applicationNumber: string;
    dealId: string;
    licenseeId: string;
    licenseeName: string;
    type: LicenseType;
    effectiveDate: IsoDate;
    endDate: IsoDate;
    royalty: Money;
  };
}

export interface LicenseRecorded {
  type: 'LicenseRecorded';
  data: { applicationNumber: string; dealId: string; recordalNumber: string; recordedOn: IsoDate };
}

export interface Industrialized {
  type: 'Industrialized';
  data: {
    applicationNumber: string;
    industrializationId: string;
    enterpriseId: string;
    productName: string;
    startedOn: IsoDate;
    /** On what right the enterprise implements: ownership, a licence (dealId) or self-implementation. */
    basis: { kind: 'owner' | 'license' | 'self-implementation'; dealId?: string };
  };
}

export interface DensityProductFiled {
  type: 'DensityProductFiled';
  data: { applicationNumber: string; industrializationId: string; recordNumber: string; filedOn: IsoDate };
}

export interface Royalty {
  basis: RoyaltyBasis;
  /** For lump-sum: the amount. */
  amount?: Money;
  /** For percentage-of-sales: the rate in percent (0 < rate ≤ 100). */
  rate?: number;
}

export interface OpenLicensed {
  type: 'OpenLicensed';
  data: {
    applicationNumber: string;
    declarationId: string;
    royalty: Royalty;
    termFrom: IsoDate;
    termTo: IsoDate;
    evaluationReportRef?: string;
    occurredOn: IsoDate;
  };
}

export interface OpenLicenseTaken {
  type: 'OpenLicenseTaken';
  data: {
    applicationNumber: string;
    declarationId: string;
    /** Deal id of the ordinary licence the taking creates (for recordal and reporting). */
    dealId: string;
    licenseeId: string;
    licenseeName: string;
    notifiedOn: IsoDate;
  };
}

export interface OpenLicenseWithdrawn {
  type: 'OpenLicenseWithdrawn';
  data: { applicationNumber: string; declarationId: string; withdrawnOn: IsoDate };
}

export interface TransactionReported {
  type: 'TransactionReported';
  data: {
    applicationNumber: string;
    dealId?: string;
    industrializationId?: string;
    reportedOn: IsoDate;
    platformRef: string;
  };
}

export interface PatentLapsed {
  type: 'PatentLapsed';
  data: { applicationNumber: string; reason: LapseReason; effectiveOn: IsoDate };
}

export type PatentEvent =
  | PatentInventoried
  | IntentTagged
  | EnterpriseEvaluated
  | Promoted
  | Transferred
  | TransferRegistered
  | Licensed
  | LicenseRecorded
  | Industrialized
  | DensityProductFiled
  | OpenLicensed
  | OpenLicenseTaken
  | OpenLicenseWithdrawn
  | TransactionReported
  | PatentLapsed;

export type PatentEventType = PatentEvent['type'];

export const PATENT_EVENT_TYPES: readonly PatentEventType[] = [
  'PatentInventoried',
  'IntentTagged',
  'EnterpriseEvaluated',
  'Promoted',
  'Transferred',
  'TransferRegistered',
  'Licensed',
  'LicenseRecorded',
  'Industrialized',
  'DensityProductFiled',
  'OpenLicensed',
  'OpenLicenseTaken',
  'OpenLicenseWithdrawn',
  'TransactionReported',
  'PatentLapsed',
];

/** Current schema version of each event type (bumped with an upcaster when a shape changes). */
export const PATENT_EVENT_SCHEMA_VERSIONS: Record<PatentEventType, number> = {
  ...(Object.fromEntries(PATENT_EVENT_TYPES.map((t) => [t, 1])) as Record<PatentEventType, number>),
  // v2: improvementNeeds became { level, notes? } (v1: a bare level string; see upcasters.ts).
  EnterpriseEvaluated: 2,
};

/** The business date of an event: deadlines and as-of questions use it. */
export function businessDateOf(e: PatentEvent): IsoDate {
  switch (e.type) {
    case 'Transferred':
      return e.data.contractDate;
    case 'TransferRegistered':
      return e.data.registeredOn;
    case 'Licensed':
      return e.data.effectiveDate;
    case 'LicenseRecorded':
      return e.data.recordedOn;
    case 'Industrialized':
      return e.data.startedOn;
    case 'DensityProductFiled':
      return e.data.filedOn;
    case 'OpenLicenseTaken':
      return e.data.notifiedOn;
    case 'OpenLicenseWithdrawn':
      return e.data.withdrawnOn;
    case 'TransactionReported':
      return e.data.reportedOn;
    case 'PatentLapsed':
      return e.data.effectiveOn;
    default:
      return e.data.occurredOn;
  }
}
