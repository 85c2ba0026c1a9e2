import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AccessDeniedError, authorizeRead } from '@patent-ledger/access';
import { todayInChina } from '@patent-ledger/domain';
import { queryUnusedPatents } from '@patent-ledger/read-models';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { Request } from 'express';
import { principalOf } from '../auth/principal';
import { IsCalendarDate } from '../common/validators';
import type { LedgerConfig } from '../config';
import { Clock, LEDGER_CONFIG } from '../ledger/tokens';
import { ReadModelsService } from '../read-models/read-models.service';

/** `GET /patents/unused`. */
export class UnusedPatentsQueryDto {
  @ApiPropertyOptional({
    description: 'Years from the grant without implementation (default: LEDGER_UNUSED_YEARS, 3)',
    minimum: 1,
    maximum: 50,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  years?: number;
  @ApiPropertyOptional({ description: 'Business date (default: today in China)', example: '2024-06-30' })
  @IsOptional()
  @IsCalendarDate()
  asOf?: string;
  @ApiPropertyOptional({ description: 'Only this institution (an institution reads only its own)' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { message: 'institutionId must be an institution id' })
  institutionId?: string;
  @ApiPropertyOptional({
    description: 'wait until the read model has applied this log position (read your own write)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  minPosition?: number;
}

/**
 * Fiscally funded patents not implemented for years after their grant (科学技术进步法 Art. 32; plan
 * §二(四)3), from the resource pool's read model.
 */
@ApiTags('read models')
@Controller('patents')
export class UnusedPatentsController {
  constructor(
    private readonly rm: ReadModelsService,
    private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Get('unused')
  @ApiOperation({
    summary:
      'Fiscally funded patents in force, inventoried as not implemented, with no transfer, equity contribution, licence, open-licence taking or industrialization (self-implementation included) dated by asOf, `years` years or more after their grant',
  })
  @ApiResponse({
    status: 200,
    description: 'The list as of asOf: {asOf, years, grantedOnOrBefore, total, items}',
  })
  async unused(@Query() q: UnusedPatentsQueryDto, @Req() req: Request) {
    const caller = principalOf(req);
    authorizeRead(caller, 'unused-patents');
    if (caller.role === 'institution' && q.institutionId !== undefined && q.institutionId !== caller.orgId) {
      throw new AccessDeniedError(
        'unused-patents',
        'read unused patents',
        `read the unused patents of ${q.institutionId} is allowed to that institution, ip-office, auditors and analysts (rule unused-patents); institution ${caller.orgId} reads only its own (institutionId=${caller.orgId})`,
      );
    }
    await this.rm.waitFor('resource-pool', q.minPosition);
    const institutionId = caller.role === 'institution' ? caller.orgId : q.institutionId;
    return queryUnusedPatents(this.rm.readModels.sql, {
      asOf: q.asOf ?? todayInChina(this.clock.now()),
      years: q.years ?? this.config.unusedYears,
      ...(institutionId !== undefined ? { institutionId } : {}),
    });
  }
}
