import type { IsoDate } from '../dates';
import { invalid, notFound, rule } from '../errors';
import { parseApplicationNumber } from '../application-number';
import { requireNotExpiredOn } from '../patent/guards';
import type { PatentState } from '../patent/state';

/**
 * What the deciders of promotion (plan §二(三)2–3) are told about the patents and enterprises a command
 * names, loaded by the command handler before each attempt: the patents as they stand, and which
 * enterprises the registry holds (`enterprise-<id>` exists).
 */
export interface PromotionFacts {
  patents?: Readonly<Record<string, PatentState>> | undefined;
  enterprises?: Readonly<Record<string, boolean>> | undefined;
}

/** A list of 1–`max` distinct application numbers (normalized); `emptyCode` names an empty list. */
export function patentList(value: unknown, field: string, emptyCode: string, max = 100): string[] {
  if (value === undefined || (Array.isArray(value) && value.length === 0))
    throw invalid(emptyCode, `${field} must name at least one patent`, field);
  if (!Array.isArray(value))
    throw invalid('FIELD.INVALID', `${field} must be an array of application numbers`, field);
  if (value.length > max) throw invalid('FIELD.TOO_LONG', `${field} lists more than ${max} patents`, field);
  const numbers = value.map((an, i) => parseApplicationNumber(an, `${field}[${i}]`).value);
  const twice = numbers.findIndex((n, i) => numbers.indexOf(n) !== i);
  if (twice >= 0)
    throw invalid('FIELD.INVALID', `${field} lists ${numbers[twice]} twice`, `${field}[${twice}]`);
  return numbers;
}

/**
 * Every patent named is in the resource pool now (inventoried, screening admitted, held by the
 * institution) and was still in its term on `date`: promotion presents pool patents only.
 */
export function requirePoolPatents(
  numbers: readonly string[],
  field: string,
  facts: PromotionFacts,
  date: IsoDate,
  dateField: string,
): void {
  numbers.forEach((an, i) => {
    const p = facts.patents?.[an] ?? { status: 'none' };
    const at = `${field}[${i}]`;
    if (p.status === 'none') throw notFound('PATENT.NOT_FOUND', `patent ${an} has not been inventoried`, at);
    if (!p.inPool || p.holder.kind !== 'institution')
      throw rule(
        'PATENT.NOT_IN_POOL',
        `patent ${an} is not in the resource pool (its latest screening decision is not "admitted", or it was transferred)`,
        at,
      );
    try {
      requireNotExpiredOn(p, date, dateField);
    } catch {
      throw rule(
        'PATENT.EXPIRED',
        `patent ${an}'s term ended on ${p.expiryDate}, before ${dateField} ${date}`,
        at,
      );
    }
  });
}

/** A list of 0–`max` distinct ids of enterprises the registry holds. */
export function registeredEnterprises(
  value: unknown,
  field: string,
  facts: PromotionFacts,
  opts: { min: number; emptyCode: string; max?: number },
): string[] {
  const max = opts.max ?? 500;
  if (value === undefined && opts.min === 0) return [];
  if (!Array.isArray(value))
    throw invalid('FIELD.INVALID', `${field} must be an array of enterprise ids`, field);
  if (value.length < opts.min)
    throw invalid(opts.emptyCode, `${field} must name at least ${opts.min} registered enterprise(s)`, field);
  if (value.length > max)
    throw invalid('FIELD.TOO_LONG', `${field} lists more than ${max} enterprises`, field);
  const ids = value.map((v, i) => {
    if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(v))
      throw invalid('FIELD.INVALID_ID', `${field}[${i}] must be an enterprise id`, `${field}[${i}]`);
    return v;
  });
  const twice = ids.findIndex((n, i) => ids.indexOf(n) !== i);
  if (twice >= 0) throw invalid('FIELD.INVALID', `${field} lists ${ids[twice]} twice`, `${field}[${twice}]`);
  ids.forEach((id, i) => {
    if (facts.enterprises?.[id] !== true)
      throw rule(
        'ENTERPRISE.NOT_REGISTERED',
        `enterprise ${id} is not registered; PUT /enterprises/${id} first`,
        `${field}[${i}]`,
      );
  });
  return ids;
}
