/**
 * Preconditions shared by the capabilities of the patent decider: the patent exists, it is still in
 * force for new dealings, a dated fact falls before the patent's end, who holds it, and the consents
 * co-owners and pledgees must have given.
 */
import type { IsoDate } from '../dates';
import { notFound, rule } from '../errors';
import { todayInChina } from '../validate';
import type { ConsentScope } from './events';
import { terminationOf } from './standing';
import { pledgeBindsOn, type Patent, type PatentState } from './state';

export function requireInventoried(state: PatentState): Patent {
  if (state.status === 'none') throw notFound('PATENT.NOT_FOUND', 'the patent has not been inventoried');
  return state;
}

/**
 * The patent has not ended for new dealings (transfers, licences, open licences, tagging, …): no
 * lapse is recorded and none follows from an annuity left unpaid past its grace period as of today.
 * A lapse is terminal for new dealings whatever their date (domain.md §4).
 */
export function requireNotTerminated(p: Patent, now: string): void {
  const t = terminationOf(p, todayInChina(now));
  if (t) {
    throw rule(
      'PATENT.LAPSED',
      t.derived
        ? `the patent lapsed for non-payment: the annuity of year ${t.annuityYear} was not paid by the end of its grace period (${t.graceEnd}); protection ended on ${t.lastDayInForce} and it accepts no new dealings (细则 r.98–100)`
        : `the patent lapsed on ${t.effectiveOn} (${t.reason}); it accepts no new dealings`,
    );
  }
}

/** A new dealing dated `date` falls within the term of protection (专利法 Art. 42): not after the last day. */
export function requireNotExpiredOn(p: Patent, date: IsoDate, field: string): void {
  if (date > p.expiryDate) {
    throw rule(
      'PATENT.EXPIRED',
      `${field} ${date} is after the patent's term ended (last day of protection ${p.expiryDate}, 专利法 Art. 42): an expired patent is not 有效专利 and cannot be dealt in`,
      field,
    );
  }
}

/** Both: the patent is open for a new dealing dated `date`. */
export function requireOpenForDealings(p: Patent, date: IsoDate, field: string, now: string): void {
  requireNotTerminated(p, now);
  requireNotExpiredOn(p, date, field);
}

/**
 * A fact dated `date` about something that happened while the patent was in force (a recordal, a
 * registration, a platform report, an annuity payment, …) is accepted even when it is entered after
 * the patent lapsed or expired, so that its obligation can close; one dated on or after the end is not.
 */
export function requireDatedBeforeEnd(p: Patent, date: IsoDate, field: string, now: string): void {
  const t = terminationOf(p, todayInChina(now));
  if (t && date >= t.effectiveOn) {
    throw rule(
      'PATENT.LAPSED',
      `the patent lapsed on ${t.effectiveOn} (${t.reason}); ${field} ${date} is not before that, and only facts dated before the lapse are still accepted`,
      field,
    );
  }
  requireNotExpiredOn(p, date, field);
}

/** The institution still holds the patent: no transfer has been registered (Patent Law Art. 10). */
export function requireHeldByInstitution(p: Patent): void {
  if (p.holder.kind !== 'institution') {
    throw rule(
      'PATENT.NOT_HELD_BY_INSTITUTION',
      `ownership moved to ${p.holder.name} on ${p.holder.since} (deal ${p.holder.dealId}); the institution can no longer transact the patent`,
    );
  }
}

export function requireInPool(p: Patent): void {
  requireHeldByInstitution(p);
  if (!p.inPool) {
    throw rule(
      'PATENT.NOT_IN_POOL',
      'the patent is not in the resource pool (its latest screening decision is not "admitted")',
    );
  }
}

export function requireNewDealId(p: Patent, dealId: string): void {
  if (p.transfers.some((t) => t.dealId === dealId) || p.licenses.some((l) => l.dealId === dealId)) {
    throw rule('DEAL.DUPLICATE_ID', `deal ${dealId} already exists on this patent`, 'dealId');
  }
}

/** The ids of the patent's owners: the holder, and the co-owners while the institution holds it. */
export function ownersOf(p: Patent): string[] {
  return p.holder.kind === 'institution' ? [p.holder.id, ...p.coOwners.map((c) => c.id)] : [p.holder.id];
}

/**
 * Every owner but `actingOwner` has consented in writing, on or before `date`, to this deal,
 * declaration or pledge (专利法 Art. 14 ¶2: exercising a co-owned right other than implementing it or
 * granting an ordinary licence needs all co-owners' consent).
 */
export function requireCoOwnerConsents(
  p: Patent,
  scope: ConsentScope,
  ref: string,
  date: IsoDate,
  actingOwner: string,
): void {
  if (p.holder.kind !== 'institution' || p.coOwners.length === 0) return;
  const missing = ownersOf(p).filter(
    (owner) =>
      owner !== actingOwner &&
      !p.consents.some(
        (c) =>
          c.party === 'co-owner' &&
          c.partyId === owner &&
          c.scope === scope &&
          c.ref === ref &&
          c.consentedOn <= date,
      ),
  );
  if (missing.length) {
    throw rule(
      'CONSENT.CO_OWNER_REQUIRED',
      `the patent is co-owned: ${scope} ${ref} needs the written consent of ${missing.join(', ')} recorded on or before ${date} (专利法 Art. 14)`,
    );
  }
}

/**
 * No registered pledge binds on `date` without its pledgee's recorded consent to this deal or
 * declaration (民法典 Art. 444 ¶2; 细则 r.86(4) for open licences).
 */
export function requirePledgeeConsents(p: Patent, scope: ConsentScope, ref: string, date: IsoDate): void {
  const blocking = p.pledges.find(
    (pl) =>
      pledgeBindsOn(pl, date) &&
      !p.consents.some(
        (c) =>
          c.party === 'pledgee' &&
          c.partyId === pl.pledgeId &&
          c.scope === scope &&
          c.ref === ref &&
          c.consentedOn <= date,
      ),
  );
  if (blocking) {
    throw rule(
      'PLEDGE.CONSENT_REQUIRED',
      `pledge ${blocking.pledgeId} to ${blocking.pledgeeName} (registered ${blocking.registeredOn}) binds on ${date}: ${scope} ${ref} needs the pledgee's recorded consent or the pledge's release (民法典 Art. 444)`,
    );
  }
}
