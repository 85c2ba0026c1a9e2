import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  HIGH_VALUE_FLAGS,
  INTENT_MODES,
  PATENT_KINDS,
  PROMOTION_TIERS,
  SUPERVISING_DEPARTMENTS,
} from '@patent-ledger/domain';
import { DEAL_STATUSES, OBLIGATION_KINDS, OBLIGATION_STATUSES, POOL_SORTS } from '@patent-ledger/read-models';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { IsCalendarDate } from '../common/validators';

/** The `knownAt` query parameter of the read models: what the ledger had recorded by an instant. */
function KnownAtQuery(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      description:
        'As known at this instant (ISO date-time, or a date: its start in UTC): only what the ledger had recorded by then',
      example: '2024-07-01T00:00:00Z',
    }),
    IsOptional(),
    IsString(),
    Length(1, 40),
  );
}

const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class PagingDto {
  @ApiPropertyOptional({ description: 'entries per page', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (nextCursor)' })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  cursor?: string;
  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'csv: same as Accept: text/csv' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: string;
  @ApiPropertyOptional({
    description: 'Wait until the read model has applied this log position (read-your-writes)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  minPosition?: number;
}

export class ResourcePoolQueryDto extends PagingDto {
  @ApiPropertyOptional({ description: "only this institution's patents" })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  institutionId?: string;
  @ApiPropertyOptional({ description: 'only patents offered for this conversion mode', enum: INTENT_MODES })
  @IsOptional()
  @IsIn(INTENT_MODES)
  mode?: (typeof INTENT_MODES)[number];
  @ApiPropertyOptional({ description: 'only this kind of patent', enum: PATENT_KINDS })
  @IsOptional()
  @IsIn(PATENT_KINDS)
  kind?: string;
  @ApiPropertyOptional({ description: 'IPC prefix, e.g. H01M or "C04B 38"' })
  @IsOptional()
  @IsString()
  @Length(1, 30)
  ipc?: string;
  @ApiPropertyOptional({ description: 'Only high-value patents (true) or only others (false)' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  highValue?: boolean;
  @ApiPropertyOptional({ description: 'only patents with this high-value flag', enum: HIGH_VALUE_FLAGS })
  @IsOptional()
  @IsIn(HIGH_VALUE_FLAGS)
  highValueFlag?: (typeof HIGH_VALUE_FLAGS)[number];
  @ApiPropertyOptional({
    enum: PROMOTION_TIERS,
    description: 'featured: has a featured promotion; standard: promoted, none featured',
  })
  @IsOptional()
  @IsIn(PROMOTION_TIERS)
  tier?: 'featured' | 'standard';
  @ApiPropertyOptional({
    description: 'only patents whose mean industrialization prospect is at least this',
    minimum: 1,
    maximum: 5,
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber()
  @Min(1)
  @Max(5)
  minProspect?: number;
  @ApiPropertyOptional({
    description:
      'only patents in this status as of asOf (expired: past the last day of protection; lapsed: recorded, or an annuity unpaid past its grace period)',
    enum: DEAL_STATUSES,
  })
  @IsOptional()
  @IsIn(DEAL_STATUSES)
  status?: (typeof DEAL_STATUSES)[number];
  @ApiPropertyOptional({
    description:
      'Business date of the statuses (default: today in China): expiry and lapse follow from the dates',
    example: '2026-08-01',
  })
  @IsOptional()
  @IsCalendarDate()
  asOf?: string;
  @ApiPropertyOptional({ description: 'Text in the title' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
  @ApiPropertyOptional({
    description: 'order: recent (last activity), prospect (mean prospect), evaluations (count)',
    enum: POOL_SORTS,
    default: 'recent',
  })
  @IsOptional()
  @IsIn(POOL_SORTS)
  sort?: (typeof POOL_SORTS)[number];
}

export class AuditQueryDto extends PagingDto {
  @ApiPropertyOptional({ description: 'only events of this actor role' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  actorRole?: string;
  @ApiPropertyOptional({ description: 'Organisation of the actor' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  actorOrg?: string;
  @ApiPropertyOptional({ description: 'only events of this user' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  actorUser?: string;
  @ApiPropertyOptional({ description: 'only events of this type', example: 'Transferred' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  eventType?: string;
  @ApiPropertyOptional({
    description: 'only events of patent or institution streams',
    enum: ['patent', 'institution'],
  })
  @IsOptional()
  @IsIn(['patent', 'institution'])
  category?: string;
  @ApiPropertyOptional({ description: 'Recorded at or after (ISO instant or date)' })
  @IsOptional()
  @IsString()
  @Length(10, 40)
  from?: string;
  @ApiPropertyOptional({ description: 'Recorded before (ISO instant or date)' })
  @IsOptional()
  @IsString()
  @Length(10, 40)
  to?: string;
}

export class PatentViewQueryDto {
  @ApiPropertyOptional({ description: 'State from events whose business date is on or before this day' })
  @IsOptional()
  @IsCalendarDate()
  asOf?: string;
  @ApiPropertyOptional({ description: 'State from events recorded by this instant (ISO UTC)' })
  @IsOptional()
  @IsString()
  @Length(10, 40)
  knownAt?: string;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({
    description: 'json (default) or csv (also: Accept: text/csv)',
    enum: ['json', 'csv'],
  })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: string;
}

export class ObligationsQueryDto extends PagingDto {
  @KnownAtQuery()
  knownAt?: string;
  @ApiPropertyOptional({
    description: 'only obligations in this state as of asOf',
    enum: OBLIGATION_STATUSES,
  })
  @IsOptional()
  @IsIn(OBLIGATION_STATUSES)
  status?: (typeof OBLIGATION_STATUSES)[number];
  @ApiPropertyOptional({ description: 'only obligations of this kind', enum: OBLIGATION_KINDS })
  @IsOptional()
  @IsIn(OBLIGATION_KINDS)
  kind?: (typeof OBLIGATION_KINDS)[number];
  @ApiPropertyOptional({ description: "only this institution's obligations" })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  institutionId?: string;
  @ApiPropertyOptional({ description: "only this patent's obligations (application number)" })
  @IsOptional()
  @IsString()
  @Length(8, 20)
  applicationNumber?: string;
  @ApiPropertyOptional({
    description:
      'only the obligations this party owes (its org id): the institution registers, records and reports; the industrializing enterprise files the patent-intensive product; the holder pays the annuity',
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  responsibleParty?: string;
  @ApiPropertyOptional({
    description: 'Business date of the statuses (default: today in China)',
    example: '2025-01-31',
  })
  @IsOptional()
  @IsCalendarDate()
  asOf?: string;
}

export class ProgressQueryDto {
  @ApiPropertyOptional({ description: 'Business date (default: today in China)', example: '2024-06-30' })
  @IsOptional()
  @IsCalendarDate()
  asOf?: string;
  @ApiPropertyOptional({ description: 'Only institutions of this province' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  province?: string;
  @ApiPropertyOptional({
    description:
      'Only institutions of this supervising department (主管部门; `unspecified`: registered without one)',
    enum: [...SUPERVISING_DEPARTMENTS, 'unspecified'],
  })
  @IsOptional()
  @IsIn([...SUPERVISING_DEPARTMENTS, 'unspecified'])
  department?: string;
  @ApiPropertyOptional({ description: 'Only this institution' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { message: 'institutionId must be an institution id' })
  institutionId?: string;
  @KnownAtQuery()
  knownAt?: string;

  @ApiPropertyOptional({
    description: 'json (default) or csv (also: Accept: text/csv)',
    enum: ['json', 'csv'],
  })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: string;
  @ApiPropertyOptional({
    description: 'wait until the read model has applied this log position (read your own write)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  minPosition?: number;
}

/** `GET /kpis`: the progress filters, and a monthly series. */
export class KpisQueryDto extends ProgressQueryDto {
  @ApiPropertyOptional({
    description: 'monthly: also the figures at the end of each month from `from` to asOf',
    enum: ['monthly'],
  })
  @IsOptional()
  @IsIn(['monthly'])
  series?: 'monthly';
  @ApiPropertyOptional({
    description: 'First month of the series (default: January of asOf’s year)',
    example: '2024-03-01',
  })
  @IsOptional()
  @IsCalendarDate()
  from?: string;
}
