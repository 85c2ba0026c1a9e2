import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CONSENT_PARTIES,
  CONSENT_SCOPES,
  COOPERATION_WILLINGNESS,
  DEAL_ENDINGS,
  ENTERPRISE_CATEGORIES,
  GRADES,
  IMPLEMENTATION_STATUSES,
  IMPROVEMENT_NEEDS,
  INSTITUTION_KINDS,
  INTENT_MODES,
  LAPSE_REASONS,
  LICENSE_TYPES,
  MILESTONE_GROUPS,
  SUPERVISING_DEPARTMENTS,
  OPEN_LICENCE_STARTS,
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
import { IsCalendarDate, IsRecordId, IsMoney, OptionalText } from '../common/validators';

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
  @ApiPropertyOptional({
    enum: SUPERVISING_DEPARTMENTS,
    description:
      'Supervising department (主管部门): education 教育厅, science-technology 科技厅, health 卫健委, agriculture-rural 农业农村厅, state-assets 国资委, industry-it 工信厅, other; fixed once given',
  })
  @IsOptional()
  @IsIn(SUPERVISING_DEPARTMENTS)
  department?: string;
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

export class CoOwnerDto {
  @ApiProperty({ example: 'sx-coal-group' }) @IsRecordId() id!: string;
  @ApiProperty({ example: '山西焦煤集团有限责任公司' }) @IsString() @Length(1, 500) name!: string;
}

/** The funded project of a fiscally funded result (科学技术进步法 Art. 32). */
export class FundingDto {
  @ApiProperty({ example: '2016YFB0601100' }) @IsString() @Length(1, 100) projectNumber!: string;
  @ApiProperty({ example: '科学技术部' }) @IsString() @Length(1, 500) funder!: string;
  @ApiPropertyOptional({ example: '国家重点研发计划' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  programme?: string;
}

/** The patent declaration (专利声明) of a fiscally funded result. */
export class PatentDeclarationDto {
  @ApiProperty({ example: '2017-07-21', description: 'When it was declared (not after the grant)' })
  @IsCalendarDate()
  declaredOn!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 2000) statement?: string;
}

export class InventoryPatentDto {
  @ApiProperty({
    example: '201710601862.3',
    description: 'CNIPA application number (申请号) with check digit',
  })
  @IsString()
  @Length(8, 20)
  applicationNumber!: string;
  @ApiProperty({ example: 'tyut' }) @IsRecordId() institutionId!: string;
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
  @ApiPropertyOptional({
    example: '201710601862.3',
    description:
      'For a divisional application (细则 r.48–49): the parent’s application number. The divisional keeps the parent’s filing date, so its number’s year may be later.',
  })
  @IsOptional()
  @IsString()
  @Length(8, 24)
  divisionalOf?: string;
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 3650,
    description:
      'Patent-term compensation granted, in days (专利法 Art. 42 ¶2–3; inventions granted from 2021-06-01)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3650)
  termAdjustmentDays?: number;
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 40,
    example: 7,
    description:
      'The last year of protection (from the filing date) whose annuity is paid: the ledger then tracks the annuities (due dates, grace, lapse for non-payment)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(40)
  annuitiesPaidThrough?: number;
  @ApiPropertyOptional({
    type: () => [CoOwnerDto],
    description: 'Co-owners with their ids (专利法 Art. 14); their names become coPatentees',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CoOwnerDto)
  coOwners?: CoOwnerDto[];
  @ApiPropertyOptional({
    type: () => FundingDto,
    description: 'The funded project: required when fiscallyFunded is true (科学技术进步法 Art. 32)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => FundingDto)
  funding?: FundingDto;
  @ApiPropertyOptional({
    type: () => PatentDeclarationDto,
    description: 'The patent declaration (专利声明): required when fiscallyFunded is true',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => PatentDeclarationDto)
  declaration?: PatentDeclarationDto;
  @ApiPropertyOptional({
    example: 'prj-2025-001',
    description: 'The cooperation project (POST /projects) the patent resulted from; it must be open',
  })
  @IsOptional()
  @IsRecordId()
  projectId?: string;
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
  @ApiProperty() @IsRecordId() evaluationId!: string;
  @ApiProperty() @IsRecordId() enterpriseId!: string;
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
  @ApiProperty() @IsRecordId() promotionId!: string;
  @ApiProperty({ enum: PROMOTION_CHANNELS }) @IsIn(PROMOTION_CHANNELS) channel!: string;
  @ApiProperty({ enum: PROMOTION_TIERS }) @IsIn(PROMOTION_TIERS) tier!: string;
  @ApiProperty() @IsString() @Length(1, 500) organizer!: string;
  @ApiProperty() @IsCalendarDate() occurredOn!: string;
}

export class TransferPatentDto {
  @ApiProperty() @IsRecordId() dealId!: string;
  @ApiProperty() @IsRecordId() assigneeId!: string;
  @ApiProperty() @IsString() @Length(1, 500) assigneeName!: string;
  @ApiProperty() @IsCalendarDate() contractDate!: string;
  @ApiProperty({ ...MONEY_SCHEMA }) @IsMoney() price!: string | number;
  @ApiProperty({ enum: PRICING_METHODS }) @IsIn(PRICING_METHODS) pricingMethod!: string;
}

/** An equity contribution (作价投资): a transfer to the company, registered like one. */
export class RecordEquityContributionDto {
  @ApiProperty() @IsRecordId() dealId!: string;
  @ApiProperty({ example: 'sx-new-materials' }) @IsRecordId() companyId!: string;
  @ApiProperty() @IsString() @Length(1, 500) companyName!: string;
  @ApiProperty() @IsCalendarDate() contractDate!: string;
  @ApiProperty({ ...MONEY_SCHEMA, description: 'The valuation of the patent (CNY)' })
  @IsMoney()
  valuation!: string | number;
  @ApiPropertyOptional({
    example: '12.5',
    description: 'Equity share received, in percent (0 < share ≤ 100)',
  })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,3}(\.\d{1,4})?$/, { message: 'equityShare must be a percentage such as "12.5"' })
  equityShare?: string;
}

export class RegisterTransferDto {
  @ApiProperty() @IsCalendarDate() registeredOn!: string;
  @ApiProperty() @IsString() @Length(1, 100) noticeNumber!: string;
}

export class LicensePatentDto {
  @ApiProperty() @IsRecordId() dealId!: string;
  @ApiProperty() @IsRecordId() licenseeId!: string;
  @ApiProperty() @IsString() @Length(1, 500) licenseeName!: string;
  @ApiProperty({ enum: LICENSE_TYPES }) @IsIn(LICENSE_TYPES) type!: string;
  @ApiProperty({
    description:
      'The date the contract took effect (合同生效日): the recordal period runs from it (细则 r.15 ¶2)',
  })
  @IsCalendarDate()
  contractDate!: string;
  @ApiProperty({ description: 'First day of the licensed term (not before the grant)' })
  @IsCalendarDate()
  effectiveDate!: string;
  @ApiProperty({ description: 'Last day of the licensed term (not after the last day of protection)' })
  @IsCalendarDate()
  endDate!: string;
  @ApiProperty({ ...MONEY_SCHEMA }) @IsMoney() royalty!: string | number;
  @ApiPropertyOptional({
    type: [String],
    example: ['140000'],
    description: 'GB/T 2260 region codes the licence covers (absent or CN: all of China)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  territory?: string[];
  @ApiPropertyOptional({
    type: [String],
    description: 'Fields of use the licence covers (absent: every field)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 500, { each: true })
  fieldsOfUse?: string[];
  @ApiPropertyOptional({
    description:
      'A co-owner granting the licence in its own name (专利法 Art. 14: alone, ordinary licences only)',
  })
  @IsOptional()
  @IsRecordId()
  licensorId?: string;
}

export class RecordLicenseDto {
  @ApiProperty() @IsString() @Length(1, 100) recordalNumber!: string;
  @ApiProperty() @IsCalendarDate() recordedOn!: string;
}

export class IndustrializePatentDto {
  @ApiProperty() @IsRecordId() industrializationId!: string;
  @ApiProperty({
    description: 'The implementing enterprise; the institution id itself for self-implementation',
  })
  @IsRecordId()
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
  @ApiProperty() @IsRecordId() declarationId!: string;
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
  @ApiPropertyOptional({
    enum: OPEN_LICENCE_STARTS,
    description:
      'When a taker’s licence begins (专利法 Art. 51 ¶1): on payment of the fee, or on the written notice. Default: payment for a lump sum, notification for a royalty on sales',
  })
  @IsOptional()
  @IsIn(OPEN_LICENCE_STARTS)
  licenceFrom?: string;
  @ApiProperty() @IsCalendarDate() occurredOn!: string;
}

export class OpenLicenseFeePaymentDto {
  @ApiProperty() @IsCalendarDate() paidOn!: string;
  @ApiProperty({ ...MONEY_SCHEMA }) @IsMoney() amount!: string | number;
}

export class TakeOpenLicenseDto {
  @ApiProperty({ description: 'Deal id of the ordinary licence the taking creates' })
  @IsRecordId()
  dealId!: string;
  @ApiProperty() @IsRecordId() licenseeId!: string;
  @ApiProperty() @IsString() @Length(1, 500) licenseeName!: string;
  @ApiProperty({ description: 'The written notice to the patentee (专利法 Art. 51 ¶1)' })
  @IsCalendarDate()
  notifiedOn!: string;
  @ApiPropertyOptional({
    type: OpenLicenseFeePaymentDto,
    description: 'Payment of the published fee; required when the declaration’s licences begin on payment',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => OpenLicenseFeePaymentDto)
  payment?: OpenLicenseFeePaymentDto;
}

export class WithdrawOpenLicenseDto {
  @ApiProperty() @IsCalendarDate() withdrawnOn!: string;
}

export class ReportTransactionDto {
  @ApiPropertyOptional({ description: 'A transfer or licence deal (give this or industrializationId)' })
  @IsOptional()
  @IsRecordId()
  dealId?: string;
  @ApiPropertyOptional() @IsOptional() @IsRecordId() industrializationId?: string;
  @ApiProperty() @IsCalendarDate() reportedOn!: string;
  @ApiProperty() @IsString() @Length(1, 100) platformRef!: string;
}

export class LapsePatentDto {
  @ApiProperty({ enum: LAPSE_REASONS }) @IsIn(LAPSE_REASONS) reason!: string;
  @ApiProperty() @IsCalendarDate() effectiveOn!: string;
}

export class EndDealDto {
  @ApiProperty({
    enum: DEAL_ENDINGS,
    description: 'cancelled (the contract never took effect), terminated early, or rescinded (解除)',
  })
  @IsIn(DEAL_ENDINGS)
  ending!: string;
  @ApiProperty({ description: 'The first day the contract no longer binds' })
  @IsCalendarDate()
  endedOn!: string;
  @ApiProperty() @IsString() @Length(1, 2000) reason!: string;
}

export class PayAnnuityDto {
  @ApiProperty({ minimum: 1, maximum: 40, description: 'Year of protection, counted from the filing date' })
  @IsInt()
  @Min(1)
  @Max(40)
  year!: number;
  @ApiProperty() @IsCalendarDate() paidOn!: string;
  @ApiProperty({ ...MONEY_SCHEMA, description: 'CNY paid, surcharge included' }) @IsMoney() amount!:
    string | number;
  @ApiPropertyOptional({ maxLength: 100 }) @OptionalText(100) receiptNumber?: string;
}

export class RegisterPledgeDto {
  @ApiProperty() @IsRecordId() pledgeId!: string;
  @ApiProperty() @IsRecordId() pledgeeId!: string;
  @ApiProperty() @IsString() @Length(1, 500) pledgeeName!: string;
  @ApiProperty({ description: 'CNIPA pledge registration number (质押登记号)' })
  @IsString()
  @Length(1, 100)
  registrationNumber!: string;
  @ApiProperty({ description: 'The pledge exists from its registration (民法典 Art. 444)' })
  @IsCalendarDate()
  registeredOn!: string;
  @ApiPropertyOptional({ ...MONEY_SCHEMA }) @IsOptional() @IsMoney() securedAmount?: string | number;
}

export class ReleasePledgeDto {
  @ApiProperty() @IsCalendarDate() releasedOn!: string;
}

export class RecordConsentDto {
  @ApiProperty() @IsRecordId() consentId!: string;
  @ApiProperty({ enum: CONSENT_PARTIES }) @IsIn(CONSENT_PARTIES) party!: string;
  @ApiProperty({ description: 'The co-owner’s id, or the pledgeId whose pledgee consents' })
  @IsRecordId()
  partyId!: string;
  @ApiProperty({ enum: CONSENT_SCOPES }) @IsIn(CONSENT_SCOPES) scope!: string;
  @ApiProperty({ description: 'The dealId, declarationId or pledgeId consented to' })
  @IsRecordId()
  ref!: string;
  @ApiProperty() @IsCalendarDate() consentedOn!: string;
}
