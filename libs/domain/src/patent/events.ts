import type { PatentKind } from '../application-number';
import type { IsoDate } from '../dates';
import type { Money } from '../money';

export type ImplementationStatus = 'not-implemented' | 'implemented' | 'industrialized';
export type Grade = 'A' | 'B' | 'C';
export type Cohort = 'stock' | 'new';
export type IntentMode = 'transfer' | 'license' | 'self-implementation' | 'equity';
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
/** How a transfer or licence contract ended before its term: 取消 / 提前终止 / 解除. */
export type DealEnding = 'cancelled' | 'terminated' | 'rescinded';
/** What a co-owner's or pledgee's consent is for (专利法 Art. 14; 民法典 Art. 444 ¶2). */
export type ConsentScope = 'transfer' | 'license' | 'open-license' | 'pledge';
/** Who consents: a co-owner of the patent, or the pledgee of a registered pledge. */
export type ConsentParty = 'co-owner' | 'pledgee';
/** When an open-licence taker's licence begins: on payment of the published fee, or on notification. */
export type OpenLicenceStart = 'payment' | 'notification';

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
    /** Parent application of a divisional application (细则 r.48–49): it keeps the parent's filing date. */
    divisionalOf?: string;
    /** Patent-term compensation in days (专利法 Art. 42 ¶2–3), inventions only. */
    termAdjustmentDays?: number;
    /** Last year of protection whose annuity was paid when the patent was inventoried (annuities tracked from here). */
    annuitiesPaidThrough?: number;
    /** Co-owners with their ids (专利法 Art. 14); coPatentees holds their names. */
    coOwners?: CoOwner[];
    /** The fiscally funded project the invention came from (科学技术进步法 Art. 32); given when fiscallyFunded. */
    funding?: FundingSource;
    /** The patent declaration (专利声明) of a fiscally funded result; given when fiscallyFunded. */
    declaration?: PatentDeclaration;
    /** The cooperation project (project-<projectId>) the patent resulted from (plan §二(四)1). */
    projectId?: string;
  };
}

/** The funded project of a fiscally funded result: its number, the funder and the programme. */
export interface FundingSource {
  projectNumber: string;
  funder: string;
  programme?: string;
}

/** The patent declaration (专利声明) of a fiscally funded result: when it was made, and its text. */
export interface PatentDeclaration {
  declaredOn: IsoDate;
  statement?: string;
}

/** A co-owner of the patent besides the inventorying institution. */
export interface CoOwner {
  id: string;
  name: string;
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

/**
 * An equity contribution contract (作价投资): the patent is contributed to a company at a valuation for
 * a share of its equity. Like a transfer, ownership moves only at TransferRegistered for this dealId
 * (专利法 Art. 10).
 */
export interface EquityContributed {
  type: 'EquityContributed';
  data: {
    applicationNumber: string;
    dealId: string;
    companyId: string;
    companyName: string;
    contractDate: IsoDate;
    valuation: Money;
    /** The share of the company's equity received, in percent (a decimal string, 0 < share ≤ 100). */
    equityShare?: string;
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
    /** The date the contract took effect (合同生效日): recordal runs from it (细则 r.15 ¶2). v1: = effectiveDate. */
    contractDate: IsoDate;
    /** First day of the licensed term. */
    effectiveDate: IsoDate;
    endDate: IsoDate;
    royalty: Money;
    /** GB/T 2260 region codes the licence covers (absent: all of China). */
    territory?: string[];
    /** Fields of use the licence covers (absent: every field). */
    fieldsOfUse?: string[];
    /** Who grants it, when not the holder: a co-owner (专利法 Art. 14: ordinary licences only, alone). */
    licensorId?: string;
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
    /** On what right it implements: ownership, a licence (dealId), self-implementation, or as a co-owner. */
    basis: { kind: 'owner' | 'license' | 'self-implementation' | 'co-owner'; dealId?: string };
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
    /** When a taker's licence begins (Art. 51 ¶1; default: on payment for a lump sum, on notification for a royalty on sales). */
    licenceFrom?: OpenLicenceStart;
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
    /** Written notification to the patentee (Art. 51 ¶1). */
    notifiedOn: IsoDate;
    /** Payment of the published fee (absent on events before payments were recorded). */
    payment?: { paidOn: IsoDate; amount: Money };
    /** First day of the taker's licence: payment (or notification, as the declaration says). Absent: notifiedOn. */
    effectiveDate?: IsoDate;
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

/** A transfer or licence contract ended early: cancelled, terminated or rescinded. */
export interface DealEnded {
  type: 'DealEnded';
  data: {
    applicationNumber: string;
    dealId: string;
    ending: DealEnding;
    /** The first day the contract no longer binds. */
    endedOn: IsoDate;
    reason: string;
  };
}

/** An annuity (年费) paid for one year of protection (细则 r.98–100). */
export interface AnnuityPaid {
  type: 'AnnuityPaid';
  data: {
    applicationNumber: string;
    /** Year of protection, counted from the filing date (year 1 starts on the filing date). */
    year: number;
    paidOn: IsoDate;
    amount: Money;
    /** Late-payment surcharge in percent of the full annuity: 5 per month late, 0–25. */
    surchargePercent: number;
    /** Paid while an open-licence declaration was in effect: the annuity is reduced (专利法 Art. 51 ¶2). */
    openLicenseReduction: boolean;
    receiptNumber?: string;
  };
}

/** A pledge of the patent right registered with CNIPA (质押登记; 民法典 Art. 444). */
export interface PledgeRegistered {
  type: 'PledgeRegistered';
  data: {
    applicationNumber: string;
    pledgeId: string;
    pledgeeId: string;
    pledgeeName: string;
    registrationNumber: string;
    registeredOn: IsoDate;
    securedAmount?: Money;
  };
}

export interface PledgeReleased {
  type: 'PledgeReleased';
  data: { applicationNumber: string; pledgeId: string; releasedOn: IsoDate };
}

/** A co-owner's or a pledgee's written consent to one deal (dealId), declaration or pledge. */
export interface ConsentRecorded {
  type: 'ConsentRecorded';
  data: {
    applicationNumber: string;
    consentId: string;
    party: ConsentParty;
    /** The co-owner's id, or the pledgeId of the pledge whose pledgee consents. */
    partyId: string;
    scope: ConsentScope;
    /** The dealId, declarationId or pledgeId consented to. */
    ref: string;
    consentedOn: IsoDate;
  };
}

export type PatentEvent =
  | PatentInventoried
  | IntentTagged
  | EnterpriseEvaluated
  | Promoted
  | Transferred
  | EquityContributed
  | TransferRegistered
  | Licensed
  | LicenseRecorded
  | Industrialized
  | DensityProductFiled
  | OpenLicensed
  | OpenLicenseTaken
  | OpenLicenseWithdrawn
  | TransactionReported
  | PatentLapsed
  | DealEnded
  | AnnuityPaid
  | PledgeRegistered
  | PledgeReleased
  | ConsentRecorded;

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
  'DealEnded',
  'AnnuityPaid',
  'PledgeRegistered',
  'PledgeReleased',
  'ConsentRecorded',
  'EquityContributed',
];

/** Current schema version of each event type (bumped with an upcaster when a shape changes). */
export const PATENT_EVENT_SCHEMA_VERSIONS: Record<PatentEventType, number> = {
  ...(Object.fromEntries(PATENT_EVENT_TYPES.map((t) => [t, 1])) as Record<PatentEventType, number>),
  // v2: improvementNeeds became { level, notes? } (v1: a bare level string; see upcasters.ts).
  EnterpriseEvaluated: 2,
  // v2: contractDate (the contract's effective date) apart from the term's start (v1: the same day).
  Licensed: 2,
};

/** The business date of an event: deadlines and as-of questions use it. */
export function businessDateOf(e: PatentEvent): IsoDate {
  switch (e.type) {
    case 'Transferred':
    case 'EquityContributed':
      return e.data.contractDate;
    case 'TransferRegistered':
      return e.data.registeredOn;
    case 'Licensed':
      return e.data.contractDate ?? e.data.effectiveDate;
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
    case 'DealEnded':
      return e.data.endedOn;
    case 'AnnuityPaid':
      return e.data.paidOn;
    case 'PledgeRegistered':
      return e.data.registeredOn;
    case 'PledgeReleased':
      return e.data.releasedOn;
    case 'ConsentRecorded':
      return e.data.consentedOn;
    default:
      return e.data.occurredOn;
  }
}
