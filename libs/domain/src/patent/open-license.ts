/**
 * Open licences (开放许可, 专利法 Arts. 50–52; 细则 r.85–88): DeclareOpenLicense → OpenLicensed,
 * TakeOpenLicense → OpenLicenseTaken, WithdrawOpenLicense → OpenLicenseWithdrawn.
 *
 * - only the patentee of a granted patent in force may declare (Art. 50), one declaration at a time,
 *   with an evaluation report for a utility model or design;
 * - not while an exclusive or sole licence is in force at the time of the declaration, nor for a
 *   term such a licence already covers (细则 r.86(1)); not with an annuity left unpaid past its due
 *   date (r.86(3)); not for a pledged patent without the pledgee's consent (r.86(4)); a co-owned one
 *   needs every co-owner's consent (Art. 14);
 * - a taker notifies in writing and pays the published fee (Art. 51 ¶1): the licence exists from the
 *   payment, or from the notification where the declaration says so (by default: a lump sum is paid
 *   first; a royalty on sales runs from the notification). It is an ordinary licence to the end of
 *   the declared term; withdrawing the declaration does not affect earlier takers (Art. 50 ¶2).
 */
import { rangesOverlap, within } from '../dates';
import { invalid, rule } from '../errors';
import { moneyToFen, normalizeMoney } from '../money';
import {
  oneOf,
  optionalText,
  requireDate,
  requireId,
  requireOrder,
  requirePastDate,
  requireText,
} from '../validate';
import { annuityDeadlines, nextUnpaidAnnuityYear } from './annuity';
import type { DeclareOpenLicense, TakeOpenLicense, WithdrawOpenLicense } from './commands';
import { OPEN_LICENCE_STARTS, ROYALTY_BASES } from './constants';
import type {
  OpenLicenceStart,
  OpenLicensed,
  OpenLicenseTaken,
  OpenLicenseWithdrawn,
  PatentEvent,
  Royalty,
} from './events';
import {
  requireCoOwnerConsents,
  requireDatedBeforeEnd,
  requireHeldByInstitution,
  requireInventoried,
  requireNewDealId,
  requireNotExpiredOn,
  requireNotTerminated,
  requirePledgeeConsents,
} from './guards';
import { exclusiveOrSole } from './license';
import { licenceInForceOn, licenceWindow, type License, type Patent, type PatentState } from './state';

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

/** When takers' licences begin by default: a lump sum is paid first; a royalty on sales runs from notification. */
export const defaultLicenceFrom = (royalty: Royalty): OpenLicenceStart =>
  royalty.basis === 'lump-sum' ? 'payment' : 'notification';

export function decideDeclareOpenLicense(command: DeclareOpenLicense, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
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
  const occurredOn = requirePastDate(d.occurredOn, 'occurredOn', command.now);
  requireNotExpiredOn(p, occurredOn, 'occurredOn');
  if (occurredOn < p.grantDate) {
    throw rule(
      'OPEN_LICENSE.BEFORE_GRANT',
      `an open licence is declared by the patentee (专利法 Art. 50): ${occurredOn} is before the grant on ${p.grantDate}`,
      'occurredOn',
    );
  }
  const termFrom = requireDate(d.termFrom, 'termFrom');
  const termTo = requireDate(d.termTo, 'termTo');
  requireOrder(termFrom, 'termFrom', termTo, 'termTo');
  if (termFrom < p.grantDate) {
    throw rule(
      'OPEN_LICENSE.BEFORE_GRANT',
      `termFrom ${termFrom} is before the grant on ${p.grantDate}`,
      'termFrom',
    );
  }
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
  const licenceFrom =
    d.licenceFrom === undefined || d.licenceFrom === null
      ? undefined
      : oneOf(d.licenceFrom, OPEN_LICENCE_STARTS, 'licenceFrom');
  // 细则 r.86(1): not during an exclusive or sole licence — one in force when declaring, or one already
  // granted for a later part of the term the declaration offers (takers would infringe its exclusivity).
  // One that ended before the declaration does not count, even if the declared term starts earlier.
  const offeredFrom = termFrom > occurredOn ? termFrom : occurredOn;
  const exclusive =
    p.licenses.find((l) => exclusiveOrSole(l) && licenceInForceOn(l, occurredOn)) ??
    p.licenses.find((l) => {
      const w = licenceWindow(l);
      return (
        exclusiveOrSole(l) && !!w && offeredFrom <= termTo && rangesOverlap(offeredFrom, termTo, w.from, w.to)
      );
    });
  if (exclusive) {
    throw rule(
      'OPEN_LICENSE.EXCLUSIVE_LICENSE_IN_FORCE',
      `${exclusive.type} licence ${exclusive.dealId} is in force from ${exclusive.effectiveDate} to ${licenceWindow(exclusive)?.to ?? exclusive.endDate} (细则 r.86(1))`,
    );
  }
  const unpaid = nextUnpaidAnnuityYear(p);
  if (unpaid !== undefined) {
    const due = annuityDeadlines(p.filingDate, unpaid).due.date;
    if (occurredOn > due) {
      throw rule(
        'OPEN_LICENSE.ANNUITY_UNPAID',
        `the annuity of year ${unpaid} was due on ${due} and is not paid: no open licence while annuities are unpaid (细则 r.86(3))`,
      );
    }
  }
  const active = p.openLicenses.find((o) => o.withdrawnOn === undefined && o.termTo >= occurredOn);
  if (active) {
    throw rule(
      'OPEN_LICENSE.ALREADY_ACTIVE',
      `open licence ${active.declarationId} is active until ${active.termTo}; withdraw it first`,
    );
  }
  requireCoOwnerConsents(p, 'open-license', declarationId, occurredOn, p.holder.id);
  requirePledgeeConsents(p, 'open-license', declarationId, occurredOn);
  const event: OpenLicensed = {
    type: 'OpenLicensed',
    data: {
      applicationNumber: p.applicationNumber,
      declarationId,
      royalty,
      termFrom,
      termTo,
      ...(evaluationReportRef !== undefined ? { evaluationReportRef } : {}),
      ...(licenceFrom !== undefined ? { licenceFrom } : {}),
      occurredOn,
    },
  };
  return [event];
}

export function decideTakeOpenLicense(command: TakeOpenLicense, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  requireHeldByInstitution(p);
  const d = command.data;
  const notifiedOn = requirePastDate(d.notifiedOn, 'notifiedOn', command.now);
  requireNotExpiredOn(p, notifiedOn, 'notifiedOn');
  // Active on notifiedOn: declared by then, inside its term, and not yet withdrawn.
  const active = (date: string) =>
    p.openLicenses.find(
      (o) =>
        date >= o.declaredOn &&
        within(date, o.termFrom, o.termTo) &&
        (o.withdrawnOn === undefined || date < o.withdrawnOn),
    );
  const declaration = active(notifiedOn);
  if (!declaration) {
    throw rule('OPEN_LICENSE.NOT_ACTIVE', `no open licence declaration is active on ${notifiedOn}`);
  }
  const dealId = requireId(d.dealId, 'dealId');
  requireNewDealId(p, dealId);
  const licenseeId = requireId(d.licenseeId, 'licenseeId');
  if (p.licenses.some((l) => l.declarationId === declaration.declarationId && l.licenseeId === licenseeId)) {
    throw rule(
      'OPEN_LICENSE.ALREADY_TAKEN',
      `${licenseeId} already holds a licence under open licence ${declaration.declarationId}`,
      'licenseeId',
    );
  }
  const licenseeName = requireText(d.licenseeName, 'licenseeName');
  let payment: { paidOn: string; amount: string } | undefined;
  if (d.payment !== undefined && d.payment !== null) {
    if (typeof d.payment !== 'object')
      throw invalid('FIELD.INVALID', 'payment must be {paidOn, amount}', 'payment');
    payment = {
      paidOn: requirePastDate(d.payment.paidOn, 'payment.paidOn', command.now),
      amount: normalizeMoney(d.payment.amount, 'payment.amount'),
    };
    const fee = declaration.royalty.amount;
    if (
      declaration.royalty.basis === 'lump-sum' &&
      fee !== undefined &&
      moneyToFen(payment.amount) < moneyToFen(fee)
    ) {
      throw rule(
        'OPEN_LICENSE.FEE_NOT_PAID',
        `the published fee of open licence ${declaration.declarationId} is ${fee}; ${payment.amount} was paid (专利法 Art. 51 ¶1)`,
        'payment.amount',
      );
    }
  }
  let effectiveDate = notifiedOn;
  if (declaration.licenceFrom === 'payment') {
    if (!payment) {
      throw rule(
        'OPEN_LICENSE.FEE_NOT_PAID',
        `under open licence ${declaration.declarationId} the licence exists once the published fee is paid (专利法 Art. 51 ¶1): give the payment with the notification`,
        'payment',
      );
    }
    effectiveDate = payment.paidOn > notifiedOn ? payment.paidOn : notifiedOn;
    if (active(effectiveDate)?.declarationId !== declaration.declarationId) {
      throw rule(
        'OPEN_LICENSE.NOT_ACTIVE',
        `open licence ${declaration.declarationId} is no longer active on ${effectiveDate}, the day of payment`,
        'payment.paidOn',
      );
    }
  }
  // The taking creates an ordinary licence to the end of the term: like any licence it may not
  // overlap an exclusive or sole licence in force (e.g. one granted after a withdrawal).
  const exclusive = p.licenses.find((l) => {
    const w = licenceWindow(l);
    return exclusiveOrSole(l) && !!w && rangesOverlap(effectiveDate, declaration.termTo, w.from, w.to);
  });
  if (exclusive) {
    throw rule(
      'LICENSE.EXCLUSIVITY_CONFLICT',
      `${exclusive.type} licence ${exclusive.dealId} (${exclusive.effectiveDate} to ${exclusive.endDate}) excludes other licensees`,
    );
  }
  const event: OpenLicenseTaken = {
    type: 'OpenLicenseTaken',
    data: {
      applicationNumber: p.applicationNumber,
      declarationId: declaration.declarationId,
      dealId,
      licenseeId,
      licenseeName,
      notifiedOn,
      ...(payment ? { payment, effectiveDate } : {}),
    },
  };
  return [event];
}

export function decideWithdrawOpenLicense(command: WithdrawOpenLicense, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  const withdrawnOn = requirePastDate(command.data.withdrawnOn, 'withdrawnOn', command.now);
  requireDatedBeforeEnd(p, withdrawnOn, 'withdrawnOn', command.now);
  const active = p.openLicenses.find((o) => o.withdrawnOn === undefined && o.termTo >= withdrawnOn);
  if (!active)
    throw rule('OPEN_LICENSE.NOT_ACTIVE', `no open licence declaration is active on ${withdrawnOn}`);
  requireOrder(active.declaredOn, 'declaredOn', withdrawnOn, 'withdrawnOn');
  const event: OpenLicenseWithdrawn = {
    type: 'OpenLicenseWithdrawn',
    data: { applicationNumber: p.applicationNumber, declarationId: active.declarationId, withdrawnOn },
  };
  return [event];
}

export function evolveOpenLicensed(p: Patent, e: OpenLicensed): Patent {
  const { applicationNumber: _a, occurredOn, licenceFrom, ...o } = e.data;
  return {
    ...p,
    openLicenses: [
      ...p.openLicenses,
      { ...o, licenceFrom: licenceFrom ?? defaultLicenceFrom(o.royalty), declaredOn: occurredOn },
    ],
  };
}

export function evolveOpenLicenseTaken(p: Patent, e: OpenLicenseTaken): Patent {
  const d = e.data;
  const decl = p.openLicenses.find((o) => o.declarationId === d.declarationId);
  const effectiveDate = d.effectiveDate ?? d.notifiedOn;
  const licence: License = {
    dealId: d.dealId,
    licenseeId: d.licenseeId,
    licenseeName: d.licenseeName,
    type: 'ordinary',
    contractDate: effectiveDate,
    effectiveDate,
    endDate: decl?.termTo ?? p.expiryDate,
    source: 'open-license',
    declarationId: d.declarationId,
    ...(d.payment ? { notifiedOn: d.notifiedOn, payment: { ...d.payment } } : {}),
  };
  return { ...p, licenses: [...p.licenses, licence] };
}

export function evolveOpenLicenseWithdrawn(p: Patent, e: OpenLicenseWithdrawn): Patent {
  const d = e.data;
  return {
    ...p,
    openLicenses: p.openLicenses.map((o) =>
      o.declarationId === d.declarationId ? { ...o, withdrawnOn: d.withdrawnOn } : o,
    ),
  };
}
