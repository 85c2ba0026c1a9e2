import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AccessDeniedError, authorizeRead } from '@patent-ledger/access';
import { todayInChina } from '@patent-ledger/domain';
import { queryKpis, type CsvColumn, type KpiReport } from '@patent-ledger/read-models';
import type { Request, Response } from 'express';
import { sendCsv, wantsCsv } from '../common/negotiate';
import { principalOf } from '../auth/principal';
import type { LedgerConfig } from '../config';
import { Clock, LEDGER_CONFIG } from '../ledger/tokens';
import { instantParam } from '../read-models/read-models.controller';
import { KpisQueryDto } from '../read-models/query-dto';
import { ReadModelsService } from '../read-models/read-models.service';

type InstitutionKpis = KpiReport['byInstitution'][number];
const pct = (v: number | null): number | string => v ?? '';

/** `Accept: text/csv`: one row per institution. */
export const KPIS_CSV: CsvColumn<InstitutionKpis>[] = [
  { header: 'institutionId', value: (i) => i.institutionId },
  { header: 'name', value: (i) => i.name },
  { header: 'province', value: (i) => i.province },
  { header: 'department', value: (i) => i.department },
  { header: 'stockPatentCount', value: (i) => i.stockPatentCount },
  { header: 'inventoried', value: (i) => i.inventoried },
  { header: 'inventoryCoverage', value: (i) => pct(i.inventoryCoverage) },
  { header: 'poolAdmissionRate', value: (i) => pct(i.poolAdmissionRate) },
  { header: 'evaluationCoverage', value: (i) => pct(i.evaluationCoverage) },
  { header: 'transfers', value: (i) => i.deals.transfer.count },
  { header: 'transferValue', value: (i) => i.deals.transfer.contractValue ?? '' },
  { header: 'licenses', value: (i) => i.deals.license.count },
  { header: 'licenseValue', value: (i) => i.deals.license.contractValue ?? '' },
  { header: 'openLicenseTakings', value: (i) => i.openLicenseTakings },
  { header: 'industrializations', value: (i) => i.deals.industrialization.count },
  { header: 'implementationRate', value: (i) => pct(i.implementationRate) },
  { header: 'industrializationRate', value: (i) => pct(i.industrializationRate) },
  { header: 'medianDaysAdmissionToFirstDeal', value: (i) => pct(i.medianDaysAdmissionToFirstDeal) },
  { header: 'obligationsOnTime', value: (i) => i.obligations.onTime },
  { header: 'obligationsLate', value: (i) => i.obligations.late },
  { header: 'obligationsOverdue', value: (i) => i.obligations.overdue },
  { header: 'equityContributions', value: (i) => i.deals.equityContribution.count },
  { header: 'equityContributionValue', value: (i) => i.deals.equityContribution.contractValue ?? '' },
];

/** The programme's KPIs (issue 15), from the read models: as of a business date, as known at an instant. */
@ApiTags('plans')
@Controller('kpis')
export class KpisController {
  constructor(
    private readonly rm: ReadModelsService,
    private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Headline KPIs: inventoryCoverage, poolAdmissionRate, evaluationCoverage, deals by kind (count, contract value; equity contributions too), implementationRate, industrializationRate, openLicenseTakings, medianDaysAdmissionToFirstDeal, obligations on time / late / overdue — in total, per province, department and institution, and monthly',
  })
  @ApiProduces('application/json', 'text/csv')
  async kpis(@Query() q: KpisQueryDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const caller = principalOf(req);
    authorizeRead(caller, 'kpis');
    // An institution reads its own figures only.
    if (caller.role === 'institution' && q.institutionId !== undefined && q.institutionId !== caller.orgId) {
      throw new AccessDeniedError(
        'kpis',
        'read kpis',
        `read the kpis of ${q.institutionId} is allowed to that institution, ip-office, auditors and analysts (rule kpis); institution ${caller.orgId} reads only its own (institutionId=${caller.orgId})`,
      );
    }
    await this.rm.waitFor('progress', q.minPosition);
    await this.rm.waitFor('obligations', q.minPosition);
    const knownAt = instantParam(q.knownAt, 'knownAt');
    const institutionId = caller.role === 'institution' ? caller.orgId : q.institutionId;
    const report = await queryKpis(this.rm.readModels.sql, {
      asOf: q.asOf ?? todayInChina(this.clock.now()),
      ...(knownAt !== undefined ? { knownAt } : {}),
      ...(q.province !== undefined ? { province: q.province } : {}),
      ...(q.department !== undefined ? { department: q.department } : {}),
      ...(institutionId !== undefined ? { institutionId } : {}),
      ...(q.series !== undefined ? { series: q.series } : {}),
      ...(q.from !== undefined ? { from: q.from } : {}),
    });
    if (wantsCsv(req)) {
      await sendCsv(res, `kpis-${report.asOf}.csv`, KPIS_CSV, [report.byInstitution]);
      return;
    }
    return report;
  }
}
