import {
  addDays,
  addMonths,
  annuityDeadlines,
  CALENDAR_COVERAGE,
  daysInMonth,
  deadlineOf,
  termYearsOf,
  type Deadline,
  type IsoDate,
  type PatentEvent,
} from '@patent-ledger/domain';
import { assertObligationPolicy, type ObligationPolicy } from '../policy';
import { RowInserter } from '../sql';
import { batchProjection, EventApplyError, type ReadModelProjection } from '../sqlite-projection';
import { patentEventOf } from './event-helpers';
import { counterTableDdl, OBLIGATION_COUNTER_TABLE, obligationCounters } from './kpi-counters';

export type ObligationKind =
  | 'transfer-registration'
  | 'license-recordal'
  | 'transaction-report'
  | 'density-filing'
  | 'annuity'
  | 'need-response';
export const OBLIGATION_KINDS: readonly ObligationKind[] = [
  'transfer-registration',
  'license-recordal',
  'transaction-report',
  'density-filing',
  'annuity',
  'need-response',
];

/** Who owes an obligation: the institution, or an enterprise (the patent-intensive product filer, a new holder). */
export type PartyKind = 'institution' | 'enterprise';

/** Writing queued rows failed: the database's failure, reported as such rather than as an event's. */
class FlushFailed {
  constructor(readonly cause: unknown) {}
}

/** `${kind}:${applicationNumber}:${ref}` — ref is the dealId, the industrializationId, or `year-N` for an annuity. */
export const obligationId = (kind: ObligationKind, applicationNumber: string, ref: string): string =>
  `${kind}:${applicationNumber}:${ref}`;

/** 30 Sep (by default) of the year `yearsAfter` after `startedOn`; a 29 Feb due day clamps in common years. */
export function densityFilingDue(startedOn: IsoDate, policy: ObligationPolicy): IsoDate {
  const { yearsAfter, month, day } = policy.densityFiling;
  const year = Number(startedOn.slice(0, 4)) + yearsAfter;
  const d = Math.min(day, daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * The projection version for a policy and the holiday calendar: changing any policy value, or a
 * calendar package covering more years, changes it, which rebuilds the projection (provisional due
 * dates of newly covered years then become final).
 */
export function obligationsVersion(policy: ObligationPolicy): string {
  const { transferRegistrationMonths, licenseRecordalMonths, transactionReportDays, densityFiling } = policy;
  const { yearsAfter, month, day } = densityFiling;
  // Keys in a fixed order, so equal policies built in any order give the same version.
  return `3:${JSON.stringify({
    transferRegistrationMonths,
    licenseRecordalMonths,
    transactionReportDays,
    densityFiling: { yearsAfter, month, day },
    calendar: [CALENDAR_COVERAGE.from, CALENDAR_COVERAGE.to],
  })}`;
}

interface Opening {
  kind: ObligationKind;
  ref: string;
  triggerDate: IsoDate;
  due: Deadline;
  responsible: { kind: PartyKind; id: string } | 'institution' | 'holder';
  counterparty?: string;
  graceEnd?: IsoDate;
}

interface Closing {
  kind: ObligationKind;
  ref: string;
  on: IsoDate;
}

/** What the projection keeps of a patent (obligation_patents). */
interface PatentRow {
  institution: string;
  filingDate: IsoDate | null;
  lastAnnuityYear: number | null;
  holderKind: PartyKind;
  holderId: string;
}

/**
 * The obligations ledger (domain.md §5): one row per obligation, opened by its trigger event and closed
 * by its fulfilling event. Due dates are computed from the trigger's business date under `policy`
 * (CNIPA r.5 month arithmetic) and end on a working day (细则 r.5; 审查指南 V-7 §2.3: a period whose
 * last day is a weekend or public holiday ends on the next working day, per the official calendar);
 * the policy and the calendar's coverage are part of `version`, so a change rebuilds.
 *
 * - Transferred, EquityContributed (作价投资) → transfer-registration (contractDate + N months) and
 *   transaction-report (+ N days), the company as counterparty of a contribution
 * - Licensed → license-recordal (contractDate, the contract's effective date, + N months: 细则 r.15 ¶2)
 *   and transaction-report (+ N days)
 * - OpenLicenseTaken → license-recordal and transaction-report from the day the taker's licence
 *   began (payment, or notification), ref = the taking's dealId
 * - Industrialized → transaction-report (startedOn + N days) and density-filing (30 Sep next year),
 *   ref = industrializationId
 * - PatentInventoried with annuitiesPaidThrough, AnnuityPaid → annuity of the next year (ref
 *   `year-N`), due on the anniversary of the filing date moved to a working day, with its grace end;
 *   AnnuityPaid fulfils it (细则 r.98–100). None after the last year of the term.
 * - TransferRegistered, LicenseRecorded, TransactionReported (dealId or industrializationId) and
 *   DensityProductFiled fulfil the matching obligation.
 * - DealEnded cancels the deal's open obligations on endedOn (status `cancelled`, not overdue for ever).
 * - NeedPosted (stream `need-<id>`) → need-response of the patent's institution, ref = needId, due on
 *   the need's `respondBy` (working days of the plan in force, already on a working day); NeedAnswered
 *   fulfils it, NeedWithdrawn cancels it (plan §二(四)1).
 *
 * Who owes each (responsible party): the institution registers, records and reports (it is the
 * transferor and licensor); the enterprise that industrialized files the patent-intensive product (the
 * institution when it self-implements); the holder pays the annuity — after a registered transfer,
 * the assignee, to whom the open annuity moves.
 *
 * Decisions:
 * - A fulfilment whose obligation has not been opened (no trigger seen) is ignored: it matches no row.
 *   The decider rejects such commands, so it only happens with a hand-made or corrupt log; the audit
 *   projection still shows the event.
 * - The first fulfilment closes an obligation; a second one for the same obligation is ignored (the
 *   decider rejects duplicates). Keeping the first keeps `fulfilled_position` stable, which the
 *   query's snapshot pagination relies on. A fulfilment dated before a cancellation wins over it.
 * - A repeated trigger (same kind, patent and ref) keeps the first row.
 * - `late` = fulfilled_on > due_date, fixed when the fulfilment is applied.
 * - PatentLapsed marks every obligation of the patent `lapsed = 1` with `lapsed_on`; the obligations
 *   stay open and visible (an open obligation of a lapsed patent still counts as open or overdue),
 *   except the annuity of a year from the lapse on, which is no longer owed (cancelled).
 * - A due date in a year the holiday calendar does not cover yet is its nominal day, marked
 *   `due_provisional = 1`.
 * - institution_id is the inventorying institution (PatentInventoried), also after a transfer; it is
 *   NULL if the trigger comes before any inventory (impossible through the decider).
 * - obligation_kpi_counters: the KPIs' counts on time / late / overdue / open / cancelled per
 *   institution and day, kept from the rows each batch changes (kpi-counters.ts `obligationCounters`).
 */
export function obligationsProjection(policy: ObligationPolicy): ReadModelProjection {
  assertObligationPolicy(policy);
  const reportDue = (d: IsoDate): Deadline => deadlineOf(addDays(d, policy.transactionReportDays));
  const months = (d: IsoDate, n: number): Deadline => deadlineOf(addMonths(d, n));

  const annuity = (filingDate: IsoDate, year: number, triggerDate: IsoDate): Opening => {
    const dl = annuityDeadlines(filingDate, year);
    return {
      kind: 'annuity',
      ref: `year-${year}`,
      triggerDate,
      due: dl.due,
      responsible: 'holder',
      graceEnd: dl.graceEnd.date,
    };
  };

  function openings(
    pe: PatentEvent,
    patent: PatentRow | undefined,
  ): { applicationNumber: string; items: Opening[] } | undefined {
    const an = pe.data.applicationNumber;
    switch (pe.type) {
      case 'PatentInventoried': {
        const through = pe.data.annuitiesPaidThrough;
        if (through === undefined) return undefined;
        const last =
          termYearsOf(pe.data.kind, pe.data.filingDate) + Math.floor((pe.data.termAdjustmentDays ?? 0) / 365);
        return through < last
          ? { applicationNumber: an, items: [annuity(pe.data.filingDate, through + 1, pe.data.occurredOn)] }
          : undefined;
      }
      case 'AnnuityPaid': {
        if (!patent?.filingDate || patent.lastAnnuityYear === null || pe.data.year >= patent.lastAnnuityYear)
          return undefined;
        return {
          applicationNumber: an,
          items: [annuity(patent.filingDate, pe.data.year + 1, pe.data.paidOn)],
        };
      }
      case 'Transferred':
      case 'EquityContributed': {
        // An equity contribution (作价投资) is a transfer to the company: the same registration and report.
        const { dealId, contractDate } = pe.data;
        const assigneeId = pe.type === 'Transferred' ? pe.data.assigneeId : pe.data.companyId;
        return {
          applicationNumber: an,
          items: [
            {
              kind: 'transfer-registration',
              ref: dealId,
              triggerDate: contractDate,
              due: months(contractDate, policy.transferRegistrationMonths),
              responsible: 'institution',
              counterparty: assigneeId,
            },
            {
              kind: 'transaction-report',
              ref: dealId,
              triggerDate: contractDate,
              due: reportDue(contractDate),
              responsible: 'institution',
              counterparty: assigneeId,
            },
          ],
        };
      }
      case 'Licensed': {
        const { dealId, licenseeId } = pe.data;
        const contractDate = pe.data.contractDate ?? pe.data.effectiveDate;
        return {
          applicationNumber: an,
          items: [
            {
              kind: 'license-recordal',
              ref: dealId,
              triggerDate: contractDate,
              due: months(contractDate, policy.licenseRecordalMonths),
              responsible: 'institution',
              counterparty: licenseeId,
            },
            {
              kind: 'transaction-report',
              ref: dealId,
              triggerDate: contractDate,
              due: reportDue(contractDate),
              responsible: 'institution',
              counterparty: licenseeId,
            },
          ],
        };
      }
      case 'OpenLicenseTaken': {
        const { dealId, licenseeId } = pe.data;
        const from = pe.data.effectiveDate ?? pe.data.notifiedOn;
        return {
          applicationNumber: an,
          items: [
            {
              kind: 'license-recordal',
              ref: dealId,
              triggerDate: from,
              due: months(from, policy.licenseRecordalMonths),
              responsible: 'institution',
              counterparty: licenseeId,
            },
            {
              kind: 'transaction-report',
              ref: dealId,
              triggerDate: from,
              due: reportDue(from),
              responsible: 'institution',
              counterparty: licenseeId,
            },
          ],
        };
      }
      case 'Industrialized': {
        const { industrializationId, startedOn, enterpriseId } = pe.data;
        const filer: Opening['responsible'] =
          patent?.institution === enterpriseId || pe.data.basis?.kind === 'self-implementation'
            ? 'institution'
            : { kind: 'enterprise', id: enterpriseId };
        return {
          applicationNumber: an,
          items: [
            {
              kind: 'transaction-report',
              ref: industrializationId,
              triggerDate: startedOn,
              due: reportDue(startedOn),
              responsible: 'institution',
              counterparty: enterpriseId,
            },
            {
              kind: 'density-filing',
              ref: industrializationId,
              triggerDate: startedOn,
              due: deadlineOf(densityFilingDue(startedOn, policy)),
              responsible: filer,
              counterparty: enterpriseId,
            },
          ],
        };
      }
      default:
        return undefined;
    }
  }

  function closing(pe: PatentEvent): { applicationNumber: string; item: Closing } | undefined {
    const an = pe.data.applicationNumber;
    switch (pe.type) {
      case 'TransferRegistered':
        return {
          applicationNumber: an,
          item: { kind: 'transfer-registration', ref: pe.data.dealId, on: pe.data.registeredOn },
        };
      case 'LicenseRecorded':
        return {
          applicationNumber: an,
          item: { kind: 'license-recordal', ref: pe.data.dealId, on: pe.data.recordedOn },
        };
      case 'TransactionReported': {
        const ref = pe.data.dealId ?? pe.data.industrializationId;
        return ref === undefined
          ? undefined
          : { applicationNumber: an, item: { kind: 'transaction-report', ref, on: pe.data.reportedOn } };
      }
      case 'DensityProductFiled':
        return {
          applicationNumber: an,
          item: { kind: 'density-filing', ref: pe.data.industrializationId, on: pe.data.filedOn },
        };
      case 'AnnuityPaid':
        return {
          applicationNumber: an,
          item: { kind: 'annuity', ref: `year-${pe.data.year}`, on: pe.data.paidOn },
        };
      default:
        return undefined;
    }
  }

  return batchProjection({
    name: 'obligations',
    version: obligationsVersion(policy),
    tables: ['obligations', 'obligation_patents', 'obligation_kpi_counters'],
    ddl: (t, d) => [
      `CREATE TABLE "${t('obligations')}" (
        id ${d.text} PRIMARY KEY,
        application_number ${d.text} NOT NULL,
        institution_id ${d.text},
        kind ${d.text} NOT NULL,
        ref ${d.text} NOT NULL,
        trigger_type ${d.text} NOT NULL,
        trigger_position ${d.bigint} NOT NULL,
        trigger_date ${d.text} NOT NULL,
        due_date ${d.text} NOT NULL,
        nominal_due ${d.text} NOT NULL,
        due_provisional ${d.int} NOT NULL,
        grace_end ${d.text},
        responsible_kind ${d.text},
        responsible_id ${d.text},
        counterparty_id ${d.text},
        fulfilled_by_type ${d.text},
        fulfilled_on ${d.text},
        fulfilled_position ${d.bigint},
        late ${d.int} NOT NULL DEFAULT 0,
        cancelled_on ${d.text},
        cancelled_position ${d.bigint},
        lapsed ${d.int} NOT NULL DEFAULT 0,
        lapsed_on ${d.text}
      )`,
      // The listing is ordered by (due_date, id); each filter has an index in that order.
      `CREATE INDEX "${t('obligations')}_due" ON "${t('obligations')}" (due_date, id)`,
      `CREATE INDEX "${t('obligations')}_kind" ON "${t('obligations')}" (kind, due_date, id)`,
      `CREATE INDEX "${t('obligations')}_institution" ON "${t('obligations')}" (institution_id, due_date, id)`,
      `CREATE INDEX "${t('obligations')}_patent" ON "${t('obligations')}" (application_number, due_date, id)`,
      `CREATE INDEX "${t('obligations')}_responsible" ON "${t('obligations')}" (responsible_id, due_date, id)`,
      `CREATE TABLE "${t('obligation_patents')}" (
        application_number ${d.text} PRIMARY KEY,
        institution_id ${d.text} NOT NULL,
        filing_date ${d.text} NOT NULL,
        last_annuity_year ${d.int} NOT NULL,
        holder_kind ${d.text} NOT NULL,
        holder_id ${d.text} NOT NULL
      )`,
      // The KPIs' counters of obligation statuses per institution and day (kpi-counters.ts).
      ...counterTableDdl(t, d, OBLIGATION_COUNTER_TABLE),
    ],
    // Inserts (patents, opened obligations) are collected and written together (multi-row statements on PostgreSQL);
    // they are flushed before each update (a fulfilment, an ending, a lapse), which may touch what they open.
    // The patent of an opened obligation is its row as stored before the batch, else the first inventory
    // of the patent earlier in the batch (with the holder as later events of the batch changed it) —
    // what a lookup at that event would see.
    prepareBatch: (t, d) => {
      const patents = new RowInserter(
        d,
        `INSERT INTO "${t('obligation_patents')}" (application_number, institution_id, filing_date, last_annuity_year,
          holder_kind, holder_id)`,
        6,
        'ON CONFLICT DO NOTHING',
      );
      const opened = new RowInserter(
        d,
        `INSERT INTO "${t('obligations')}" (id, application_number, institution_id, kind, ref, trigger_type,
          trigger_position, trigger_date, due_date, nominal_due, due_provisional, grace_end, responsible_kind,
          responsible_id, counterparty_id)`,
        15,
        'ON CONFLICT DO NOTHING',
        [2, 11, 12, 13, 14], // institution_id, grace_end, responsible_kind, responsible_id, counterparty_id
      );
      const patentsOf = (n: number): string =>
        `SELECT application_number, institution_id, filing_date, last_annuity_year, holder_kind, holder_id
         FROM "${t('obligation_patents')}" WHERE application_number IN (${Array.from({ length: n }, () => '?').join(', ')})`;
      const fulfil = `UPDATE "${t('obligations')}"
         SET fulfilled_by_type = @type, fulfilled_on = @on, fulfilled_position = @position,
             late = CASE WHEN @on > due_date THEN 1 ELSE 0 END
         WHERE id = @id AND fulfilled_on IS NULL`;
      const lapse = `UPDATE "${t('obligations')}" SET lapsed = 1, lapsed_on = @on WHERE application_number = @an AND lapsed = 0`;
      // The annuity of a year from the lapse on is no longer owed.
      const lapseAnnuities = `UPDATE "${t('obligations')}" SET cancelled_on = @on, cancelled_position = @position
         WHERE application_number = @an AND kind = 'annuity' AND fulfilled_on IS NULL AND cancelled_on IS NULL
           AND nominal_due >= @on`;
      const cancelDeal = `UPDATE "${t('obligations')}" SET cancelled_on = @on, cancelled_position = @position
         WHERE application_number = @an AND ref = @ref AND cancelled_on IS NULL
           AND kind IN ('transfer-registration', 'license-recordal', 'transaction-report')`;
      // A registered transfer makes the assignee (the registration obligation's counterparty) the holder:
      // it owes the open annuity from then on.
      const assignee = `(SELECT counterparty_id FROM "${t('obligations')}" WHERE id = @deal)`;
      const moveHolder = `UPDATE "${t('obligation_patents')}" SET holder_kind = 'enterprise', holder_id = ${assignee}
         WHERE application_number = @an AND ${assignee} IS NOT NULL`;
      const moveAnnuities = `UPDATE "${t('obligations')}" SET responsible_kind = 'enterprise', responsible_id = ${assignee}
         WHERE application_number = @an AND kind = 'annuity' AND fulfilled_on IS NULL AND cancelled_on IS NULL
           AND ${assignee} IS NOT NULL`;
      const assigneeOf = `SELECT counterparty_id FROM "${t('obligations')}" WHERE id = @deal`;
      const answerNeed = `UPDATE "${t('obligations')}"
         SET fulfilled_by_type = 'NeedAnswered', fulfilled_on = @on, fulfilled_position = @position,
             late = CASE WHEN @on > due_date THEN 1 ELSE 0 END
         WHERE kind = 'need-response' AND ref = @ref AND fulfilled_on IS NULL AND cancelled_on IS NULL`;
      const withdrawNeed = `UPDATE "${t('obligations')}" SET cancelled_on = @on, cancelled_position = @position
         WHERE kind = 'need-response' AND ref = @ref AND fulfilled_on IS NULL AND cancelled_on IS NULL`;

      const counters = obligationCounters(t, d);

      return async (tx, events) => {
        const seen = await counters.before(tx, events);
        const items = events.map((e) => {
          try {
            return { e, pe: patentEventOf(e) };
          } catch (err) {
            throw new EventApplyError(e, err);
          }
        });
        // The patents this batch touches, as stored before it.
        const wanted = new Set<string>();
        for (const { pe } of items)
          if (pe && pe.type !== 'PatentInventoried') wanted.add(pe.data.applicationNumber);
        const stored = new Map<string, PatentRow>();
        const ids = [...wanted];
        for (let at = 0; at < ids.length; at += 256) {
          const chunk = ids.slice(at, at + 256);
          for (const r of await tx.all<{
            application_number: string;
            institution_id: string;
            filing_date: string;
            last_annuity_year: number;
            holder_kind: PartyKind;
            holder_id: string;
          }>(patentsOf(chunk.length), chunk))
            stored.set(r.application_number, {
              institution: r.institution_id,
              filingDate: r.filing_date,
              lastAnnuityYear: Number(r.last_annuity_year),
              holderKind: r.holder_kind,
              holderId: r.holder_id,
            });
        }
        /** Patents first inventoried in this batch, and holders changed by it. */
        const current = new Map<string, PatentRow>();
        const patentOf = (an: string): PatentRow | undefined => current.get(an) ?? stored.get(an);
        let patentRows: unknown[] = [];
        let openRows: unknown[] = [];
        /** Writes the queued rows (checked as they were queued): a failure now is the database's. */
        const flush = async (): Promise<void> => {
          await patents.insert(tx, patentRows);
          await opened.insert(tx, openRows);
          patentRows = [];
          openRows = [];
        };
        /** Flushes before an update; a failure is the database's, not the updating event's. */
        const flushBefore = async (): Promise<void> => {
          try {
            await flush();
          } catch (err) {
            throw new FlushFailed(err);
          }
        };
        for (const { e, pe } of items) {
          if (!pe && e.streamName.startsWith('need-')) {
            try {
              const x = e.data as Record<string, string>;
              if (e.type === 'NeedPosted') {
                const an = String(x['applicationNumber']);
                const due = String(x['respondBy']);
                opened.push(
                  openRows,
                  obligationId('need-response', an, String(x['needId'])),
                  an,
                  String(x['institutionId']),
                  'need-response',
                  String(x['needId']),
                  e.type,
                  e.position,
                  String(x['postedOn']),
                  due,
                  due,
                  0,
                  null,
                  'institution',
                  String(x['institutionId']),
                  String(x['enterpriseId']),
                );
              } else if (e.type === 'NeedAnswered' || e.type === 'NeedWithdrawn') {
                await flushBefore();
                await tx.run(e.type === 'NeedAnswered' ? answerNeed : withdrawNeed, {
                  ref: String(x['needId']),
                  on: String(e.type === 'NeedAnswered' ? x['answeredOn'] : x['withdrawnOn']),
                  position: e.position,
                });
              }
            } catch (err) {
              if (err instanceof FlushFailed) throw err.cause;
              throw new EventApplyError(e, err);
            }
            continue;
          }
          if (!pe) continue;
          try {
            const an = pe.data.applicationNumber;
            if (pe.type === 'PatentInventoried') {
              const d = pe.data;
              const row: PatentRow = {
                institution: d.institutionId,
                filingDate: d.filingDate,
                lastAnnuityYear:
                  termYearsOf(d.kind, d.filingDate) + Math.floor((d.termAdjustmentDays ?? 0) / 365),
                holderKind: 'institution',
                holderId: d.institutionId,
              };
              patents.push(
                patentRows,
                an,
                row.institution,
                row.filingDate,
                row.lastAnnuityYear,
                row.holderKind,
                row.holderId,
              );
              if (!patentOf(an)) current.set(an, row);
            }
            if (pe.type === 'PatentLapsed') {
              await flushBefore();
              await tx.run(lapse, { an, on: pe.data.effectiveOn });
              await tx.run(lapseAnnuities, { an, on: pe.data.effectiveOn, position: e.position });
              continue;
            }
            if (pe.type === 'DealEnded') {
              await flushBefore();
              await tx.run(cancelDeal, {
                an,
                ref: pe.data.dealId,
                on: pe.data.endedOn,
                position: e.position,
              });
              continue;
            }
            const patent = patentOf(an);
            const o = openings(pe, patent);
            if (o) {
              for (const item of o.items) {
                const who =
                  item.responsible === 'institution'
                    ? patent && { kind: 'institution', id: patent.institution }
                    : item.responsible === 'holder'
                      ? patent && { kind: patent.holderKind, id: patent.holderId }
                      : item.responsible;
                opened.push(
                  openRows,
                  obligationId(item.kind, an, item.ref),
                  an,
                  patent?.institution ?? null,
                  item.kind,
                  item.ref,
                  e.type,
                  e.position,
                  item.triggerDate,
                  item.due.date,
                  item.due.nominal,
                  item.due.provisional ? 1 : 0,
                  item.graceEnd ?? null,
                  who?.kind ?? null,
                  who?.id ?? null,
                  item.counterparty ?? null,
                );
              }
            }
            const c = closing(pe);
            if (c) {
              await flushBefore();
              await tx.run(fulfil, {
                id: obligationId(c.item.kind, c.applicationNumber, c.item.ref),
                type: e.type,
                on: c.item.on,
                position: e.position,
              });
            }
            if (pe.type === 'TransferRegistered') {
              const deal = obligationId('transfer-registration', an, pe.data.dealId);
              await tx.run(moveHolder, { an, deal });
              await tx.run(moveAnnuities, { an, deal });
              const r = await tx.get<{ counterparty_id: string | null }>(assigneeOf, { deal });
              if (patent && r?.counterparty_id) {
                current.set(an, { ...patent, holderKind: 'enterprise', holderId: r.counterparty_id });
              }
            }
          } catch (err) {
            if (err instanceof FlushFailed) throw err.cause;
            throw new EventApplyError(e, err);
          }
        }
        await flush();
        await counters.after(tx, seen);
      };
    },
  });
}
