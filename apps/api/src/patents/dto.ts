import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  COOPERATION_WILLINGNESS,
  ENTERPRISE_CATEGORIES,
  GRADES,
  IMPLEMENTATION_STATUSES,
  IMPROVEMENT_NEEDS,
  INSTITUTION_KINDS,
  INTENT_MODES,
  LAPSE_REASONS,
  LICENSE_TYPES,
  MILESTONE_GROUPS,
  PATENT_KINDS,
  PRICING_METHODS,
  PROMOTION_CHANNELS,
  PROMOTION_TIERS,
  ROYALTY_BASES,
  SCREENING_DECISIONS,
  SCREENING_METHODS,
} from '@patent-ledger/domain';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsCalendarDate, IsMoney, OptionalText } from '../common/validators';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const ID_MSG = {
  message: '$property must be 1-128 letters, digits or . _ : - (starting with a letter or digit)',
};
const MONEY_SCHEMA = {
  oneOf: [
    { type: 'string', pattern: '^\\d+(\\.\\d{1,2})?$' },
    { type: 'integer', minimum: 0 },
  ],
};

export class RegisterInstitutionDto {
  @ApiProperty({ example: '太原理工大学' }) @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ enum: INSTITUTION_KINDS }) @IsIn(INSTITUTION_KINDS) kind!: string;
  @ApiProperty({ example: '山西' }) @IsString() @Length(1, 50) province!: string;
  @ApiProperty({
    enum: MILESTONE_GROUPS,
    description: 'tyut (太原理工大学), key4 (four key universities), other',
  })
  @IsIn(MILESTONE_GROUPS)
  milestoneGroup!: string;
  @ApiProperty({ example: 3200, minimum: 0 }) @IsInt() @Min(0) @Max(10_000_000) stockPatentCount!: number;
  @ApiPropertyOptional({
    description: 'Why the stock count changes; required when it does (empty: none)',
    maxLength: 2000,
  })
  @OptionalText(2000)
  reason?: string;
  @ApiPropertyOptional({ description: 'Business date (default: today in China)', example: '2024-02-29' })
  @IsOptional()
  @IsCalendarDate()
  occurredOn?: string;
}

export class HighValueFlagsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() strategicEmergingIndustry?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() overseasFamily?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() maintainedOver10Years?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() pledgeFinancing?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() award?: boolean;
}

export class InventoryPatentDto {
  @ApiProperty({
    example: '201710601862.3',
    description: 'CNIPA application number (申请号) with check digit',
  })
  @IsString()
  @Length(8, 20)
  applicationNumber!: string;
  @ApiProperty({ example: 'tyut' }) @Matches(ID, ID_MSG) institutionId!: string;
  @ApiProperty() @IsString() @Length(1, 500) title!: string;
  @ApiProperty({ enum: PATENT_KINDS }) @IsIn(PATENT_KINDS) kind!: string;
  @ApiProperty({ example: '2017-07-21' }) @IsCalendarDate() filingDate!: string;
  @ApiProperty({ example: '2020-03-10' }) @IsCalendarDate() grantDate!: string;
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Length(1, 500, { each: true })
  inventors!: string[];
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Length(1, 500, { each: true })
  coPatentees?: string[];
  @ApiProperty({ type: [String], example: ['C04B 38/00'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  ipc!: string[];
  @ApiProperty() @IsBoolean() fiscallyFunded!: boolean;
  @ApiProperty({ enum: IMPLEMENTATION_STATUSES })
  @IsIn(IMPLEMENTATION_STATUSES)
  implementationStatus!: string;
  @ApiProperty({ minimum: 1, maximum: 9 }) @IsInt() @Min(1) @Max(9) technologyReadiness!: number;
  @ApiProperty({ enum: GRADES }) @IsIn(GRADES) selfAssessedGrade!: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Length(1, 500, { each: true })
  applicationScenarios?: string[];
  @ApiPropertyOptional({ type: HighValueFlagsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => HighValueFlagsDto)
  highValueFlags?: HighValueFlagsDto;
  @ApiProperty({ example: '2024-03-15', description: 'Business date of the inventory (盘点)' })
  @IsCalendarDate()
  occurredOn!: string;
}

export class ScreeningDto {
  @ApiProperty({ enum: SCREENING_METHODS }) @IsIn(SCREENING_METHODS) method!: string;
  @ApiProperty({ enum: SCREENING_DECISIONS }) @IsIn(SCREENING_DECISIONS) decision!: string;
  @ApiPropertyOptional({ description: 'Why it was admitted or declined (empty: none)', maxLength: 2000 })
  @OptionalText(2000)
  reason?: string;
}

export class TagIntentDto {
  @ApiProperty({ enum: INTENT_MODES, isArray: true })
  @IsArray()
  @ArrayMaxSize(3)
  @IsIn(INTENT_MODES, { each: true })
  modes!: string[];
  @ApiProperty({ type: ScreeningDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => ScreeningDto)
  screening!: ScreeningDto;
  @ApiPropertyOptional({ ...MONEY_SCHEMA, description: 'CNY: decimal string of yuan or integer fen' })
  @IsOptional()
  @IsMoney()
  askingPrice?: string | number;
  @ApiProperty() @IsCalendarDate() occurredOn!: string;
}

export class ImprovementNeedsDto {
  @ApiProperty({ enum: IMPROVEMENT_NEEDS }) @IsIn(IMPROVEMENT_NEEDS) level!: string;
  @ApiPropertyOptional({ description: 'What needs improving (empty: none)', maxLength: 2000 })
  @OptionalText(2000)
  notes?: string;
}

export class EvaluatePatentDto {
  @ApiProperty() @Matches(ID, ID_MSG) evaluationId!: string;
  @ApiProperty() @Matches(ID, ID_MSG) enterpriseId!: string;
  @ApiProperty() @IsString() @Length(1, 500) enterpriseName!: string;
  @ApiProperty({ enum: ENTERPRISE_CATEGORIES }) @IsIn(ENTERPRISE_CATEGORIES) enterpriseCategory!: string;
  @ApiProperty({ minimum: 1, maximum: 5 }) @IsInt() @Min(1) @Max(5) industrializationProspect!: number;
  @ApiProperty({ type: ImprovementNeedsDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => ImprovementNeedsDto)
  improvementNeeds!: ImprovementNeedsDto;
  @ApiProperty({ enum: COOPERATION_WILLINGNESS })
  @IsIn(COOPERATION_WILLINGNESS)
  cooperationWillingness!: string;
  @ApiProperty() @IsCalendarDate() occurredOn!: string;
}

export class PromotePatentDto {
  @ApiProperty() @Matches(ID, ID_MSG) promotionId!: string;
  @ApiProperty({ enum: PROMOTION_CHANNELS }) @IsIn(PROMOTION_CHANNELS) channel!: string;
  @ApiProperty({ enum: PROMOTION_TIERS }) @IsIn(PROMOTION_TIERS) tier!: string;
  @ApiProperty() @IsString() @Length(1, 500) organizer!: string;
  @ApiProperty() @IsCalendarDate() occurredOn!: string;
}

export class TransferPatentDto {
  @ApiProperty() @Matches(ID, ID_MSG) dealId!: string;
  @ApiProperty() @Matches(ID, ID_MSG) assigneeId!: string;
  @ApiProperty() @IsString() @Length(1, 500) assigneeName!: string;
  @ApiProperty() @IsCalendarDate() contractDate!: string;
  @ApiProperty({ ...MONEY_SCHEMA }) @IsMoney() price!: string | number;
  @ApiProperty({ enum: PRICING_METHODS }) @IsIn(PRICING_METHODS) pricingMethod!: string;
}

export class RegisterTransferDto {
  @ApiProperty() @IsCalendarDate() registeredOn!: string;
  @ApiProperty() @IsString() @Length(1, 100) noticeNumber!: string;
}

export class LicensePatentDto {
  @ApiProperty() @Matches(ID, ID_MSG) dealId!: string;
  @ApiProperty() @Matches(ID, ID_MSG) licenseeId!: string;
  @ApiProperty() @IsString() @Length(1, 500) licenseeName!: string;
  @ApiProperty({ enum: LICENSE_TYPES }) @IsIn(LICENSE_TYPES) type!: string;
  @ApiProperty() @IsCalendarDate() effectiveDate!: string;
  @ApiProperty() @IsCalendarDate() endDate!: string;
  @ApiProperty({ ...MONEY_SCHEMA }) @IsMoney() royalty!: string | number;
}

export class RecordLicenseDto {
  @ApiProperty() @IsString() @Length(1, 100) recordalNumber!: string;
  @ApiProperty() @IsCalendarDate() recordedOn!: string;
}

export class IndustrializePatentDto {
  @ApiProperty() @Matches(ID, ID_MSG) industrializationId!: string;
  @ApiProperty({
    description: 'The implementing enterprise; the institution id itself for self-implementation',
  })
  @Matches(ID, ID_MSG)
  enterpriseId!: string;
  @ApiProperty() @IsString() @Length(1, 500) productName!: string;
  @ApiProperty() @IsCalendarDate() startedOn!: string;
}

export class FileDensityProductDto {
  @ApiProperty() @IsString() @Length(1, 100) recordNumber!: string;
  @ApiProperty() @IsCalendarDate() filedOn!: string;
}

export class RoyaltyDto {
  @ApiProperty({ enum: ROYALTY_BASES }) @IsIn(ROYALTY_BASES) basis!: string;
  @ApiPropertyOptional({ ...MONEY_SCHEMA, description: 'for lump-sum' }) @IsOptional() @IsMoney() amount?:
    string | number;
  @ApiPropertyOptional({ description: 'percent of sales, for percentage-of-sales', minimum: 0, maximum: 100 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  rate?: number;
}

export class DeclareOpenLicenseDto {
  @ApiProperty() @Matches(ID, ID_MSG) declarationId!: string;
  @ApiProperty({ type: RoyaltyDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => RoyaltyDto)
  royalty!: RoyaltyDto;
  @ApiProperty() @IsCalendarDate() termFrom!: string;
  @ApiProperty() @IsCalendarDate() termTo!: string;
  @ApiPropertyOptional({
    description: 'Patent evaluation report; required for utility-model and design (Art. 50)',
  })
  @OptionalText(200)
  evaluationReportRef?: string;
  @ApiProperty() @IsCalendarDate() occurredOn!: string;
}

export class TakeOpenLicenseDto {
  @ApiProperty({ description: 'Deal id of the ordinary licence the taking creates' })
  @Matches(ID, ID_MSG)
  dealId!: string;
  @ApiProperty() @Matches(ID, ID_MSG) licenseeId!: string;
  @ApiProperty() @IsString() @Length(1, 500) licenseeName!: string;
  @ApiProperty() @IsCalendarDate() notifiedOn!: string;
}

export class WithdrawOpenLicenseDto {
  @ApiProperty() @IsCalendarDate() withdrawnOn!: string;
}

export class ReportTransactionDto {
  @ApiPropertyOptional({ description: 'A transfer or licence deal (give this or industrializationId)' })
  @IsOptional()
  @Matches(ID, ID_MSG)
  dealId?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID, ID_MSG) industrializationId?: string;
  @ApiProperty() @IsCalendarDate() reportedOn!: string;
  @ApiProperty() @IsString() @Length(1, 100) platformRef!: string;
}

export class LapsePatentDto {
  @ApiProperty({ enum: LAPSE_REASONS }) @IsIn(LAPSE_REASONS) reason!: string;
  @ApiProperty() @IsCalendarDate() effectiveOn!: string;
}
