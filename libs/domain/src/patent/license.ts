/**
 * Licences (许可): LicensePatent → Licensed (the contract), RecordLicense → LicenseRecorded (备案).
 *
 * - the contract date (合同生效日) is apart from the start of the licensed term: recordal runs from
 *   the contract's effective date (细则 r.15 ¶2, 2023);
 * - the licensed term lies within the protection term: not before grant, not after the last day of
 *   protection (专利法 Art. 42);
 * - a licence covers a territory (GB/T 2260 region codes; absent: all of China) and fields of use
 *   (absent: every field); an exclusive (独占) or sole (排他) licence excludes other licences only
 *   where territory × field × period overlap;
 * - a co-owner may grant an ordinary licence alone, anything else needs every co-owner's consent
 *   (专利法 Art. 14); a registered pledge needs its pledgee's consent (民法典 Art. 444 ¶2).
 */
import type { IsoDate } from '../dates';
import { rangesOverlap } from '../dates';
import { invalid, notFound, rule } from '../errors';
import { normalizeMoney } from '../money';
import {
  oneOf,
  requireDate,
  requireId,
  requireOrder,
  requirePastDate,
  requireText,
  textList,
} from '../validate';
import type { LicensePatent, RecordLicense } from './commands';
import { LICENSE_TYPES } from './constants';
import type { Licensed, LicenseRecorded, PatentEvent } from './events';
import {
  ownersOf,
  requireCoOwnerConsents,
  requireDatedBeforeEnd,
  requireHeldByInstitution,
  requireInventoried,
  requireNewDealId,
  requireNotExpiredOn,
  requireNotTerminated,
  requirePledgeeConsents,
} from './guards';
import { declarationWindow, licenceWindow, type License, type Patent, type PatentState } from './state';

export const exclusiveOrSole = (l: Pick<License, 'type'>): boolean =>
  l.type === 'exclusive' || l.type === 'sole';

const REGION_RE = /^\d{6}$/;

/** GB/T 2260 codes, deduplicated and sorted; `CN` (or nothing) is all of China (undefined). */
export function normalizeTerritory(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = textList(value, 'territory', { max: 100 });
  const codes = list.map((c, i) => {
    const code = c.toUpperCase();
    if (code !== 'CN' && !REGION_RE.test(code)) {
      throw invalid(
        'LICENSE.INVALID_TERRITORY',
        `territory[${i}] "${c}" is not a GB/T 2260 region code (e.g. 140000 for Shanxi, 140100 for Taiyuan) or CN`,
        `territory[${i}]`,
      );
    }
    return code;
  });
  if (codes.length === 0 || codes.includes('CN')) return undefined;
  return [...new Set(codes)].sort();
}

/** Fields of use as labels, trimmed and deduplicated; none is every field (undefined). */
export function normalizeFields(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = textList(value, 'fieldsOfUse', { max: 50 });
  return list.length === 0 ? undefined : [...new Set(list)];
}

/** `region` contains `other`: a province (XX0000) its cities and counties, a city (XXYY00) its counties. */
const contains = (region: string, other: string): boolean => other.startsWith(region.replace(/(00)+$/, ''));

/** Two territories overlap: either is all of China, or a region of one contains a region of the other. */
export function territoriesOverlap(a: string[] | undefined, b: string[] | undefined): boolean {
  if (!a || !b) return true;
  return a.some((x) => b.some((y) => contains(x, y) || contains(y, x)));
}

/** Two sets of fields overlap: either is every field, or they share a label (case-insensitively). */
export function fieldsOverlap(a: string[] | undefined, b: string[] | undefined): boolean {
  if (!a || !b) return true;
  const bs = new Set(b.map((x) => x.toLowerCase()));
  return a.some((x) => bs.has(x.toLowerCase()));
}

/** The licence overlaps territory × field × period [from, to]. */
export function licenceOverlaps(
  l: License,
  from: IsoDate,
  to: IsoDate,
  territory: string[] | undefined,
  fields: string[] | undefined,
): boolean {
  const w = licenceWindow(l);
  return (
    !!w &&
    rangesOverlap(from, to, w.from, w.to) &&
    territoriesOverlap(territory, l.territory) &&
    fieldsOverlap(fields, l.fieldsOfUse)
  );
}

export function decideLicense(command: LicensePatent, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  requireHeldByInstitution(p);
  const d = command.data;
  const dealId = requireId(d.dealId, 'dealId');
  requireNewDealId(p, dealId);
  const type = oneOf(d.type, LICENSE_TYPES, 'type');
  const contractDate = requirePastDate(d.contractDate, 'contractDate', command.now);
  const effectiveDate = requireDate(d.effectiveDate, 'effectiveDate');
  const endDate = requireDate(d.endDate, 'endDate');
  requireOrder(effectiveDate, 'effectiveDate', endDate, 'endDate');
  requireNotExpiredOn(p, contractDate, 'contractDate');
  if (effectiveDate < p.grantDate) {
    throw rule(
      'LICENSE.BEFORE_GRANT',
      `effectiveDate ${effectiveDate} is before the patent was granted (${p.grantDate}); a licence of the patent right runs within its term`,
      'effectiveDate',
    );
  }
  if (endDate > p.expiryDate) {
    throw rule(
      'LICENSE.BEYOND_EXPIRY',
      `endDate ${endDate} is after the patent expires (last day of protection ${p.expiryDate})`,
      'endDate',
    );
  }
  const territory = normalizeTerritory(d.territory);
  const fieldsOfUse = normalizeFields(d.fieldsOfUse);
  let licensorId: string | undefined;
  if (d.licensorId !== undefined && d.licensorId !== null) {
    licensorId = requireId(d.licensorId, 'licensorId');
    if (!ownersOf(p).includes(licensorId)) {
      throw rule(
        'LICENSE.UNKNOWN_LICENSOR',
        `${licensorId} is neither the holder nor a co-owner of the patent`,
        'licensorId',
      );
    }
    if (licensorId === p.holder.id) licensorId = undefined;
  }
  const exclusiveNew = type === 'exclusive' || type === 'sole';
  const overlapping = p.licenses.filter((l) =>
    licenceOverlaps(l, effectiveDate, endDate, territory, fieldsOfUse),
  );
  const conflict = exclusiveNew ? overlapping[0] : overlapping.find(exclusiveOrSole);
  if (conflict) {
    throw rule(
      'LICENSE.EXCLUSIVITY_CONFLICT',
      exclusiveNew
        ? `a ${type} licence may not overlap licence ${conflict.dealId} (${conflict.type}, ${conflict.effectiveDate} to ${conflict.endDate}) in territory, field and period`
        : `${conflict.type} licence ${conflict.dealId} (${conflict.effectiveDate} to ${conflict.endDate}) excludes other licensees in its territory and field`,
    );
  }
  if (exclusiveNew) {
    // An open licence is offered to anyone, everywhere and in every field.
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
    requireCoOwnerConsents(p, 'license', dealId, contractDate, licensorId ?? p.holder.id);
  }
  requirePledgeeConsents(p, 'license', dealId, contractDate);
  const event: Licensed = {
    type: 'Licensed',
    data: {
      applicationNumber: p.applicationNumber,
      dealId,
      licenseeId: requireId(d.licenseeId, 'licenseeId'),
      licenseeName: requireText(d.licenseeName, 'licenseeName'),
      type,
      contractDate,
      effectiveDate,
      endDate,
      royalty: normalizeMoney(d.royalty, 'royalty'),
      ...(territory ? { territory } : {}),
      ...(fieldsOfUse ? { fieldsOfUse } : {}),
      ...(licensorId !== undefined ? { licensorId } : {}),
    },
  };
  return [event];
}

export function decideRecordLicense(command: RecordLicense, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  const d = command.data;
  const licence = p.licenses.find((l) => l.dealId === d.dealId);
  if (!licence) throw notFound('LICENSE.NOT_FOUND', `no licence ${d.dealId} on this patent`, 'dealId');
  if (licence.recordal) {
    throw rule(
      'LICENSE.ALREADY_RECORDED',
      `licence ${licence.dealId} was recorded on ${licence.recordal.recordedOn}`,
    );
  }
  const recordalNumber = requireText(d.recordalNumber, 'recordalNumber', 100);
  const recordedOn = requirePastDate(d.recordedOn, 'recordedOn', command.now);
  requireOrder(licence.contractDate, 'contractDate', recordedOn, 'recordedOn');
  requireDatedBeforeEnd(p, recordedOn, 'recordedOn', command.now);
  if (licence.ended && recordedOn >= licence.ended.endedOn) {
    throw rule(
      'DEAL.ENDED',
      `licence ${licence.dealId} was ${licence.ended.ending} on ${licence.ended.endedOn}; a recordal on ${recordedOn} is too late`,
      'recordedOn',
    );
  }
  const event: LicenseRecorded = {
    type: 'LicenseRecorded',
    data: { applicationNumber: p.applicationNumber, dealId: licence.dealId, recordalNumber, recordedOn },
  };
  return [event];
}

export function evolveLicensed(p: Patent, e: Licensed): Patent {
  const { applicationNumber: _a, ...l } = e.data;
  const licence: License = { ...l, contractDate: l.contractDate ?? l.effectiveDate, source: 'contract' };
  return { ...p, licenses: [...p.licenses, licence] };
}

export function evolveLicenseRecorded(p: Patent, e: LicenseRecorded): Patent {
  const d = e.data;
  return {
    ...p,
    licenses: p.licenses.map((l) =>
      l.dealId === d.dealId
        ? { ...l, recordal: { recordalNumber: d.recordalNumber, recordedOn: d.recordedOn } }
        : l,
    ),
  };
}
