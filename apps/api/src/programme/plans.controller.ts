import { Body, Controller, Get, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { authorizeRead } from '@patent-ledger/access';
import {
  PLAN_SCHEMA,
  requireId,
  shanxiPlan2024,
  todayInChina,
  type PlanDocument,
  type PublishPlan,
} from '@patent-ledger/domain';
import { queryPlans, type CsvColumn, type PublishedPlan } from '@patent-ledger/read-models';
import type { Request, Response } from 'express';
import { principalOf } from '../auth/principal';
import { commandContext } from '../common/command-context';
import { sendCsv, wantsCsv } from '../common/negotiate';
import { ProblemException } from '../common/problem';
import { sendCommandOutcome } from '../common/responses';
import type { LedgerConfig } from '../config';
import { ExecutePlanCommand } from '../ledger/messages';
import { Clock, LEDGER_CONFIG } from '../ledger/tokens';
import { ReadModelsService } from '../read-models/read-models.service';
import { checkPlanSchema } from './plan-schema-check';

const PLANS_CSV: CsvColumn<PublishedPlan & { inForce: boolean }>[] = [
  { header: 'planId', value: (p) => p.planId },
  { header: 'version', value: (p) => p.version },
  { header: 'province', value: (p) => p.province },
  { header: 'effectiveFrom', value: (p) => p.effectiveFrom },
  { header: 'publishedOn', value: (p) => p.publishedOn },
  { header: 'inForce', value: (p) => p.inForce },
  { header: 'milestones', value: (p) => p.document.milestones.map((m) => m.id).join('; ') },
];

const isDate = (v: string | undefined): boolean => v === undefined || /^\d{4}-\d{2}-\d{2}$/.test(v);

/**
 * Programme plans as data (issue 15): an ip-office admin publishes a versioned plan document
 * (`PlanPublished` in `plan-<planId>`); progress as of a date measures each institution against the
 * plan of its province in force then, else the default plan (the Shanxi 2024 plan).
 */
@ApiTags('plans')
@Controller('plans')
export class PlansController {
  constructor(
    private readonly commands: CommandBus,
    private readonly rm: ReadModelsService,
    private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Put(':planId')
  @ApiOperation({
    summary: 'Publish a version of a programme plan (PlanPublished); an ip-office admin',
    description:
      'The body is a plan document (JSON Schema: docs/plans/plan.schema.json). Re-sending a published version unchanged changes nothing (200); a new version must be higher and in force no earlier than the current one.',
  })
  @ApiParam({ name: 'planId', example: 'shanxi-2024' })
  @ApiBody({
    schema: PLAN_SCHEMA as unknown as Record<string, unknown>,
    examples: {
      shanxi: { summary: 'the Shanxi 2024 plan, version 2', value: { ...shanxiPlan2024(), version: 2 } },
    },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiResponse({ status: 201, description: 'Published' })
  @ApiResponse({ status: 200, description: 'Unchanged: this version is published with the same content' })
  async put(
    @Param('planId') planId: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = requireId(planId, 'planId');
    checkPlanSchema(body);
    const doc = body as PlanDocument;
    if (doc.planId !== id) {
      throw ProblemException.of(
        400,
        'PLAN.ID_MISMATCH',
        `planId ${doc.planId} is not the plan of the path (${id})`,
        {
          errors: [{ field: 'planId', message: `planId must be ${id}, the id in the path` }],
        },
      );
    }
    const now = this.clock.now();
    const ctx = commandContext(req, now);
    const command: PublishPlan = { type: 'PublishPlan', data: doc, now };
    const admin = principalOf(req).admin === true;
    const outcome = await this.commands.execute(new ExecutePlanCommand(id, command, ctx, admin));
    const created = outcome.events.length > 0 && !outcome.duplicate;
    return sendCommandOutcome(res, created ? 201 : 200, outcome, created ? `/plans/${id}` : undefined);
  }

  @Get()
  @ApiOperation({
    summary:
      'The published plans, each version with its document, which is in force on asOf, and the default plan',
  })
  @ApiQuery({ name: 'asOf', required: false, description: 'Business date (default: today in China)' })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiProduces('application/json', 'text/csv')
  async list(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query('asOf') asOf?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    authorizeRead(principalOf(req), 'plans');
    if (!isDate(asOf)) {
      throw ProblemException.of(400, 'REQUEST.INVALID_QUERY', 'asOf must be a calendar date YYYY-MM-DD', {
        errors: [{ field: 'asOf', message: `${JSON.stringify(asOf)} is not a calendar date` }],
      });
    }
    if (minPosition !== undefined && !/^\d{1,15}$/.test(minPosition)) {
      throw ProblemException.of(400, 'REQUEST.INVALID_QUERY', 'minPosition must be a whole number', {
        errors: [{ field: 'minPosition', message: `${JSON.stringify(minPosition)} is not a whole number` }],
      });
    }
    await this.rm.waitFor('progress', minPosition === undefined ? undefined : Number(minPosition));
    const report = await queryPlans(this.rm.readModels.sql, {
      asOf: asOf ?? todayInChina(this.clock.now()),
      policy: this.config.policy.programme,
    });
    if (wantsCsv(req)) {
      await sendCsv(res, `plans-${report.asOf}.csv`, PLANS_CSV, [report.plans]);
      return;
    }
    return report;
  }
}
