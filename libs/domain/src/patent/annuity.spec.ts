import { checkDigit } from '../application-number';
import { spec } from '../testing/given-when-then';
import {
  annuityPaid,
  declareOpenLicense,
  inPool,
  intentTagged,
  inventoried,
  inventoryPatent,
  licensed,
  openLicensed,
  openLicenseWithdrawn,
  payAnnuity,
  recordLicense,
  TOMORROW,
  transferPatent,
} from '../testing/fixtures';
import {
  annuityDeadlines,
  annuityScheduleOf,
  grantYearOf,
  lastAnnuityYearOf,
  nonPaymentLapse,
  surchargePercentOf,
} from './annuity';
import { patentDecider } from './decider';
import { standingOn } from './standing';
import type { Patent } from './state';

const patent = spec(patentDecider);
const an = (year: number, type: number, serial: number): string => {
  const digits = `${year}${type}${String(serial).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
};
const stateOf = (events: Parameters<typeof patent.given>[0]): Patent => patent.given(events).state as Patent;

// The default patent AN: filed 2017-07-21, granted 2020-03-10 in year 3 (2019-07-21 – 2020-07-20).
// Year 8 (2024-07-21 – 2025-07-20): due on Sunday 2024-07-21 → Monday 2024-07-22; grace to 2025-01-21.
const paidThrough7 = () => inventoried({ annuitiesPaidThrough: 7 });

describe('annuities (年费): due dates per year of protection (专利法 Art. 43; 细则 r.98–100)', () => {
  it('细则 r.97: the year of grant is paid with the registration; the first annuity of its own is the next year', () => {
    const p = stateOf([inventoried()]);
    expect(grantYearOf(p)).toBe(3);
    expect(lastAnnuityYearOf(p)).toBe(20);
    const { items } = annuityScheduleOf(p, '2025-06-01');
    expect(items.map((i) => i.year)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('细则 r.98 with r.5: due on the anniversary of the filing date, moved off a Sunday (2024-07-21 → 2024-07-22)', () => {
    const dl = annuityDeadlines('2017-07-21', 8);
    expect(dl.nominalDue).toBe('2024-07-21');
    expect(dl.due.date).toBe('2024-07-22');
    expect(dl.graceEnd.date).toBe('2025-01-21');
  });

  describe('the surcharge: 5 % of the full annuity per month late beyond the first (细则 r.98–100 as amended)', () => {
    it.each([
      ['2024-07-01', 0], // early
      ['2024-07-22', 0], // the due date moved to Monday
      ['2024-08-21', 0], // within the first month
      ['2024-08-22', 5],
      ['2024-09-23', 5], // the 2nd month ends on Saturday 21 Sep → Monday 23 Sep
      ['2024-09-24', 10],
      ['2024-10-21', 10],
      ['2024-10-22', 15],
      ['2024-11-21', 15],
      ['2024-11-22', 20],
      ['2024-12-23', 20], // the 5th month ends on Saturday 21 Dec → Monday 23 Dec
      ['2024-12-24', 25],
      ['2025-01-21', 25], // the last day of the grace period
    ])('year 8 paid on %s: %d %', (paidOn, percent) => {
      expect(surchargePercentOf('2017-07-21', 8, paidOn)).toBe(percent);
      patent
        .given([paidThrough7()])
        .when(payAnnuity({ year: 8, paidOn }))
        .then([annuityPaid({ year: 8, paidOn, surchargePercent: percent })]);
    });

    it('细则 r.98–100: paid after the grace period (2025-01-22) is refused: the right had ended', () => {
      expect(surchargePercentOf('2017-07-21', 8, '2025-01-22')).toBeUndefined();
      const e = patent
        .given([paidThrough7()])
        .when(payAnnuity({ year: 8, paidOn: '2025-01-22' }))
        .thenThrows('ANNUITY.GRACE_PERIOD_OVER', 'rule');
      expect(e.message).toContain('2025-01-21');
    });
  });

  describe('a lapse for non-payment follows from the unpaid annuity at the end of the grace period', () => {
    it('细则 r.98–100: unpaid year 8 — in force through 2025-01-21, lapsed from 2025-01-22; protection ended with year 7 (2024-07-20)', () => {
      const p = stateOf([paidThrough7()]);
      expect(standingOn(p, '2025-01-21').status).toBe('in-force');
      expect(standingOn(p, '2025-01-22')).toEqual({
        status: 'lapsed',
        reason: 'non-payment',
        effectiveOn: '2024-07-21',
        lastDayInForce: '2024-07-20',
        derived: true,
        annuityYear: 8,
        graceEnd: '2025-01-21',
      });
    });

    it('细则 r.98–100: no command is needed: new dealings are refused once the grace period is over', () => {
      const e = patent
        .given([paidThrough7(), intentTagged()])
        .when(transferPatent({ contractDate: '2024-06-01' }))
        .thenThrows('PATENT.LAPSED', 'rule');
      expect(e.message).toContain('2024-07-20');
      // decided on the last day of the grace period, the transfer is still accepted
      patent
        .given([paidThrough7(), intentTagged()])
        .when(transferPatent({ contractDate: '2024-09-01' }, '2025-01-21T04:00:00Z'))
        .events();
    });

    it('domain.md §4: a recordal dated before the lapse (2024-07-20) is accepted afterwards; one dated from 2024-07-21 is not', () => {
      const history = [paidThrough7(), licensed({ effectiveDate: '2024-06-01', endDate: '2025-12-31' })];
      patent
        .given(history)
        .when(recordLicense({ recordedOn: '2024-07-20' }))
        .events();
      patent
        .given(history)
        .when(recordLicense({ recordedOn: '2024-07-21' }))
        .thenThrows('PATENT.LAPSED', 'rule');
    });

    it('a payment within the grace period keeps the patent in force, and the next year becomes due', () => {
      const p = stateOf([
        paidThrough7(),
        annuityPaid({ year: 8, paidOn: '2024-12-24', surchargePercent: 25 }),
      ]);
      expect(standingOn(p, '2025-06-01').status).toBe('in-force');
      expect(p.annuities.paidThrough).toBe(8);
      const next = annuityScheduleOf(p, '2025-06-01').items.find((i) => i.year === 9);
      expect(next).toMatchObject({ status: 'due', dueDate: '2025-07-21', graceEnd: '2026-01-21' });
    });

    it('the ledger derives no lapse for a patent whose annuities it was never told about', () => {
      const p = stateOf([inventoried()]);
      expect(standingOn(p, '2030-01-01').status).toBe('in-force');
      expect(annuityScheduleOf(p, '2025-06-01').items.every((i) => i.status === 'unknown')).toBe(true);
    });
  });

  describe('grace and lapse dates around month ends, leap years and holidays (细则 r.5)', () => {
    it('filed 29 Feb 2016: year 9 is due on 2024-02-29; year 10 on 2025-02-28 (no 29 Feb), grace to 2025-08-28', () => {
      expect(annuityDeadlines('2016-02-29', 9)).toMatchObject({
        nominalDue: '2024-02-29',
        due: { date: '2024-02-29' },
        graceEnd: { date: '2024-08-29' },
      });
      expect(annuityDeadlines('2016-02-29', 10)).toMatchObject({
        nominalDue: '2025-02-28',
        due: { date: '2025-02-28' },
        graceEnd: { date: '2025-08-28' },
      });
    });

    it('filed 31 Aug 2015: year 9 grace ends on 29 Feb 2024 (leap year); year 10, due Saturday 31 Aug 2024 → 2 Sep, grace to 28 Feb 2025', () => {
      expect(annuityDeadlines('2015-08-31', 9)).toMatchObject({
        nominalDue: '2023-08-31',
        due: { date: '2023-08-31' },
        graceEnd: { date: '2024-02-29' },
      });
      expect(annuityDeadlines('2015-08-31', 10)).toMatchObject({
        nominalDue: '2024-08-31',
        due: { date: '2024-09-02' },
        graceEnd: { date: '2025-02-28' },
      });
    });

    it('filed 30 Jul 2016: the grace period of year 9 ends in the Spring Festival (2025-01-30) → 2025-02-05; the lapse takes effect from 2024-07-30', () => {
      const n = an(2016, 1, 30);
      const p = stateOf([
        inventoried({
          applicationNumber: n,
          filingDate: '2016-07-30',
          grantDate: '2019-05-10',
          annuitiesPaidThrough: 8,
        }),
      ]);
      expect(nonPaymentLapse(p, '2025-02-05')).toBeUndefined();
      expect(nonPaymentLapse(p, '2025-02-06')).toEqual({
        year: 9,
        effectiveOn: '2024-07-30',
        lastDayInForce: '2024-07-29',
        graceEnd: '2025-02-05',
      });
      patent
        .given([
          inventoried({
            applicationNumber: n,
            filingDate: '2016-07-30',
            grantDate: '2019-05-10',
            annuitiesPaidThrough: 8,
          }),
        ])
        .when(payAnnuity({ applicationNumber: n, year: 9, paidOn: '2025-02-05' }))
        .then([annuityPaid({ applicationNumber: n, year: 9, paidOn: '2025-02-05', surchargePercent: 25 })]);
    });

    it('filed 1 Oct 2016: year 9 due on National Day 2024-10-01 → 2024-10-08: paid then, no surcharge', () => {
      const n = an(2016, 1, 1001);
      patent
        .given([
          inventoried({
            applicationNumber: n,
            filingDate: '2016-10-01',
            grantDate: '2019-05-10',
            annuitiesPaidThrough: 8,
          }),
        ])
        .when(payAnnuity({ applicationNumber: n, year: 9, paidOn: '2024-10-08' }))
        .then([annuityPaid({ applicationNumber: n, year: 9, paidOn: '2024-10-08', surchargePercent: 0 })]);
    });
  });

  describe('the open-licence annuity reduction (专利法 Art. 51 ¶2)', () => {
    it('专利法 Art. 51 ¶2: paid while the declaration is in effect, the annuity is reduced', () => {
      patent
        .given([...inPool(), openLicensed()])
        .when(payAnnuity())
        .then([annuityPaid({ openLicenseReduction: true })]);
    });

    it('专利法 Art. 51 ¶2: not after the declaration was withdrawn', () => {
      patent
        .given([...inPool(), openLicensed(), openLicenseWithdrawn()])
        .when(payAnnuity())
        .then([annuityPaid({ openLicenseReduction: false })]);
    });

    it('the schedule shows the reduction on the annuity now due', () => {
      const p = stateOf([...inPool(), openLicensed(), annuityPaid({ year: 8, paidOn: '2024-07-01' })]);
      expect(annuityScheduleOf(p, '2025-06-01').items.find((i) => i.year === 9)).toMatchObject({
        status: 'due',
        openLicenseReduction: true,
      });
    });

    it('细则 r.86(3): no open licence while an annuity is unpaid past its due date', () => {
      patent
        .given([paidThrough7()])
        .when(
          declareOpenLicense({ occurredOn: '2024-08-01', termFrom: '2024-08-01' }, '2024-08-02T04:00:00Z'),
        )
        .thenThrows('OPEN_LICENSE.ANNUITY_UNPAID', 'rule');
    });
  });

  describe('PayAnnuity → AnnuityPaid: payments are recorded facts, year by year', () => {
    it('a first payment starts the tracking (the ledger had not been told of earlier years)', () => {
      patent
        .given([inventoried()])
        .when(payAnnuity({ receiptNumber: ' R-9 ' }))
        .then([annuityPaid({ receiptNumber: 'R-9' })]);
      expect(stateOf([inventoried(), annuityPaid()]).annuities).toEqual({
        paidThrough: 9,
        payments: [
          {
            year: 9,
            paidOn: '2025-05-20',
            amount: '2000.00',
            surchargePercent: 0,
            openLicenseReduction: false,
          },
        ],
      });
    });

    it('inventory may say which year is paid: annuitiesPaidThrough', () => {
      patent
        .given([])
        .when(inventoryPatent({ annuitiesPaidThrough: 7 }))
        .then([inventoried({ annuitiesPaidThrough: 7 })]);
      expect(stateOf([paidThrough7()]).annuities).toEqual({ paidThrough: 7, payments: [] });
    });

    it.each([
      [2, 'ANNUITY.PAID_THROUGH_OUT_OF_RANGE'],
      [21, 'ANNUITY.PAID_THROUGH_OUT_OF_RANGE'],
      [7.5, 'FIELD.OUT_OF_RANGE'],
    ])('annuitiesPaidThrough %p is refused with %s', (annuitiesPaidThrough, code) => {
      const e = patent.given([]).when(inventoryPatent({ annuitiesPaidThrough })).thenThrows(code, 'invalid');
      expect(e.field).toBe('annuitiesPaidThrough');
    });

    it('细则 r.98–100: a patent whose next annuity was unpaid past its grace period before the inventory has lapsed: not stock', () => {
      // paid through 6: year 7 due 2023-07-21, grace to Monday 2024-01-22; inventory on 2024-03-15
      patent
        .given([])
        .when(inventoryPatent({ annuitiesPaidThrough: 6 }))
        .thenThrows('PATENT.LAPSED', 'rule');
    });

    it.each([
      [{ year: 3 }, 'ANNUITY.GRANT_YEAR', 'invalid'],
      [{ year: 21 }, 'ANNUITY.BEYOND_TERM', 'invalid'],
      [{ year: 0 }, 'FIELD.OUT_OF_RANGE', 'invalid'],
      [{ paidOn: TOMORROW }, 'DATE.IN_FUTURE', 'invalid'],
      [{ paidOn: '2020-03-09' }, 'DATE.ORDER', 'invalid'],
      [{ amount: '-1' }, 'MONEY.INVALID', 'invalid'],
    ] as const)('rejects %p with %s', (overrides, code, kind) => {
      patent.given([inventoried()]).when(payAnnuity(overrides)).thenThrows(code, kind);
    });

    it('once tracked, in order: the year already paid, or one skipped, is refused', () => {
      patent
        .given([paidThrough7()])
        .when(payAnnuity({ year: 7 }))
        .thenThrows('ANNUITY.ALREADY_PAID', 'rule');
      patent
        .given([paidThrough7()])
        .when(payAnnuity({ year: 9 }))
        .thenThrows('ANNUITY.NOT_NEXT_YEAR', 'rule');
    });

    it('专利法 Art. 42 ¶2: term compensation adds the annuities of its whole years', () => {
      const p = stateOf([inventoried({ grantDate: '2022-05-10', termAdjustmentDays: 400 })]);
      expect(lastAnnuityYearOf(p)).toBe(21);
    });
  });
});
