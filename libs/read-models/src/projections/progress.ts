import type { InstitutionEvent, PlanPublished } from '@patent-ledger/domain';
import { INSTITUTION_EVENT_TYPES, moneyToFen } from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import { RowInserter, type Dialect, type SqlTx } from '../sql';
import { batchProjection, EventApplyError, type ReadModelProjection } from '../sqlite-projection';
import { idOfStream, patentEventOf } from './event-helpers';
import {
  chunks,
  counterTableDdl,
  counterWriter,
  Deltas,
  FirstDeals,
  firstDealsDdl,
  inList,
  patentSteps,
  PROGRESS_COUNTER_TABLE,
  type DealKind,
  type PatentFacts,
} from './kpi-counters';

const INSTITUTION_TYPES = new Set<string>(INSTITUTION_EVENT_TYPES);

/**
 * SQLite: a patent's tags and evaluations stored in key order (application number, date, position),
 * so the as-known-at pool (its latest tag, an evaluation by then) reads them without a table lookup.
 */
const withoutRowid = (d: Dialect): string => (d.name === 'sqlite' ? ' WITHOUT ROWID' : '');

function institutionEventOf(e: StoredEvent): InstitutionEvent | undefined {
  if (!e.streamName.startsWith('institution-') || !INSTITUTION_TYPES.has(e.type)) return undefined;
  return { type: e.type, data: e.data } as unknown as InstitutionEvent;
}

function planEventOf(e: StoredEvent): PlanPublished | undefined {
  if (!e.streamName.startsWith('plan-') || e.type !== 'PlanPublished') return undefined;
  return { type: 'PlanPublished', data: e.data } as unknown as PlanPublished;
}

/**
 * Programme progress (domain.md §6): the facts the milestones are measured from, each with its business
 * date, so `queryProgress` can answer "as of D" for any D.
 *
 * - progress_institutions: one row per registered institution (InstitutionRegistered; department
 *   `unspecified` when the event has none — events recorded before issue 15)
 * - progress_departments: SupervisingDepartmentAssigned (the department of an institution registered
 *   without one)
 * - progress_plans: every PlanPublished (the document as JSON): the plan in force on D is read from here
 * - progress_stock_counts: stock-count history, the registration count then each StockCountRevised
 * - progress_patents: cohort and inventory date of each patent (PatentInventoried)
 * - progress_intents: every IntentTagged (admitted 0/1): the latest one on or before D decides whether
 *   the patent is in the pool as of D
 * - progress_evaluations: every EnterpriseEvaluated (a superseding evaluation is a new row; the metric
 *   only asks whether one exists on or before D)
 * - progress_promotions: every Promoted
 * - progress_deals: every Transferred, Licensed, OpenLicenseTaken, EquityContributed (contract value
 *   in fen: price, royalty, payment, valuation) and Industrialized, dated by its contract date,
 *   notification or start (the KPIs of `queryKpis`)
 * - progress_kpi_counters, progress_kpi_days: the KPIs' counters per institution and day, and
 *   the first deals per institution and month with a cumulative histogram of their days from
 *   admission (kpi-counters.ts), kept from the rows above
 *   as each batch changes them: `queryKpis` and `queryProgress` without `knownAt` sum these
 *
 * Every row keeps the `recordedAt` of its event, so that a report "as known at" an instant counts
 * only what the ledger had recorded by then.
 */
export const progressProjection: ReadModelProjection = batchProjection({
  name: 'progress',
  // 7: covering indexes for the progress report's counts (progress_patents, progress_promotions);
  // on SQLite, progress_intents and progress_evaluations without rowid.
  version: '7',
  tables: [
    'progress_deals',
    'progress_kpi_counters',
    'progress_kpi_days',
    'progress_plans',
    'progress_departments',
    'progress_institutions',
    'progress_stock_counts',
    'progress_patents',
    'progress_intents',
    'progress_evaluations',
    'progress_promotions',
  ],
  ddl: (t, d) => [
    `CREATE TABLE "${t('progress_institutions')}" (
      institution_id ${d.text} PRIMARY KEY,
      name ${d.text} NOT NULL,
      kind ${d.text} NOT NULL,
      province ${d.text} NOT NULL,
      department ${d.text} NOT NULL,
      milestone_group ${d.text} NOT NULL,
      registered_on ${d.text} NOT NULL,
      registered_count ${d.int} NOT NULL,
      recorded_at ${d.text} NOT NULL
    )`,
    `CREATE INDEX "${t('progress_institutions')}_province" ON "${t('progress_institutions')}" (province)`,
    `CREATE TABLE "${t('progress_departments')}" (
      institution_id ${d.text} NOT NULL,
      position ${d.bigint} NOT NULL,
      department ${d.text} NOT NULL,
      recorded_at ${d.text} NOT NULL,
      PRIMARY KEY (institution_id, position)
    )`,
    `CREATE TABLE "${t('progress_plans')}" (
      plan_id ${d.text} NOT NULL,
      version ${d.int} NOT NULL,
      province ${d.text} NOT NULL,
      effective_from ${d.text} NOT NULL,
      published_on ${d.text} NOT NULL,
      recorded_at ${d.text} NOT NULL,
      position ${d.bigint} NOT NULL,
      document ${d.text} NOT NULL,
      PRIMARY KEY (plan_id, version)
    )`,
    `CREATE TABLE "${t('progress_stock_counts')}" (
      institution_id ${d.text} NOT NULL,
      occurred_on ${d.text} NOT NULL,
      position ${d.bigint} NOT NULL,
      count ${d.int} NOT NULL,
      recorded_at ${d.text} NOT NULL,
      PRIMARY KEY (institution_id, occurred_on, position)
    )`,
    `CREATE TABLE "${t('progress_patents')}" (
      application_number ${d.text} PRIMARY KEY,
      institution_id ${d.text} NOT NULL,
      cohort ${d.text} NOT NULL,
      inventoried_on ${d.text} NOT NULL,
      implementation_status ${d.text} NOT NULL,
      recorded_at ${d.text} NOT NULL
    )`,
    // Covering (recorded_at too): the coverage counted as known at an instant reads no table row.
    `CREATE INDEX "${t('progress_patents')}_coverage" ON "${t('progress_patents')}" (institution_id, cohort, inventoried_on, recorded_at)`,
    `CREATE TABLE "${t('progress_intents')}" (
      application_number ${d.text} NOT NULL,
      occurred_on ${d.text} NOT NULL,
      position ${d.bigint} NOT NULL,
      admitted ${d.int} NOT NULL,
      recorded_at ${d.text} NOT NULL,
      PRIMARY KEY (application_number, occurred_on, position)
    )${withoutRowid(d)}`,
    `CREATE TABLE "${t('progress_evaluations')}" (
      application_number ${d.text} NOT NULL,
      occurred_on ${d.text} NOT NULL,
      position ${d.bigint} NOT NULL,
      evaluation_id ${d.text} NOT NULL,
      recorded_at ${d.text} NOT NULL,
      PRIMARY KEY (application_number, occurred_on, position)
    )${withoutRowid(d)}`,
    `CREATE TABLE "${t('progress_promotions')}" (
      position ${d.bigint} PRIMARY KEY,
      application_number ${d.text} NOT NULL,
      occurred_on ${d.text} NOT NULL,
      recorded_at ${d.text} NOT NULL
    )`,
    `CREATE INDEX "${t('progress_promotions')}_on" ON "${t('progress_promotions')}" (occurred_on, recorded_at, application_number)`,
    `CREATE TABLE "${t('progress_deals')}" (
      position ${d.bigint} PRIMARY KEY,
      application_number ${d.text} NOT NULL,
      kind ${d.text} NOT NULL,
      ref ${d.text} NOT NULL,
      occurred_on ${d.text} NOT NULL,
      recorded_at ${d.text} NOT NULL,
      amount_fen ${d.bigint}
    )`,
    `CREATE INDEX "${t('progress_deals')}_patent" ON "${t('progress_deals')}" (application_number, occurred_on)`,
    ...counterTableDdl(t, d, PROGRESS_COUNTER_TABLE),
    ...firstDealsDdl(t, d),
  ],
  // Every statement is an INSERT … ON CONFLICT DO NOTHING into one of its tables, and each table's
  // rows depend on nothing else: a batch's rows are collected per table, in log order, and written
  // together (multi-row INSERTs on PostgreSQL; the first of two conflicting rows wins, as one at a
  // time).
  prepareBatch: (t, d) => {
    const inserter = (table: string, columns: readonly string[]): RowInserter =>
      new RowInserter(
        d,
        `INSERT INTO "${t(table)}" (${columns.join(', ')})`,
        columns.length,
        'ON CONFLICT DO NOTHING',
      );
    const institutions = inserter('progress_institutions', [
      'institution_id',
      'name',
      'kind',
      'province',
      'department',
      'milestone_group',
      'registered_on',
      'registered_count',
      'recorded_at',
    ]);
    const departments = inserter('progress_departments', [
      'institution_id',
      'position',
      'department',
      'recorded_at',
    ]);
    const plans = inserter('progress_plans', [
      'plan_id',
      'version',
      'province',
      'effective_from',
      'published_on',
      'recorded_at',
      'position',
      'document',
    ]);
    const counts = inserter('progress_stock_counts', [
      'institution_id',
      'occurred_on',
      'position',
      'count',
      'recorded_at',
    ]);
    const patents = inserter('progress_patents', [
      'application_number',
      'institution_id',
      'cohort',
      'inventoried_on',
      'implementation_status',
      'recorded_at',
    ]);
    const intents = inserter('progress_intents', [
      'application_number',
      'occurred_on',
      'position',
      'admitted',
      'recorded_at',
    ]);
    const evaluations = inserter('progress_evaluations', [
      'application_number',
      'occurred_on',
      'position',
      'evaluation_id',
      'recorded_at',
    ]);
    const promotions = inserter('progress_promotions', [
      'position',
      'application_number',
      'occurred_on',
      'recorded_at',
    ]);
    // amount_fen (the contract value) is null for an industrialization and an unpaid open-licence taking.
    const deals = new RowInserter(
      d,
      `INSERT INTO "${t('progress_deals')}" (position, application_number, kind, ref, occurred_on, recorded_at, amount_fen)`,
      7,
      'ON CONFLICT DO NOTHING',
      [6],
    );

    // The KPI counters: the rows of the patents a batch touches, as stored before it.
    const writeCounters = counterWriter(t, d, PROGRESS_COUNTER_TABLE);
    const writeDays = FirstDeals.writer(t);
    const factsOf = async (tx: SqlTx, ids: readonly string[]): Promise<Map<string, PatentFacts>> => {
      const out = new Map<string, PatentFacts>(ids.map((id) => [id, { intents: [], deals: [] }]));
      for (const chunk of chunks(ids)) {
        const { marks, values } = inList(chunk);
        for (const r of await tx.all<{
          application_number: string;
          institution_id: string;
          cohort: string;
          inventoried_on: string;
          implementation_status: string;
        }>(
          `SELECT application_number, institution_id, cohort, inventoried_on, implementation_status
           FROM "${t('progress_patents')}" WHERE application_number IN (${marks})`,
          values,
        )) {
          out.get(r.application_number)!.patent = {
            institution: r.institution_id,
            cohort: r.cohort,
            inventoriedOn: r.inventoried_on,
            status: r.implementation_status,
          };
        }
        for (const r of await tx.all<{
          application_number: string;
          occurred_on: string;
          position: number;
          admitted: number;
        }>(
          `SELECT application_number, occurred_on, position, admitted
           FROM "${t('progress_intents')}" WHERE application_number IN (${marks})`,
          values,
        )) {
          out.get(r.application_number)!.intents.push({
            on: r.occurred_on,
            position: Number(r.position),
            admitted: Number(r.admitted) === 1,
          });
        }
        for (const r of await tx.all<{ application_number: string; first: string }>(
          `SELECT application_number, MIN(occurred_on) AS first
           FROM "${t('progress_evaluations')}" WHERE application_number IN (${marks}) GROUP BY application_number`,
          values,
        )) {
          out.get(r.application_number)!.firstEvaluation = r.first;
        }
        for (const r of await tx.all<{
          application_number: string;
          position: number;
          kind: DealKind;
          occurred_on: string;
          amount_fen: number | null;
        }>(
          `SELECT application_number, position, kind, occurred_on, amount_fen
           FROM "${t('progress_deals')}" WHERE application_number IN (${marks})`,
          values,
        )) {
          out.get(r.application_number)!.deals.push({
            kind: r.kind,
            on: r.occurred_on,
            fen: r.amount_fen === null ? null : Number(r.amount_fen),
            position: Number(r.position),
          });
        }
      }
      return out;
    };

    return async (tx, events) => {
      const rows = new Map<RowInserter, unknown[]>();
      const add = (to: RowInserter, ...values: unknown[]): void => {
        let list = rows.get(to);
        if (!list) rows.set(to, (list = []));
        // Every column is NOT NULL: a missing value fails here, naming its event.
        to.push(list, ...values);
      };
      /** What this batch adds to each patent's KPI facts (the rows it inserts, first-wins as ON CONFLICT). */
      const added = new Map<string, PatentFacts>();
      const facts = (an: string): PatentFacts => {
        let f = added.get(an);
        if (!f) added.set(an, (f = { intents: [], deals: [] }));
        return f;
      };
      const deal = (an: string, kind: DealKind, on: string, fen: number | null, position: number): void => {
        facts(an).deals.push({ kind, on, fen, position });
      };
      for (const e of events) {
        try {
          const at = e.metadata.recordedAt;
          const plan = planEventOf(e);
          if (plan) {
            const { publishedOn, ...document } = plan.data;
            add(
              plans,
              document.planId,
              document.version,
              document.province,
              document.effectiveFrom,
              publishedOn,
              e.metadata.recordedAt,
              e.position,
              JSON.stringify(document),
            );
            continue;
          }
          const ie = institutionEventOf(e);
          if (ie) {
            const id = ie.data.institutionId ?? idOfStream(e.streamName);
            if (ie.type === 'SupervisingDepartmentAssigned') {
              add(departments, id, e.position, ie.data.department, at);
              continue;
            }
            if (ie.type === 'InstitutionRegistered') {
              const d = ie.data;
              add(
                institutions,
                id,
                d.name,
                d.kind,
                d.province,
                d.department ?? 'unspecified',
                d.milestoneGroup,
                d.occurredOn,
                d.stockPatentCount,
                at,
              );
            }
            add(counts, id, ie.data.occurredOn, e.position, ie.data.stockPatentCount, at);
            continue;
          }
          const pe = patentEventOf(e);
          if (!pe) continue;
          switch (pe.type) {
            case 'PatentInventoried': {
              add(
                patents,
                pe.data.applicationNumber,
                pe.data.institutionId,
                pe.data.cohort,
                pe.data.occurredOn,
                pe.data.implementationStatus,
                at,
              );
              const f = facts(pe.data.applicationNumber);
              f.patent ??= {
                institution: pe.data.institutionId,
                cohort: pe.data.cohort,
                inventoriedOn: pe.data.occurredOn,
                status: pe.data.implementationStatus,
              };
              break;
            }
            case 'IntentTagged':
              add(
                intents,
                pe.data.applicationNumber,
                pe.data.occurredOn,
                e.position,
                pe.data.screening.decision === 'admitted' ? 1 : 0,
                at,
              );
              facts(pe.data.applicationNumber).intents.push({
                on: pe.data.occurredOn,
                position: e.position,
                admitted: pe.data.screening.decision === 'admitted',
              });
              break;
            case 'EnterpriseEvaluated':
              add(
                evaluations,
                pe.data.applicationNumber,
                pe.data.occurredOn,
                e.position,
                pe.data.evaluationId,
                at,
              );
              {
                const f = facts(pe.data.applicationNumber);
                if (f.firstEvaluation === undefined || pe.data.occurredOn < f.firstEvaluation)
                  f.firstEvaluation = pe.data.occurredOn;
              }
              break;
            case 'Promoted':
              add(promotions, e.position, pe.data.applicationNumber, pe.data.occurredOn, at);
              break;
            case 'Transferred':
              add(
                deals,
                e.position,
                pe.data.applicationNumber,
                'transfer',
                pe.data.dealId,
                pe.data.contractDate,
                at,
                moneyToFen(pe.data.price),
              );
              deal(
                pe.data.applicationNumber,
                'transfer',
                pe.data.contractDate,
                moneyToFen(pe.data.price),
                e.position,
              );
              break;
            case 'EquityContributed':
              add(
                deals,
                e.position,
                pe.data.applicationNumber,
                'equity-contribution',
                pe.data.dealId,
                pe.data.contractDate,
                at,
                moneyToFen(pe.data.valuation),
              );
              deal(
                pe.data.applicationNumber,
                'equity-contribution',
                pe.data.contractDate,
                moneyToFen(pe.data.valuation),
                e.position,
              );
              break;
            case 'Licensed':
              add(
                deals,
                e.position,
                pe.data.applicationNumber,
                'license',
                pe.data.dealId,
                pe.data.contractDate,
                at,
                moneyToFen(pe.data.royalty),
              );
              deal(
                pe.data.applicationNumber,
                'license',
                pe.data.contractDate,
                moneyToFen(pe.data.royalty),
                e.position,
              );
              break;
            case 'OpenLicenseTaken':
              add(
                deals,
                e.position,
                pe.data.applicationNumber,
                'open-license',
                pe.data.dealId,
                pe.data.notifiedOn,
                at,
                pe.data.payment ? moneyToFen(pe.data.payment.amount) : null,
              );
              deal(
                pe.data.applicationNumber,
                'open-license',
                pe.data.notifiedOn,
                pe.data.payment ? moneyToFen(pe.data.payment.amount) : null,
                e.position,
              );
              break;
            case 'Industrialized':
              add(
                deals,
                e.position,
                pe.data.applicationNumber,
                'industrialization',
                pe.data.industrializationId,
                pe.data.startedOn,
                at,
                null,
              );
              deal(pe.data.applicationNumber, 'industrialization', pe.data.startedOn, null, e.position);
              break;
            default:
              break;
          }
        } catch (err) {
          throw new EventApplyError(e, err);
        }
      }
      // The KPI counters: each touched patent's steps after the batch minus its steps before.
      const before = await factsOf(tx, [...added.keys()]);
      const counters = new Deltas(PROGRESS_COUNTER_TABLE);
      const days = new FirstDeals();
      const count = (f: PatentFacts, sign: 1 | -1): void => {
        const s = patentSteps(f);
        counters.addSteps(s.steps, sign);
        if (s.firstDeal && f.patent) days.add(f.patent.institution, s.firstDeal.day, s.firstDeal.days, sign);
      };
      for (const [an, was] of before) {
        const plus = added.get(an)!;
        // A patent new in this batch (the usual case of an import) has nothing stored to take back.
        if (
          !was.patent &&
          was.intents.length === 0 &&
          was.deals.length === 0 &&
          was.firstEvaluation === undefined
        ) {
          count(plus, 1);
          continue;
        }
        const intents = new Set(was.intents.map((i) => `${i.on}\u0000${i.position}`));
        const dealt = new Set(was.deals.map((x) => x.position));
        const first = [was.firstEvaluation, plus.firstEvaluation].filter((x) => x !== undefined).sort()[0];
        const now: PatentFacts = {
          ...((was.patent ?? plus.patent) ? { patent: was.patent ?? plus.patent } : {}),
          intents: [
            ...was.intents,
            ...plus.intents.filter((i) => !intents.has(`${i.on}\u0000${i.position}`)),
          ],
          ...(first !== undefined ? { firstEvaluation: first } : {}),
          deals: [...was.deals, ...plus.deals.filter((x) => !dealt.has(x.position!))],
        };
        count(was, -1);
        count(now, 1);
      }
      for (const [to, values] of rows) await to.insert(tx, values);
      await writeCounters(tx, counters);
      await writeDays(tx, days);
    };
  },
});
