import { parseApplicationNumber, PATENT_KINDS } from '../application-number';
import { rangesOverlap, within, type IsoDate } from '../dates';
import { invalid, notFound, rule } from '../errors';
import { normalizeMoney } from '../money';
import {
  intIn,
  oneOf,
  optionalText,
  requireBoolean,
  requireDate,
  requireId,
  requireOrder,
  requirePastDate,
  requireText,
  textList,
} from '../validate';
import type { PatentCommand } from './commands';
import { HIGH_VALUE_FLAGS, type HighValueFlags, type PatentEvent, type Royalty } from './events';
import {
  declarationWindow,
  expiryOf,
  initialPatentState,
  isHighValue,
  type License,
  type Patent,
  type PatentState,
} from './state';

export const IMPLEMENTATION_STATUSES = ['not-implemented', 'implemented', 'industrialized'] as const;
export const GRADES = ['A', 'B', 'C'] as const;
export const INTENT_MODES = ['transfer', 'license', 'self-implementation'] as const;
export const SCREENING_METHODS = ['inventor-self', 'institution-central'] as const;
export const SCREENING_DECISIONS = ['admitted', 'declined'] as const;
export const ENTERPRISE_CATEGORIES = [
  'ip-advantage',
  'specialized-sme',
  'high-tech',
  'state-owned',
  'other',
] as const;
export const IMPROVEMENT_NEEDS = ['none', 'minor', 'major', 'pilot-needed'] as const;
export const COOPERATION_WILLINGNESS = [
  'none',
  'watch',
  'interested',
  'license',
  'purchase',
  'joint-rd',
] as const;
export const PROMOTION_CHANNELS = ['online', 'salon', 'roadshow', 'matchmaking', 'expo'] as const;
export const PROMOTION_TIERS = ['featured', 'standard'] as const;
export const PRICING_METHODS = ['agreed', 'listing', 'auction'] as const;
export const LICENSE_TYPES = ['exclusive', 'sole', 'ordinary'] as const;
export const ROYALTY_BASES = ['lump-sum', 'percentage-of-sales'] as const;
export const LAPSE_REASONS = ['expired', 'non-payment', 'invalidated', 'abandoned'] as const;

/** Last day on which stock-cohort patents were granted. */
export const STOCK_COHORT_END: IsoDate = '2023-12-31';

const IPC_RE = /^[A-H]\d{2}[A-Z](\s*\d{1,4}\/\d{1,6})?$/;

function normalizeIpc(value: unknown): string[] {
  const list = textList(value, 'ipc', { min: 1, max: 50 });
  return list.map((c, i) => {
    const code = c.toUpperCase().replace(/\s+/g, ' ');
    if (!IPC_RE.test(code)) {
      throw invalid(
        'PATENT.INVALID_IPC',
        `ipc[${i}] "${c}" is not an IPC symbol such as "H01M 10/0525"`,
        `ipc[${i}]`,
      );
    }
    return code;
  });
}

function normalizeFlags(value: unknown): HighValueFlags {
  const flags: HighValueFlags = {
    strategicEmergingIndustry: false,
    overseasFamily: false,
    maintainedOver10Years: false,
    pledgeFinancing: false,
    award: false,
  };
  if (value === undefined || value === null) return flags;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('FIELD.INVALID', 'highValueFlags must be an object of booleans', 'highValueFlags');
  }
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (!(HIGH_VALUE_FLAGS as readonly string[]).includes(k)) {
      throw invalid(
        'FIELD.NOT_ALLOWED',
        `highValueFlags.${k} is not a high-value flag (${HIGH_VALUE_FLAGS.join(', ')})`,
        `highValueFlags.${k}`,
      );
    }
    flags[k as keyof HighValueFlags] = requireBoolean(v, `highValueFlags.${k}`);
  }
  return flags;
}

function normalizeRoyalty(value: { basis: unknown; amount?: unknown; rate?: unknown } | undefined): Royalty {
  if (!value || typeof value !== 'object') throw invalid('FIELD.REQUIRED', 'royalty is required', 'royalty');
  const basis = oneOf(value.basis, ROYALTY_BASES, 'royalty.basis');
  if (basis === 'lump-sum') {
    if (value.rate !== undefined)
      throw invalid('FIELD.NOT_ALLOWED', 'a lump-sum royalty has no rate', 'royalty.rate');
    return { basis, amount: normalizeMoney(value.amount, 'royalty.amount') };
  }
  if (value.amount !== undefined) {
    throw invalid('FIELD.NOT_ALLOWED', 'a percentage-of-sales royalty has no amount', 'royalty.amount');
  }
  const rate = value.rate;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 100) {
    throw invalid(
      'FIELD.OUT_OF_RANGE',
      'royalty.rate must be a percentage above 0 and at most 100',
      'royalty.rate',
    );
  }
  return { basis, rate };
}

function requireActive(state: PatentState): Patent {
  if (state.status === 'none') throw notFound('PATENT.NOT_FOUND', 'the patent has not been inventoried');
  if (state.status === 'lapsed') {
    throw rule(
      'PATENT.LAPSED',
      `the patent lapsed on ${state.lapse?.effectiveOn ?? 'an earlier date'}; it accepts no further commands`,
    );
  }
  return state;
}

/** The institution still holds the patent: no transfer has been registered (Patent Law Art. 10). */
function requireHeldByInstitution(p: Patent): void {
  if (p.holder.kind !== 'institution') {
    throw rule(
      'PATENT.NOT_HELD_BY_INSTITUTION',
      `ownership moved to ${p.holder.name} on ${p.holder.since} (deal ${p.holder.dealId}); the institution can no longer transact the patent`,
    );
  }
}

function requireInPool(p: Patent): void {
  requireHeldByInstitution(p);
  if (!p.inPool) {
    throw rule(
      'PATENT.NOT_IN_POOL',
      'the patent is not in the resource pool (its latest screening decision is not "admitted")',
    );
  }
}

function requireNewDealId(p: Patent, dealId: string): void {
  if (p.transfers.some((t) => t.dealId === dealId) || p.licenses.some((l) => l.dealId === dealId)) {
    throw rule('DEAL.DUPLICATE_ID', `deal ${dealId} already exists on this patent`, 'dealId');
  }
}

const exclusiveOrSole = (l: License): boolean => l.type === 'exclusive' || l.type === 'sole';

/** Decides a patent command against the current state: the events to append, or a DomainError. */
export function decidePatent(command: PatentCommand, state: PatentState): PatentEvent[] {
  const now = command.now;
  switch (command.type) {
    case 'InventoryPatent': {
      const d = command.data;
      const number = parseApplicationNumber(d.applicationNumber);
      if (state.status !== 'none') {
        throw rule(
          'PATENT.ALREADY_INVENTORIED',
          `patent ${number.value} is already inventoried`,
          'applicationNumber',
        );
      }
      const kind = oneOf(d.kind, PATENT_KINDS, 'kind');
      if (kind !== number.kind) {
        throw invalid(
          'PATENT.KIND_MISMATCH',
          `application number ${number.value} has type digit ${number.typeDigit} (${number.kind}), but kind is ${kind}`,
          'kind',
        );
      }
      const filingDate = requirePastDate(d.filingDate, 'filingDate', now);
      const grantDate = requirePastDate(d.grantDate, 'grantDate', now);
      requireOrder(filingDate, 'filingDate', grantDate, 'grantDate');
      if (!number.pct && Number(filingDate.slice(0, 4)) !== number.year) {
        throw invalid(
          'PATENT.FILING_YEAR_MISMATCH',
          `application number ${number.value} was filed in ${number.year}, but filingDate is ${filingDate}`,
          'filingDate',
        );
      }
      const occurredOn = requirePastDate(d.occurredOn, 'occurredOn', now);
      const highValueFlags = normalizeFlags(d.highValueFlags);
      return [
        {
          type: 'PatentInventoried',
          data: {
            applicationNumber: number.value,
            institutionId: requireId(d.institutionId, 'institutionId'),
            title: requireText(d.title, 'title'),
            kind,
            filingDate,
            grantDate,
            inventors: textList(d.inventors, 'inventors', { min: 1 }),
            coPatentees: textList(d.coPatentees, 'coPatentees'),
            ipc: normalizeIpc(d.ipc),
            fiscallyFunded: requireBoolean(d.fiscallyFunded, 'fiscallyFunded'),
            implementationStatus: oneOf(
              d.implementationStatus,
              IMPLEMENTATION_STATUSES,
              'implementationStatus',
            ),
            technologyReadiness: intIn(d.technologyReadiness, 1, 9, 'technologyReadiness'),
            selfAssessedGrade: oneOf(d.selfAssessedGrade, GRADES, 'selfAssessedGrade'),
            applicationScenarios: textList(d.applicationScenarios, 'applicationScenarios'),
            highValueFlags,
            cohort: grantDate <= STOCK_COHORT_END ? 'stock' : 'new',
            occurredOn,
          },
        },
      ];
    }

    case 'TagIntent': {
      const p = requireActive(state);
      requireHeldByInstitution(p);
      const d = command.data;
      const decision = oneOf(d.screening?.decision, SCREENING_DECISIONS, 'screening.decision');
      const method = oneOf(d.screening?.method, SCREENING_METHODS, 'screening.method');
      if (!Array.isArray(d.modes)) throw invalid('FIELD.INVALID', 'modes must be an array', 'modes');
      const modes = [...new Set(d.modes.map((m, i) => oneOf(m, INTENT_MODES, `modes[${i}]`)))];
      if (decision === 'admitted' && modes.length === 0) {
        throw invalid(
          'INTENT.MODES_REQUIRED',
          'a patent admitted to the pool needs at least one conversion mode',
          'modes',
        );
      }
      const reason = optionalText(d.screening.reason, 'screening.reason');
      return [
        {
          type: 'IntentTagged',
          data: {
            applicationNumber: p.applicationNumber,
            modes,
            screening: { method, decision, ...(reason !== undefined ? { reason } : {}) },
            ...(d.askingPrice !== undefined
              ? { askingPrice: normalizeMoney(d.askingPrice, 'askingPrice') }
              : {}),
            occurredOn: requirePastDate(d.occurredOn, 'occurredOn', now),
          },
        },
      ];
    }

    case 'EvaluatePatent': {
      const p = requireActive(state);
      requireInPool(p);
      const d = command.data;
      const evaluationId = requireId(d.evaluationId, 'evaluationId');
      if (p.evaluationIds.includes(evaluationId)) {
        throw rule(
          'EVALUATION.DUPLICATE_ID',
          `evaluation ${evaluationId} already exists on this patent`,
          'evaluationId',
        );
      }
      const enterpriseId = requireId(d.enterpriseId, 'enterpriseId');
      const previous = p.evaluations.find((e) => e.enterpriseId === enterpriseId);
      const notes = optionalText(d.improvementNeeds?.notes, 'improvementNeeds.notes');
      return [
        {
          type: 'EnterpriseEvaluated',
          data: {
            applicationNumber: p.applicationNumber,
            evaluationId,
            enterpriseId,
            enterpriseName: requireText(d.enterpriseName, 'enterpriseName'),
            enterpriseCategory: oneOf(d.enterpriseCategory, ENTERPRISE_CATEGORIES, 'enterpriseCategory'),
            industrializationProspect: intIn(d.industrializationProspect, 1, 5, 'industrializationProspect'),
            improvementNeeds: {
              level: oneOf(d.improvementNeeds?.level, IMPROVEMENT_NEEDS, 'improvementNeeds.level'),
              ...(notes !== undefined ? { notes } : {}),
            },
            cooperationWillingness: oneOf(
              d.cooperationWillingness,
              COOPERATION_WILLINGNESS,
              'cooperationWillingness',
            ),
            ...(previous ? { supersedes: previous.evaluationId } : {}),
            occurredOn: requirePastDate(d.occurredOn, 'occurredOn', now),
          },
        },
      ];
    }

    case 'PromotePatent': {
      const p = requireActive(state);
      requireInPool(p);
      const d = command.data;
      const promotionId = requireId(d.promotionId, 'promotionId');
      if (p.promotions.some((x) => x.promotionId === promotionId)) {
        throw rule(
          'PROMOTION.DUPLICATE_ID',
          `promotion ${promotionId} already exists on this patent`,
          'promotionId',
        );
      }
      return [
        {
          type: 'Promoted',
          data: {
            applicationNumber: p.applicationNumber,
            promotionId,
            channel: oneOf(d.channel, PROMOTION_CHANNELS, 'channel'),
            tier: oneOf(d.tier, PROMOTION_TIERS, 'tier'),
            organizer: requireText(d.organizer, 'organizer'),
            occurredOn: requirePastDate(d.occurredOn, 'occurredOn', now),
          },
        },
      ];
    }

    case 'TransferPatent': {
      const p = requireActive(state);
      requireHeldByInstitution(p);
      const d = command.data;
      const dealId = requireId(d.dealId, 'dealId');
      requireNewDealId(p, dealId);
      const assigneeId = requireId(d.assigneeId, 'assigneeId');
      const contractDate = requirePastDate(d.contractDate, 'contractDate', now);
      const blocking = p.licenses.find(
        (l) =>
          l.type === 'exclusive' &&
          within(contractDate, l.effectiveDate, l.endDate) &&
          l.licenseeId !== assigneeId,
      );
      if (blocking) {
        throw rule(
          'TRANSFER.EXCLUSIVE_LICENSE_IN_FORCE',
          `exclusive licence ${blocking.dealId} to ${blocking.licenseeName} is in force until ${blocking.endDate}; only the licensee may acquire the patent`,
        );
      }
      return [
        {
          type: 'Transferred',
          data: {
            applicationNumber: p.applicationNumber,
            dealId,
            assigneeId,
            assigneeName: requireText(d.assigneeName, 'assigneeName'),
            contractDate,
            price: normalizeMoney(d.price, 'price'),
            pricingMethod: oneOf(d.pricingMethod, PRICING_METHODS, 'pricingMethod'),
          },
        },
      ];
    }

    case 'RegisterTransfer': {
      const p = requireActive(state);
      const d = command.data;
      const deal = p.transfers.find((t) => t.dealId === d.dealId);
      if (!deal)
        throw notFound('TRANSFER.NOT_FOUND', `no transfer deal ${d.dealId} on this patent`, 'dealId');
      if (deal.registration) {
        throw rule(
          'TRANSFER.ALREADY_REGISTERED',
          `transfer ${deal.dealId} was registered on ${deal.registration.registeredOn}`,
        );
      }
      requireHeldByInstitution(p);
      const registeredOn = requirePastDate(d.registeredOn, 'registeredOn', now);
      requireOrder(deal.contractDate, 'contractDate', registeredOn, 'registeredOn');
      return [
        {
          type: 'TransferRegistered',
          data: {
            applicationNumber: p.applicationNumber,
            dealId: deal.dealId,
            registeredOn,
            noticeNumber: requireText(d.noticeNumber, 'noticeNumber', 100),
          },
        },
      ];
    }

    case 'LicensePatent': {
      const p = requireActive(state);
      requireHeldByInstitution(p);
      const d = command.data;
      const dealId = requireId(d.dealId, 'dealId');
      requireNewDealId(p, dealId);
      const type = oneOf(d.type, LICENSE_TYPES, 'type');
      const effectiveDate = requireDate(d.effectiveDate, 'effectiveDate');
      const endDate = requireDate(d.endDate, 'endDate');
      requireOrder(effectiveDate, 'effectiveDate', endDate, 'endDate');
      if (endDate > p.expiryDate) {
        throw rule(
          'LICENSE.BEYOND_EXPIRY',
          `endDate ${endDate} is after the patent expires (${p.expiryDate})`,
          'endDate',
        );
      }
      const overlapping = p.licenses.filter((l) =>
        rangesOverlap(effectiveDate, endDate, l.effectiveDate, l.endDate),
      );
      const exclusiveNew = type === 'exclusive' || type === 'sole';
      const conflict = exclusiveNew ? overlapping[0] : overlapping.find(exclusiveOrSole);
      if (conflict) {
        throw rule(
          'LICENSE.EXCLUSIVITY_CONFLICT',
          exclusiveNew
            ? `a ${type} licence may not overlap licence ${conflict.dealId} (${conflict.type}, ${conflict.effectiveDate} to ${conflict.endDate})`
            : `${conflict.type} licence ${conflict.dealId} (${conflict.effectiveDate} to ${conflict.endDate}) excludes other licensees`,
        );
      }
      if (exclusiveNew) {
        const open = p.openLicenses.find((o) => {
          const w = declarationWindow(o);
          return rangesOverlap(effectiveDate, endDate, w.from, w.to);
        });
        if (open) {
          throw rule(
            'LICENSE.OPEN_LICENSE_ACTIVE',
            `open licence ${open.declarationId} (${open.termFrom} to ${declarationWindow(open).to}) excludes a ${type} licence in that period`,
          );
        }
      }
      return [
        {
          type: 'Licensed',
          data: {
            applicationNumber: p.applicationNumber,
            dealId,
            licenseeId: requireId(d.licenseeId, 'licenseeId'),
            licenseeName: requireText(d.licenseeName, 'licenseeName'),
            type,
            effectiveDate,
            endDate,
            royalty: normalizeMoney(d.royalty, 'royalty'),
          },
        },
      ];
    }

    case 'RecordLicense': {
      const p = requireActive(state);
      const d = command.data;
      const licence = p.licenses.find((l) => l.dealId === d.dealId);
      if (!licence) throw notFound('LICENSE.NOT_FOUND', `no licence ${d.dealId} on this patent`, 'dealId');
      if (licence.recordal) {
        throw rule(
          'LICENSE.ALREADY_RECORDED',
          `licence ${licence.dealId} was recorded on ${licence.recordal.recordedOn}`,
        );
      }
      return [
        {
          type: 'LicenseRecorded',
          data: {
            applicationNumber: p.applicationNumber,
            dealId: licence.dealId,
            recordalNumber: requireText(d.recordalNumber, 'recordalNumber', 100),
            recordedOn: requirePastDate(d.recordedOn, 'recordedOn', now),
          },
        },
      ];
    }

    case 'IndustrializePatent': {
      const p = requireActive(state);
      const d = command.data;
      const industrializationId = requireId(d.industrializationId, 'industrializationId');
      if (p.industrializations.some((i) => i.industrializationId === industrializationId)) {
        throw rule(
          'INDUSTRIALIZATION.DUPLICATE_ID',
          `industrialization ${industrializationId} already exists on this patent`,
          'industrializationId',
        );
      }
      const enterpriseId = requireId(d.enterpriseId, 'enterpriseId');
      const startedOn = requirePastDate(d.startedOn, 'startedOn', now);
      let basis: { kind: 'owner' | 'license' | 'self-implementation'; dealId?: string } | undefined;
      // Ownership counts from the registration date (Patent Law Art. 10), like a licence from its effectiveDate.
      if (p.holder.kind === 'enterprise' && p.holder.id === enterpriseId && startedOn >= p.holder.since) {
        basis = { kind: 'owner', dealId: p.holder.dealId };
      } else if (p.holder.kind === 'institution' && p.holder.id === enterpriseId) {
        basis = { kind: 'self-implementation' };
      } else {
        const licence = p.licenses.find(
          (l) => l.licenseeId === enterpriseId && within(startedOn, l.effectiveDate, l.endDate),
        );
        if (licence) basis = { kind: 'license', dealId: licence.dealId };
      }
      if (!basis) {
        throw rule(
          'INDUSTRIALIZATION.NO_RIGHT',
          `${enterpriseId} neither holds the patent, nor holds a licence in force on ${startedOn}, nor is the holding institution`,
          'enterpriseId',
        );
      }
      return [
        {
          type: 'Industrialized',
          data: {
            applicationNumber: p.applicationNumber,
            industrializationId,
            enterpriseId,
            productName: requireText(d.productName, 'productName'),
            startedOn,
            basis,
          },
        },
      ];
    }

    case 'FileDensityProduct': {
      const p = requireActive(state);
      const d = command.data;
      const ind = p.industrializations.find((i) => i.industrializationId === d.industrializationId);
      if (!ind) {
        throw notFound(
          'INDUSTRIALIZATION.NOT_FOUND',
          `no industrialization ${d.industrializationId} on this patent`,
          'industrializationId',
        );
      }
      if (ind.densityFiling) {
        throw rule(
          'DENSITY_PRODUCT.ALREADY_FILED',
          `industrialization ${ind.industrializationId} was filed as a patent-intensive product on ${ind.densityFiling.filedOn}`,
        );
      }
      return [
        {
          type: 'DensityProductFiled',
          data: {
            applicationNumber: p.applicationNumber,
            industrializationId: ind.industrializationId,
            recordNumber: requireText(d.recordNumber, 'recordNumber', 100),
            filedOn: requirePastDate(d.filedOn, 'filedOn', now),
          },
        },
      ];
    }

    case 'DeclareOpenLicense': {
      const p = requireActive(state);
      requireHeldByInstitution(p);
      const d = command.data;
      const declarationId = requireId(d.declarationId, 'declarationId');
      if (p.openLicenses.some((o) => o.declarationId === declarationId)) {
        throw rule(
          'OPEN_LICENSE.DUPLICATE_ID',
          `declaration ${declarationId} already exists on this patent`,
          'declarationId',
        );
      }
      const occurredOn = requirePastDate(d.occurredOn, 'occurredOn', now);
      const termFrom = requireDate(d.termFrom, 'termFrom');
      const termTo = requireDate(d.termTo, 'termTo');
      requireOrder(termFrom, 'termFrom', termTo, 'termTo');
      if (termTo > p.expiryDate) {
        throw rule(
          'OPEN_LICENSE.BEYOND_EXPIRY',
          `termTo ${termTo} is after the patent expires (${p.expiryDate})`,
          'termTo',
        );
      }
      const evaluationReportRef = optionalText(d.evaluationReportRef, 'evaluationReportRef', 200);
      if (p.kind !== 'invention' && evaluationReportRef === undefined) {
        throw invalid(
          'OPEN_LICENSE.EVALUATION_REPORT_REQUIRED',
          `an open licence of a ${p.kind} patent needs a patent evaluation report (Patent Law Art. 50)`,
          'evaluationReportRef',
        );
      }
      const royalty = normalizeRoyalty(d.royalty);
      const exclusive = p.licenses.find(
        (l) => exclusiveOrSole(l) && rangesOverlap(termFrom, termTo, l.effectiveDate, l.endDate),
      );
      if (exclusive) {
        throw rule(
          'OPEN_LICENSE.EXCLUSIVE_LICENSE_IN_FORCE',
          `${exclusive.type} licence ${exclusive.dealId} is in force from ${exclusive.effectiveDate} to ${exclusive.endDate}`,
        );
      }
      const active = p.openLicenses.find((o) => o.withdrawnOn === undefined && o.termTo >= occurredOn);
      if (active) {
        throw rule(
          'OPEN_LICENSE.ALREADY_ACTIVE',
          `open licence ${active.declarationId} is active until ${active.termTo}; withdraw it first`,
        );
      }
      return [
        {
          type: 'OpenLicensed',
          data: {
            applicationNumber: p.applicationNumber,
            declarationId,
            royalty,
            termFrom,
            termTo,
            ...(evaluationReportRef !== undefined ? { evaluationReportRef } : {}),
            occurredOn,
          },
        },
      ];
    }

    case 'TakeOpenLicense': {
      const p = requireActive(state);
      requireHeldByInstitution(p);
      const d = command.data;
      const notifiedOn = requirePastDate(d.notifiedOn, 'notifiedOn', now);
      // Active on notifiedOn: declared by then, inside its term, and not yet withdrawn.
      const declaration = p.openLicenses.find(
        (o) =>
          notifiedOn >= o.declaredOn &&
          within(notifiedOn, o.termFrom, o.termTo) &&
          (o.withdrawnOn === undefined || notifiedOn < o.withdrawnOn),
      );
      if (!declaration) {
        throw rule('OPEN_LICENSE.NOT_ACTIVE', `no open licence declaration is active on ${notifiedOn}`);
      }
      const dealId = requireId(d.dealId, 'dealId');
      requireNewDealId(p, dealId);
      const licenseeId = requireId(d.licenseeId, 'licenseeId');
      if (
        p.licenses.some((l) => l.declarationId === declaration.declarationId && l.licenseeId === licenseeId)
      ) {
        throw rule(
          'OPEN_LICENSE.ALREADY_TAKEN',
          `${licenseeId} already holds a licence under open licence ${declaration.declarationId}`,
          'licenseeId',
        );
      }
      // The taking creates an ordinary licence from notifiedOn to the end of the term: like any licence it
      // may not overlap an exclusive or sole licence in force (e.g. one granted after a withdrawal).
      const exclusive = p.licenses.find(
        (l) =>
          exclusiveOrSole(l) && rangesOverlap(notifiedOn, declaration.termTo, l.effectiveDate, l.endDate),
      );
      if (exclusive) {
        throw rule(
          'LICENSE.EXCLUSIVITY_CONFLICT',
          `${exclusive.type} licence ${exclusive.dealId} (${exclusive.effectiveDate} to ${exclusive.endDate}) excludes other licensees`,
        );
      }
      return [
        {
          type: 'OpenLicenseTaken',
          data: {
            applicationNumber: p.applicationNumber,
            declarationId: declaration.declarationId,
            dealId,
            licenseeId,
            licenseeName: requireText(d.licenseeName, 'licenseeName'),
            notifiedOn,
          },
        },
      ];
    }

    case 'WithdrawOpenLicense': {
      const p = requireActive(state);
      const withdrawnOn = requirePastDate(command.data.withdrawnOn, 'withdrawnOn', now);
      const active = p.openLicenses.find((o) => o.withdrawnOn === undefined && o.termTo >= withdrawnOn);
      if (!active)
        throw rule('OPEN_LICENSE.NOT_ACTIVE', `no open licence declaration is active on ${withdrawnOn}`);
      requireOrder(active.declaredOn, 'declaredOn', withdrawnOn, 'withdrawnOn');
      return [
        {
          type: 'OpenLicenseWithdrawn',
          data: { applicationNumber: p.applicationNumber, declarationId: active.declarationId, withdrawnOn },
        },
      ];
    }

    case 'ReportTransaction': {
      const p = requireActive(state);
      const d = command.data;
      const hasDeal = d.dealId !== undefined;
      const hasInd = d.industrializationId !== undefined;
      if (hasDeal === hasInd) {
        throw invalid(
          'REPORT.TARGET_REQUIRED',
          'give exactly one of dealId or industrializationId',
          hasDeal ? 'industrializationId' : 'dealId',
        );
      }
      const reportedOn = requirePastDate(d.reportedOn, 'reportedOn', now);
      if (hasDeal) {
        const t = p.transfers.find((x) => x.dealId === d.dealId);
        const l = p.licenses.find((x) => x.dealId === d.dealId);
        if (!t && !l) throw notFound('REPORT.UNKNOWN_DEAL', `no deal ${d.dealId} on this patent`, 'dealId');
        if (p.reports.some((r) => r.dealId === d.dealId)) {
          throw rule(
            'REPORT.ALREADY_REPORTED',
            `deal ${d.dealId} was already reported to the platform`,
            'dealId',
          );
        }
      } else {
        const i = p.industrializations.find((x) => x.industrializationId === d.industrializationId);
        if (!i) {
          throw notFound(
            'REPORT.UNKNOWN_INDUSTRIALIZATION',
            `no industrialization ${d.industrializationId} on this patent`,
            'industrializationId',
          );
        }
        if (p.reports.some((r) => r.industrializationId === d.industrializationId)) {
          throw rule(
            'REPORT.ALREADY_REPORTED',
            `industrialization ${d.industrializationId} was already reported to the platform`,
            'industrializationId',
          );
        }
      }
      return [
        {
          type: 'TransactionReported',
          data: {
            applicationNumber: p.applicationNumber,
            ...(hasDeal ? { dealId: d.dealId! } : { industrializationId: d.industrializationId! }),
            reportedOn,
            platformRef: requireText(d.platformRef, 'platformRef', 100),
          },
        },
      ];
    }

    case 'LapsePatent': {
      const p = requireActive(state);
      const effectiveOn = requirePastDate(command.data.effectiveOn, 'effectiveOn', now);
      requireOrder(p.filingDate, 'filingDate', effectiveOn, 'effectiveOn');
      return [
        {
          type: 'PatentLapsed',
          data: {
            applicationNumber: p.applicationNumber,
            reason: oneOf(command.data.reason, LAPSE_REASONS, 'reason'),
            effectiveOn,
          },
        },
      ];
    }

    default: {
      const unknown: never = command;
      throw invalid('COMMAND.UNKNOWN', `unknown command ${(unknown as { type: string }).type}`);
    }
  }
}

/** Applies one event to the state. Tolerates old events so old streams still replay. */
export function evolvePatent(state: PatentState, event: PatentEvent): PatentState {
  if (event.type === 'PatentInventoried') {
    const d = event.data;
    const flags = { ...normalizeFlagsLenient(d.highValueFlags) };
    return {
      status: 'active',
      applicationNumber: d.applicationNumber,
      institutionId: d.institutionId,
      title: d.title,
      kind: d.kind,
      filingDate: d.filingDate,
      grantDate: d.grantDate,
      expiryDate: expiryOf(d.kind, d.filingDate),
      inventors: [...d.inventors],
      coPatentees: [...(d.coPatentees ?? [])],
      ipc: [...d.ipc],
      fiscallyFunded: d.fiscallyFunded,
      implementationStatus: d.implementationStatus,
      technologyReadiness: d.technologyReadiness,
      selfAssessedGrade: d.selfAssessedGrade,
      applicationScenarios: [...(d.applicationScenarios ?? [])],
      highValueFlags: flags,
      highValue: isHighValue(d.kind, flags),
      cohort: d.cohort,
      inventoriedOn: d.occurredOn,
      inPool: false,
      holder: { kind: 'institution', id: d.institutionId },
      evaluations: [],
      evaluationIds: [],
      promotions: [],
      transfers: [],
      licenses: [],
      industrializations: [],
      openLicenses: [],
      reports: [],
    };
  }
  if (state.status === 'none') return state;
  const p = state;
  switch (event.type) {
    case 'IntentTagged': {
      const d = event.data;
      return {
        ...p,
        intent: {
          modes: [...d.modes],
          screening: { ...d.screening },
          ...(d.askingPrice !== undefined ? { askingPrice: d.askingPrice } : {}),
          taggedOn: d.occurredOn,
        },
        inPool: d.screening.decision === 'admitted',
      };
    }
    case 'EnterpriseEvaluated': {
      const { applicationNumber: _a, supersedes: _s, ...e } = event.data;
      return {
        ...p,
        evaluations: [...p.evaluations.filter((x) => x.enterpriseId !== e.enterpriseId), e],
        evaluationIds: [...p.evaluationIds, e.evaluationId],
      };
    }
    case 'Promoted': {
      const { applicationNumber: _a, ...pr } = event.data;
      return { ...p, promotions: [...p.promotions, pr] };
    }
    case 'Transferred': {
      const { applicationNumber: _a, ...t } = event.data;
      return { ...p, transfers: [...p.transfers, t] };
    }
    case 'TransferRegistered': {
      const d = event.data;
      const deal = p.transfers.find((t) => t.dealId === d.dealId);
      if (!deal) return p;
      return {
        ...p,
        transfers: p.transfers.map((t) =>
          t.dealId === d.dealId
            ? { ...t, registration: { registeredOn: d.registeredOn, noticeNumber: d.noticeNumber } }
            : t,
        ),
        holder: {
          kind: 'enterprise',
          id: deal.assigneeId,
          name: deal.assigneeName,
          since: d.registeredOn,
          dealId: deal.dealId,
        },
        inPool: false,
      };
    }
    case 'Licensed': {
      const { applicationNumber: _a, ...l } = event.data;
      return { ...p, licenses: [...p.licenses, { ...l, source: 'contract' }] };
    }
    case 'LicenseRecorded': {
      const d = event.data;
      return {
        ...p,
        licenses: p.licenses.map((l) =>
          l.dealId === d.dealId
            ? { ...l, recordal: { recordalNumber: d.recordalNumber, recordedOn: d.recordedOn } }
            : l,
        ),
      };
    }
    case 'Industrialized': {
      const { applicationNumber: _a, ...i } = event.data;
      return {
        ...p,
        industrializations: [...p.industrializations, { ...i, basis: i.basis ?? { kind: 'license' } }],
      };
    }
    case 'DensityProductFiled': {
      const d = event.data;
      return {
        ...p,
        industrializations: p.industrializations.map((i) =>
          i.industrializationId === d.industrializationId
            ? { ...i, densityFiling: { recordNumber: d.recordNumber, filedOn: d.filedOn } }
            : i,
        ),
      };
    }
    case 'OpenLicensed': {
      const { applicationNumber: _a, occurredOn, ...o } = event.data;
      return { ...p, openLicenses: [...p.openLicenses, { ...o, declaredOn: occurredOn }] };
    }
    case 'OpenLicenseTaken': {
      const d = event.data;
      const decl = p.openLicenses.find((o) => o.declarationId === d.declarationId);
      const licence: License = {
        dealId: d.dealId,
        licenseeId: d.licenseeId,
        licenseeName: d.licenseeName,
        type: 'ordinary',
        effectiveDate: d.notifiedOn,
        endDate: decl?.termTo ?? p.expiryDate,
        source: 'open-license',
        declarationId: d.declarationId,
      };
      return { ...p, licenses: [...p.licenses, licence] };
    }
    case 'OpenLicenseWithdrawn': {
      const d = event.data;
      return {
        ...p,
        openLicenses: p.openLicenses.map((o) =>
          o.declarationId === d.declarationId ? { ...o, withdrawnOn: d.withdrawnOn } : o,
        ),
      };
    }
    case 'TransactionReported': {
      const { applicationNumber: _a, ...r } = event.data;
      return { ...p, reports: [...p.reports, r] };
    }
    case 'PatentLapsed': {
      const d = event.data;
      return {
        ...p,
        status: 'lapsed',
        inPool: false,
        lapse: { reason: d.reason, effectiveOn: d.effectiveOn },
      };
    }
    default:
      // An event type this version does not know: keep the state so old and new streams replay.
      return p;
  }
}

function normalizeFlagsLenient(flags: Partial<HighValueFlags> | undefined): HighValueFlags {
  return {
    strategicEmergingIndustry: flags?.strategicEmergingIndustry === true,
    overseasFamily: flags?.overseasFamily === true,
    maintainedOver10Years: flags?.maintainedOver10Years === true,
    pledgeFinancing: flags?.pledgeFinancing === true,
    award: flags?.award === true,
  };
}

/** The patent decider. */
export const patentDecider = {
  decide: decidePatent,
  evolve: evolvePatent,
  initialState: initialPatentState,
};
