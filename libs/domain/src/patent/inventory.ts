/**
 * Inventory (盘点入档): InventoryPatent → PatentInventoried, once per patent.
 *
 * The application number is checked against the dossier (divisional applications, PCT national
 * phase, the 2003 change of numbering); the term of protection follows from kind and filing date
 * (专利法 Art. 42) with any term compensation; an expired patent, or one that lapsed for an unpaid
 * annuity before the inventory, is not stock (not 有效专利) and is refused.
 */
import { checkNumberAgainstFiling, parseApplicationNumber, PATENT_KINDS } from '../application-number';
import { invalid, rule } from '../errors';
import {
  intIn,
  oneOf,
  optionalText,
  requireBoolean,
  requireId,
  requireOrder,
  requirePastDate,
  requireText,
  textList,
} from '../validate';
import { nonPaymentLapse, requirePaidThrough } from './annuity';
import type { InventoryPatent } from './commands';
import { GRADES, IMPLEMENTATION_STATUSES, STOCK_COHORT_END } from './constants';
import {
  HIGH_VALUE_FLAGS,
  type CoOwner,
  type FundingSource,
  type HighValueFlags,
  type PatentDeclaration,
  type PatentEvent,
  type PatentInventoried,
} from './events';
import { isHighValue, type Patent, type PatentState } from './state';
import { AMENDMENT_2020_IN_FORCE, expiryOf, termYearsOf } from './terms';

const IPC_RE = /^[A-H]\d{2}[A-Z](\s*\d{1,4}\/\d{1,6})?$/;
/** A generous bound on term compensation (Art. 42 ¶3 alone allows up to 5 years). */
const MAX_TERM_ADJUSTMENT_DAYS = 3650;

function normalizeIpc(value: unknown): string[] {
  const list = textList(value, 'ipc', { min: 1, max: 50 });
  return list.map((c, i) => {
    const code = c.toUpperCase().replace(/\s+/g, ' ');
    if (!IPC_RE.test(code)) {
      throw invalid(
        'PATENT.INVALID_IPC',
        `ipc[${i}] "${c}" is not an IPC symbol such as "H01M 10/0525"`,
        `ipc[${i}]`,
      );
    }
    return code;
  });
}

function normalizeFlags(value: unknown): HighValueFlags {
  const flags: HighValueFlags = {
    strategicEmergingIndustry: false,
    overseasFamily: false,
    maintainedOver10Years: false,
    pledgeFinancing: false,
    award: false,
  };
  if (value === undefined || value === null) return flags;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('FIELD.INVALID', 'highValueFlags must be an object of booleans', 'highValueFlags');
  }
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (!(HIGH_VALUE_FLAGS as readonly string[]).includes(k)) {
      throw invalid(
        'FIELD.NOT_ALLOWED',
        `highValueFlags.${k} is not a high-value flag (${HIGH_VALUE_FLAGS.join(', ')})`,
        `highValueFlags.${k}`,
      );
    }
    flags[k as keyof HighValueFlags] = requireBoolean(v, `highValueFlags.${k}`);
  }
  return flags;
}

function normalizeFlagsLenient(flags: Partial<HighValueFlags> | undefined): HighValueFlags {
  return {
    strategicEmergingIndustry: flags?.strategicEmergingIndustry === true,
    overseasFamily: flags?.overseasFamily === true,
    maintainedOver10Years: flags?.maintainedOver10Years === true,
    pledgeFinancing: flags?.pledgeFinancing === true,
    award: flags?.award === true,
  };
}

function normalizeCoOwners(value: unknown, coPatentees: string[] | undefined): CoOwner[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw invalid('FIELD.INVALID', 'coOwners must be an array of {id, name}', 'coOwners');
  const owners = value.map((o: unknown, i): CoOwner => {
    const x = (o ?? {}) as { id?: unknown; name?: unknown };
    return { id: requireId(x.id, `coOwners[${i}].id`), name: requireText(x.name, `coOwners[${i}].name`) };
  });
  if (new Set(owners.map((o) => o.id)).size !== owners.length) {
    throw invalid('FIELD.DUPLICATE', 'coOwners lists the same id twice', 'coOwners');
  }
  if (coPatentees !== undefined && coPatentees.length > 0) {
    const names = owners.map((o) => o.name);
    if (names.length !== coPatentees.length || names.some((n, i) => n !== coPatentees[i])) {
      throw invalid(
        'PATENT.CO_OWNERS_MISMATCH',
        'coPatentees must name the same co-owners as coOwners, in the same order (or be left out)',
        'coPatentees',
      );
    }
  }
  return owners;
}

/**
 * The funded project and the patent declaration (专利声明) of a fiscally funded result (科学技术进步法
 * Art. 32; plan §二(四)3): both required when fiscallyFunded is true, optional otherwise.
 */
function normalizeFunding(
  d: InventoryPatent['data'],
  fiscallyFunded: boolean,
  filingDate: string,
  now: string,
): { funding?: FundingSource; declaration?: PatentDeclaration } {
  const absent = (v: unknown) => v === undefined || v === null;
  const object = (v: unknown, field: string): Record<string, unknown> => {
    if (typeof v !== 'object' || Array.isArray(v) || v === null) {
      throw invalid('FIELD.INVALID', `${field} must be an object`, field);
    }
    return v as Record<string, unknown>;
  };
  if (fiscallyFunded && absent(d.funding)) {
    throw invalid(
      'PATENT.FUNDING_REQUIRED',
      'a fiscally funded result needs funding {projectNumber, funder, programme?} (科学技术进步法 Art. 32)',
      'funding',
    );
  }
  if (fiscallyFunded && absent(d.declaration)) {
    throw invalid(
      'PATENT.DECLARATION_REQUIRED',
      'a fiscally funded result needs its patent declaration (专利声明) {declaredOn, statement?}',
      'declaration',
    );
  }
  const out: { funding?: FundingSource; declaration?: PatentDeclaration } = {};
  if (!absent(d.funding)) {
    const f = object(d.funding, 'funding');
    const programme = optionalText(f['programme'], 'funding.programme', 500);
    out.funding = {
      projectNumber: requireText(f['projectNumber'], 'funding.projectNumber', 100),
      funder: requireText(f['funder'], 'funding.funder'),
      ...(programme !== undefined ? { programme } : {}),
    };
  }
  if (!absent(d.declaration)) {
    const x = object(d.declaration, 'declaration');
    // Made with the application, or later for a patent already granted: never before the filing.
    const declaredOn = requirePastDate(x['declaredOn'], 'declaration.declaredOn', now);
    requireOrder(filingDate, 'filingDate', declaredOn, 'declaration.declaredOn');
    const statement = optionalText(x['statement'], 'declaration.statement');
    out.declaration = { declaredOn, ...(statement !== undefined ? { statement } : {}) };
  }
  return out;
}

function termAdjustment(value: unknown, kind: string, grantDate: string): number | undefined {
  if (value === undefined || value === null || value === 0) return undefined;
  const days = intIn(value, 0, MAX_TERM_ADJUSTMENT_DAYS, 'termAdjustmentDays');
  if (kind !== 'invention' || grantDate < AMENDMENT_2020_IN_FORCE) {
    throw invalid(
      'PATENT.TERM_ADJUSTMENT_NOT_APPLICABLE',
      `patent-term compensation (专利法 Art. 42 ¶2–3) exists only for invention patents granted from ${AMENDMENT_2020_IN_FORCE}; this is a ${kind} granted on ${grantDate}`,
      'termAdjustmentDays',
    );
  }
  return days;
}

export function decideInventory(command: InventoryPatent, state: PatentState): PatentEvent[] {
  const now = command.now;
  const d = command.data;
  const number = parseApplicationNumber(d.applicationNumber);
  if (state.status !== 'none') {
    throw rule(
      'PATENT.ALREADY_INVENTORIED',
      `patent ${number.value} is already inventoried`,
      'applicationNumber',
    );
  }
  const kind = oneOf(d.kind, PATENT_KINDS, 'kind');
  if (kind !== number.kind) {
    throw invalid(
      'PATENT.KIND_MISMATCH',
      `application number ${number.value} has type digit ${number.typeDigit} (${number.kind}), but kind is ${kind}`,
      'kind',
    );
  }
  const filingDate = requirePastDate(d.filingDate, 'filingDate', now);
  const grantDate = requirePastDate(d.grantDate, 'grantDate', now);
  requireOrder(filingDate, 'filingDate', grantDate, 'grantDate');
  const parent =
    d.divisionalOf === undefined || d.divisionalOf === null
      ? undefined
      : parseApplicationNumber(d.divisionalOf, 'divisionalOf');
  checkNumberAgainstFiling(number, filingDate, parent);
  const occurredOn = requirePastDate(d.occurredOn, 'occurredOn', now);
  const termAdjustmentDays = termAdjustment(d.termAdjustmentDays, kind, grantDate);
  const expiryDate = expiryOf(kind, filingDate, termAdjustmentDays ?? 0);
  if (occurredOn > expiryDate) {
    throw rule(
      'PATENT.EXPIRED',
      `the patent's term ended on ${expiryDate} (专利法 Art. 42), before the inventory on ${occurredOn}: an expired patent is not stock to inventory`,
      'occurredOn',
    );
  }
  const fiscallyFunded = requireBoolean(d.fiscallyFunded, 'fiscallyFunded');
  const fundingInfo = normalizeFunding(d, fiscallyFunded, filingDate, now);
  const coPatenteesGiven = d.coPatentees === undefined ? undefined : textList(d.coPatentees, 'coPatentees');
  const coOwners = normalizeCoOwners(d.coOwners, coPatenteesGiven);
  const coPatentees = coOwners ? coOwners.map((o) => o.name) : (coPatenteesGiven ?? []);
  let annuitiesPaidThrough: number | undefined;
  if (d.annuitiesPaidThrough !== undefined && d.annuitiesPaidThrough !== null) {
    const draft = {
      filingDate,
      grantDate,
      termYears: termYearsOf(kind, filingDate),
      termAdjustmentDays: termAdjustmentDays ?? 0,
    };
    annuitiesPaidThrough = requirePaidThrough(draft as Patent, d.annuitiesPaidThrough);
    const lapse = nonPaymentLapse(
      { ...draft, annuities: { paidThrough: annuitiesPaidThrough, payments: [] } } as unknown as Patent,
      occurredOn,
    );
    if (lapse) {
      throw rule(
        'PATENT.LAPSED',
        `paid through year ${annuitiesPaidThrough}, the patent lapsed for non-payment: the annuity of year ${lapse.year} was payable until ${lapse.graceEnd}, before the inventory on ${occurredOn}; protection ended on ${lapse.lastDayInForce}`,
        'annuitiesPaidThrough',
      );
    }
  }
  const event: PatentInventoried = {
    type: 'PatentInventoried',
    data: {
      applicationNumber: number.value,
      institutionId: requireId(d.institutionId, 'institutionId'),
      title: requireText(d.title, 'title'),
      kind,
      filingDate,
      grantDate,
      inventors: textList(d.inventors, 'inventors', { min: 1 }),
      coPatentees,
      ipc: normalizeIpc(d.ipc),
      fiscallyFunded,
      implementationStatus: oneOf(d.implementationStatus, IMPLEMENTATION_STATUSES, 'implementationStatus'),
      technologyReadiness: intIn(d.technologyReadiness, 1, 9, 'technologyReadiness'),
      selfAssessedGrade: oneOf(d.selfAssessedGrade, GRADES, 'selfAssessedGrade'),
      applicationScenarios: textList(d.applicationScenarios, 'applicationScenarios'),
      highValueFlags: normalizeFlags(d.highValueFlags),
      cohort: grantDate <= STOCK_COHORT_END ? 'stock' : 'new',
      occurredOn,
      ...(parent ? { divisionalOf: parent.value } : {}),
      ...(termAdjustmentDays !== undefined ? { termAdjustmentDays } : {}),
      ...(annuitiesPaidThrough !== undefined ? { annuitiesPaidThrough } : {}),
      ...(coOwners ? { coOwners } : {}),
      ...fundingInfo,
      ...(d.projectId === undefined || d.projectId === null
        ? {}
        : { projectId: requireId(d.projectId, 'projectId') }),
    },
  };
  return [event];
}

export function evolveInventoried(e: PatentInventoried): Patent {
  const d = e.data;
  const flags = normalizeFlagsLenient(d.highValueFlags);
  const coPatentees = [...(d.coPatentees ?? [])];
  const termAdjustmentDays = d.termAdjustmentDays ?? 0;
  return {
    status: 'active',
    applicationNumber: d.applicationNumber,
    institutionId: d.institutionId,
    title: d.title,
    kind: d.kind,
    filingDate: d.filingDate,
    grantDate: d.grantDate,
    ...(d.divisionalOf !== undefined ? { divisionalOf: d.divisionalOf } : {}),
    termYears: termYearsOf(d.kind, d.filingDate),
    termAdjustmentDays,
    expiryDate: expiryOf(d.kind, d.filingDate, termAdjustmentDays),
    inventors: [...d.inventors],
    coPatentees,
    coOwners: d.coOwners ? d.coOwners.map((o) => ({ ...o })) : coPatentees.map((n) => ({ id: n, name: n })),
    ipc: [...d.ipc],
    fiscallyFunded: d.fiscallyFunded,
    ...(d.funding ? { funding: { ...d.funding } } : {}),
    ...(d.declaration ? { declaration: { ...d.declaration } } : {}),
    implementationStatus: d.implementationStatus,
    technologyReadiness: d.technologyReadiness,
    selfAssessedGrade: d.selfAssessedGrade,
    applicationScenarios: [...(d.applicationScenarios ?? [])],
    highValueFlags: flags,
    highValue: isHighValue(d.kind, flags),
    cohort: d.cohort,
    inventoriedOn: d.occurredOn,
    inPool: false,
    holder: { kind: 'institution', id: d.institutionId },
    evaluations: [],
    evaluationIds: [],
    promotions: [],
    transfers: [],
    licenses: [],
    industrializations: [],
    openLicenses: [],
    reports: [],
    annuities: {
      ...(d.annuitiesPaidThrough !== undefined ? { paidThrough: d.annuitiesPaidThrough } : {}),
      payments: [],
    },
    pledges: [],
    consents: [],
  };
}
