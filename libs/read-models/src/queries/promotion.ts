import {
  quarterBounds,
  type IsoDate,
  type KeyPromotionOutcomeCounts,
  type TechnologyServiceKind,
} from '@patent-ledger/domain';
import type { ReadModelDb } from '../sql';

/** A salon held (plan §二(三)2), as `GET /salons` lists it. */
export interface SalonEntry {
  salonId: string;
  organizerId: string;
  organizerName: string;
  province: string;
  heldOn: IsoDate;
  title: string;
  applicationNumbers: string[];
  enterpriseIds: string[];
  notes?: string;
  recordedAt: string;
  version: number;
}

/** One quarter of `GET /salons/quarters`: was a salon held in it? */
export interface SalonQuarter {
  quarter: 1 | 2 | 3 | 4;
  from: IsoDate;
  to: IsoDate;
  held: boolean;
  /** The quarter's last day has passed (as of the query's date): a quarter not held is then missed. */
  ended: boolean;
  salons: SalonEntry[];
}

export interface KeyPromotionEntry {
  keyPromotionId: string;
  name: string;
  organizerId: string;
  organizerName: string;
  province: string;
  applicationNumbers: string[];
  startedOn: IsoDate;
  description?: string;
  status: 'open' | 'closed';
  closed?: { closedOn: IsoDate; summary: string; counts?: KeyPromotionOutcomeCounts };
  /** The changes of its patents, oldest first (only in `GET /key-promotions/{id}`). */
  changes?: { changedOn: IsoDate; added: string[]; removed: string[]; reason?: string }[];
  version: number;
}

export interface TechnologyServiceEntry {
  serviceId: string;
  applicationNumber: string;
  institutionId: string;
  providerId: string;
  providerName: string;
  kind: TechnologyServiceKind;
  startedOn: IsoDate;
  completedOn: IsoDate;
  outcome: string;
  technologyReadinessAfter?: number;
  version: number;
}

type Row = Record<string, unknown>;
const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const json = <T>(v: unknown): T => JSON.parse(String(v)) as T;
/** Matches a JSON array of strings that holds `value` (application numbers have no quotes or wildcards). */
const holding = (value: string | undefined): string | null =>
  value === undefined ? null : `%${JSON.stringify(value)}%`;

function salonOf(r: Row): SalonEntry {
  const notes = opt(r['notes']);
  return {
    salonId: String(r['salon_id']),
    organizerId: String(r['organizer_id']),
    organizerName: String(r['organizer_name']),
    province: String(r['province']),
    heldOn: String(r['held_on']),
    title: String(r['title']),
    applicationNumbers: json<string[]>(r['application_numbers']),
    enterpriseIds: json<string[]>(r['enterprise_ids']),
    ...(notes !== undefined ? { notes } : {}),
    recordedAt: String(r['recorded_at']),
    version: Number(r['version']),
  };
}

/** `GET /salons`: salons by date held, then id; filters province, organizer, a date range, a patent, an enterprise. */
export async function listSalons(
  db: ReadModelDb,
  q: {
    province?: string;
    organizerId?: string;
    from?: IsoDate;
    to?: IsoDate;
    applicationNumber?: string;
    enterpriseId?: string;
  } = {},
): Promise<SalonEntry[]> {
  const rows = await db.transaction(
    (tx) =>
      tx.all<Row>(
        `SELECT * FROM salons WHERE
             (CAST(@province AS TEXT) IS NULL OR province = @province)
         AND (CAST(@organizer AS TEXT) IS NULL OR organizer_id = @organizer)
         AND (CAST(@from AS TEXT) IS NULL OR held_on >= @from)
         AND (CAST(@to AS TEXT) IS NULL OR held_on <= @to)
         AND (CAST(@an AS TEXT) IS NULL OR application_numbers LIKE @an)
         AND (CAST(@ent AS TEXT) IS NULL OR enterprise_ids LIKE @ent)
         ORDER BY held_on, salon_id`,
        {
          province: q.province ?? null,
          organizer: q.organizerId ?? null,
          from: q.from ?? null,
          to: q.to ?? null,
          an: holding(q.applicationNumber),
          ent: holding(q.enterpriseId),
        },
      ),
    'read',
  );
  return rows.map(salonOf);
}

export async function getSalon(db: ReadModelDb, salonId: string): Promise<SalonEntry | undefined> {
  const r = await db.transaction(
    (tx) => tx.get<Row>(`SELECT * FROM salons WHERE salon_id = @id`, { id: salonId }),
    'read',
  );
  return r ? salonOf(r) : undefined;
}

/**
 * `GET /salons/quarters`: for each quarter of `year`, whether a salon was held in it (每季度组织知识产权
 * 沙龙), with the salons; for a province, an organizer, or both. `ended` tells a quarter that is over
 * as of `asOf` (a quarter not held and ended is missed; one not ended may still be held).
 */
export async function salonQuarters(
  db: ReadModelDb,
  q: { year: number; asOf: IsoDate; province?: string; organizerId?: string },
): Promise<{
  year: number;
  province?: string;
  organizerId?: string;
  asOf: IsoDate;
  quarters: SalonQuarter[];
}> {
  const year = quarterBounds(q.year, 1).from.slice(0, 4);
  const salons = await listSalons(db, {
    ...(q.province !== undefined ? { province: q.province } : {}),
    ...(q.organizerId !== undefined ? { organizerId: q.organizerId } : {}),
    from: `${year}-01-01`,
    to: `${year}-12-31`,
  });
  const quarters = ([1, 2, 3, 4] as const).map((quarter) => {
    const { from, to } = quarterBounds(q.year, quarter);
    const inQuarter = salons.filter((s) => s.heldOn >= from && s.heldOn <= to);
    return { quarter, from, to, held: inQuarter.length > 0, ended: to < q.asOf, salons: inQuarter };
  });
  return {
    year: q.year,
    ...(q.province !== undefined ? { province: q.province } : {}),
    ...(q.organizerId !== undefined ? { organizerId: q.organizerId } : {}),
    asOf: q.asOf,
    quarters,
  };
}

function keyPromotionOf(r: Row): KeyPromotionEntry {
  const closedOn = opt(r['closed_on']);
  const description = opt(r['description']);
  const counts = opt(r['counts']);
  return {
    keyPromotionId: String(r['key_promotion_id']),
    name: String(r['name']),
    organizerId: String(r['organizer_id']),
    organizerName: String(r['organizer_name']),
    province: String(r['province']),
    applicationNumbers: json<string[]>(r['application_numbers']),
    startedOn: String(r['started_on']),
    ...(description !== undefined ? { description } : {}),
    status: String(r['status']) as 'open' | 'closed',
    ...(closedOn !== undefined
      ? {
          closed: {
            closedOn,
            summary: String(r['summary']),
            ...(counts !== undefined ? { counts: json<KeyPromotionOutcomeCounts>(counts) } : {}),
          },
        }
      : {}),
    version: Number(r['version']),
  };
}

/** `GET /key-promotions`: by id; filters status, province and a patent it groups now. */
export async function listKeyPromotions(
  db: ReadModelDb,
  q: { status?: string; province?: string; applicationNumber?: string } = {},
): Promise<KeyPromotionEntry[]> {
  const rows = await db.transaction(
    (tx) =>
      tx.all<Row>(
        `SELECT * FROM key_promotions WHERE
             (CAST(@status AS TEXT) IS NULL OR status = @status)
         AND (CAST(@province AS TEXT) IS NULL OR province = @province)
         AND (CAST(@an AS TEXT) IS NULL OR application_numbers LIKE @an)
         ORDER BY key_promotion_id`,
        { status: q.status ?? null, province: q.province ?? null, an: holding(q.applicationNumber) },
      ),
    'read',
  );
  return rows.map(keyPromotionOf);
}

/** `GET /key-promotions/{id}`: the project with the history of its patents. */
export async function getKeyPromotion(db: ReadModelDb, id: string): Promise<KeyPromotionEntry | undefined> {
  return db.transaction(async (tx) => {
    const r = await tx.get<Row>(`SELECT * FROM key_promotions WHERE key_promotion_id = @id`, { id });
    if (!r) return undefined;
    const changes = await tx.all<Row>(
      `SELECT * FROM key_promotion_changes WHERE key_promotion_id = @id ORDER BY version`,
      { id },
    );
    return {
      ...keyPromotionOf(r),
      changes: changes.map((c) => {
        const reason = opt(c['reason']);
        return {
          changedOn: String(c['changed_on']),
          added: json<string[]>(c['added']),
          removed: json<string[]>(c['removed']),
          ...(reason !== undefined ? { reason } : {}),
        };
      }),
    };
  }, 'read');
}

function serviceOf(r: Row): TechnologyServiceEntry {
  const trl = r['technology_readiness_after'];
  return {
    serviceId: String(r['service_id']),
    applicationNumber: String(r['application_number']),
    institutionId: String(r['institution_id']),
    providerId: String(r['provider_id']),
    providerName: String(r['provider_name']),
    kind: String(r['kind']) as TechnologyServiceKind,
    startedOn: String(r['started_on']),
    completedOn: String(r['completed_on']),
    outcome: String(r['outcome']),
    ...(trl !== null && trl !== undefined ? { technologyReadinessAfter: Number(trl) } : {}),
    version: Number(r['version']),
  };
}

/** `GET /services`: by completion date, then id; filters patent, institution, provider and kind. */
export async function listTechnologyServices(
  db: ReadModelDb,
  q: { applicationNumber?: string; institutionId?: string; providerId?: string; kind?: string } = {},
): Promise<TechnologyServiceEntry[]> {
  const rows = await db.transaction(
    (tx) =>
      tx.all<Row>(
        `SELECT * FROM technology_services WHERE
             (CAST(@an AS TEXT) IS NULL OR application_number = @an)
         AND (CAST(@inst AS TEXT) IS NULL OR institution_id = @inst)
         AND (CAST(@provider AS TEXT) IS NULL OR provider_id = @provider)
         AND (CAST(@kind AS TEXT) IS NULL OR kind = @kind)
         ORDER BY completed_on, service_id`,
        {
          an: q.applicationNumber ?? null,
          inst: q.institutionId ?? null,
          provider: q.providerId ?? null,
          kind: q.kind ?? null,
        },
      ),
    'read',
  );
  return rows.map(serviceOf);
}

export async function getTechnologyService(
  db: ReadModelDb,
  serviceId: string,
): Promise<TechnologyServiceEntry | undefined> {
  const r = await db.transaction(
    (tx) => tx.get<Row>(`SELECT * FROM technology_services WHERE service_id = @id`, { id: serviceId }),
    'read',
  );
  return r ? serviceOf(r) : undefined;
}
