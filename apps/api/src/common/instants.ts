import { isIsoDate } from '@patent-ledger/domain';

/**
 * `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.fraction]]` and a zone (`Z` or `±HH:MM`): a time
 * without a zone would be read in the local time of whoever runs the program.
 */
const INSTANT_RE =
  /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2})))?$/;

/**
 * An ISO 8601 instant or calendar date (midnight UTC) as an ISO UTC instant, or undefined when the
 * text is not one: the date must exist (2024-02-30 does not), hours 00-23, minutes and seconds 00-59.
 * `Date.parse` alone accepts 2024-02-30 and rolls it over to March.
 */
export function parseIsoInstant(value: string): string | undefined {
  const m = INSTANT_RE.exec(value);
  if (!m || !isIsoDate(m[1])) return undefined;
  const [, , hh, mm, ss, zone, zh, zm] = m;
  if (hh !== undefined && (Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 59)) return undefined;
  if (zone !== undefined && zone !== 'Z' && (Number(zh) > 23 || Number(zm) > 59)) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
