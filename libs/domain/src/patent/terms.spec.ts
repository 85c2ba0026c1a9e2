import { checkDigit } from '../application-number';
import { spec } from '../testing/given-when-then';
import {
  AN,
  declareOpenLicense,
  EXPIRY,
  inPool,
  intentTagged,
  inventoried,
  inventoryPatent,
  licensed,
  licensePatent,
  openLicensed,
  recordLicense,
  reportTransaction,
  tagIntent,
  takeOpenLicense,
  transferPatent,
  transferred,
  transferRegistered,
} from '../testing/fixtures';
import { patentDecider } from './decider';
import { standingOn } from './standing';
import type { Patent } from './state';
import { expiryOf, protectionYear, protectionYearOf, termYearsOf } from './terms';

const patent = spec(patentDecider);

const an = (year: number, type: number, serial: number): string => {
  const digits = `${year}${type}${String(serial).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
};

describe('terms of protection (专利法 Art. 42; 审查指南 V-9 §2.1)', () => {
  it.each([
    ['invention', '2017-07-21', 20, '2037-07-20'],
    ['utility-model', '2017-07-21', 10, '2027-07-20'],
    ['design', '2021-05-31', 10, '2031-05-30'],
    ['design', '2021-06-01', 15, '2036-05-31'],
  ] as const)(
    '专利法 Art. 42 ¶1: a %s filed %s has %d years; its last day is the day before the anniversary, %s',
    (kind, filingDate, years, last) => {
      expect(termYearsOf(kind, filingDate)).toBe(years);
      expect(expiryOf(kind, filingDate)).toBe(last);
    },
  );

  it('专利法 Art. 42 ¶1: an invention’s last day is the day before the 20th anniversary (filed 2017-07-21 → 2037-07-20)', () => {
    expect(patent.given([inventoried()]).state).toMatchObject({
      termYears: 20,
      termAdjustmentDays: 0,
      expiryDate: '2037-07-20',
    });
    expect(EXPIRY).toBe('2037-07-20');
  });

  it('专利法 Art. 42 ¶1 with 细则 r.5 month arithmetic: filed 29 Feb, the anniversary in a common year is 28 Feb', () => {
    expect(expiryOf('invention', '2016-02-29')).toBe('2036-02-28'); // 2036 is a leap year: 29 Feb is the anniversary
    expect(expiryOf('utility-model', '2016-02-29')).toBe('2026-02-27'); // anniversary 2026-02-28
  });

  it('审查指南 V-9 §2.1: the end of the term is not moved off a holiday (2017-10-01 filing → last day 2027-09-30)', () => {
    expect(expiryOf('utility-model', '2017-10-01')).toBe('2027-09-30');
  });

  it('the design term depends on the filing date, also for a patent folded from an old event (审查指南 V-9 §2.1)', () => {
    const d = an(2019, 3, 1);
    const { state } = patent.given([
      inventoried({ applicationNumber: d, kind: 'design', filingDate: '2019-04-01' }),
    ]);
    expect(state).toMatchObject({ termYears: 10, expiryDate: '2029-03-31' });
  });

  it('years of protection run from the filing date', () => {
    expect(protectionYearOf('2017-07-21', '2017-07-21')).toBe(1);
    expect(protectionYearOf('2017-07-21', '2018-07-20')).toBe(1);
    expect(protectionYearOf('2017-07-21', '2018-07-21')).toBe(2);
    expect(protectionYearOf('2017-07-21', '2020-03-10')).toBe(3);
    expect(protectionYearOf('2016-02-29', '2017-02-28')).toBe(2);
    expect(protectionYearOf('2016-02-29', '2017-02-27')).toBe(1);
    expect(protectionYearOf('2017-07-21', '2017-07-20')).toBe(0);
    expect(protectionYear('2017-07-21', 8)).toEqual({ from: '2024-07-21', to: '2025-07-20' });
  });

  describe('patent-term compensation (专利法 Art. 42 ¶2–3) as an optional fact', () => {
    const granted2022 = { applicationNumber: AN, grantDate: '2022-05-10' };

    it('专利法 Art. 42 ¶2: termAdjustmentDays extend an invention granted from 2021-06-01', () => {
      patent
        .given([])
        .when(inventoryPatent({ ...granted2022, termAdjustmentDays: 300 }))
        .then([inventoried({ ...granted2022, cohort: 'stock', termAdjustmentDays: 300 })]);
      const { state } = patent.given([inventoried({ ...granted2022, termAdjustmentDays: 300 })]);
      expect(state).toMatchObject({ termAdjustmentDays: 300, expiryDate: '2038-05-16' });
    });

    it('专利法 Art. 42 ¶2–3: only inventions are compensated', () => {
      const um = an(2017, 2, 1);
      const e = patent
        .given([])
        .when(
          inventoryPatent({
            applicationNumber: um,
            kind: 'utility-model',
            grantDate: '2022-05-10',
            termAdjustmentDays: 30,
          }),
        )
        .thenThrows('PATENT.TERM_ADJUSTMENT_NOT_APPLICABLE', 'invalid');
      expect(e.field).toBe('termAdjustmentDays');
    });

    it('专利法 Art. 42 ¶2 (2020 amendment, in force 2021-06-01): none for a patent granted before', () => {
      patent
        .given([])
        .when(inventoryPatent({ termAdjustmentDays: 30 }))
        .thenThrows('PATENT.TERM_ADJUSTMENT_NOT_APPLICABLE', 'invalid');
    });

    it.each([-1, 1.5, '30', 3651])('rejects termAdjustmentDays %p', (termAdjustmentDays) => {
      const e = patent
        .given([])
        .when(inventoryPatent({ ...granted2022, termAdjustmentDays }))
        .thenThrows('FIELD.OUT_OF_RANGE', 'invalid');
      expect(e.field).toBe('termAdjustmentDays');
    });
  });

  describe('an expired patent is not 有效专利: no stock, no dealings (domain.md §3)', () => {
    // A utility model filed 2013-07-21: last day of protection 2023-07-20.
    const UM = an(2013, 2, 1);
    const um = (o = {}) =>
      inventoried({
        applicationNumber: UM,
        kind: 'utility-model',
        filingDate: '2013-07-21',
        grantDate: '2014-03-10',
        occurredOn: '2023-03-15',
        ...o,
      });
    const umCommand = {
      applicationNumber: UM,
      kind: 'utility-model',
      filingDate: '2013-07-21',
      grantDate: '2014-03-10',
    };

    it('专利法 Art. 42: an expired patent cannot be inventoried into the stock count', () => {
      const e = patent
        .given([])
        .when(inventoryPatent({ ...umCommand, occurredOn: '2024-03-15' }))
        .thenThrows('PATENT.EXPIRED', 'rule');
      expect(e.field).toBe('occurredOn');
      expect(e.message).toContain('2023-07-20');
    });

    it('专利法 Art. 42: inventory on the last day of protection is still stock', () => {
      patent
        .given([])
        .when(inventoryPatent({ ...umCommand, occurredOn: '2023-07-20' }))
        .then([um({ occurredOn: '2023-07-20' })]);
    });

    it('专利法 Art. 42: an expired patent cannot be tagged into the pool', () => {
      patent
        .given([um()])
        .when(tagIntent({ applicationNumber: UM, occurredOn: '2023-07-21' }))
        .thenThrows('PATENT.EXPIRED', 'rule');
      patent
        .given([um()])
        .when(tagIntent({ applicationNumber: UM, occurredOn: '2023-07-20' }))
        .then([intentTagged({ applicationNumber: UM, occurredOn: '2023-07-20' })]);
    });

    it('专利法 Art. 42: an expired patent cannot be transferred', () => {
      patent
        .given([um()])
        .when(transferPatent({ applicationNumber: UM, contractDate: '2023-07-21' }))
        .thenThrows('PATENT.EXPIRED', 'rule');
    });

    it('专利法 Art. 42: an expired patent cannot be licensed (the contract date is after the last day)', () => {
      const e = patent
        .given([um()])
        .when(
          licensePatent({
            applicationNumber: UM,
            contractDate: '2023-08-01',
            effectiveDate: '2023-01-01',
            endDate: '2023-07-20',
          }),
        )
        .thenThrows('PATENT.EXPIRED', 'rule');
      expect(e.field).toBe('contractDate');
    });

    it('专利法 Art. 42, Art. 50: an expired patent cannot be declared for open licence', () => {
      patent
        .given([um()])
        .when(
          declareOpenLicense({
            applicationNumber: UM,
            occurredOn: '2023-07-21',
            termFrom: '2023-07-21',
            termTo: '2023-07-21',
            evaluationReportRef: 'PJ-1',
          }),
        )
        .thenThrows('PATENT.EXPIRED', 'rule');
    });

    it('专利法 Art. 42: an open licence cannot be taken after the term ended', () => {
      patent
        .given([
          um(),
          openLicensed({
            applicationNumber: UM,
            occurredOn: '2023-01-01',
            termFrom: '2023-01-01',
            termTo: '2023-07-20',
          }),
        ])
        .when(takeOpenLicense({ applicationNumber: UM, notifiedOn: '2023-07-21' }))
        .thenThrows('PATENT.EXPIRED', 'rule');
    });

    it('domain.md §4: facts dated within the term are still accepted after it ended (a recordal, a report)', () => {
      const history = [
        um(),
        licensed({ applicationNumber: UM, effectiveDate: '2023-05-01', endDate: '2023-07-20' }),
      ];
      patent
        .given(history)
        .when(recordLicense({ applicationNumber: UM, recordedOn: '2023-07-20' }))
        .events();
      patent
        .given(history)
        .when(recordLicense({ applicationNumber: UM, recordedOn: '2023-07-21' }))
        .thenThrows('PATENT.EXPIRED', 'rule');
      patent
        .given(history)
        .when(reportTransaction({ applicationNumber: UM, dealId: 'deal-l1', reportedOn: '2023-06-01' }))
        .events();
    });

    it('expiry needs no command: the standing is derived from the dates, for any as-of date', () => {
      const p = patent.given([um()]).state as Patent;
      expect(standingOn(p, '2023-07-20')).toEqual({ status: 'in-force', lastDayOfProtection: '2023-07-20' });
      expect(standingOn(p, '2023-07-21')).toEqual({ status: 'expired', lastDayOfProtection: '2023-07-20' });
    });
  });

  it('a transferred patent’s new owner is bound by the same term (ownership does not extend it)', () => {
    const { state } = patent.given([...inPool(), transferred(), transferRegistered()]);
    expect(standingOn(state as Patent, '2037-07-21').status).toBe('expired');
  });
});
