import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { isIsoDate, parseApplicationNumber } from '@patent-ledger/domain';
import {
  getPoolEntry,
  knownAtSnapshot,
  obligationsCheckpoint,
  queryAudit,
  queryObligations,
  queryProgress,
  queryResourcePool,
  type AuditEntry,
  type CsvColumn,
  type InstitutionProgress,
  type ObligationItem,
  type PoolEntry,
} from '@patent-ledger/read-models';
import type { Request, Response } from 'express';
import { parseIsoInstant } from '../common/instants';
import { sendCsv, wantsCsv } from '../common/negotiate';
import { ProblemException } from '../common/problem';
import { AuditQueryDto, ObligationsQueryDto, ProgressQueryDto, ResourcePoolQueryDto } from './query-dto';
import { Inject } from '@nestjs/common';
import { LEDGER_CONFIG, Clock } from '../ledger/tokens';
import type { LedgerConfig } from '../config';
import { todayInChina } from '@patent-ledger/domain';
import { ReadModelsService } from './read-models.service';
import {
  AccessDeniedError,
  authorizeAdmin,
  authorizeRead,
  obligationScope,
  redactAskingPrice,
} from '@patent-ledger/access';
import { principalOf, seesErrorDetails } from '../auth/principal';

export const POOL_CSV: CsvColumn<PoolEntry>[] = [
  { header: 'applicationNumber', value: (e) => e.applicationNumber },
  { header: 'title', value: (e) => e.title },
  { header: 'institutionId', value: (e) => e.institutionId },
  { header: 'kind', value: (e) => e.kind },
  { header: 'ipc', value: (e) => e.ipc.join('; ') },
  { header: 'modes', value: (e) => e.modes.join('; ') },
  { header: 'status', value: (e) => e.status },
  { header: 'highValue', value: (e) => e.highValue },
  {
    header: 'highValueFlags',
    value: (e) =>
      Object.entries(e.highValueFlags)
        .filter(([, v]) => v)
        .map(([k]) => k)
        .join('; '),
  },
  { header: 'askingPrice', value: (e) => e.askingPrice ?? '' },
  { header: 'evaluations', value: (e) => e.evaluationSummary.count },
  { header: 'meanProspect', value: (e) => e.evaluationSummary.meanProspect ?? '' },
  { header: 'promotions', value: (e) => e.promotions.length },
  { header: 'featured', value: (e) => e.featured },
  { header: 'admittedOn', value: (e) => e.admittedOn },
  { header: 'lastActivityOn', value: (e) => e.lastActivity.on },
];

export const AUDIT_CSV: CsvColumn<AuditEntry>[] = [
  { header: 'position', value: (e) => e.position },
  { header: 'streamName', value: (e) => e.streamName },
  { header: 'version', value: (e) => e.version },
  { header: 'eventType', value: (e) => e.eventType },
  { header: 'businessDate', value: (e) => e.businessDate },
  { header: 'recordedAt', value: (e) => e.recordedAt },
  { header: 'actorRole', value: (e) => e.actor.role },
  { header: 'actorOrg', value: (e) => e.actor.orgId },
  { header: 'actorUser', value: (e) => e.actor.userId },
  { header: 'commandId', value: (e) => e.commandId },
  { header: 'correlationId', value: (e) => e.correlationId },
  { header: 'data', value: (e) => e.data },
];

export const OBLIGATIONS_CSV: CsvColumn<ObligationItem>[] = [
  { header: 'id', value: (o) => o.id },
  { header: 'kind', value: (o) => o.kind },
  { header: 'applicationNumber', value: (o) => o.applicationNumber },
  { header: 'institutionId', value: (o) => o.institutionId },
  { header: 'ref', value: (o) => o.ref },
  { header: 'triggerType', value: (o) => o.trigger.type },
  { header: 'triggerDate', value: (o) => o.trigger.date },
  { header: 'dueDate', value: (o) => o.dueDate },
  { header: 'status', value: (o) => o.status },
  { header: 'fulfilledOn', value: (o) => o.fulfilledOn ?? '' },
  { header: 'late', value: (o) => (o.late === undefined ? '' : o.late) },
  { header: 'daysOverdue', value: (o) => o.daysOverdue ?? '' },
  { header: 'lapsedOn', value: (o) => o.lapsedOn ?? '' },
  { header: 'responsibleKind', value: (o) => o.responsibleParty?.kind ?? '' },
  { header: 'responsibleParty', value: (o) => o.responsibleParty?.id ?? '' },
  { header: 'graceEnd', value: (o) => o.graceEnd ?? '' },
  { header: 'cancelledOn', value: (o) => o.cancelledOn ?? '' },
  { header: 'dueDateProvisional', value: (o) => (o.dueDateProvisional ? true : '') },
];

export const PROGRESS_CSV: CsvColumn<InstitutionProgress>[] = [
  { header: 'institutionId', value: (i) => i.institutionId },
  { header: 'name', value: (i) => i.name },
  { header: 'province', value: (i) => i.province },
  { header: 'department', value: (i) => i.department },
  { header: 'milestoneGroup', value: (i) => i.milestoneGroup },
  { header: 'planId', value: (i) => i.plan.planId },
  { header: 'planVersion', value: (i) => i.plan.version },
  { header: 'stockPatentCount', value: (i) => i.stockPatentCount },
  { header: 'inventoried', value: (i) => i.inventoried },
  { header: 'coveragePercent', value: (i) => i.coveragePercent ?? '' },
  ...['tyut-100', 'key4-staged', 'key4-100', 'others-30', 'all-100'].map((id) => ({
    header: id,
    value: (i: InstitutionProgress) => i.milestones.find((m) => m.id === id)?.status ?? '',
  })),
];

/** Parses an ISO instant or date given as a query parameter. */
export function instantParam(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const instant = parseIsoInstant(value);
  if (instant === undefined) {
    throw ProblemException.of(400, 'REQUEST.INVALID_QUERY', `${field} must be an ISO instant or date`, {
      errors: [{ field, message: `${JSON.stringify(value)} is not an ISO instant or calendar date` }],
    });
  }
  return instant;
}

@ApiTags('read models')
@Controller()
export class ReadModelsController {
  constructor(
    private readonly rm: ReadModelsService,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly clock: Clock,
  ) {}

  @Get('obligations')
  @ApiOperation({
    summary:
      'Obligations ledger: registration, recordal, platform reports, density filing — open, overdue, fulfilled as of a date',
  })
  @ApiProduces('application/json', 'text/csv')
  async obligations(
    @Query() q: ObligationsQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.rm.waitFor('obligations', q.minPosition);
    const { limit, cursor, format: _f, minPosition: _m, asOf, applicationNumber, knownAt: k, ...filter } = q;
    const knownAt = instantParam(k, 'knownAt');
    // As known at an instant: the log prefix recorded by then (kpis.ts knownAtSnapshot).
    const checkpoint = knownAt === undefined ? undefined : knownAtSnapshot(knownAt, obligationsCheckpoint);
    const scope = obligationScope(principalOf(req));
    // An enterprise sees the obligations it owes (responsibleParty = its org), and only those.
    if (
      scope.kind === 'party' &&
      filter.responsibleParty !== undefined &&
      filter.responsibleParty !== scope.orgId
    ) {
      throw new AccessDeniedError(
        'obligations',
        'read obligations',
        `read obligations owed by ${filter.responsibleParty} is allowed to that party, its institution, ip-office, auditors and analysts (rule obligations); enterprise ${scope.orgId} reads only the obligations it owes (responsibleParty=${scope.orgId})`,
      );
    }
    if (
      scope.kind === 'institution' &&
      filter.institutionId !== undefined &&
      filter.institutionId !== scope.institutionId
    ) {
      throw new AccessDeniedError(
        'obligations',
        'read obligations',
        `read obligations of ${filter.institutionId} is allowed to that institution, ip-office, auditors and analysts (rule obligations); institution ${scope.institutionId} reads only its own (institutionId=${scope.institutionId})`,
      );
    }
    const query = {
      ...filter,
      ...(scope.kind === 'institution' ? { institutionId: scope.institutionId } : {}),
      ...(scope.kind === 'party' ? { responsibleParty: scope.orgId } : {}),
      ...(applicationNumber !== undefined
        ? { applicationNumber: parseApplicationNumber(applicationNumber, 'applicationNumber').value }
        : {}),
      asOf: asOf ?? todayInChina(this.clock.now()),
    };
    const db = this.rm.readModels.sql;
    if (wantsCsv(req)) {
      const pages = async function* () {
        let next: string | undefined = cursor;
        do {
          const page = await queryObligations(
            db,
            { ...query, limit: 500, ...(next ? { cursor: next } : {}) },
            checkpoint,
          );
          yield page.items;
          next = page.nextCursor ?? undefined;
        } while (next);
      };
      await sendCsv(res, `obligations-${query.asOf}.csv`, OBLIGATIONS_CSV, pages());
      return;
    }
    const page = await queryObligations(
      db,
      {
        ...query,
        ...(limit !== undefined ? { limit } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      },
      checkpoint,
    );
    return knownAt === undefined ? page : { ...page, knownAt };
  }

  @Get('progress')
  @ApiOperation({
    summary:
      'Programme progress per institution, supervising department and province against the milestones of the plan in force (GET /plans)',
  })
  @ApiProduces('application/json', 'text/csv')
  async progress(
    @Query() q: ProgressQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.rm.waitFor('progress', q.minPosition);
    const asOf = q.asOf ?? todayInChina(this.clock.now());
    const report = await queryProgress(this.rm.readModels.sql, {
      asOf,
      policy: this.config.policy.programme,
      ...(q.province !== undefined ? { province: q.province } : {}),
      ...(q.department !== undefined ? { department: q.department } : {}),
      ...(q.institutionId !== undefined ? { institutionId: q.institutionId } : {}),
      ...(q.knownAt !== undefined ? { knownAt: instantParam(q.knownAt, 'knownAt')! } : {}),
    });
    if (wantsCsv(req)) {
      await sendCsv(res, `progress-${asOf}.csv`, PROGRESS_CSV, [report.institutions]);
      return;
    }
    return report;
  }

  @Get('resource-pool')
  @ApiOperation({
    summary: 'The resource pool (专利转化资源库): admitted patents with filters, sort and cursor pages',
  })
  @ApiProduces('application/json', 'text/csv')
  async pool(
    @Query() q: ResourcePoolQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.rm.waitFor('resource-pool', q.minPosition);
    const { limit, cursor, format: _f, minPosition: _m, ...given } = q;
    // Statuses as of a business date (expired, lapsed for an unpaid annuity): today in China by default.
    const filter = { ...given, asOf: given.asOf ?? todayInChina(this.clock.now()) };
    const db = this.rm.readModels.sql;
    const caller = principalOf(req);
    const visible = (page: { items: PoolEntry[] }) => page.items.map((e) => redactAskingPrice(caller, e));
    if (wantsCsv(req)) {
      const pages = async function* () {
        let next: string | undefined = cursor;
        do {
          const page = await queryResourcePool(db, {
            ...filter,
            limit: 500,
            ...(next ? { cursor: next } : {}),
          });
          yield visible(page);
          next = page.nextCursor ?? undefined;
        } while (next);
      };
      await sendCsv(res, 'resource-pool.csv', POOL_CSV, pages());
      return;
    }
    const page = await queryResourcePool(db, {
      ...filter,
      ...(limit !== undefined ? { limit } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    return { ...page, items: visible(page) };
  }

  @Get('resource-pool/:id')
  @ApiOperation({ summary: 'One resource-pool entry' })
  @ApiQuery({
    name: 'asOf',
    required: false,
    description:
      'Business date of the status (default: today in China): expired, lapsed for an unpaid annuity',
  })
  async poolEntry(
    @Param('id') id: string,
    @Req() req: Request,
    @Query('minPosition') minPosition?: string,
    @Query('asOf') asOf?: string,
  ) {
    const applicationNumber = parseApplicationNumber(id, 'id').value;
    await this.rm.waitFor('resource-pool', minPosition === undefined ? undefined : Number(minPosition));
    if (asOf !== undefined && !isIsoDate(asOf)) {
      throw ProblemException.of(400, 'REQUEST.INVALID_QUERY', 'asOf must be a calendar date YYYY-MM-DD', {
        errors: [{ field: 'asOf', message: `${JSON.stringify(asOf)} is not a calendar date` }],
      });
    }
    const entry = await getPoolEntry(
      this.rm.readModels.sql,
      applicationNumber,
      asOf ?? todayInChina(this.clock.now()),
    );
    if (!entry) {
      throw ProblemException.of(
        404,
        'POOL.NOT_FOUND',
        `patent ${applicationNumber} is not in the resource pool`,
      );
    }
    return redactAskingPrice(principalOf(req), entry);
  }

  @Get('audit')
  @ApiOperation({
    summary: 'Audit trail across patents, filtered by actor, organisation, event type and time',
  })
  @ApiProduces('application/json', 'text/csv')
  async audit(@Query() q: AuditQueryDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    authorizeRead(principalOf(req), 'audit-trail');
    await this.rm.waitFor('audit', q.minPosition);
    const { limit, cursor, format: _f, minPosition: _m, from, to, ...rest } = q;
    const fromI = instantParam(from, 'from');
    const toI = instantParam(to, 'to');
    const filter = { ...rest, ...(fromI ? { from: fromI } : {}), ...(toI ? { to: toI } : {}) };
    const db = this.rm.readModels.sql;
    if (wantsCsv(req)) {
      const pages = async function* () {
        let next: string | undefined = cursor;
        do {
          const page = await queryAudit(db, { ...filter, limit: 1000, ...(next ? { cursor: next } : {}) });
          yield page.items;
          next = page.nextCursor ?? undefined;
        } while (next);
      };
      await sendCsv(res, 'audit.csv', AUDIT_CSV, pages());
      return;
    }
    return queryAudit(db, {
      ...filter,
      ...(limit !== undefined ? { limit } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
  }

  @Get('projections')
  @ApiOperation({ summary: 'Status of each projection: position, lag in events, state, last error' })
  async projections(@Req() req: Request) {
    const all = await this.rm.status();
    if (seesErrorDetails(req)) return { projections: all };
    // The error text of a failed projection is for ip-office admins; others see where it stopped.
    return {
      projections: all.map((p) =>
        p.lastError
          ? { ...p, lastError: { ...p.lastError, message: 'the projection failed on this event' } }
          : p,
      ),
    };
  }

  @Post('projections/:name/resume')
  @ApiOperation({ summary: 'Retry a failed projection from the event it failed on' })
  async resume(@Param('name') name: string, @Req() req: Request) {
    authorizeAdmin(principalOf(req), 'projection-control');
    if (!this.rm.readModels.projectionNames.includes(name)) {
      throw ProblemException.of(404, 'PROJECTION.NOT_FOUND', `no projection ${name}`);
    }
    return { resumed: await this.rm.resume(name) };
  }
}
