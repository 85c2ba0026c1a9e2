import { addYears, type IsoDate } from '../dates';
import { TERM_YEARS, type PatentKind } from '../application-number';
import type { Money } from '../money';
import {
  HIGH_VALUE_FLAGS,
  type Cohort,
  type CooperationWillingness,
  type EnterpriseCategory,
  type Grade,
  type HighValueFlags,
  type ImplementationStatus,
  type ImprovementNeeds,
  type IntentMode,
  type LapseReason,
  type LicenseType,
  type PricingMethod,
  type PromotionChannel,
  type PromotionTier,
  type Royalty,
  type Screening,
} from './events';

export interface Evaluation {
  evaluationId: string;
  enterpriseId: string;
  enterpriseName: string;
  enterpriseCategory: EnterpriseCategory;
  industrializationProspect: number;
  improvementNeeds: ImprovementNeeds;
  cooperationWillingness: CooperationWillingness;
  occurredOn: IsoDate;
}

export interface Promotion {
  promotionId: string;
  channel: PromotionChannel;
  tier: PromotionTier;
  organizer: string;
  occurredOn: IsoDate;
}

export interface TransferDeal {
  dealId: string;
  assigneeId: string;
  assigneeName: string;
  contractDate: IsoDate;
  price: Money;
  pricingMethod: PricingMethod;
  registration?: { registeredOn: IsoDate; noticeNumber: string };
}

export interface License {
  dealId: string;
  licenseeId: string;
  licenseeName: string;
  type: LicenseType;
  effectiveDate: IsoDate;
  endDate: IsoDate;
  /** Royalty of a contract licence; open-licence takers pay the declaration's royalty. */
  royalty?: Money;
  source: 'contract' | 'open-license';
  declarationId?: string;
  recordal?: { recordalNumber: string; recordedOn: IsoDate };
}

export interface Industrialization {
  industrializationId: string;
  enterpriseId: string;
  productName: string;
  startedOn: IsoDate;
  basis: { kind: 'owner' | 'license' | 'self-implementation'; dealId?: string };
  densityFiling?: { recordNumber: string; filedOn: IsoDate };
}

export interface OpenLicenseDeclaration {
  declarationId: string;
  royalty: Royalty;
  termFrom: IsoDate;
  termTo: IsoDate;
  evaluationReportRef?: string;
  declaredOn: IsoDate;
  withdrawnOn?: IsoDate;
}

export interface TransactionReport {
  dealId?: string;
  industrializationId?: string;
  reportedOn: IsoDate;
  platformRef: string;
}

export type Holder =
  | { kind: 'institution'; id: string }
  | { kind: 'enterprise'; id: string; name: string; since: IsoDate; dealId: string };

/** A patent that has been inventoried. */
export interface Patent {
  status: 'active' | 'lapsed';
  applicationNumber: string;
  institutionId: string;
  title: string;
  kind: PatentKind;
  filingDate: IsoDate;
  grantDate: IsoDate;
  /** Filing date + term of protection (20 / 10 / 15 years). */
  expiryDate: IsoDate;
  inventors: string[];
  coPatentees: string[];
  ipc: string[];
  fiscallyFunded: boolean;
  implementationStatus: ImplementationStatus;
  technologyReadiness: number;
  selfAssessedGrade: Grade;
  applicationScenarios: string[];
  highValueFlags: HighValueFlags;
  /** A valid invention patent with at least one high-value flag (§7). */
  highValue: boolean;
  cohort: Cohort;
  inventoriedOn: IsoDate;
  intent?: { modes: IntentMode[]; screening: Screening; askingPrice?: Money; taggedOn: IsoDate };
  /** In the resource pool (专利转化资源库): the latest screening decision is `admitted`. */
  inPool: boolean;
  holder: Holder;
  /** Current evaluations, one per enterprise. */
  evaluations: Evaluation[];
  /** Every evaluationId ever used, superseded ones included. */
  evaluationIds: string[];
  promotions: Promotion[];
  transfers: TransferDeal[];
  licenses: License[];
  industrializations: Industrialization[];
  openLicenses: OpenLicenseDeclaration[];
  reports: TransactionReport[];
  lapse?: { reason: LapseReason; effectiveOn: IsoDate };
}

export type PatentState = { status: 'none' } | Patent;

export const initialPatentState = (): PatentState => ({ status: 'none' });

export function expiryOf(kind: PatentKind, filingDate: IsoDate): IsoDate {
  return addYears(filingDate, TERM_YEARS[kind]);
}

export function isHighValue(kind: PatentKind, flags: HighValueFlags): boolean {
  return kind === 'invention' && HIGH_VALUE_FLAGS.some((f) => flags[f]);
}

/** Window in which a declaration can be taken: its term, cut short by a withdrawal. */
export function declarationWindow(d: OpenLicenseDeclaration): { from: IsoDate; to: IsoDate } {
  return {
    from: d.termFrom,
    to: d.withdrawnOn !== undefined && d.withdrawnOn < d.termTo ? d.withdrawnOn : d.termTo,
  };
}
