import { addDays, addMonths, daysInMonth, type IsoDate, type PatentEvent } from '@patent-ledger/domain';
import { assertObligationPolicy, type ObligationPolicy } from '../policy';
import { RowInserter } from '../sql';
import { batchProjection, EventApplyError, type ReadModelProjection } from '../sqlite-projection';
import { patentEventOf } from './event-helpers';

export type ObligationKind =
  'transfer-registration' | 'license-recordal' | 'transaction-report' | 'density-filing';
export const OBLIGATION_KINDS: readonly ObligationKind[] = [
  'transfer-registration',
  'license-recordal',
  'transaction-report',
  'density-filing',
];

/** Writing queued rows failed: the database's failure, reported as such rather than as an event's. */
class FlushFailed {
  constructor(readonly cause: unknown) {}
}

/** `${kind}:${applicationNumber}:${ref}` — ref is the dealId or the industrializationId. */
export const obligationId = (kind: ObligationKind, applicationNumber: string, ref: string): string =>
  `${kind}:${applicationNumber}:${ref}`;

/** 30 Sep (by default) of the year `yearsAfter` after `startedOn`; a 29 Feb due day clamps in common years. */
export function densityFilingDue(startedOn: IsoDate, policy: ObligationPolicy): IsoDate {
  const { yearsAfter, month, day } = policy.densityFiling;
  const year = Number(startedOn.slice(0, 4)) + yearsAfter;
  const d = Math.min(day, daysInMonth(year, month));
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The projection version for a policy: changing any policy value changes it, which rebuilds the projection. */
export function obligationsVersion(policy: ObligationPolicy): string {
  const { transferRegistrationMonths, licenseRecordalMonths, transactionReportDays, densityFiling } = policy;
  const { yearsAfter, month, day } = densityFiling;
  // Keys in a fixed order, so equal policies built in any order give the same version.
  return `1:${JSON.stringify({
    transferRegistrationMonths,
    licenseRecordalMonths,
    transactionReportDays,
    densityFiling: { yearsAfter, month, day },
  })}`;
}

interface Opening {
  kind: ObligationKind;
  ref: string;
  triggerDate: IsoDate;
  dueDate: IsoDate;
}

interface Closing {
  kind: ObligationKind;
  ref: string;
  on: IsoDate;
}

/**
 * The obligations ledger (domain.md §5): one row per obligation, opened by its trigger event and closed
 * by its fulfilling event. Due dates are computed from the trigger's business date under `policy`
 * (CNIPA r.5 month arithmetic), and the policy is part of `version`, so a policy change rebuilds.
 *
 * - Transferred → transfer-registration (contractDate + N months) and transaction-report (+ N days)
 * - Licensed → license-recordal (effectiveDate + N months) and transaction-report (+ N days)
 * - OpenLicenseTaken → license-recordal (notifiedOn + N months), ref = the taking's dealId
 * - Industrialized → transaction-report (startedOn + N days) and density-filing (30 Sep next year),
 *   ref = industrializationId
 * - TransferRegistered, LicenseRecorded, TransactionReported (dealId or industrializationId) and
 *   DensityProductFiled fulfil the matching obligation.
 *
 * Decisions:
 * - A fulfilment whose obligation has not been opened (no trigger seen) is ignored: it matches no row.
 *   The decider rejects such commands, so it only happens with a hand-made or corrupt log; the audit
 *   projection still shows the event.
 * - The first fulfilment closes an obligation; a second one for the same obligation is ignored (the
 *   decider rejects duplicates). Keeping the first keeps `fulfilled_position` stable, which the
 *   query's snapshot pagination relies on.
 * - A repeated trigger (same kind, patent and ref) keeps the first row.
 * - `late` = fulfilled_on > due_date, fixed when the fulfilment is applied.
 * - PatentLapsed marks every obligation of the patent `lapsed = 1` with `lapsed_on`; the obligations
 *   stay open and visible (an open obligation of a lapsed patent still counts as open or overdue).
 * - institution_id is the inventorying institution (PatentInventoried), also after a transfer; it is
 *   NULL if the trigger comes before any inventory (impossible through the decider).
 */
export function obligationsProjection(policy: ObligationPolicy): ReadModelProjection {
  assertObligationPolicy(policy);
  const reportDue = (d: IsoDate): IsoDate => addDays(d, policy.transactionReportDays);

  function openings(pe: PatentEvent): { applicationNumber: string; items: Opening[] } | undefined {
    const an = pe.data.applicationNumber;
    switch (pe.type) {
      case 'Transferred': {
        const { dealId, contractDate } = pe.data;
        return {
          applicationNumber: an,
          items: [
            {
              kind: 'transfer-registration',
              ref: dealId,
              triggerDate: contractDate,
              dueDate: addMonths(contractDate, policy.transferRegistrationMonths),
            },
            {
              kind: 'transaction-report',
              ref: dealId,
              triggerDate: contractDate,
              dueDate: reportDue(contractDate),
            },
          ],
        };
      }
      case 'Licensed': {
        const { dealId, effectiveDate } = pe.data;
        return {
          applicationNumber: an,
          items: [
            {
              kind: 'license-recordal',
              ref: dealId,
              triggerDate: effectiveDate,
              dueDate: addMonths(effectiveDate, policy.licenseRecordalMonths),
            },
            {
              kind: 'transaction-report',
              ref: dealId,
              triggerDate: effectiveDate,
              dueDate: reportDue(effectiveDate),
            },
          ],
        };
      }
      case 'OpenLicenseTaken': {
        const { dealId, notifiedOn } = pe.data;
        return {
          applicationNumber: an,
          items: [
            {
              kind: 'license-recordal',
              ref: dealId,
              triggerDate: notifiedOn,
              dueDate: addMonths(notifiedOn, policy.licenseRecordalMonths),
            },
          ],
        };
      }
      case 'Industrialized': {
        const { industrializationId, startedOn } = pe.data;
        return {
          applicationNumber: an,
          items: [
            {
              kind: 'transaction-report',
              ref: industrializationId,
              triggerDate: startedOn,
              dueDate: reportDue(startedOn),
            },
            {
              kind: 'density-filing',
              ref: industrializationId,
              triggerDate: startedOn,
              dueDate: densityFilingDue(startedOn, policy),
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
      default:
        return undefined;
    }
  }

  return batchProjection({
    name: 'obligations',
    version: obligationsVersion(policy),
    tables: ['obligations', 'obligation_patents'],
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
        fulfilled_by_type ${d.text},
        fulfilled_on ${d.text},
        fulfilled_position ${d.bigint},
        late ${d.int} NOT NULL DEFAULT 0,
        lapsed ${d.int} NOT NULL DEFAULT 0,
        lapsed_on ${d.text}
      )`,
      // The listing is ordered by (due_date, id); each filter has an index in that order.
      `CREATE INDEX "${t('obligations')}_due" ON "${t('obligations')}" (due_date, id)`,
      `CREATE INDEX "${t('obligations')}_kind" ON "${t('obligations')}" (kind, due_date, id)`,
      `CREATE INDEX "${t('obligations')}_institution" ON "${t('obligations')}" (institution_id, due_date, id)`,
      `CREATE INDEX "${t('obligations')}_patent" ON "${t('obligations')}" (application_number, due_date, id)`,
      `CREATE TABLE "${t('obligation_patents')}" (
        application_number ${d.text} PRIMARY KEY,
        institution_id ${d.text} NOT NULL
      )`,
    ],
    // Inserts (patents, opened obligations) are collected and written together (multi-row statements on PostgreSQL);
    // they are flushed before each update (a fulfilment or a lapse), which may touch what they open.
    // The institution of an opened obligation is the patent's row as stored before the batch, else
    // the first inventory of the patent earlier in the batch — what a lookup at that event would see.
    prepareBatch: (t, d) => {
      const patents = new RowInserter(
        d,
        `INSERT INTO "${t('obligation_patents')}" (application_number, institution_id)`,
        2,
        'ON CONFLICT DO NOTHING',
      );
      const opened = new RowInserter(
        d,
        `INSERT INTO "${t('obligations')}" (id, application_number, institution_id, kind, ref, trigger_type,
          trigger_position, trigger_date, due_date)`,
        9,
        'ON CONFLICT DO NOTHING',
        [2], // institution_id
      );
      const institutionsOf = (n: number): string =>
        `SELECT application_number, institution_id FROM "${t('obligation_patents')}" WHERE application_number IN (${Array.from(
          { length: n },
          () => '?',
        ).join(', ')})`;
      const fulfil = `UPDATE "${t('obligations')}"
         SET fulfilled_by_type = @type, fulfilled_on = @on, fulfilled_position = @position,
             late = CASE WHEN @on > due_date THEN 1 ELSE 0 END
         WHERE id = @id AND fulfilled_on IS NULL`;
      const lapse = `UPDATE "${t('obligations')}" SET lapsed = 1, lapsed_on = @on WHERE application_number = @an AND lapsed = 0`;

      return async (tx, events) => {
        const items = events.map((e) => {
          try {
            return { e, pe: patentEventOf(e) };
          } catch (err) {
            throw new EventApplyError(e, err);
          }
        });
        // Institutions of the patents whose obligations open in this batch, as stored before it.
        const wanted = new Set<string>();
        for (const { e, pe } of items) {
          if (!pe) continue;
          try {
            const o = openings(pe);
            if (o) wanted.add(o.applicationNumber);
          } catch (err) {
            throw new EventApplyError(e, err);
          }
        }
        const stored = new Map<string, string>();
        const ids = [...wanted];
        for (let at = 0; at < ids.length; at += 256) {
          const chunk = ids.slice(at, at + 256);
          for (const r of await tx.all<{ application_number: string; institution_id: string }>(
            institutionsOf(chunk.length),
            chunk,
          ))
            stored.set(r.application_number, r.institution_id);
        }
        /** First inventory in this batch, per patent. */
        const inventoried = new Map<string, string>();
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
          if (!pe) continue;
          try {
            if (pe.type === 'PatentInventoried') {
              patents.push(patentRows, pe.data.applicationNumber, pe.data.institutionId);
              if (!inventoried.has(pe.data.applicationNumber))
                inventoried.set(pe.data.applicationNumber, pe.data.institutionId);
              continue;
            }
            if (pe.type === 'PatentLapsed') {
              await flushBefore();
              await tx.run(lapse, { an: pe.data.applicationNumber, on: pe.data.effectiveOn });
              continue;
            }
            const o = openings(pe);
            if (o) {
              const institution =
                stored.get(o.applicationNumber) ?? inventoried.get(o.applicationNumber) ?? null;
              for (const item of o.items) {
                opened.push(
                  openRows,
                  obligationId(item.kind, o.applicationNumber, item.ref),
                  o.applicationNumber,
                  institution,
                  item.kind,
                  item.ref,
                  e.type,
                  e.position,
                  item.triggerDate,
                  item.dueDate,
                );
              }
              continue;
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
          } catch (err) {
            if (err instanceof FlushFailed) throw err.cause;
            throw new EventApplyError(e, err);
          }
        }
        await flush();
      };
    },
  });
}
