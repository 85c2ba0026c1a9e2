import { Body, Controller, Get, Param, Put, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { authorizeRead } from '@patent-ledger/access';
import {
  ENTERPRISE_CATEGORIES,
  requireId,
  type RecommendExpert,
  type RegisterEnterprise,
} from '@patent-ledger/domain';
import {
  listEnterprises,
  listExperts,
  type CsvColumn,
  type EnterpriseEntry,
  type ExpertEntry,
} from '@patent-ledger/read-models';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import type { Request, Response } from 'express';
import { principalOf } from '../auth/principal';
import { commandContext } from '../common/command-context';
import { sendCsv, wantsCsv } from '../common/negotiate';
import { invalidQuery, minPositionOf } from '../common/query-params';
import { sendCommandOutcome } from '../common/responses';
import { IsCalendarDate, IsRecordId } from '../common/validators';
import { ExecuteRegistryCommand } from '../ledger/messages';
import { Clock } from '../ledger/tokens';
import { ReadModelsService } from '../read-models/read-models.service';

const ENTERPRISES_CSV: CsvColumn<EnterpriseEntry>[] = [
  { header: 'enterpriseId', value: (e) => e.enterpriseId },
  { header: 'name', value: (e) => e.name },
  { header: 'category', value: (e) => e.category },
  { header: 'region', value: (e) => e.region },
  { header: 'contactName', value: (e) => e.contact?.name ?? '' },
  { header: 'contactPhone', value: (e) => e.contact?.phone ?? '' },
  { header: 'contactEmail', value: (e) => e.contact?.email ?? '' },
  { header: 'registeredOn', value: (e) => e.registeredOn },
  { header: 'updatedOn', value: (e) => e.updatedOn },
];

const EXPERTS_CSV: CsvColumn<ExpertEntry>[] = [
  { header: 'expertId', value: (e) => e.expertId },
  { header: 'name', value: (e) => e.name },
  { header: 'fields', value: (e) => e.fields.join('; ') },
  { header: 'organisation', value: (e) => e.organisation },
  { header: 'title', value: (e) => e.title ?? '' },
  { header: 'recommendedBy', value: (e) => e.recommendedBy },
  { header: 'recommendedOn', value: (e) => e.recommendedOn },
];

export class EnterpriseContactDto {
  @ApiProperty({ example: '李明' }) @IsString() @Length(1, 100) name!: string;
  @ApiPropertyOptional({ example: '+86 351 1234567' })
  @IsOptional()
  @IsString()
  @Length(1, 30)
  phone?: string;
  @ApiPropertyOptional({ example: 'li.ming@example.cn' })
  @IsOptional()
  @IsString()
  @Length(3, 254)
  email?: string;
}

export class RegisterEnterpriseDto {
  @ApiProperty({ example: '山西煤基新材料有限公司' }) @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ enum: ENTERPRISE_CATEGORIES }) @IsIn(ENTERPRISE_CATEGORIES) category!: string;
  @ApiProperty({ example: '140100', description: 'GB/T 2260 code of its region' })
  @Matches(/^\d{6}$/, { message: 'region must be a 6-digit GB/T 2260 code' })
  region!: string;
  @ApiProperty({ type: EnterpriseContactDto })
  @ValidateNested()
  @Type(() => EnterpriseContactDto)
  contact!: EnterpriseContactDto;
  @ApiPropertyOptional({ example: '2024-04-10' }) @IsOptional() @IsCalendarDate() occurredOn?: string;
}

export class RecommendExpertDto {
  @ApiProperty({ example: '王工' }) @IsString() @Length(1, 100) name!: string;
  @ApiProperty({
    example: ['C04B', '煤基材料'],
    description: 'technical fields (IPC classes or words), 1–20',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  fields!: string[];
  @ApiProperty({ example: '山西焦煤集团' }) @IsString() @Length(1, 200) organisation!: string;
  @ApiPropertyOptional({ example: '高级工程师' }) @IsOptional() @IsString() @Length(1, 100) title?: string;
  @ApiProperty({
    example: 'sx-kjt',
    description: 'the recommending organisation (a department, an enterprise)',
  })
  @IsRecordId('recommendedBy must be an organisation id')
  recommendedBy!: string;
  @ApiPropertyOptional({ example: '2024-04-20' }) @IsOptional() @IsCalendarDate() occurredOn?: string;
}

/**
 * The registries of the plan's §二(二)1 (issue 15): enterprises registered on the platform and the
 * experts recommended into the pool.
 */
@ApiTags('registries')
@Controller()
export class RegistryController {
  constructor(
    private readonly commands: CommandBus,
    private readonly rm: ReadModelsService,
    private readonly clock: Clock,
  ) {}

  @Put('enterprises/:enterpriseId')
  @ApiOperation({
    summary: 'Register an enterprise (EnterpriseRegistered) or change its details (EnterpriseDetailsChanged)',
  })
  @ApiParam({ name: 'enterpriseId', example: 'sx-coal-materials' })
  @ApiBody({
    type: RegisterEnterpriseDto,
    examples: {
      example: {
        summary: '山西煤基新材料有限公司',
        value: {
          name: '山西煤基新材料有限公司',
          category: 'specialized-sme',
          region: '140100',
          contact: { name: '李明', phone: '+86 351 1234567', email: 'li.ming@example.cn' },
          occurredOn: '2024-04-10',
        },
      },
    },
  })
  async putEnterprise(
    @Param('enterpriseId') enterpriseId: string,
    @Body() dto: RegisterEnterpriseDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = requireId(enterpriseId, 'enterpriseId');
    const now = this.clock.now();
    const command = {
      type: 'RegisterEnterprise',
      data: { ...dto, enterpriseId: id },
      now,
    } as RegisterEnterprise;
    const outcome = await this.commands.execute(
      new ExecuteRegistryCommand({ aggregate: 'enterprise', id, command }, commandContext(req, now)),
    );
    const created = outcome.events.some((e) => e.type === 'EnterpriseRegistered') && !outcome.duplicate;
    return sendCommandOutcome(res, created ? 201 : 200, outcome);
  }

  @Put('experts/:expertId')
  @ApiOperation({ summary: 'Recommend an expert into the pool (ExpertRecommended) or change the details' })
  @ApiParam({ name: 'expertId', example: 'exp-wang' })
  @ApiBody({
    type: RecommendExpertDto,
    examples: {
      example: {
        summary: '王工, 山西焦煤集团',
        value: {
          name: '王工',
          fields: ['C04B', '煤基材料'],
          organisation: '山西焦煤集团',
          title: '高级工程师',
          recommendedBy: 'sx-kjt',
          occurredOn: '2024-04-20',
        },
      },
    },
  })
  async putExpert(
    @Param('expertId') expertId: string,
    @Body() dto: RecommendExpertDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = requireId(expertId, 'expertId');
    const now = this.clock.now();
    const command = { type: 'RecommendExpert', data: { ...dto, expertId: id }, now } as RecommendExpert;
    const outcome = await this.commands.execute(
      new ExecuteRegistryCommand({ aggregate: 'expert', id, command }, commandContext(req, now)),
    );
    const created = outcome.events.some((e) => e.type === 'ExpertRecommended') && !outcome.duplicate;
    return sendCommandOutcome(res, created ? 201 : 200, outcome);
  }

  @Get('enterprises')
  @ApiOperation({
    summary: 'The enterprise registry (contacts only for ip-office and the enterprise itself)',
  })
  @ApiQuery({
    name: 'category',
    required: false,
    enum: ENTERPRISE_CATEGORIES,
    description: 'only this category',
  })
  @ApiQuery({ name: 'region', required: false, description: 'GB/T 2260 code or prefix (14: 山西)' })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiProduces('application/json', 'text/csv')
  async enterprises(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query('category') category?: string,
    @Query('region') region?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    const caller = principalOf(req);
    authorizeRead(caller, 'registry');
    if (category !== undefined && !(ENTERPRISE_CATEGORIES as readonly string[]).includes(category)) {
      throw invalidQuery('category', `category must be one of ${ENTERPRISE_CATEGORIES.join(', ')}`);
    }
    if (region !== undefined && !/^\d{1,6}$/.test(region))
      throw invalidQuery('region', 'region must be 1-6 digits');
    await this.rm.waitFor('registry', minPositionOf(minPosition));
    const items = await listEnterprises(this.rm.readModels.sql, {
      ...(category !== undefined ? { category } : {}),
      ...(region !== undefined ? { region } : {}),
    });
    const seesContact = (id: string) =>
      caller.role === 'ip-office' || (caller.role === 'enterprise' && caller.orgId === id);
    const visible = items.map(({ contact, ...e }): EnterpriseEntry =>
      seesContact(e.enterpriseId) && contact !== undefined ? { ...e, contact } : e,
    );
    if (wantsCsv(req)) {
      await sendCsv(res, 'enterprises.csv', ENTERPRISES_CSV, [visible]);
      return;
    }
    return { items: visible };
  }

  @Get('experts')
  @ApiOperation({ summary: 'The expert pool' })
  @ApiQuery({ name: 'field', required: false, description: 'experts listing this field' })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiProduces('application/json', 'text/csv')
  async experts(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query('field') field?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    authorizeRead(principalOf(req), 'registry');
    await this.rm.waitFor('registry', minPositionOf(minPosition));
    const items = await listExperts(this.rm.readModels.sql, field !== undefined ? { field } : {});
    if (wantsCsv(req)) {
      await sendCsv(res, 'experts.csv', EXPERTS_CSV, [items]);
      return;
    }
    return { items };
  }
}
