import { createHash } from 'node:crypto';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import {
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { AccessDeniedError, demandScope, NEEDS_READ_POLICY } from '@patent-ledger/access';
import {
  NEED_ANSWERS,
  NEED_KINDS,
  PROJECT_KINDS,
  PROJECT_OUTCOMES,
  requireId,
  type AnswerNeed,
  type CloseProject,
  type OpenProject,
  type PostNeed,
  type WithdrawNeed,
} from '@patent-ledger/domain';
import type { CommandContext } from '@patent-ledger/eventsourcing';
import {
  getNeed,
  getProject,
  listNeeds,
  listProjects,
  needResponseWorkingDays,
  type DemandScope,
} from '@patent-ledger/read-models';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length } from 'class-validator';
import type { Request, Response } from 'express';
import { principalOf } from '../auth/principal';
import { commandContext } from '../common/command-context';
import { ProblemException } from '../common/problem';
import { invalidQuery, minPositionOf } from '../common/query-params';
import { etagOf, sendCommandOutcome } from '../common/responses';
import { IsCalendarDate, IsRecordId, OptionalText } from '../common/validators';
import { ExecuteDemandCommand, GetInstitutionQuery, GetPatentQuery } from '../ledger/messages';
import { Clock } from '../ledger/tokens';
import { ReadModelsService } from '../read-models/read-models.service';

const NEED_STATUSES = ['open', 'answered', 'withdrawn'] as const;
const PROJECT_STATUSES = ['open', 'closed'] as const;

export class PostNeedDto {
  @ApiPropertyOptional({
    example: 'need-2025-001',
    description: 'given by the caller, else derived from the Idempotency-Key',
  })
  @IsOptional()
  @IsRecordId()
  needId?: string;
  @ApiProperty({ example: '201710601862.3' }) @IsString() applicationNumber!: string;
  @ApiProperty({ enum: NEED_KINDS }) @IsIn(NEED_KINDS) kind!: string;
  @ApiProperty({ example: '煤矸石多孔陶瓷的中试放大工艺' }) @IsString() @Length(1, 4000) description!: string;
  @ApiProperty({ example: '2025-04-30' }) @IsCalendarDate() postedOn!: string;
}

export class AnswerNeedDto {
  @ApiProperty({ enum: NEED_ANSWERS }) @IsIn(NEED_ANSWERS) answer!: string;
  @ApiProperty({ example: '可联合攻关，建议订单式研发' }) @IsString() @Length(1, 4000) text!: string;
  @ApiProperty({ example: '2025-05-12' }) @IsCalendarDate() answeredOn!: string;
}

export class WithdrawNeedDto {
  @ApiProperty({ example: '2025-05-08' }) @IsCalendarDate() withdrawnOn!: string;
}

export class OpenProjectDto {
  @ApiPropertyOptional({
    example: 'prj-2025-001',
    description: 'given by the caller, else derived from the Idempotency-Key',
  })
  @IsOptional()
  @IsRecordId()
  projectId?: string;
  @ApiProperty({ enum: PROJECT_KINDS }) @IsIn(PROJECT_KINDS) kind!: string;
  @ApiProperty({ example: 'sx-coal' }) @IsRecordId() enterpriseId!: string;
  @ApiProperty({ example: 'tyut' }) @IsRecordId() institutionId!: string;
  @ApiProperty({ example: ['201710601862.3'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  applicationNumbers!: string[];
  @ApiPropertyOptional({ example: 'need-2025-001', description: 'the accepted need the project answers' })
  @IsOptional()
  @IsRecordId()
  needId?: string;
  @ApiProperty({ example: '2025-05-20' }) @IsCalendarDate() startedOn!: string;
}

export class CloseProjectDto {
  @ApiProperty({ example: '2025-05-30' }) @IsCalendarDate() closedOn!: string;
  @ApiProperty({ enum: PROJECT_OUTCOMES }) @IsIn(PROJECT_OUTCOMES) outcome!: string;
  @ApiPropertyOptional({ example: '形成新专利 1 件' }) @OptionalText(4000) notes?: string;
}

/** A stream id derived from the command id: a retry with the same Idempotency-Key names the same stream. */
const derivedId = (prefix: string, ctx: CommandContext): string =>
  `${prefix}-${createHash('sha256').update(ctx.commandId).digest('hex').slice(0, 20)}`;

/**
 * Demand and response (plan §二(四)1, 精准对接): enterprises post needs on pool patents, institutions
 * answer them within the plan's working days, and an accepted need may open a cooperation project
 * (联合攻关, 订单式研发) whose resulting patents name it.
 */
@ApiTags('demand')
@Controller()
export class DemandController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly rm: ReadModelsService,
    private readonly clock: Clock,
  ) {}

  @Post('needs')
  @ApiOperation({ summary: 'Post a need on a pool patent (NeedPosted); the institution owes an answer' })
  @ApiBody({
    type: PostNeedDto,
    examples: {
      example: {
        summary: 'an improvement need',
        value: {
          needId: 'need-2025-001',
          applicationNumber: '201710601862.3',
          kind: 'improvement',
          description: '煤矸石多孔陶瓷的中试放大工艺',
          postedOn: '2025-04-30',
        },
      },
    },
  })
  async postNeed(@Body() dto: PostNeedDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const caller = principalOf(req);
    const now = this.clock.now();
    const ctx = commandContext(req, now);
    const needId = dto.needId ?? derivedId('need', ctx);
    // The answer period: the plan in force on postedOn for the province of the patent's institution.
    const patent = await this.queries.execute(new GetPatentQuery(dto.applicationNumber));
    let province: string | undefined;
    if (patent.state.status !== 'none') {
      const inst = await this.queries.execute(new GetInstitutionQuery(patent.state.institutionId));
      if (inst.state.status !== 'none') province = inst.state.province;
    }
    const responseWorkingDays = await needResponseWorkingDays(this.rm.readModels.sql, province, dto.postedOn);
    const command = {
      type: 'PostNeed',
      data: { ...dto, needId, enterpriseId: caller.orgId, responseWorkingDays },
      now,
    } as PostNeed;
    const outcome = await this.commands.execute(
      new ExecuteDemandCommand({ aggregate: 'need', id: needId, command }, ctx),
    );
    return { needId, ...sendCommandOutcome(res, 201, outcome, `/needs/${needId}`) };
  }

  @Post('needs/:needId/answer')
  @ApiOperation({
    summary: "The institution's answer to a need (NeedAnswered): fulfils the need-response obligation",
  })
  @ApiParam({ name: 'needId', example: 'need-2025-001', description: 'the need' })
  @ApiBody({
    type: AnswerNeedDto,
    examples: {
      example: {
        summary: 'accepted',
        value: { answer: 'accepted', text: '可联合攻关', answeredOn: '2025-05-12' },
      },
    },
  })
  async answerNeed(
    @Param('needId') needId: string,
    @Body() dto: AnswerNeedDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = requireId(needId, 'needId');
    const now = this.clock.now();
    const command = { type: 'AnswerNeed', data: { ...dto, needId: id }, now } as AnswerNeed;
    const outcome = await this.commands.execute(
      new ExecuteDemandCommand({ aggregate: 'need', id, command }, commandContext(req, now)),
    );
    return { needId: id, ...sendCommandOutcome(res, 201, outcome) };
  }

  @Post('needs/:needId/withdraw')
  @ApiOperation({
    summary: 'The posting enterprise withdraws its need (NeedWithdrawn): the obligation is cancelled',
  })
  @ApiParam({ name: 'needId', example: 'need-2025-001', description: 'the need' })
  @ApiBody({
    type: WithdrawNeedDto,
    examples: { example: { summary: 'withdrawn', value: { withdrawnOn: '2025-05-08' } } },
  })
  async withdrawNeed(
    @Param('needId') needId: string,
    @Body() dto: WithdrawNeedDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = requireId(needId, 'needId');
    const now = this.clock.now();
    const command = { type: 'WithdrawNeed', data: { ...dto, needId: id }, now } as WithdrawNeed;
    const outcome = await this.commands.execute(
      new ExecuteDemandCommand({ aggregate: 'need', id, command }, commandContext(req, now)),
    );
    return { needId: id, ...sendCommandOutcome(res, 201, outcome) };
  }

  @Get('needs')
  @ApiOperation({
    summary: 'Needs: an enterprise its own, an institution those on its patents, oversight all',
  })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: NEED_STATUSES,
    description: 'only needs in this status',
  })
  @ApiQuery({ name: 'applicationNumber', required: false, description: 'only needs on this patent' })
  @ApiQuery({ name: 'minPosition', required: false })
  async needs(
    @Req() req: Request,
    @Query('status') status?: string,
    @Query('applicationNumber') applicationNumber?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    if (status !== undefined && !(NEED_STATUSES as readonly string[]).includes(status))
      throw invalidQuery('status', `status must be one of ${NEED_STATUSES.join(', ')}`);
    const scope = demandScope(principalOf(req)) as DemandScope;
    await this.rm.waitFor('needs', minPositionOf(minPosition));
    const items = await listNeeds(this.rm.readModels.sql, {
      scope,
      ...(status !== undefined ? { status } : {}),
      ...(applicationNumber !== undefined ? { applicationNumber } : {}),
    });
    return { items };
  }

  @Get('needs/:needId')
  @ApiOperation({ summary: 'One need, with its answer; ETag = its version' })
  @ApiParam({ name: 'needId', example: 'need-2025-001', description: 'the need' })
  @ApiQuery({ name: 'minPosition', required: false })
  async need(
    @Param('needId') needId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query('minPosition') minPosition?: string,
  ) {
    await this.rm.waitFor('needs', minPositionOf(minPosition));
    const n = await getNeed(this.rm.readModels.sql, needId);
    if (!n) throw ProblemException.of(404, 'NEED.NOT_FOUND', `no need ${needId}`);
    requireInScope(principalOf(req), n, `read need ${needId}`);
    res.setHeader('ETag', etagOf(n.version));
    return n;
  }

  @Post('projects')
  @ApiOperation({ summary: 'Open a cooperation project (ProjectOpened): joint R&D or ordered research' })
  @ApiBody({
    type: OpenProjectDto,
    examples: {
      example: {
        summary: 'joint R&D on an accepted need',
        value: {
          projectId: 'prj-2025-001',
          kind: 'joint-rd',
          enterpriseId: 'sx-coal',
          institutionId: 'tyut',
          applicationNumbers: ['201710601862.3'],
          needId: 'need-2025-001',
          startedOn: '2025-05-20',
        },
      },
    },
  })
  async openProject(
    @Body() dto: OpenProjectDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const now = this.clock.now();
    const ctx = commandContext(req, now);
    const projectId = dto.projectId ?? derivedId('prj', ctx);
    const command = { type: 'OpenProject', data: { ...dto, projectId }, now } as OpenProject;
    const outcome = await this.commands.execute(
      new ExecuteDemandCommand({ aggregate: 'project', id: projectId, command }, ctx),
    );
    return { projectId, ...sendCommandOutcome(res, 201, outcome, `/projects/${projectId}`) };
  }

  @Post('projects/:projectId/close')
  @ApiOperation({ summary: 'Close a project (ProjectClosed) with its outcome' })
  @ApiParam({ name: 'projectId', example: 'prj-2025-001', description: 'the project' })
  @ApiBody({
    type: CloseProjectDto,
    examples: {
      example: {
        summary: 'completed',
        value: { closedOn: '2025-05-30', outcome: 'completed', notes: '形成新专利 1 件' },
      },
    },
  })
  async closeProject(
    @Param('projectId') projectId: string,
    @Body() dto: CloseProjectDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = requireId(projectId, 'projectId');
    const now = this.clock.now();
    const command = { type: 'CloseProject', data: { ...dto, projectId: id }, now } as CloseProject;
    const outcome = await this.commands.execute(
      new ExecuteDemandCommand({ aggregate: 'project', id, command }, commandContext(req, now)),
    );
    return { projectId: id, ...sendCommandOutcome(res, 201, outcome) };
  }

  @Get('projects')
  @ApiOperation({ summary: 'Projects with their resulting patents: parties their own, oversight all' })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: PROJECT_STATUSES,
    description: 'only projects in this status',
  })
  @ApiQuery({ name: 'minPosition', required: false })
  async projects(
    @Req() req: Request,
    @Query('status') status?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    if (status !== undefined && !(PROJECT_STATUSES as readonly string[]).includes(status))
      throw invalidQuery('status', `status must be one of ${PROJECT_STATUSES.join(', ')}`);
    const scope = demandScope(principalOf(req)) as DemandScope;
    await this.rm.waitFor('needs', minPositionOf(minPosition));
    const items = await listProjects(this.rm.readModels.sql, {
      scope,
      ...(status !== undefined ? { status } : {}),
    });
    return { items };
  }

  @Get('projects/:projectId')
  @ApiOperation({ summary: 'One project and the patents inventoried as its results; ETag = its version' })
  @ApiParam({ name: 'projectId', example: 'prj-2025-001', description: 'the project' })
  @ApiQuery({ name: 'minPosition', required: false })
  async project(
    @Param('projectId') projectId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query('minPosition') minPosition?: string,
  ) {
    await this.rm.waitFor('needs', minPositionOf(minPosition));
    const p = await getProject(this.rm.readModels.sql, projectId);
    if (!p) throw ProblemException.of(404, 'PROJECT.NOT_FOUND', `no project ${projectId}`);
    requireInScope(principalOf(req), p, `read project ${projectId}`);
    res.setHeader('ETag', etagOf(p.version));
    return p;
  }
}

function requireInScope(
  caller: ReturnType<typeof principalOf>,
  item: { enterpriseId: string; institutionId: string },
  action: string,
): void {
  const scope = demandScope(caller);
  const ok =
    scope.kind === 'all' ||
    (scope.kind === 'enterprise' && item.enterpriseId === scope.orgId) ||
    (scope.kind === 'institution' && item.institutionId === scope.orgId);
  if (!ok) {
    throw new AccessDeniedError(
      NEEDS_READ_POLICY.rule,
      action,
      `${action} is allowed to ${NEEDS_READ_POLICY.allowedTo} (rule ${NEEDS_READ_POLICY.rule}); ${caller.role} ${caller.orgId} may not`,
    );
  }
}
