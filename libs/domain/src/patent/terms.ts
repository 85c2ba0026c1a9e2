/**
 * Terms of protection (专利法 Art. 42; 审查指南 Part V ch. 9 §2.1) and years of protection.
 *
 * - invention 20 years, utility model 10, design 10 if filed before 2021-06-01 and 15 from then on
 *   (the 2020 amendment in force on 2021-06-01), all counted from the filing date;
 * - the last day of protection is the day before the anniversary (filed 2017-07-21 → an invention's
 *   last day is 2037-07-20); the anniversary follows r.5 month arithmetic (29 Feb → 28 Feb in a
 *   common year), and the end of the term is not moved off a holiday (审查指南 V-9 §2.1: 遇节假日不顺延);
 * - patent-term compensation (Art. 42 ¶2 for unreasonable delay in granting, ¶3 for new drugs) adds
 *   days to inventions; it exists only for patents granted under the amended law (from 2021-06-01).
 *
 * Years of protection (专利年度) run from the filing date: year 1 is [filing date, first anniversary).
 */
import { addDays, addYears, type IsoDate } from '../dates';
import type { PatentKind } from '../application-number';

/** The 2020 amendment of the Patent Law took effect on this day (designs 15 years, term compensation). */
export const AMENDMENT_2020_IN_FORCE: IsoDate = '2021-06-01';

/** Term of protection in years from the filing date (Art. 42 ¶1). */
export function termYearsOf(kind: PatentKind, filingDate: IsoDate): number {
  if (kind === 'invention') return 20;
  if (kind === 'utility-model') return 10;
  return filingDate < AMENDMENT_2020_IN_FORCE ? 10 : 15;
}

/** The n-th anniversary of the filing date (r.5: 29 Feb becomes 28 Feb in a common year). */
export const anniversaryOf = (filingDate: IsoDate, n: number): IsoDate => addYears(filingDate, n);

/** The last day of protection: the day before the anniversary that ends the term, plus compensation days. */
export function expiryOf(kind: PatentKind, filingDate: IsoDate, termAdjustmentDays = 0): IsoDate {
  return addDays(anniversaryOf(filingDate, termYearsOf(kind, filingDate)), termAdjustmentDays - 1);
}

/** The year of protection `date` falls in (1 from the filing date). 0 before the filing date. */
export function protectionYearOf(filingDate: IsoDate, date: IsoDate): number {
  if (date < filingDate) return 0;
  let k = Number(date.slice(0, 4)) - Number(filingDate.slice(0, 4));
  if (anniversaryOf(filingDate, k) > date) k -= 1;
  return k + 1;
}

/** First and last day of year `n` of protection. */
export function protectionYear(filingDate: IsoDate, n: number): { from: IsoDate; to: IsoDate } {
  return { from: anniversaryOf(filingDate, n - 1), to: addDays(anniversaryOf(filingDate, n), -1) };
}
