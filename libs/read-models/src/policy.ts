import { daysInMonth, isIsoDate, type IsoDate } from '@patent-ledger/domain';

/**
 * Deadlines of the obligations ledger (domain.md §5). Every value is *configurable*; the defaults are
 * those of the contract. The obligations projection encodes its policy in its version, so changing a
 * value rebuilds the projection with the new due dates.
 */
export interface ObligationPolicy {
  /** transfer-registration: contractDate + N months (CNIPA r.5 month arithmetic). Default 3. */
  transferRegistrationMonths: number;
  /** license-recordal: effectiveDate (notifiedOn) + N months. Default 3. */
  licenseRecordalMonths: number;
  /** transaction-report: trigger date + N days. Default 30. */
  transactionReportDays: number;
  /**
   * density-product-filing: `month`/`day` of the year `yearsAfter` years after startedOn (30 Sep of
   * the next year by default). A 29 Feb due day becomes 28 Feb in a common year.
   */
  densityFiling: { yearsAfter: number; month: number; day: number };
}

export const DEFAULT_OBLIGATION_POLICY: ObligationPolicy = {
  transferRegistrationMonths: 3,
  licenseRecordalMonths: 3,
  transactionReportDays: 30,
  densityFiling: { yearsAfter: 1, month: 9, day: 30 },
};

/** Programme-level policy of the milestones (domain.md §6). */
export interface ProgrammePolicy {
  /** evaluation-basic: share of pool patents with ≥ 1 enterprise evaluation ("基本完成"). Default 90. */
  evaluationTargetPercent: number;
  /** Start of the programme (the Shanxi plan, 2024-02-29): the origin of the on-track pro-rating. */
  programmeStart: IsoDate;
}

export const DEFAULT_PROGRAMME_POLICY: ProgrammePolicy = {
  evaluationTargetPercent: 90,
  programmeStart: '2024-02-29',
};

export interface LedgerPolicy {
  obligations: ObligationPolicy;
  programme: ProgrammePolicy;
}

/** The environment variables `policyFromEnv` reads. */
export const POLICY_ENV_VARS = [
  'LEDGER_TRANSFER_REGISTRATION_MONTHS',
  'LEDGER_LICENSE_RECORDAL_MONTHS',
  'LEDGER_TRANSACTION_REPORT_DAYS',
  'LEDGER_DENSITY_FILING_DUE',
  'LEDGER_EVALUATION_TARGET_PERCENT',
] as const;

const MAX_MONTHS = 120;
const MAX_DAYS = 3650;

/** The value of a variable, or undefined when it is unset or blank. */
function read(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function wholeNumber(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  max: number,
  unit: string,
  fallback: number,
): number {
  const v = read(env, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) > max) {
    throw new Error(`${name} must be a whole number of ${unit} from 0 to ${max}, got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

/** `MM-DD`, any day that exists in a leap year (02-29 included). */
function monthDay(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: { month: number; day: number },
): { month: number; day: number } {
  const v = read(env, name);
  if (v === undefined) return fallback;
  const m = /^(\d{2})-(\d{2})$/.exec(v);
  const month = Number(m?.[1]);
  const day = Number(m?.[2]);
  if (!m || month < 1 || month > 12 || day < 1 || day > daysInMonth(2024, month)) {
    throw new Error(`${name} must be a calendar day as MM-DD (e.g. 09-30), got ${JSON.stringify(v)}`);
  }
  return { month, day };
}

function percent(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const v = read(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n > 0 && n <= 100)) {
    throw new Error(`${name} must be a percentage greater than 0 and at most 100, got ${JSON.stringify(v)}`);
  }
  return n;
}

/**
 * The policies, from environment variables over the defaults. Unset or blank variables keep the
 * default. Throws an Error with a one-line message naming the variable on a bad value.
 *
 * - LEDGER_TRANSFER_REGISTRATION_MONTHS, LEDGER_LICENSE_RECORDAL_MONTHS: whole months, 0–120
 * - LEDGER_TRANSACTION_REPORT_DAYS: whole days, 0–3650
 * - LEDGER_DENSITY_FILING_DUE: `MM-DD` of the year after startedOn (years-after is fixed at 1)
 * - LEDGER_EVALUATION_TARGET_PERCENT: a number in (0, 100]
 */
export function policyFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LedgerPolicy {
  const d = DEFAULT_OBLIGATION_POLICY;
  const density = monthDay(env, 'LEDGER_DENSITY_FILING_DUE', d.densityFiling);
  return {
    obligations: {
      transferRegistrationMonths: wholeNumber(
        env,
        'LEDGER_TRANSFER_REGISTRATION_MONTHS',
        MAX_MONTHS,
        'months',
        d.transferRegistrationMonths,
      ),
      licenseRecordalMonths: wholeNumber(
        env,
        'LEDGER_LICENSE_RECORDAL_MONTHS',
        MAX_MONTHS,
        'months',
        d.licenseRecordalMonths,
      ),
      transactionReportDays: wholeNumber(
        env,
        'LEDGER_TRANSACTION_REPORT_DAYS',
        MAX_DAYS,
        'days',
        d.transactionReportDays,
      ),
      densityFiling: { yearsAfter: 1, month: density.month, day: density.day },
    },
    programme: {
      evaluationTargetPercent: percent(
        env,
        'LEDGER_EVALUATION_TARGET_PERCENT',
        DEFAULT_PROGRAMME_POLICY.evaluationTargetPercent,
      ),
      programmeStart: DEFAULT_PROGRAMME_POLICY.programmeStart,
    },
  };
}

/** Throws when a policy given in code is out of range (the same bounds as the environment). */
export function assertObligationPolicy(p: ObligationPolicy): void {
  const whole = (v: number, max: number, what: string): void => {
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw new Error(`obligation policy: ${what} must be an integer from 0 to ${max}, got ${v}`);
  };
  whole(p.transferRegistrationMonths, MAX_MONTHS, 'transferRegistrationMonths');
  whole(p.licenseRecordalMonths, MAX_MONTHS, 'licenseRecordalMonths');
  whole(p.transactionReportDays, MAX_DAYS, 'transactionReportDays');
  whole(p.densityFiling.yearsAfter, 100, 'densityFiling.yearsAfter');
  const { month, day } = p.densityFiling;
  if (
    !Number.isInteger(month) ||
    month < 1 ||
    month > 12 ||
    !Number.isInteger(day) ||
    day < 1 ||
    day > daysInMonth(2024, month)
  ) {
    throw new Error(`obligation policy: densityFiling ${month}-${day} is not a calendar day`);
  }
}

/** Throws when a programme policy given in code is out of range. */
export function assertProgrammePolicy(p: ProgrammePolicy): void {
  if (!(p.evaluationTargetPercent > 0 && p.evaluationTargetPercent <= 100)) {
    throw new Error(
      `programme policy: evaluationTargetPercent must be in (0, 100], got ${p.evaluationTargetPercent}`,
    );
  }
  if (!isIsoDate(p.programmeStart))
    throw new Error(`programme policy: programmeStart is not an ISO date: ${p.programmeStart}`);
}
