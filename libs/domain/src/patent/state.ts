import { addDays, type IsoDate } from '../dates';
import type { PatentKind } from '../application-number';
import type { Money } from '../money';
import {
  HIGH_VALUE_FLAGS,
  type CoOwner,
  type Cohort,
  type ConsentParty,
  type ConsentScope,
  type DealEnding,
  type CooperationWillingness,
  type EnterpriseCategory,
  type FundingSource,
  type PatentDeclaration,
  type Grade,
  type HighValueFlags,
  type ImplementationStatus,
  type ImprovementNeeds,
  type IntentMode,
  type LapseReason,
  type LicenseType,
  type OpenLicenceStart,
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
  /** The price; for an equity contribution, the valuation. */
  price: Money;
  /** Absent for an equity contribution. */
  pricingMethod?: PricingMethod;
  /** `equity-contribution` (作价投资: the assignee is the company); absent for a sale. */
  kind?: 'equity-contribution';
  /** Equity share received for a contribution, in percent. */
  equityShare?: string;
  registration?: { registeredOn: IsoDate; noticeNumber: string };
  /** The contract was cancelled, terminated or rescinded before registration. */
  ended?: DealEnd;
}

export interface DealEnd {
  ending: DealEnding;
  endedOn: IsoDate;
  reason: string;
}

export interface License {
  dealId: string;
  licenseeId: string;
  licenseeName: string;
  type: LicenseType;
  /** The contract's effective date (a taking: its effective date). Recordal runs from it. */
  contractDate: IsoDate;
  effectiveDate: IsoDate;
  endDate: IsoDate;
  /** GB/T 2260 region codes (absent: all of China). */
  territory?: string[];
  /** Fields of use (absent: every field). */
  fieldsOfUse?: string[];
  /** A co-owner who granted it (absent: the holder). */
  licensorId?: string;
  /** An open-licence taker's notification and payment (Art. 51 ¶1). */
  notifiedOn?: IsoDate;
  payment?: { paidOn: IsoDate; amount: Money };
  ended?: DealEnd;
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
  basis: { kind: 'owner' | 'license' | 'self-implementation' | 'co-owner'; dealId?: string };
  densityFiling?: { recordNumber: string; filedOn: IsoDate };
}

export interface OpenLicenseDeclaration {
  declarationId: string;
  royalty: Royalty;
  termFrom: IsoDate;
  termTo: IsoDate;
  evaluationReportRef?: string;
  /** When a taker's licence begins: on payment of the published fee, or on notification. */
  licenceFrom: OpenLicenceStart;
  declaredOn: IsoDate;
  withdrawnOn?: IsoDate;
}

/** A payment of the annuity of one year of protection. */
export interface AnnuityPayment {
  year: number;
  paidOn: IsoDate;
  amount: Money;
  surchargePercent: number;
  openLicenseReduction: boolean;
  receiptNumber?: string;
}

/**
 * The annuities the ledger knows of. `paidThrough` is the last year of protection whose annuity is
 * paid; absent, the ledger has not been told (no annuity obligation, no lapse for non-payment derived).
 */
export interface Annuities {
  paidThrough?: number;
  payments: AnnuityPayment[];
}

/** A registered pledge (质押) of the patent right; it binds until released. */
export interface Pledge {
  pledgeId: string;
  pledgeeId: string;
  pledgeeName: string;
  registrationNumber: string;
  registeredOn: IsoDate;
  securedAmount?: Money;
  releasedOn?: IsoDate;
}

/** A recorded consent of a co-owner (partyId = its id) or a pledgee (partyId = the pledgeId). */
export interface Consent {
  consentId: string;
  party: ConsentParty;
  partyId: string;
  scope: ConsentScope;
  /** The dealId, declarationId or pledgeId consented to. */
  ref: string;
  consentedOn: IsoDate;
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
  /** Parent of a divisional application (it keeps the parent's filing date). */
  divisionalOf?: string;
  /** Years of protection (Art. 42 ¶1: 20 / 10 / 10 or 15). */
  termYears: number;
  /** Patent-term compensation in days (Art. 42 ¶2–3). */
  termAdjustmentDays: number;
  /** The last day of protection: the day before the anniversary ending the term, plus compensation. */
  expiryDate: IsoDate;
  inventors: string[];
  coPatentees: string[];
  /** Co-owners besides the institution (专利法 Art. 14), with ids (a name stands in for an unknown id). */
  coOwners: CoOwner[];
  ipc: string[];
  fiscallyFunded: boolean;
  /** The funded project and the patent declaration of a fiscally funded result (absent on older records). */
  funding?: FundingSource;
  declaration?: PatentDeclaration;
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
  annuities: Annuities;
  pledges: Pledge[];
  consents: Consent[];
  lapse?: { reason: LapseReason; effectiveOn: IsoDate };
}

export type PatentState = { status: 'none' } | Patent;

export const initialPatentState = (): PatentState => ({ status: 'none' });

export function isHighValue(kind: PatentKind, flags: HighValueFlags): boolean {
  return kind === 'invention' && HIGH_VALUE_FLAGS.some((f) => flags[f]);
}

/**
 * The days a licence binds: its term, cut short by an early end (the day before it ended), or none
 * when the contract was cancelled or ended before its term began.
 */
export function licenceWindow(l: License): { from: IsoDate; to: IsoDate } | undefined {
  if (!l.ended) return { from: l.effectiveDate, to: l.endDate };
  if (l.ended.ending === 'cancelled') return undefined;
  const to = addDays(l.ended.endedOn, -1);
  const last = to < l.endDate ? to : l.endDate;
  return last < l.effectiveDate ? undefined : { from: l.effectiveDate, to: last };
}

/** The licence binds on `date`. */
export function licenceInForceOn(l: License, date: IsoDate): boolean {
  const w = licenceWindow(l);
  return !!w && date >= w.from && date <= w.to;
}

/** A transfer contract awaiting registration (not registered and not ended). */
export const isPendingTransfer = (t: TransferDeal): boolean => !t.registration && !t.ended;

/** The pledge binds on `date`: registered by then and not yet released. */
export const pledgeBindsOn = (pl: Pledge, date: IsoDate): boolean =>
  pl.registeredOn <= date && (pl.releasedOn === undefined || date < pl.releasedOn);

/** Window in which a declaration can be taken: its term, cut short by a withdrawal. */
export function declarationWindow(d: OpenLicenseDeclaration): { from: IsoDate; to: IsoDate } {
  return {
    from: d.termFrom,
    to: d.withdrawnOn !== undefined && d.withdrawnOn < d.termTo ? d.withdrawnOn : d.termTo,
  };
}
