/**
 * A reproducible synthetic province (institutions, stock and new patents, and each patent's lifecycle
 * of commands) for demos, load tests and the obligations ledger. Seeded (mulberry32): the same
 * options give the same output, byte for byte; nothing reads Math.random or the clock.
 *
 * Everything generated passes the domain rules when applied in order: valid application numbers
 * (check digit, filing year, type digit of the kind), patents still in force at `now`, business dates
 * after the inventory and never after `now`, deals only where the decider allows them. Across a data
 * set of at least ten patents every patent command type and every obligation kind occurs, with some
 * fulfilments late and some obligations left overdue: the first ten patents follow fixed scenarios
 * that guarantee it (given the default `now` or a later one), the others draw theirs.
 */
import {
  addDays,
  addMonths,
  addYears,
  annuityDeadlines,
  checkDigit,
  expiryOf,
  lastAnnuityYearOf,
  protectionYearOf,
  termYearsOf,
  todayInChina,
  type Grade,
  type HighValueFlags,
  type ImplementationStatus,
  type InstitutionKind,
  type InventoryPatent,
  type IsoDate,
  type LapseReason,
  type LicenseType,
  type MilestoneGroup,
  type PatentCommand,
  type PatentKind,
  type RegisterInstitution,
} from '@patent-ledger/domain';
import { hashSeed, Rng } from './random';
import {
  ADMIT_REASONS,
  ENTERPRISE_BRANDS,
  ENTERPRISE_FORMS,
  ENTERPRISE_INDUSTRIES,
  GIVEN_NAMES,
  INSTITUTION_SUFFIXES,
  ORGANIZERS,
  PLACES,
  REJECT_REASONS,
  SURNAMES,
  TECH_DOMAINS,
  TECHNIQUES,
  type TechDomain,
} from './words';

/** Default `now` of the generator: the end of 2025 in China. */
export const DEFAULT_GENERATOR_NOW = '2025-12-31T04:00:00Z';
/** Last grant date of the stock cohort (domain.md §4). */
const STOCK_END = '2023-12-31';
/** Registration date of the generated institutions: the day the Shanxi plan was issued. */
const REGISTERED_ON = '2024-02-29';
/** The fixed scenarios (see FORCED_PLANS) come first. */
export const SHOWCASE_PATENTS = 10;

export interface GenerateOptions {
  patents: number;
  institutions: number;
  seed: number | string;
  /** ISO instant; no business date is after its date in China (default 2025-12-31). At least 2024-06-01. */
  now?: string;
  /** Province of the institutions (default 山西). */
  province?: string;
}

export type GeneratedInstitution = RegisterInstitution['data'] & {
  institutionId: string;
  occurredOn: IsoDate;
};

export interface GeneratedEnterprise {
  id: string;
  name: string;
}

export interface GeneratedPatent {
  /** 0-based position in the data set. */
  index: number;
  applicationNumber: string;
  institutionId: string;
  cohort: 'stock' | 'new';
  /** The inventory command (its data is a record of an import file). */
  inventory: InventoryPatent;
  /** The later commands, in business-date order. */
  lifecycle: PatentCommand[];
}

export interface GeneratedProvince {
  seed: number | string;
  now: string;
  province: string;
  institutions: GeneratedInstitution[];
  enterprises: GeneratedEnterprise[];
  patentCount: number;
  /** Stock-cohort patents generated per institution id (≤ its stockPatentCount). */
  stockGenerated: Record<string, number>;
  /** The patents in index order, generated lazily: iterate as often as needed, same output each time. */
  patents(): Generator<GeneratedPatent>;
}

// ---------------------------------------------------------------------------------------------
// dates

const DAY_MS = 86_400_000;
const dayNumber = (d: IsoDate): number => Date.parse(`${d}T00:00:00Z`) / DAY_MS;
const fromDayNumber = (n: number): IsoDate => new Date(n * DAY_MS).toISOString().slice(0, 10);
const minDate = (a: IsoDate, b: IsoDate): IsoDate => (a < b ? a : b);
const maxDate = (a: IsoDate, b: IsoDate): IsoDate => (a > b ? a : b);

function dateBetween(rng: Rng, from: IsoDate, to: IsoDate): IsoDate {
  if (to <= from) return from;
  return fromDayNumber(rng.int(dayNumber(from), dayNumber(to)));
}

// ---------------------------------------------------------------------------------------------
// institutions and enterprises

const FIXED_INSTITUTIONS: readonly { id: string; name: string; group: MilestoneGroup; weight: number }[] = [
  { id: 'tyut', name: '太原理工大学', group: 'tyut', weight: 12 },
  { id: 'sxu', name: '山西大学', group: 'key4', weight: 8 },
  { id: 'nuc', name: '中北大学', group: 'key4', weight: 7 },
  { id: 'tyust', name: '太原科技大学', group: 'key4', weight: 5 },
  { id: 'sxau', name: '山西农业大学', group: 'key4', weight: 5 },
];

interface InstitutionDraft {
  id: string;
  name: string;
  kind: InstitutionKind;
  group: MilestoneGroup;
  weight: number;
  /** Share of its stock patents inventoried (stockPatentCount = generated ÷ coverage). */
  coverage: number;
}

function draftInstitutions(seed: number, count: number): InstitutionDraft[] {
  const rng = new Rng(hashSeed(seed, 'institutions'));
  const fixed = FIXED_INSTITUTIONS.slice(0, count).map<InstitutionDraft>((f, i) => ({
    ...f,
    kind: 'university',
    // The four key universities: three complete, one a little short of 100 %.
    coverage: f.group === 'key4' && i === 4 ? 0.96 : 1,
  }));
  const others: InstitutionDraft[] = [];
  const usedNames = new Set(fixed.map((f) => f.name));
  const usedIds = new Set(fixed.map((f) => f.id));
  const combos = PLACES.length * INSTITUTION_SUFFIXES.length;
  for (let k = 0; others.length < count - fixed.length; k++) {
    const place = rng.pick(PLACES);
    const [suffix, kind] = rng.pick(INSTITUTION_SUFFIXES);
    let name = `${place}${suffix}`;
    if (usedNames.has(name)) {
      if (k < combos * 4) continue;
      name = `${name}${others.length + 1}分院`;
    }
    usedNames.add(name);
    let id = `org-${hashSeed('institution', name).toString(36).padStart(7, '0')}`;
    while (usedIds.has(id)) id = `${id}x`;
    usedIds.add(id);
    others.push({
      id,
      name,
      kind,
      group: 'other',
      weight: 0.3 + rng.float() * rng.float() * 4,
      coverage: 0.35 + rng.float() * 0.65,
    });
  }
  return [...fixed, ...others];
}

function draftEnterprises(seed: number, count: number): GeneratedEnterprise[] {
  const rng = new Rng(hashSeed(seed, 'enterprises'));
  return Array.from({ length: count }, (_, i) => ({
    id: `ent-${String(i + 1).padStart(5, '0')}`,
    name: `${rng.pick(PLACES)}${rng.pick(ENTERPRISE_BRANDS)}${rng.pick(ENTERPRISE_INDUSTRIES)}${rng.pick(ENTERPRISE_FORMS)}`,
  }));
}

// ---------------------------------------------------------------------------------------------
// patent skeletons: the draws that institution stock counts depend on

interface Skeleton {
  rng: Rng;
  institution: number;
  kind: PatentKind;
  typeDigit: string;
  filingDate: IsoDate;
  grantDate: IsoDate;
  cohort: 'stock' | 'new';
}

/** Multiplier coprime with 10^7: serial = (A·i + B) mod 10^7 is unique for i < 10^7. */
const SERIAL_MULTIPLIER = 2_718_281;

interface Context {
  seed: number;
  now: string;
  nowDate: IsoDate;
  nowYear: number;
  institutions: InstitutionDraft[];
  cumulativeWeights: number[];
  enterprises: GeneratedEnterprise[];
  serialOffset: number;
}

function skeleton(ctx: Context, index: number): Skeleton {
  const rng = new Rng(hashSeed(ctx.seed, 'patent', index));
  const total = ctx.cumulativeWeights[ctx.cumulativeWeights.length - 1]!;
  const x = rng.float() * total;
  let institution = ctx.cumulativeWeights.findIndex((w) => x < w);
  if (institution < 0) institution = ctx.cumulativeWeights.length - 1;

  const forced = index < SHOWCASE_PATENTS ? FORCED_PLANS[index] : undefined;
  const kind: PatentKind =
    forced?.kind ??
    rng.weighted({ invention: 70, 'utility-model': 25, design: 5 } as Record<PatentKind, number>);
  const typeDigit =
    kind === 'invention'
      ? rng.chance(0.03)
        ? '8'
        : '1'
      : kind === 'utility-model'
        ? rng.chance(0.01)
          ? '9'
          : '2'
        : '3';

  // Grant years: stock from 2010 (utility models and designs — 10 years of protection when filed
  // before 2021-06-01 — from 2018, so every patent is still in force), the new cohort from 2024 to
  // shortly before now.
  const newUntil = addDays(ctx.nowDate, -45);
  const isNew = !forced && newUntil >= '2024-01-01' && rng.chance(0.15);
  let grantDate: IsoDate;
  if (isNew) {
    grantDate = dateBetween(rng, '2024-01-01', newUntil);
  } else {
    const firstYear = Math.min(2023, ctx.nowYear - (kind === 'invention' ? 15 : 7));
    const year = firstYear + Math.floor((2023 - firstYear + 1) * Math.sqrt(rng.float()));
    grantDate = dateBetween(rng, `${year}-01-01`, minDate(`${year}-12-31`, STOCK_END));
  }
  const lagDays =
    kind === 'invention'
      ? rng.int(365, 1460)
      : kind === 'utility-model'
        ? rng.int(120, 360)
        : rng.int(90, 300);
  const filingDate = addDays(grantDate, -lagDays);
  return {
    rng,
    institution,
    kind,
    typeDigit,
    filingDate,
    grantDate,
    cohort: grantDate <= STOCK_END ? 'stock' : 'new',
  };
}

function applicationNumberOf(ctx: Context, index: number, s: Skeleton): string {
  const serial = (SERIAL_MULTIPLIER * index + ctx.serialOffset) % 10_000_000;
  const digits = `${s.filingDate.slice(0, 4)}${s.typeDigit}${String(serial).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
}

// ---------------------------------------------------------------------------------------------
// lifecycle plans

type Fulfil = 'on-time' | 'late' | 'never';

interface Plan {
  kind?: PatentKind;
  tag: 'none' | 'declined' | 'declined-then-admitted' | 'admitted';
  evaluations: number;
  supersede: boolean;
  promotions: number;
  deal: 'none' | 'transfer' | 'license' | 'open' | 'self';
  licenseType: LicenseType;
  registration: Fulfil;
  recordal: Fulfil;
  report: Fulfil;
  /** A second, ordinary licence (after an ordinary one) and its recordal. */
  secondLicense?: Fulfil;
  industrialize: boolean;
  density: Fulfil;
  industrialReport: Fulfil;
  /** Recordal of each open-licence taking. */
  takers: Fulfil[];
  withdraw: boolean;
  lapse?: LapseReason;
  /** Annuities tracked from the inventory and paid year by year, one of them late (细则 r.98–100). */
  annuities?: boolean;
  /** A first transfer contract to another enterprise, cancelled before the one that goes ahead. */
  cancelFirst?: boolean;
  /** A pledge registered before the deal, its pledgee consenting to the licences, released later. */
  pledge?: boolean;
  /** A co-owner (专利法 Art. 14) who consents to the exclusive licence. */
  coOwned?: boolean;
  /** Short steps between events, so the whole story fits before `now`. */
  compact: boolean;
}

const BASE_PLAN: Plan = {
  tag: 'admitted',
  evaluations: 1,
  supersede: false,
  promotions: 1,
  deal: 'none',
  licenseType: 'ordinary',
  registration: 'on-time',
  recordal: 'on-time',
  report: 'on-time',
  industrialize: false,
  density: 'on-time',
  industrialReport: 'on-time',
  takers: [],
  withdraw: false,
  compact: true,
};

/**
 * The first patents' scenarios: together they hold every patent command, and every obligation kind
 * both fulfilled late and left overdue.
 */
const FORCED_PLANS: readonly Plan[] = [
  // A first transfer contract cancelled; the second registered late, reported; the new owner
  // industrializes, files on time, reports late.
  {
    ...BASE_PLAN,
    deal: 'transfer',
    cancelFirst: true,
    registration: 'late',
    industrialize: true,
    industrialReport: 'late',
  },
  // Transfer never registered nor reported: both overdue.
  { ...BASE_PLAN, deal: 'transfer', registration: 'never', report: 'never' },
  // Co-owned: the co-owner consents to an exclusive licence, recorded late; the licensee
  // industrializes, never files the density product.
  {
    ...BASE_PLAN,
    deal: 'license',
    licenseType: 'exclusive',
    coOwned: true,
    recordal: 'late',
    industrialize: true,
    density: 'never',
  },
  // Pledged: with the pledgee's consent, an ordinary licence reported late and a second one never
  // recorded; the pledge is released afterwards.
  { ...BASE_PLAN, deal: 'license', pledge: true, report: 'late', secondLicense: 'never' },
  // Open licence of an invention: two takers (recorded late, never), then withdrawn.
  { ...BASE_PLAN, deal: 'open', takers: ['late', 'never'], withdraw: true },
  // Open licence of a utility model (needs an evaluation report), one taker recorded on time.
  { ...BASE_PLAN, kind: 'utility-model', deal: 'open', takers: ['on-time'] },
  // Self-implementation filed late as a density product, never reported.
  { ...BASE_PLAN, deal: 'self', density: 'late', industrialReport: 'never' },
  // Declined, then admitted; two evaluations by one enterprise (supersedes); sole licence never
  // recorded; then the patent lapses with the obligation still open.
  {
    ...BASE_PLAN,
    tag: 'declined-then-admitted',
    evaluations: 2,
    supersede: true,
    promotions: 2,
    deal: 'license',
    licenseType: 'sole',
    recordal: 'never',
    lapse: 'non-payment',
  },
  // Declined and abandoned.
  { ...BASE_PLAN, tag: 'declined', evaluations: 0, promotions: 0, lapse: 'abandoned' },
  // A design in the pool: three evaluations, no deal; its annuities paid year by year, one late.
  { ...BASE_PLAN, kind: 'design', evaluations: 3, promotions: 1, annuities: true },
];

function fulfil(rng: Rng, onTime: number, late: number, never: number): Fulfil {
  return rng.weighted({ 'on-time': onTime, late, never } as Record<Fulfil, number>);
}

function randomPlan(rng: Rng, grade: Grade): Plan {
  const tagWeights = grade === 'A' ? [20, 8, 3, 69] : grade === 'B' ? [40, 12, 3, 45] : [60, 15, 2, 23];
  const tag = rng.weighted({
    none: tagWeights[0]!,
    declined: tagWeights[1]!,
    'declined-then-admitted': tagWeights[2]!,
    admitted: tagWeights[3]!,
  } as Record<Plan['tag'], number>);
  const deal = rng.weighted({ none: 50, transfer: 15, license: 18, open: 10, self: 7 } as Record<
    Plan['deal'],
    number
  >);
  const licenseType = rng.weighted({ exclusive: 25, sole: 15, ordinary: 60 } as Record<LicenseType, number>);
  const evaluations = Number(rng.weighted({ '0': 8, '1': 50, '2': 30, '3': 12 }));
  const takerCount = rng.int(0, 3);
  return {
    tag,
    evaluations,
    supersede: evaluations >= 2 && rng.chance(0.1),
    promotions: Number(rng.weighted({ '0': 40, '1': 40, '2': 20 })),
    deal,
    licenseType,
    registration: fulfil(rng, 65, 20, 15),
    recordal: fulfil(rng, 60, 20, 20),
    report: fulfil(rng, 55, 25, 20),
    ...(licenseType === 'ordinary' && rng.chance(0.25) ? { secondLicense: fulfil(rng, 60, 20, 20) } : {}),
    industrialize:
      deal === 'self' ||
      (deal === 'transfer' && rng.chance(0.35)) ||
      (deal === 'license' && rng.chance(0.45)),
    density: fulfil(rng, 50, 20, 30),
    industrialReport: fulfil(rng, 55, 25, 20),
    takers: Array.from({ length: takerCount }, () => fulfil(rng, 60, 20, 20)),
    withdraw: rng.chance(0.25),
    ...(rng.chance(0.03)
      ? {
          lapse: rng.weighted({ 'non-payment': 60, abandoned: 30, invalidated: 10 } as Record<
            LapseReason,
            number
          >),
        }
      : {}),
    compact: false,
  };
}

// ---------------------------------------------------------------------------------------------
// one patent

const money = (rng: Rng, minYuan: number, maxYuan: number): string =>
  `${rng.int(minYuan / 1000, maxYuan / 1000) * 1000}.00`;

function personName(rng: Rng): string {
  return `${rng.pick(SURNAMES)}${rng.pick(GIVEN_NAMES)}`;
}

function titleOf(rng: Rng, kind: PatentKind, d: TechDomain): string {
  if (kind === 'design')
    return `${rng.pick(d.products)}（${rng.pick(['便携式', '壁挂式', '一体式', '组合式', '智能型'])}）`;
  if (kind === 'utility-model') {
    return rng.chance(0.5)
      ? `一种${rng.pick(d.subjects)}用${rng.pick(d.devices)}`
      : `一种${rng.pick(['可调式', '模块化', '便携式', '自动化', '高效'])}${rng.pick(d.devices)}`;
  }
  switch (rng.int(0, 3)) {
    case 0:
      return `一种${rng.pick(d.materials)}${rng.pick(d.materialNouns)}及其制备方法`;
    case 1:
      return `一种基于${rng.pick(TECHNIQUES)}的${rng.pick(d.subjects)}${rng.pick(d.tasks)}方法`;
    case 2:
      return `一种${rng.pick(d.subjects)}${rng.pick(d.devices)}及其控制方法`;
    default:
      return `${rng.pick(d.subjects)}${rng.pick(d.tasks)}系统及方法`;
  }
}

function domainOf(rng: Rng, inst: InstitutionDraft): TechDomain {
  const byName = (n: string) => TECH_DOMAINS.find((d) => d.name === n)!;
  if (inst.kind === 'hospital' || inst.name.endsWith('医学院')) return byName('medicine');
  if (inst.id === 'sxau' || inst.name.includes('农业'))
    return rng.chance(0.7) ? byName('agriculture') : rng.pick(TECH_DOMAINS);
  if (inst.name.includes('煤炭')) return rng.chance(0.7) ? byName('coal') : rng.pick(TECH_DOMAINS);
  return rng.pick(TECH_DOMAINS);
}

/** Builds commands in business-date order; a step that would pass `now` is not taken. */
class Story {
  readonly commands: { date: IsoDate; seq: number; command: PatentCommand }[] = [];
  latest: IsoDate;

  constructor(
    private readonly rng: Rng,
    private readonly nowDate: IsoDate,
    private readonly now: string,
    private readonly applicationNumber: string,
    start: IsoDate,
    private readonly compact: boolean,
  ) {
    this.latest = start;
  }

  /** A date `min`-`max` days after `from` (shorter when compact), or undefined if after now. */
  after(from: IsoDate, min: number, max: number): IsoDate | undefined {
    const hi = this.compact ? Math.max(min, Math.min(max, min + 15)) : max;
    const d = addDays(from, this.rng.int(min, hi));
    return d <= this.nowDate ? d : undefined;
  }

  /** When an obligation due on `due` (opened on `from`) is fulfilled, per the plan, or undefined. */
  fulfilment(how: Fulfil, from: IsoDate, due: IsoDate): IsoDate | undefined {
    if (how === 'never') return undefined;
    let d: IsoDate;
    if (how === 'on-time') {
      const span = Math.max(0, dayNumber(due) - dayNumber(from) - 1);
      d = addDays(from, this.rng.int(Math.min(3, span), this.compact ? Math.min(span, 20) : span));
    } else {
      d = addDays(due, this.compact ? this.rng.int(5, 40) : this.rng.int(5, 150));
    }
    return d <= this.nowDate ? d : undefined;
  }

  add<T extends PatentCommand['type']>(
    date: IsoDate,
    type: T,
    data: Omit<Extract<PatentCommand, { type: T }>['data'], 'applicationNumber'>,
  ): void {
    // Decided on its business date (noon in China), as if entered that day: what the patent's
    // standing was then (an annuity still within its grace period) is what the decider sees.
    const command = {
      type,
      data: { applicationNumber: this.applicationNumber, ...data },
      now: date < this.nowDate ? `${date}T04:00:00.000Z` : this.now,
    } as unknown as PatentCommand;
    this.commands.push({ date, seq: this.commands.length, command });
    if (date > this.latest) this.latest = date;
  }

  sorted(): PatentCommand[] {
    return [...this.commands]
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.seq - b.seq))
      .map((c) => c.command);
  }
}

function generatePatent(ctx: Context, index: number): GeneratedPatent {
  const s = skeleton(ctx, index);
  const { rng } = s;
  const inst = ctx.institutions[s.institution]!;
  const applicationNumber = applicationNumberOf(ctx, index, s);
  const serial = applicationNumber.slice(5, 12);
  const forced = index < SHOWCASE_PATENTS ? FORCED_PLANS[index] : undefined;
  const domain = domainOf(rng, inst);

  // Inventory record.
  const grade = forced ? 'A' : rng.weighted({ A: 20, B: 50, C: 30 } as Record<Grade, number>);
  const inventors = [...new Set(Array.from({ length: rng.int(1, 6) }, () => personName(rng)))];
  const ipc = rng.sample(domain.ipc, rng.int(1, 3));
  const flags: Partial<HighValueFlags> = {};
  if (s.kind === 'invention') {
    if (rng.chance(0.25)) flags.strategicEmergingIndustry = true;
    if (rng.chance(0.05)) flags.overseasFamily = true;
    if (s.filingDate <= addYears(ctx.nowDate, -10) && rng.chance(0.4)) flags.maintainedOver10Years = true;
    if (rng.chance(0.03)) flags.pledgeFinancing = true;
    if (rng.chance(0.02)) flags.award = true;
  }
  let occurredOn: IsoDate;
  if (forced) occurredOn = dateBetween(rng, '2024-03-01', '2024-04-30');
  else if (s.cohort === 'new') occurredOn = maxDate(addDays(s.grantDate, rng.int(10, 60)), '2024-03-01');
  else if (inst.group === 'tyut') occurredOn = dateBetween(rng, '2024-03-01', '2024-03-31');
  else if (inst.group === 'key4') occurredOn = dateBetween(rng, '2024-03-01', '2024-06-30');
  else {
    const w = rng.float();
    occurredOn =
      w < 0.4
        ? dateBetween(rng, '2024-03-01', '2024-06-30')
        : w < 0.9
          ? dateBetween(rng, '2024-07-01', '2024-12-31')
          : dateBetween(rng, '2025-01-01', ctx.nowDate);
  }
  occurredOn = maxDate(minDate(occurredOn, ctx.nowDate), s.grantDate);
  const implementationStatus = rng.weighted({
    'not-implemented': 60,
    implemented: 30,
    industrialized: 10,
  } as Record<ImplementationStatus, number>);
  // A co-owner (专利法 Art. 14), with its id so that it can consent to deals.
  const coOwner = forced?.coOwned || rng.chance(0.1) ? rng.pick(ctx.enterprises) : undefined;
  // Annuities the ledger tracks: the year of protection of the inventory is paid.
  const annuitiesPaidThrough = forced?.annuities ? protectionYearOf(s.filingDate, occurredOn) : undefined;
  const scenarios = rng.sample(domain.scenarios, rng.int(0, 2));
  const inventory: InventoryPatent = {
    type: 'InventoryPatent',
    data: {
      applicationNumber,
      institutionId: inst.id,
      title: titleOf(rng, s.kind, domain),
      kind: s.kind,
      filingDate: s.filingDate,
      grantDate: s.grantDate,
      inventors,
      ...(coOwner ? { coPatentees: [coOwner.name], coOwners: [{ id: coOwner.id, name: coOwner.name }] } : {}),
      ipc,
      fiscallyFunded: rng.chance(0.65),
      implementationStatus,
      technologyReadiness: Math.min(9, Math.max(1, Math.round(2 + rng.float() * 4 + rng.float() * 3))),
      selfAssessedGrade: grade,
      ...(scenarios.length > 0 ? { applicationScenarios: scenarios } : {}),
      ...(Object.keys(flags).length > 0 ? { highValueFlags: flags } : {}),
      occurredOn,
      ...(annuitiesPaidThrough !== undefined ? { annuitiesPaidThrough } : {}),
    },
    now: ctx.now,
  };
  // A fiscally funded result names its project and its patent declaration (科学技术进步法 Art. 32).
  if (inventory.data.fiscallyFunded) {
    inventory.data.funding = {
      projectNumber: `${inst.id}-${s.filingDate.slice(0, 4)}`,
      funder: '科学技术部',
    };
    inventory.data.declaration = { declaredOn: s.filingDate };
  }

  // Lifecycle.
  const plan = forced ?? randomPlan(rng, grade);
  const story = new Story(rng, ctx.nowDate, ctx.now, applicationNumber, occurredOn, plan.compact);
  const expiry = expiryOf(s.kind, s.filingDate);
  const enterprise = () => rng.pick(ctx.enterprises);
  const tagged = tagStory(story, rng, plan);
  if (tagged === 'admitted') {
    const evaluators = poolStory(story, rng, plan, applicationNumber, enterprise, inst.name);
    dealStory(
      story,
      rng,
      plan,
      {
        applicationNumber,
        serial,
        kind: s.kind,
        expiry,
        institutionId: inst.id,
        domain,
        ...(coOwner ? { coOwnerId: coOwner.id } : {}),
      },
      evaluators,
      enterprise,
    );
  }
  if (annuitiesPaidThrough !== undefined) {
    annuityStory(story, rng, s.kind, s.filingDate, annuitiesPaidThrough, occurredOn, ctx.nowDate);
  }
  if (plan.lapse) {
    const on = story.after(story.latest, 30, 400);
    if (on) story.add(on, 'LapsePatent', { reason: plan.lapse, effectiveOn: on });
  }
  return {
    index,
    applicationNumber,
    institutionId: inst.id,
    cohort: s.cohort,
    inventory,
    lifecycle: story.sorted(),
  };
}

/** Screening; returns whether the patent ended up in the pool. */
function tagStory(story: Story, rng: Rng, plan: Plan): 'admitted' | 'declined' | 'none' {
  if (plan.tag === 'none') return 'none';
  let t: IsoDate | undefined = story.after(story.latest, 5, 120);
  if (!t) return 'none';
  const method = () => rng.pick(['inventor-self', 'institution-central'] as const);
  if (plan.tag !== 'admitted') {
    story.add(t, 'TagIntent', {
      modes: rng.chance(0.5) ? [] : ['self-implementation'],
      screening: { method: method(), decision: 'declined', reason: rng.pick(REJECT_REASONS) },
      occurredOn: t,
    });
    if (plan.tag === 'declined') return 'declined';
    t = story.after(t, 30, 240);
    if (!t) return 'declined';
  }
  const modes =
    plan.deal === 'transfer'
      ? (['transfer'] as const)
      : plan.deal === 'license' || plan.deal === 'open'
        ? (['license'] as const)
        : plan.deal === 'self'
          ? (['self-implementation'] as const)
          : rng.pick([['transfer'], ['license'], ['transfer', 'license'], ['self-implementation']] as const);
  story.add(t, 'TagIntent', {
    modes: [...modes],
    screening: { method: method(), decision: 'admitted', reason: rng.pick(ADMIT_REASONS) },
    ...(rng.chance(0.5) ? { askingPrice: money(rng, 50_000, 2_000_000) } : {}),
    occurredOn: t,
  });
  return 'admitted';
}

/** Enterprise evaluations and promotions of a pool patent; returns the evaluating enterprises. */
function poolStory(
  story: Story,
  rng: Rng,
  plan: Plan,
  an: string,
  enterprise: () => GeneratedEnterprise,
  institutionName: string,
): GeneratedEnterprise[] {
  const evaluators: GeneratedEnterprise[] = [];
  let t = story.latest;
  for (let k = 1; k <= plan.evaluations; k++) {
    const next = story.after(t, 5, 90);
    if (!next) break;
    t = next;
    const e = k === 2 && plan.supersede ? evaluators[0]! : enterprise();
    if (!evaluators.includes(e)) evaluators.push(e);
    const notes = rng.chance(0.3)
      ? { notes: rng.pick(['需中试验证工艺', '需降低生产成本', '需适配现有产线']) }
      : {};
    story.add(t, 'EvaluatePatent', {
      evaluationId: `ev-${an}-${k}`,
      enterpriseId: e.id,
      enterpriseName: e.name,
      enterpriseCategory: rng.pick([
        'ip-advantage',
        'specialized-sme',
        'high-tech',
        'state-owned',
        'other',
      ] as const),
      industrializationProspect: rng.int(1, 5),
      improvementNeeds: { level: rng.pick(['none', 'minor', 'major', 'pilot-needed'] as const), ...notes },
      cooperationWillingness: rng.pick([
        'none',
        'watch',
        'interested',
        'license',
        'purchase',
        'joint-rd',
      ] as const),
      occurredOn: t,
    });
  }
  for (let k = 1; k <= plan.promotions; k++) {
    const next = story.after(t, 5, 120);
    if (!next) break;
    t = next;
    story.add(t, 'PromotePatent', {
      promotionId: `pr-${an}-${k}`,
      channel: rng.pick(['online', 'salon', 'roadshow', 'matchmaking', 'expo'] as const),
      tier: rng.chance(0.3) ? 'featured' : 'standard',
      organizer: rng.chance(0.2) ? institutionName : rng.pick(ORGANIZERS),
      occurredOn: t,
    });
  }
  return evaluators;
}

interface PatentFacts {
  applicationNumber: string;
  serial: string;
  kind: PatentKind;
  expiry: IsoDate;
  institutionId: string;
  domain: TechDomain;
  /** The co-owner, who consents to transfers, non-ordinary licences and open licences. */
  coOwnerId?: string;
}

/** The official annuity of a year of protection in yuan (CNIPA fee schedule; before any reduction). */
function annuityFee(kind: PatentKind, year: number): number {
  if (kind === 'invention') {
    return year <= 3
      ? 900
      : year <= 6
        ? 1200
        : year <= 9
          ? 2000
          : year <= 12
            ? 4000
            : year <= 15
              ? 6000
              : 8000;
  }
  return year <= 3 ? 600 : year <= 5 ? 900 : year <= 8 ? 1200 : year <= 10 ? 2000 : 3000;
}

/**
 * Annuities paid year by year from the inventory to now (细则 r.98–100): on time, except the second,
 * paid within its grace period with the surcharge. A year not yet due by now is left for later.
 */
function annuityStory(
  story: Story,
  rng: Rng,
  kind: PatentKind,
  filingDate: IsoDate,
  paidThrough: number,
  from: IsoDate,
  nowDate: IsoDate,
): void {
  const last = lastAnnuityYearOf({ termYears: termYearsOf(kind, filingDate), termAdjustmentDays: 0 });
  for (let year = paidThrough + 1; year <= last; year++) {
    const dl = annuityDeadlines(filingDate, year);
    const late = year === paidThrough + 2;
    const paidOn = maxDate(
      addDays(dl.nominalDue, late ? rng.int(40, 150) : -rng.int(1, 60)),
      addDays(from, 1),
    );
    if (paidOn > nowDate) return;
    story.add(paidOn, 'PayAnnuity', {
      year,
      paidOn,
      amount: `${annuityFee(kind, year)}.00`,
      receiptNumber: `NF-${paidOn.slice(0, 4)}-${rng.int(100000, 999999)}`,
    });
  }
}

function dealStory(
  story: Story,
  rng: Rng,
  plan: Plan,
  p: PatentFacts,
  evaluators: GeneratedEnterprise[],
  enterprise: () => GeneratedEnterprise,
): void {
  const an = p.applicationNumber;
  const counterpart = () => (evaluators.length > 0 && rng.chance(0.6) ? rng.pick(evaluators) : enterprise());
  const other = (not: string) => {
    for (;;) {
      const e = enterprise();
      if (e.id !== not) return e;
    }
  };
  const year = (d: IsoDate) => d.slice(0, 4);
  const report = (
    how: Fulfil,
    from: IsoDate,
    target: { dealId: string } | { industrializationId: string },
  ) => {
    const on = story.fulfilment(how, from, addDays(from, 30));
    if (on) {
      story.add(on, 'ReportTransaction', {
        ...target,
        reportedOn: on,
        platformRef: `CNIPA-TR-${year(on)}-${p.serial.slice(1)}${rng.int(10, 99)}`,
      });
    }
  };
  const recordal = (how: Fulfil, from: IsoDate, dealId: string) => {
    const on = story.fulfilment(how, from, addMonths(from, 3));
    if (on)
      story.add(on, 'RecordLicense', { dealId, recordalNumber: `${year(on)}99${p.serial}`, recordedOn: on });
  };
  const industrialize = (enterpriseId: string, from: IsoDate, until: IsoDate) => {
    const startedOn = story.after(from, 20, 300);
    if (!startedOn || startedOn > until) return;
    const industrializationId = `ind-${an}`;
    story.add(startedOn, 'IndustrializePatent', {
      industrializationId,
      enterpriseId,
      productName: `${p.domain.devices[rng.int(0, p.domain.devices.length - 1)]}产品`,
      startedOn,
    });
    const due = `${Number(year(startedOn)) + 1}-09-30`;
    const filedOn = story.fulfilment(plan.density, startedOn, due);
    if (filedOn) {
      story.add(filedOn, 'FileDensityProduct', {
        industrializationId,
        recordNumber: `MJ-${year(filedOn)}-14-${p.serial.slice(2)}`,
        filedOn,
      });
    }
    report(plan.industrialReport, startedOn, { industrializationId });
  };

  /** The co-owner's written consent to a deal, declaration or pledge, the day it is made. */
  const consent = (on: IsoDate, scope: 'transfer' | 'license' | 'open-license' | 'pledge', ref: string) => {
    if (p.coOwnerId === undefined) return;
    story.add(on, 'RecordConsent', {
      consentId: `co-${ref}`,
      party: 'co-owner',
      partyId: p.coOwnerId,
      scope,
      ref,
      consentedOn: on,
    });
  };

  const start = story.after(story.latest, 10, 120);
  if (!start) return;
  const pledgeId = `pl-${an}`;
  /** With a registered pledge, the pledgee's consent to a licence (民法典 Art. 444 ¶2). */
  const pledgeeConsent = (on: IsoDate, dealId: string) => {
    if (!plan.pledge) return;
    story.add(on, 'RecordConsent', {
      consentId: `pc-${dealId}`,
      party: 'pledgee',
      partyId: pledgeId,
      scope: 'license',
      ref: dealId,
      consentedOn: on,
    });
  };
  if (plan.pledge) {
    consent(start, 'pledge', pledgeId);
    story.add(start, 'RegisterPledge', {
      pledgeId,
      pledgeeId: 'icbc-sx',
      pledgeeName: '中国工商银行山西省分行',
      registrationNumber: `Y${year(start)}99${p.serial}`,
      registeredOn: start,
      securedAmount: money(rng, 500_000, 5_000_000),
    });
  }
  switch (plan.deal) {
    case 'none':
      return;
    case 'transfer': {
      const assignee = counterpart();
      const dealId = `tr-${an}`;
      let contractDate = start;
      if (plan.cancelFirst) {
        // A first contract that falls through: cancelled, so that another can be signed (专利法 Art. 10).
        const first = other(assignee.id);
        const firstId = `tr-${an}-0`;
        consent(start, 'transfer', firstId);
        const amount = money(rng, 30_000, 3_000_000);
        // Every other one is an equity contribution (作价投资) to the company that falls through.
        if (Number(an.replace(/\D/g, '').slice(-2, -1)) % 2 === 0) {
          story.add(start, 'RecordEquityContribution', {
            dealId: firstId,
            companyId: first.id,
            companyName: first.name,
            contractDate: start,
            valuation: amount,
          });
        } else {
          story.add(start, 'TransferPatent', {
            dealId: firstId,
            assigneeId: first.id,
            assigneeName: first.name,
            contractDate: start,
            price: amount,
            pricingMethod: 'agreed',
          });
        }
        const endedOn = story.after(start, 10, 40);
        if (!endedOn) return;
        story.add(endedOn, 'EndDeal', {
          dealId: firstId,
          ending: 'cancelled',
          endedOn,
          reason: '受让方融资未到位，双方协议取消',
        });
        const second = story.after(endedOn, 5, 30);
        if (!second) return;
        contractDate = second;
      }
      consent(contractDate, 'transfer', dealId);
      story.add(contractDate, 'TransferPatent', {
        dealId,
        assigneeId: assignee.id,
        assigneeName: assignee.name,
        contractDate,
        price: money(rng, 30_000, 3_000_000),
        pricingMethod: rng.weighted({ agreed: 80, listing: 15, auction: 5 }),
      });
      const registeredOn = story.fulfilment(plan.registration, contractDate, addMonths(contractDate, 3));
      if (registeredOn) {
        story.add(registeredOn, 'RegisterTransfer', {
          dealId,
          registeredOn,
          noticeNumber: `${year(registeredOn)}-转让登记-${p.serial.slice(1)}`,
        });
      }
      report(plan.report, contractDate, { dealId });
      if (plan.industrialize && registeredOn) industrialize(assignee.id, registeredOn, p.expiry);
      return;
    }
    case 'license': {
      const licensee = counterpart();
      const dealId = `lic-${an}`;
      const endDate = minDate(addYears(start, rng.int(1, 5)), p.expiry);
      if (plan.licenseType !== 'ordinary') consent(start, 'license', dealId);
      pledgeeConsent(start, dealId);
      story.add(start, 'LicensePatent', {
        dealId,
        licenseeId: licensee.id,
        licenseeName: licensee.name,
        type: plan.licenseType,
        contractDate: start,
        effectiveDate: start,
        endDate,
        royalty: money(rng, 10_000, 800_000),
      });
      recordal(plan.recordal, start, dealId);
      report(plan.report, start, { dealId });
      if (plan.secondLicense && plan.licenseType === 'ordinary') {
        const second = story.after(start, 30, 200);
        if (second) {
          const l2 = other(licensee.id);
          const dealId2 = `lic-${an}-2`;
          pledgeeConsent(second, dealId2);
          story.add(second, 'LicensePatent', {
            dealId: dealId2,
            licenseeId: l2.id,
            licenseeName: l2.name,
            type: 'ordinary',
            contractDate: second,
            effectiveDate: second,
            endDate: minDate(addYears(second, rng.int(1, 3)), p.expiry),
            royalty: money(rng, 10_000, 300_000),
          });
          recordal(plan.secondLicense, second, dealId2);
        }
      }
      if (plan.industrialize) industrialize(licensee.id, start, endDate);
      if (plan.pledge) {
        const releasedOn = story.after(story.latest, 30, 200);
        if (releasedOn) story.add(releasedOn, 'ReleasePledge', { pledgeId, releasedOn });
      }
      return;
    }
    case 'open': {
      const declarationId = `ol-${an}`;
      const termFrom = addDays(start, rng.int(0, 30));
      const termTo = minDate(addYears(termFrom, rng.int(2, 5)), p.expiry);
      if (termTo < termFrom) return; // the patent expires too soon
      const royalty = rng.chance(0.5)
        ? { basis: 'lump-sum' as const, amount: money(rng, 5_000, 100_000) }
        : { basis: 'percentage-of-sales' as const, rate: rng.int(1, 8) };
      consent(start, 'open-license', declarationId);
      story.add(start, 'DeclareOpenLicense', {
        declarationId,
        royalty,
        termFrom,
        termTo,
        ...(p.kind !== 'invention' ? { evaluationReportRef: `PJ-${year(start)}-${p.serial}` } : {}),
        occurredOn: start,
      });
      let t = maxDate(start, termFrom);
      const takers = new Set<string>();
      let lastNotified: IsoDate | undefined;
      plan.takers.forEach((how, j) => {
        const notifiedOn = story.after(t, 10, 200);
        if (!notifiedOn || notifiedOn > termTo) return;
        let e = enterprise();
        while (takers.has(e.id)) e = enterprise();
        takers.add(e.id);
        const dealId = `olt-${an}-${j + 1}`;
        // 专利法 Art. 51 ¶1: a lump sum is paid with the written notice; a royalty on sales later.
        story.add(notifiedOn, 'TakeOpenLicense', {
          dealId,
          licenseeId: e.id,
          licenseeName: e.name,
          notifiedOn,
          ...(royalty.basis === 'lump-sum'
            ? { payment: { paidOn: notifiedOn, amount: royalty.amount } }
            : {}),
        });
        recordal(how, notifiedOn, dealId);
        t = notifiedOn;
        lastNotified = notifiedOn;
      });
      if (plan.withdraw) {
        const withdrawnOn = story.after(lastNotified ?? start, 10, 200);
        if (withdrawnOn && withdrawnOn <= termTo)
          story.add(withdrawnOn, 'WithdrawOpenLicense', { withdrawnOn });
      }
      return;
    }
    case 'self':
      industrialize(p.institutionId, start, p.expiry);
      return;
  }
}

// ---------------------------------------------------------------------------------------------

/** Generates a province. Cheap: patents are generated when iterated. */
export function generateProvince(options: GenerateOptions): GeneratedProvince {
  const { patents, institutions } = options;
  if (!Number.isInteger(patents) || patents < 0 || patents > 10_000_000) {
    throw new Error(`patents must be an integer from 0 to 10,000,000, got ${patents}`);
  }
  if (!Number.isInteger(institutions) || institutions < 1 || institutions > 100_000) {
    throw new Error(`institutions must be an integer from 1 to 100,000, got ${institutions}`);
  }
  const now = options.now ?? DEFAULT_GENERATOR_NOW;
  if (Number.isNaN(Date.parse(now))) throw new Error(`now must be an ISO instant, got ${now}`);
  const nowDate = todayInChina(now);
  if (nowDate < '2024-06-01')
    throw new Error(`now must be 2024-06-01 or later (the programme ran from 2024), got ${now}`);
  const province = options.province ?? '山西';
  const seed = hashSeed('patent-ledger-province', options.seed);
  const drafts = draftInstitutions(seed, institutions);
  let acc = 0;
  const ctx: Context = {
    seed,
    now,
    nowDate,
    nowYear: Number(nowDate.slice(0, 4)),
    institutions: drafts,
    cumulativeWeights: drafts.map((d) => (acc += d.weight)),
    enterprises: draftEnterprises(seed, Math.min(5000, Math.max(20, Math.ceil(patents / 8)))),
    serialOffset: hashSeed(seed, 'serial') % 10_000_000,
  };

  // Stock patents per institution, from the skeletons alone.
  const stock = new Array<number>(drafts.length).fill(0);
  for (let i = 0; i < patents; i++) {
    const s = skeleton(ctx, i);
    if (s.cohort === 'stock') stock[s.institution]!++;
  }
  const countRng = new Rng(hashSeed(seed, 'stock-counts'));
  const generatedInstitutions = drafts.map<GeneratedInstitution>((d, i) => {
    const n = stock[i]!;
    return {
      institutionId: d.id,
      name: d.name,
      kind: d.kind,
      province,
      milestoneGroup: d.group,
      // The supervising department (主管部门) follows the kind: universities 教育厅, research institutes
      // 科技厅, hospitals 卫健委.
      department:
        d.kind === 'hospital'
          ? 'health'
          : d.kind === 'research-institute'
            ? 'science-technology'
            : 'education',
      stockPatentCount: n === 0 ? countRng.int(5, 60) : Math.ceil(n / d.coverage),
      occurredOn: REGISTERED_ON,
    };
  });
  return {
    seed: options.seed,
    now,
    province,
    institutions: generatedInstitutions,
    enterprises: ctx.enterprises,
    patentCount: patents,
    stockGenerated: Object.fromEntries(drafts.map((d, i) => [d.id, stock[i]!])),
    *patents() {
      for (let i = 0; i < patents; i++) yield generatePatent(ctx, i);
    },
  };
}
