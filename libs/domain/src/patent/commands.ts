import type { PatentKind } from '../application-number';
import type { IsoDate } from '../dates';
import type {
  CooperationWillingness,
  EnterpriseCategory,
  Grade,
  HighValueFlags,
  ImplementationStatus,
  ImprovementNeeds,
  IntentMode,
  LapseReason,
  LicenseType,
  PricingMethod,
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
    effectiveDate: IsoDate;
    endDate: IsoDate;
    royalty: MoneyInput;
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
    occurredOn: IsoDate;
  }
>;

export type TakeOpenLicense = Cmd<
  'TakeOpenLicense',
  { dealId: string; licenseeId: string; licenseeName: string; notifiedOn: IsoDate }
>;

export type WithdrawOpenLicense = Cmd<'WithdrawOpenLicense', { withdrawnOn: IsoDate }>;

export type ReportTransaction = Cmd<
  'ReportTransaction',
  { dealId?: string; industrializationId?: string; reportedOn: IsoDate; platformRef: string }
>;

export type LapsePatent = Cmd<'LapsePatent', { reason: LapseReason; effectiveOn: IsoDate }>;

export type PatentCommand =
  | InventoryPatent
  | TagIntent
  | EvaluatePatent
  | PromotePatent
  | TransferPatent
  | RegisterTransfer
  | LicensePatent
  | RecordLicense
  | IndustrializePatent
  | FileDensityProduct
  | DeclareOpenLicense
  | TakeOpenLicense
  | WithdrawOpenLicense
  | ReportTransaction
  | LapsePatent;

export type PatentCommandType = PatentCommand['type'];
