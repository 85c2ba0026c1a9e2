import type { PatentKind } from '../application-number';
import type { IsoDate } from '../dates';
import type {
  ConsentParty,
  ConsentScope,
  CooperationWillingness,
  DealEnding,
  EnterpriseCategory,
  Grade,
  HighValueFlags,
  ImplementationStatus,
  ImprovementNeeds,
  IntentMode,
  LapseReason,
  LicenseType,
  PricingMethod,
  OpenLicenceStart,
  PromotionChannel,
  PromotionTier,
  RoyaltyBasis,
  Screening,
} from './events';

/** Money as received: a decimal string of yuan or an integer number of fen. */
export type MoneyInput = string | number;

interface Cmd<T extends string, D> {
  type: T;
  data: D & { applicationNumber: string };
  /** When the command is decided (ISO UTC instant): business dates may not be after its date. */
  now: string;
}

export type InventoryPatent = Cmd<
  'InventoryPatent',
  {
    institutionId: string;
    title: string;
    kind: PatentKind;
    filingDate: IsoDate;
    grantDate: IsoDate;
    inventors: string[];
    coPatentees?: string[];
    ipc: string[];
    fiscallyFunded: boolean;
    implementationStatus: ImplementationStatus;
    technologyReadiness: number;
    selfAssessedGrade: Grade;
    applicationScenarios?: string[];
    highValueFlags?: Partial<HighValueFlags>;
    occurredOn: IsoDate;
    /** The parent's application number, for a divisional application (细则 r.48–49). */
    divisionalOf?: string;
    /** Patent-term compensation granted, in days (专利法 Art. 42 ¶2–3; inventions). */
    termAdjustmentDays?: number;
    /** Last year of protection whose annuity is paid, when known: the ledger then tracks the annuities. */
    annuitiesPaidThrough?: number;
    /** Co-owners with ids (专利法 Art. 14); their names become coPatentees. */
    coOwners?: { id: string; name: string }[];
    /** The funded project (required when fiscallyFunded; 科学技术进步法 Art. 32). */
    funding?: { projectNumber: string; funder: string; programme?: string };
    /** The patent declaration (专利声明; required when fiscallyFunded). */
    declaration?: { declaredOn: IsoDate; statement?: string };
    /** The cooperation project (joint R&D, ordered research) the patent resulted from. */
    projectId?: string;
  }
>;

export type TagIntent = Cmd<
  'TagIntent',
  { modes: IntentMode[]; screening: Screening; askingPrice?: MoneyInput; occurredOn: IsoDate }
>;

export type EvaluatePatent = Cmd<
  'EvaluatePatent',
  {
    evaluationId: string;
    enterpriseId: string;
    enterpriseName: string;
    enterpriseCategory: EnterpriseCategory;
    industrializationProspect: number;
    improvementNeeds: ImprovementNeeds;
    cooperationWillingness: CooperationWillingness;
    occurredOn: IsoDate;
  }
>;

export type PromotePatent = Cmd<
  'PromotePatent',
  {
    promotionId: string;
    channel: PromotionChannel;
    tier: PromotionTier;
    organizer: string;
    occurredOn: IsoDate;
  }
>;

export type TransferPatent = Cmd<
  'TransferPatent',
  {
    dealId: string;
    assigneeId: string;
    assigneeName: string;
    contractDate: IsoDate;
    price: MoneyInput;
    pricingMethod: PricingMethod;
  }
>;

/** An equity contribution (作价投资): contributing the patent to a company for a share of its equity. */
export type RecordEquityContribution = Cmd<
  'RecordEquityContribution',
  {
    dealId: string;
    companyId: string;
    companyName: string;
    contractDate: IsoDate;
    valuation: MoneyInput;
    equityShare?: string;
  }
>;

export type RegisterTransfer = Cmd<
  'RegisterTransfer',
  { dealId: string; registeredOn: IsoDate; noticeNumber: string }
>;

export type LicensePatent = Cmd<
  'LicensePatent',
  {
    dealId: string;
    licenseeId: string;
    licenseeName: string;
    type: LicenseType;
    /** The date the contract took effect (signed, or as agreed): the recordal period runs from it. */
    contractDate: IsoDate;
    effectiveDate: IsoDate;
    endDate: IsoDate;
    royalty: MoneyInput;
    territory?: string[];
    fieldsOfUse?: string[];
    licensorId?: string;
  }
>;

export type RecordLicense = Cmd<
  'RecordLicense',
  { dealId: string; recordalNumber: string; recordedOn: IsoDate }
>;

export type IndustrializePatent = Cmd<
  'IndustrializePatent',
  { industrializationId: string; enterpriseId: string; productName: string; startedOn: IsoDate }
>;

export type FileDensityProduct = Cmd<
  'FileDensityProduct',
  { industrializationId: string; recordNumber: string; filedOn: IsoDate }
>;

export type DeclareOpenLicense = Cmd<
  'DeclareOpenLicense',
  {
    declarationId: string;
    royalty: { basis: RoyaltyBasis; amount?: MoneyInput; rate?: number };
    termFrom: IsoDate;
    termTo: IsoDate;
    evaluationReportRef?: string;
    licenceFrom?: OpenLicenceStart;
    occurredOn: IsoDate;
  }
>;

export type TakeOpenLicense = Cmd<
  'TakeOpenLicense',
  {
    dealId: string;
    licenseeId: string;
    licenseeName: string;
    notifiedOn: IsoDate;
    payment?: { paidOn: IsoDate; amount: MoneyInput };
  }
>;

export type WithdrawOpenLicense = Cmd<'WithdrawOpenLicense', { withdrawnOn: IsoDate }>;

export type ReportTransaction = Cmd<
  'ReportTransaction',
  { dealId?: string; industrializationId?: string; reportedOn: IsoDate; platformRef: string }
>;

export type LapsePatent = Cmd<'LapsePatent', { reason: LapseReason; effectiveOn: IsoDate }>;

export type EndDeal = Cmd<
  'EndDeal',
  { dealId: string; ending: DealEnding; endedOn: IsoDate; reason: string }
>;

export type PayAnnuity = Cmd<
  'PayAnnuity',
  { year: number; paidOn: IsoDate; amount: MoneyInput; receiptNumber?: string }
>;

export type RegisterPledge = Cmd<
  'RegisterPledge',
  {
    pledgeId: string;
    pledgeeId: string;
    pledgeeName: string;
    registrationNumber: string;
    registeredOn: IsoDate;
    securedAmount?: MoneyInput;
  }
>;

export type ReleasePledge = Cmd<'ReleasePledge', { pledgeId: string; releasedOn: IsoDate }>;

export type RecordConsent = Cmd<
  'RecordConsent',
  {
    consentId: string;
    party: ConsentParty;
    partyId: string;
    scope: ConsentScope;
    ref: string;
    consentedOn: IsoDate;
  }
>;

export type PatentCommand =
  | InventoryPatent
  | TagIntent
  | EvaluatePatent
  | PromotePatent
  | TransferPatent
  | RecordEquityContribution
  | RegisterTransfer
  | LicensePatent
  | RecordLicense
  | IndustrializePatent
  | FileDensityProduct
  | DeclareOpenLicense
  | TakeOpenLicense
  | WithdrawOpenLicense
  | ReportTransaction
  | LapsePatent
  | EndDeal
  | PayAnnuity
  | RegisterPledge
  | ReleasePledge
  | RecordConsent;

export type PatentCommandType = PatentCommand['type'];
