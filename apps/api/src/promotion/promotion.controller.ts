import { createHash } from 'node:crypto';
import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { authorizeRead } from '@patent-ledger/access';
import {
  isIsoDate,
  requireId,
  TECHNOLOGY_SERVICE_KINDS,
  todayInChina,
  type ChangeKeyPromotionPatents,
  type CloseKeyPromotion,
  type OpenKeyPromotion,
  type RecordSalon,
  type RecordTechnologyService,
} from '@patent-ledger/domain';
import type { CommandContext } from '@patent-ledger/eventsourcing';
import {
  getKeyPromotion,
  getSalon,
  getTechnologyService,
  listKeyPromotions,
  listSalons,
  listTechnologyServices,
  salonQuarters,
} from '@patent-ledger/read-models';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import type { Request, Response } from 'express';
import { principalOf } from '../auth/principal';
import { commandContext } from '../common/command-context';
import { ProblemException } from '../common/problem';
import { invalidQuery, minPositionOf } from '../common/query-params';
import { etagOf, sendCommandOutcome } from '../common/responses';
import { IsCalendarDate, IsRecordId, OptionalText } from '../common/validators';
import { ExecutePromotionCommand } from '../ledger/messages';
import { Clock } from '../ledger/tokens';
import { ReadModelsService } from '../read-models/read-models.service';

const KEY_PROMOTION_STATUSES = ['open', 'closed'] as const;
const AN_EXAMPLE = '201710601862.3';

export class RecordSalonDto {
  @ApiPropertyOptional({
    example: 'salon-sx-2025q2',
    description: 'given by the caller, else derived from the Idempotency-Key',
  })
  @IsOptional()
  @IsRecordId()
  salonId?: string;
  @ApiPropertyOptional({
    example: 'sx-ip-service-assoc',
    description: 'the organising organisation (default: the caller’s); an institution records its own only',
  })
  @IsOptional()
  @IsRecordId()
  organizerId?: string;
  @ApiProperty({ example: '山西省知识产权服务协会' }) @IsString() @Length(1, 200) organizerName!: string;
  @ApiProperty({ example: 'Shanxi', description: 'the province whose quarterly salon it is' })
  @IsString()
  @Length(1, 50)
  province!: string;
  @ApiProperty({ example: '2025-05-20', description: 'the day it was held: not after today' })
  @IsCalendarDate()
  heldOn!: string;
  @ApiProperty({ example: '新材料领域存量专利知识产权沙龙' }) @IsString() @Length(1, 500) title!: string;
  @ApiProperty({ example: [AN_EXAMPLE], description: 'pool patents presented (at least one)' })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  applicationNumbers!: string[];
  @ApiProperty({ example: ['sx-coal-materials'], description: 'registered enterprises that attended' })
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  enterpriseIds!: string[];
  @ApiPropertyOptional({ example: '路演 3 项，意向洽谈 2 项' }) @OptionalText(4000) notes?: string;
}

export class OpenKeyPromotionDto {
  @ApiPropertyOptional({
    example: 'kp-2025-new-materials',
    description: 'given by the caller, else derived from the Idempotency-Key',
  })
  @IsOptional()
  @IsRecordId()
  keyPromotionId?: string;
  @ApiProperty({ example: '新材料高价值专利重点推广' }) @IsString() @Length(1, 200) name!: string;
  @ApiPropertyOptional({ example: 'sx-cnipa', description: 'the organising office (default: the caller’s)' })
  @IsOptional()
  @IsRecordId()
  organizerId?: string;
  @ApiProperty({ example: '山西省知识产权局' }) @IsString() @Length(1, 200) organizerName!: string;
  @ApiProperty({ example: 'Shanxi' }) @IsString() @Length(1, 50) province!: string;
  @ApiProperty({ example: [AN_EXAMPLE], description: 'the pool patents it groups (1–100)' })
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  applicationNumbers!: string[];
  @ApiProperty({ example: '2025-03-01' }) @IsCalendarDate() startedOn!: string;
  @ApiPropertyOptional({ example: '选取煤基新材料方向 5 项高价值专利' })
  @OptionalText(4000)
  description?: string;
}

export class ChangeKeyPromotionPatentsDto {
  @ApiPropertyOptional({ example: ['202010000001.1'], description: 'pool patents to add' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  add?: string[];
  @ApiPropertyOptional({ example: [AN_EXAMPLE], description: 'patents to remove' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  remove?: string[];
  @ApiProperty({ example: '2025-04-01' }) @IsCalendarDate() changedOn!: string;
  @ApiPropertyOptional({ example: '已许可，转入产业化跟踪' }) @OptionalText(2000) reason?: string;
}

export class KeyPromotionCountsDto {
  @ApiPropertyOptional({ example: 2, description: 'deals (transfers, licences) it led to' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  deals?: number;
  @ApiPropertyOptional({ example: 15, description: 'enterprises it reached' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  enterprisesEngaged?: number;
}

export class CloseKeyPromotionDto {
  @ApiProperty({ example: '2025-06-30' }) @IsCalendarDate() closedOn!: string;
  @ApiProperty({ example: '路演 2 场，促成许可 2 项；形成“路演+中试”模式' })
  @IsString()
  @Length(1, 8000)
  summary!: string;
  @ApiPropertyOptional({ type: KeyPromotionCountsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => KeyPromotionCountsDto)
  counts?: KeyPromotionCountsDto;
}

export class RecordServiceDto {
  @ApiPropertyOptional({
    example: 'svc-2025-001',
    description: 'given by the caller, else derived from the Idempotency-Key',
  })
  @IsOptional()
  @IsRecordId()
  serviceId?: string;
  @ApiProperty({ example: AN_EXAMPLE }) @IsString() applicationNumber!: string;
  @ApiProperty({ example: 'zz-sx-ip-ops', description: 'the provider (an organisation id)' })
  @IsRecordId()
  providerId!: string;
  @ApiProperty({ example: '中知（山西）知识产权运营中心' }) @IsString() @Length(1, 200) providerName!: string;
  @ApiProperty({ enum: TECHNOLOGY_SERVICE_KINDS }) @IsIn(TECHNOLOGY_SERVICE_KINDS) kind!: string;
  @ApiProperty({ example: '2025-02-10' }) @IsCalendarDate() startedOn!: string;
  @ApiProperty({ example: '2025-05-10', description: 'completed on: not after today' })
  @IsCalendarDate()
  completedOn!: string;
  @ApiProperty({ example: '完成中试放大，良品率 92%' }) @IsString() @Length(1, 4000) outcome!: string;
  @ApiPropertyOptional({ example: 7, description: 'technology readiness level (1–9) after the service' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(9)
  technologyReadinessAfter?: number;
}

/** A stream id derived from the command id: a retry with the same Idempotency-Key names the same stream. */
const derivedId = (prefix: string, ctx: CommandContext): string =>
  `${prefix}-${createHash('sha256').update(ctx.commandId).digest('hex').slice(0, 20)}`;

/**
 * Promotion as the plan runs it (§二(三)2–3): the quarterly salons and whether each quarter had one,
 * the key-promotion projects (重点推广), and the technology verification and maturation services
 * (技术验证和熟化) performed on patents.
 */
@ApiTags('promotion')
@Controller()
export class PromotionController {
  constructor(
    private readonly commands: CommandBus,
    private readonly rm: ReadModelsService,
    private readonly clock: Clock,
  ) {}

  @Post('salons')
  @ApiOperation({
    summary: 'Record a salon held (SalonRecorded): pool patents presented, enterprises attending',
  })
  @ApiBody({
    type: RecordSalonDto,
    examples: {
      example: {
        summary: 'the second-quarter salon',
        value: {
          salonId: 'salon-sx-2025q2',
          organizerId: 'sx-ip-service-assoc',
          organizerName: '山西省知识产权服务协会',
          province: 'Shanxi',
          heldOn: '2025-05-20',
          title: '新材料领域存量专利知识产权沙龙',
          applicationNumbers: [AN_EXAMPLE],
          enterpriseIds: ['sx-coal-materials'],
        },
      },
    },
  })
  async recordSalon(
    @Body() dto: RecordSalonDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const caller = principalOf(req);
    const now = this.clock.now();
    const ctx = commandContext(req, now);
    const salonId = dto.salonId ?? derivedId('salon', ctx);
    const command = {
      type: 'RecordSalon',
      data: { ...dto, salonId, organizerId: dto.organizerId ?? caller.orgId },
      now,
    } as RecordSalon;
    const outcome = await this.commands.execute(
      new ExecutePromotionCommand({ aggregate: 'salon', id: salonId, command }, ctx),
    );
    return { salonId, ...sendCommandOutcome(res, 201, outcome, `/salons/${salonId}`) };
  }

  @Get('salons')
  @ApiOperation({ summary: 'Salons held, by date' })
  @ApiQuery({ name: 'province', required: false, description: 'only salons of this province' })
  @ApiQuery({ name: 'organizerId', required: false, description: 'only salons of this organizer' })
  @ApiQuery({ name: 'from', required: false, description: 'held on or after this date' })
  @ApiQuery({ name: 'to', required: false, description: 'held on or before this date' })
  @ApiQuery({ name: 'applicationNumber', required: false, description: 'only salons presenting this patent' })
  @ApiQuery({ name: 'enterpriseId', required: false, description: 'only salons this enterprise attended' })
  @ApiQuery({ name: 'minPosition', required: false })
  async salons(
    @Req() req: Request,
    @Query('province') province?: string,
    @Query('organizerId') organizerId?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('applicationNumber') applicationNumber?: string,
    @Query('enterpriseId') enterpriseId?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    authorizeRead(principalOf(req), 'promotion');
    for (const [field, v] of [
      ['from', from],
      ['to', to],
    ] as const)
      if (v !== undefined && !isIsoDate(v))
        throw invalidQuery(field, `${field} must be a calendar date YYYY-MM-DD`);
    await this.rm.waitFor('promotion', minPositionOf(minPosition));
    const items = await listSalons(this.rm.readModels.sql, {
      ...(province !== undefined ? { province } : {}),
      ...(organizerId !== undefined ? { organizerId } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(applicationNumber !== undefined ? { applicationNumber } : {}),
      ...(enterpriseId !== undefined ? { enterpriseId } : {}),
    });
    return { items };
  }

  @Get('salons/quarters')
  @ApiOperation({
    summary: 'Was a salon held each quarter (每季度组织知识产权沙龙)? For a province, an organizer, or both',
  })
  @ApiQuery({ name: 'year', required: true, description: 'the year, e.g. 2025' })
  @ApiQuery({ name: 'province', required: false, description: 'salons of this province' })
  @ApiQuery({ name: 'organizerId', required: false, description: 'salons of this organizer' })
  @ApiQuery({
    name: 'asOf',
    required: false,
    description: 'the date a quarter counts as ended by (default today in China)',
  })
  @ApiQuery({ name: 'minPosition', required: false })
  async salonQuarters(
    @Req() req: Request,
    @Query('year') year?: string,
    @Query('province') province?: string,
    @Query('organizerId') organizerId?: string,
    @Query('asOf') asOf?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    authorizeRead(principalOf(req), 'promotion');
    if (year === undefined || !/^\d{4}$/.test(year))
      throw invalidQuery('year', 'year must be a four-digit year');
    if (asOf !== undefined && !isIsoDate(asOf))
      throw invalidQuery('asOf', 'asOf must be a calendar date YYYY-MM-DD');
    await this.rm.waitFor('promotion', minPositionOf(minPosition));
    return salonQuarters(this.rm.readModels.sql, {
      year: Number(year),
      asOf: asOf ?? todayInChina(this.clock.now()),
      ...(province !== undefined ? { province } : {}),
      ...(organizerId !== undefined ? { organizerId } : {}),
    });
  }

  @Get('salons/:salonId')
  @ApiOperation({ summary: 'One salon; ETag = its version' })
  @ApiParam({ name: 'salonId', example: 'salon-sx-2025q2', description: 'the salon' })
  @ApiQuery({ name: 'minPosition', required: false })
  async salon(
    @Param('salonId') salonId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query('minPosition') minPosition?: string,
  ) {
    authorizeRead(principalOf(req), 'promotion');
    await this.rm.waitFor('promotion', minPositionOf(minPosition));
    const s = await getSalon(this.rm.readModels.sql, salonId);
    if (!s) throw ProblemException.of(404, 'SALON.NOT_FOUND', `no salon ${salonId}`);
    res.setHeader('ETag', etagOf(s.version));
    return s;
  }

  @Post('key-promotions')
  @ApiOperation({
    summary: 'Open a key-promotion project (KeyPromotionOpened, 重点推广) grouping pool patents',
  })
  @ApiBody({
    type: OpenKeyPromotionDto,
    examples: {
      example: {
        summary: 'new materials',
        value: {
          keyPromotionId: 'kp-2025-new-materials',
          name: '新材料高价值专利重点推广',
          organizerName: '山西省知识产权局',
          province: 'Shanxi',
          applicationNumbers: [AN_EXAMPLE],
          startedOn: '2025-03-01',
        },
      },
    },
  })
  async openKeyPromotion(
    @Body() dto: OpenKeyPromotionDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const caller = principalOf(req);
    const now = this.clock.now();
    const ctx = commandContext(req, now);
    const keyPromotionId = dto.keyPromotionId ?? derivedId('kp', ctx);
    const command = {
      type: 'OpenKeyPromotion',
      data: { ...dto, keyPromotionId, organizerId: dto.organizerId ?? caller.orgId },
      now,
    } as OpenKeyPromotion;
    const outcome = await this.commands.execute(
      new ExecutePromotionCommand({ aggregate: 'key-promotion', id: keyPromotionId, command }, ctx),
    );
    return {
      keyPromotionId,
      ...sendCommandOutcome(res, 201, outcome, `/key-promotions/${keyPromotionId}`),
    };
  }

  @Post('key-promotions/:keyPromotionId/patents')
  @ApiOperation({ summary: 'Add or remove patents of an open project (KeyPromotionPatentsChanged)' })
  @ApiParam({ name: 'keyPromotionId', example: 'kp-2025-new-materials', description: 'the project' })
  @ApiBody({
    type: ChangeKeyPromotionPatentsDto,
    examples: {
      example: { summary: 'one more patent', value: { add: ['202010000001.1'], changedOn: '2025-04-01' } },
    },
  })
  async changeKeyPromotionPatents(
    @Param('keyPromotionId') keyPromotionId: string,
    @Body() dto: ChangeKeyPromotionPatentsDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = requireId(keyPromotionId, 'keyPromotionId');
    const now = this.clock.now();
    const command = {
      type: 'ChangeKeyPromotionPatents',
      data: { ...dto, keyPromotionId: id },
      now,
    } as ChangeKeyPromotionPatents;
    const outcome = await this.commands.execute(
      new ExecutePromotionCommand({ aggregate: 'key-promotion', id, command }, commandContext(req, now)),
    );
    return { keyPromotionId: id, ...sendCommandOutcome(res, 201, outcome) };
  }

  @Post('key-promotions/:keyPromotionId/close')
  @ApiOperation({ summary: 'Close a project with its outcome (KeyPromotionClosed)' })
  @ApiParam({ name: 'keyPromotionId', example: 'kp-2025-new-materials', description: 'the project' })
  @ApiBody({
    type: CloseKeyPromotionDto,
    examples: {
      example: {
        summary: 'closed',
        value: { closedOn: '2025-06-30', summary: '路演 2 场，促成许可 2 项', counts: { deals: 2 } },
      },
    },
  })
  async closeKeyPromotion(
    @Param('keyPromotionId') keyPromotionId: string,
    @Body() dto: CloseKeyPromotionDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = requireId(keyPromotionId, 'keyPromotionId');
    const now = this.clock.now();
    const { counts, ...rest } = dto;
    const command = {
      type: 'CloseKeyPromotion',
      data: { ...rest, keyPromotionId: id, ...(counts !== undefined ? { counts: { ...counts } } : {}) },
      now,
    } as CloseKeyPromotion;
    const outcome = await this.commands.execute(
      new ExecutePromotionCommand({ aggregate: 'key-promotion', id, command }, commandContext(req, now)),
    );
    return { keyPromotionId: id, ...sendCommandOutcome(res, 201, outcome) };
  }

  @Get('key-promotions')
  @ApiOperation({ summary: 'Key-promotion projects, by id' })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: KEY_PROMOTION_STATUSES,
    description: 'only in this status',
  })
  @ApiQuery({ name: 'province', required: false, description: 'only of this province' })
  @ApiQuery({
    name: 'applicationNumber',
    required: false,
    description: 'only those grouping this patent now',
  })
  @ApiQuery({ name: 'minPosition', required: false })
  async keyPromotions(
    @Req() req: Request,
    @Query('status') status?: string,
    @Query('province') province?: string,
    @Query('applicationNumber') applicationNumber?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    authorizeRead(principalOf(req), 'promotion');
    if (status !== undefined && !(KEY_PROMOTION_STATUSES as readonly string[]).includes(status))
      throw invalidQuery('status', `status must be one of ${KEY_PROMOTION_STATUSES.join(', ')}`);
    await this.rm.waitFor('promotion', minPositionOf(minPosition));
    const items = await listKeyPromotions(this.rm.readModels.sql, {
      ...(status !== undefined ? { status } : {}),
      ...(province !== undefined ? { province } : {}),
      ...(applicationNumber !== undefined ? { applicationNumber } : {}),
    });
    return { items };
  }

  @Get('key-promotions/:keyPromotionId')
  @ApiOperation({ summary: 'One key-promotion project with the changes of its patents; ETag = its version' })
  @ApiParam({ name: 'keyPromotionId', example: 'kp-2025-new-materials', description: 'the project' })
  @ApiQuery({ name: 'minPosition', required: false })
  async keyPromotion(
    @Param('keyPromotionId') keyPromotionId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query('minPosition') minPosition?: string,
  ) {
    authorizeRead(principalOf(req), 'promotion');
    await this.rm.waitFor('promotion', minPositionOf(minPosition));
    const k = await getKeyPromotion(this.rm.readModels.sql, keyPromotionId);
    if (!k)
      throw ProblemException.of(404, 'KEY_PROMOTION.NOT_FOUND', `no key-promotion project ${keyPromotionId}`);
    res.setHeader('ETag', etagOf(k.version));
    return k;
  }

  @Post('services')
  @ApiOperation({
    summary: 'Record a technology verification, maturation or pilot test performed on a patent',
  })
  @ApiBody({
    type: RecordServiceDto,
    examples: {
      example: {
        summary: 'a maturation',
        value: {
          serviceId: 'svc-2025-001',
          applicationNumber: AN_EXAMPLE,
          providerId: 'zz-sx-ip-ops',
          providerName: '中知（山西）知识产权运营中心',
          kind: 'maturation',
          startedOn: '2025-02-10',
          completedOn: '2025-05-10',
          outcome: '完成中试放大，良品率 92%',
          technologyReadinessAfter: 7,
        },
      },
    },
  })
  async recordService(
    @Body() dto: RecordServiceDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const now = this.clock.now();
    const ctx = commandContext(req, now);
    const serviceId = dto.serviceId ?? derivedId('svc', ctx);
    const command = {
      type: 'RecordTechnologyService',
      data: { ...dto, serviceId },
      now,
    } as RecordTechnologyService;
    const outcome = await this.commands.execute(
      new ExecutePromotionCommand({ aggregate: 'service', id: serviceId, command }, ctx),
    );
    return { serviceId, ...sendCommandOutcome(res, 201, outcome, `/services/${serviceId}`) };
  }

  @Get('services')
  @ApiOperation({ summary: 'Technology services performed, by completion date' })
  @ApiQuery({ name: 'applicationNumber', required: false, description: 'only services on this patent' })
  @ApiQuery({ name: 'institutionId', required: false, description: 'only on this institution’s patents' })
  @ApiQuery({ name: 'providerId', required: false, description: 'only by this provider' })
  @ApiQuery({
    name: 'kind',
    required: false,
    enum: TECHNOLOGY_SERVICE_KINDS,
    description: 'only of this kind',
  })
  @ApiQuery({ name: 'minPosition', required: false })
  async services(
    @Req() req: Request,
    @Query('applicationNumber') applicationNumber?: string,
    @Query('institutionId') institutionId?: string,
    @Query('providerId') providerId?: string,
    @Query('kind') kind?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    authorizeRead(principalOf(req), 'promotion');
    if (kind !== undefined && !(TECHNOLOGY_SERVICE_KINDS as readonly string[]).includes(kind))
      throw invalidQuery('kind', `kind must be one of ${TECHNOLOGY_SERVICE_KINDS.join(', ')}`);
    await this.rm.waitFor('promotion', minPositionOf(minPosition));
    const items = await listTechnologyServices(this.rm.readModels.sql, {
      ...(applicationNumber !== undefined ? { applicationNumber } : {}),
      ...(institutionId !== undefined ? { institutionId } : {}),
      ...(providerId !== undefined ? { providerId } : {}),
      ...(kind !== undefined ? { kind } : {}),
    });
    return { items };
  }

  @Get('services/:serviceId')
  @ApiOperation({ summary: 'One technology service; ETag = its version' })
  @ApiParam({ name: 'serviceId', example: 'svc-2025-001', description: 'the service' })
  @ApiQuery({ name: 'minPosition', required: false })
  async service(
    @Param('serviceId') serviceId: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query('minPosition') minPosition?: string,
  ) {
    authorizeRead(principalOf(req), 'promotion');
    await this.rm.waitFor('promotion', minPositionOf(minPosition));
    const s = await getTechnologyService(this.rm.readModels.sql, serviceId);
    if (!s) throw ProblemException.of(404, 'SERVICE.NOT_FOUND', `no service ${serviceId}`);
    res.setHeader('ETag', etagOf(s.version));
    return s;
  }
}
