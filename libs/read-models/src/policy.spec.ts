import {
  assertObligationPolicy,
  assertProgrammePolicy,
  DEFAULT_OBLIGATION_POLICY,
  DEFAULT_PROGRAMME_POLICY,
  policyFromEnv,
} from './policy';

describe('policyFromEnv', () => {
  it('gives the defaults of domain.md when nothing is set', () => {
    expect(policyFromEnv({})).toEqual({
      obligations: {
        transferRegistrationMonths: 3,
        licenseRecordalMonths: 3,
        transactionReportDays: 30,
        densityFiling: { yearsAfter: 1, month: 9, day: 30 },
      },
      programme: { evaluationTargetPercent: 90, programmeStart: '2024-02-29' },
    });
    expect(DEFAULT_OBLIGATION_POLICY.transferRegistrationMonths).toBe(3);
    expect(DEFAULT_PROGRAMME_POLICY.programmeStart).toBe('2024-02-29');
  });

  it('reads every variable', () => {
    expect(
      policyFromEnv({
        LEDGER_TRANSFER_REGISTRATION_MONTHS: '6',
        LEDGER_LICENSE_RECORDAL_MONTHS: '2',
        LEDGER_TRANSACTION_REPORT_DAYS: '15',
        LEDGER_DENSITY_FILING_DUE: '12-31',
        LEDGER_EVALUATION_TARGET_PERCENT: '85.5',
      }),
    ).toEqual({
      obligations: {
        transferRegistrationMonths: 6,
        licenseRecordalMonths: 2,
        transactionReportDays: 15,
        densityFiling: { yearsAfter: 1, month: 12, day: 31 },
      },
      programme: { evaluationTargetPercent: 85.5, programmeStart: '2024-02-29' },
    });
  });

  it('treats blank values as unset and trims values', () => {
    const p = policyFromEnv({
      LEDGER_TRANSFER_REGISTRATION_MONTHS: '  ',
      LEDGER_TRANSACTION_REPORT_DAYS: ' 45 ',
    });
    expect(p.obligations.transferRegistrationMonths).toBe(3);
    expect(p.obligations.transactionReportDays).toBe(45);
  });

  it('accepts 02-29 as a density due day', () => {
    expect(policyFromEnv({ LEDGER_DENSITY_FILING_DUE: '02-29' }).obligations.densityFiling).toEqual({
      yearsAfter: 1,
      month: 2,
      day: 29,
    });
  });

  it.each([
    ['LEDGER_TRANSFER_REGISTRATION_MONTHS', 'three'],
    ['LEDGER_TRANSFER_REGISTRATION_MONTHS', '-1'],
    ['LEDGER_TRANSFER_REGISTRATION_MONTHS', '2.5'],
    ['LEDGER_LICENSE_RECORDAL_MONTHS', '121'],
    ['LEDGER_TRANSACTION_REPORT_DAYS', '1e2'],
    ['LEDGER_TRANSACTION_REPORT_DAYS', '9999'],
    ['LEDGER_DENSITY_FILING_DUE', '9-30'],
    ['LEDGER_DENSITY_FILING_DUE', '09-31'],
    ['LEDGER_DENSITY_FILING_DUE', '13-01'],
    ['LEDGER_DENSITY_FILING_DUE', '2025-09-30'],
    ['LEDGER_EVALUATION_TARGET_PERCENT', '0'],
    ['LEDGER_EVALUATION_TARGET_PERCENT', '101'],
    ['LEDGER_EVALUATION_TARGET_PERCENT', 'ninety'],
  ])('rejects %s=%s with a one-line message naming the variable', (name, value) => {
    let error: unknown;
    try {
      policyFromEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).toContain(JSON.stringify(value));
    expect(message).not.toContain('\n');
  });
});

describe('policy assertions', () => {
  it('accept the defaults', () => {
    expect(() => assertObligationPolicy(DEFAULT_OBLIGATION_POLICY)).not.toThrow();
    expect(() => assertProgrammePolicy(DEFAULT_PROGRAMME_POLICY)).not.toThrow();
  });

  it('reject out-of-range values given in code', () => {
    expect(() => assertObligationPolicy({ ...DEFAULT_OBLIGATION_POLICY, transactionReportDays: -1 })).toThrow(
      /transactionReportDays/,
    );
    expect(() =>
      assertObligationPolicy({
        ...DEFAULT_OBLIGATION_POLICY,
        densityFiling: { yearsAfter: 1, month: 2, day: 30 },
      }),
    ).toThrow(/densityFiling/);
    expect(() => assertProgrammePolicy({ ...DEFAULT_PROGRAMME_POLICY, evaluationTargetPercent: 0 })).toThrow(
      /evaluationTargetPercent/,
    );
  });
});
