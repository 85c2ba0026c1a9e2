import type { EnterpriseCategory, EnterpriseContact } from '@patent-ledger/domain';
import type { ReadModelDb } from '../sql';

export interface EnterpriseEntry {
  enterpriseId: string;
  name: string;
  category: EnterpriseCategory;
  region: string;
  /** Left out unless the caller may see it (the api decides). */
  contact?: EnterpriseContact;
  registeredOn: string;
  updatedOn: string;
}

export interface ExpertEntry {
  expertId: string;
  name: string;
  fields: string[];
  organisation: string;
  title?: string;
  recommendedBy: string;
  recommendedOn: string;
  updatedOn: string;
}

/** The enterprise registry, by id; filters: category, region (a code prefix: 14 = 山西, 1401 = 太原). */
export async function listEnterprises(
  db: ReadModelDb,
  q: { category?: string; region?: string } = {},
): Promise<EnterpriseEntry[]> {
  const rows = await db.transaction(
    (tx) =>
      tx.all<{
        enterprise_id: string;
        name: string;
        category: EnterpriseCategory;
        region: string;
        contact: string;
        registered_on: string;
        updated_on: string;
      }>(
        `SELECT enterprise_id, name, category, region, contact, registered_on, updated_on FROM registry_enterprises
         WHERE (CAST(@category AS TEXT) IS NULL OR category = @category)
           AND (CAST(@region AS TEXT) IS NULL OR substr(region, 1, length(@region)) = @region)
         ORDER BY enterprise_id`,
        { category: q.category ?? null, region: q.region ?? null },
      ),
    'read',
  );
  return rows.map((r) => ({
    enterpriseId: r.enterprise_id,
    name: r.name,
    category: r.category,
    region: r.region,
    contact: JSON.parse(r.contact) as EnterpriseContact,
    registeredOn: r.registered_on,
    updatedOn: r.updated_on,
  }));
}

/** The expert pool, by id; `field`: experts listing that field. */
export async function listExperts(db: ReadModelDb, q: { field?: string } = {}): Promise<ExpertEntry[]> {
  const rows = await db.transaction(
    (tx) =>
      tx.all<{
        expert_id: string;
        name: string;
        fields: string;
        organisation: string;
        title: string | null;
        recommended_by: string;
        recommended_on: string;
        updated_on: string;
      }>(
        `SELECT expert_id, name, fields, organisation, title, recommended_by, recommended_on, updated_on
         FROM registry_experts ORDER BY expert_id`,
      ),
    'read',
  );
  return rows
    .map((r) => ({
      expertId: r.expert_id,
      name: r.name,
      fields: JSON.parse(r.fields) as string[],
      organisation: r.organisation,
      ...(r.title !== null ? { title: r.title } : {}),
      recommendedBy: r.recommended_by,
      recommendedOn: r.recommended_on,
      updatedOn: r.updated_on,
    }))
    .filter((e) => q.field === undefined || e.fields.includes(q.field));
}
