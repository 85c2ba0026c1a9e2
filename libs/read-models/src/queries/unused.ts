/**
 * Fiscally funded patents left unused for years (财政资助科研项目形成的专利 … 无正当理由未实施; 科学技术进步法
 * Art. 32; plan §二(四)3): as of a business date, the granted, fiscally funded patents in force that
 * have not been implemented in `years` years from their grant.
 *
 * Unused on `asOf` means all of:
 * - fiscally funded, and inventoried as `not-implemented`;
 * - granted on or before asOf − years (exactly `years` years after the grant counts);
 * - in force on asOf: no lapse recorded on or before it, asOf not after the last day of protection;
 * - no implementation dated on or before asOf: no transfer or equity contribution contract, no licence
 *   (contract or open-licence taking) and no industrialization (self-implementation included), a
 *   cancelled contract aside (it never took effect).
 *
 * Read from the resource pool's `pool_state` (every inventoried patent's folded state), so it follows
 * that projection's checkpoint.
 */
import { addYears, isIsoDate, type IsoDate, type Patent } from '@patent-ledger/domain';
import { QueryError } from '../cursor';
import type { ReadModelDb } from '../sql';

export interface UnusedPatentsRequest {
  asOf: IsoDate;
  /** Years from the grant without implementation (≥ 1). */
  years: number;
  institutionId?: string;
}

export interface UnusedPatent {
  applicationNumber: string;
  institutionId: string;
  title: string;
  kind: Patent['kind'];
  grantDate: IsoDate;
  /** The day the patent had gone `years` years from its grant without implementation. */
  unusedSince: IsoDate;
  expiryDate: IsoDate;
  funding?: Patent['funding'];
}

export interface UnusedPatentsReport {
  asOf: IsoDate;
  years: number;
  /** Granted on or before this date. */
  grantedOnOrBefore: IsoDate;
  institutionId?: string;
  total: number;
  items: UnusedPatent[];
}

/** Whether the patent was implemented on or before `asOf` (a deal or industrialization dated by then). */
export function implementedBy(p: Patent, asOf: IsoDate): boolean {
  if (p.implementationStatus !== 'not-implemented') return true;
  const live = (d: { ended?: { ending: string } }) => d.ended?.ending !== 'cancelled';
  return (
    p.transfers.some((t) => live(t) && t.contractDate <= asOf) ||
    p.licenses.some((l) => live(l) && (l.contractDate ?? l.effectiveDate) <= asOf) ||
    p.industrializations.some((i) => i.startedOn <= asOf)
  );
}

/** The patent is on the unused list as of `asOf` after `years` years, or not (see the module comment). */
export function unusedOn(p: Patent, asOf: IsoDate, years: number): boolean {
  if (!p.fiscallyFunded) return false;
  if (addYears(p.grantDate, years) > asOf) return false;
  if (p.lapse && p.lapse.effectiveOn <= asOf) return false;
  if (asOf > p.expiryDate) return false;
  return !implementedBy(p, asOf);
}

export async function queryUnusedPatents(
  db: ReadModelDb,
  req: UnusedPatentsRequest,
): Promise<UnusedPatentsReport> {
  if (!isIsoDate(req.asOf)) {
    throw new QueryError(
      'QUERY.INVALID_PARAMETER',
      `asOf must be an ISO date YYYY-MM-DD, got ${JSON.stringify(req.asOf)}`,
      'asOf',
    );
  }
  if (!Number.isInteger(req.years) || req.years < 1 || req.years > 50) {
    throw new QueryError(
      'QUERY.INVALID_PARAMETER',
      `years must be a whole number of years from 1 to 50, got ${JSON.stringify(req.years)}`,
      'years',
    );
  }
  const rows = await db.transaction(
    (tx) =>
      tx.all<{ application_number: string; state: string }>(
        'SELECT application_number, state FROM pool_state ORDER BY application_number',
      ),
    'read',
  );
  const items: UnusedPatent[] = [];
  for (const r of rows) {
    const p = JSON.parse(r.state) as Patent;
    if (req.institutionId !== undefined && p.institutionId !== req.institutionId) continue;
    if (!unusedOn(p, req.asOf, req.years)) continue;
    items.push({
      applicationNumber: p.applicationNumber,
      institutionId: p.institutionId,
      title: p.title,
      kind: p.kind,
      grantDate: p.grantDate,
      unusedSince: addYears(p.grantDate, req.years),
      expiryDate: p.expiryDate,
      ...(p.funding ? { funding: p.funding } : {}),
    });
  }
  return {
    asOf: req.asOf,
    years: req.years,
    grantedOnOrBefore: addYears(req.asOf, -req.years),
    ...(req.institutionId !== undefined ? { institutionId: req.institutionId } : {}),
    total: items.length,
    items,
  };
}
