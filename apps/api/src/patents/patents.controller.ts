import { Body, Controller, Delete, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
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
import {
  annuityScheduleOf,
  parseApplicationNumber,
  patentStream,
  standingOn,
  todayInChina,
  type PatentCommand,
} from '@patent-ledger/domain';
import type { Request, Response } from 'express';
import { commandContext } from '../common/command-context';
import { ProblemException } from '../common/problem';
import { etagOf, sendCommandOutcome, type CommandResponse } from '../common/responses';
import { Clock } from '../ledger/tokens';
import { ExecutePatentCommand, GetPatentQuery, GetStreamEventsQuery } from '../ledger/messages';
import {
  DeclareOpenLicenseDto,
  EndDealDto,
  EvaluatePatentDto,
  FileDensityProductDto,
  IndustrializePatentDto,
  InventoryPatentDto,
  LapsePatentDto,
  LicensePatentDto,
  PayAnnuityDto,
  PromotePatentDto,
  RecordConsentDto,
  RecordEquityContributionDto,
  RecordLicenseDto,
  RegisterPledgeDto,
  RegisterTransferDto,
  ReleasePledgeDto,
  ReportTransactionDto,
  TagIntentDto,
  TakeOpenLicenseDto,
  TransferPatentDto,
  WithdrawOpenLicenseDto,
} from './dto';
import { EXAMPLES } from './examples';
import { sendCsv, wantsCsv } from '../common/negotiate';
import { sendJsonStream } from '../common/json-stream';
import { AUDIT_CSV, instantParam } from '../read-models/read-models.controller';
import { HistoryQueryDto, PatentViewQueryDto } from '../read-models/query-dto';
import { historyEntryOf } from './history';
import { redactCommandIds, redactPatent } from '@patent-ledger/access';
import { principalOf } from '../auth/principal';
import { authorizeRecords, eventForReader } from '../auth/records';

type CommandOf<T extends PatentCommand['type']> = Extract<PatentCommand, { type: T }>;

const COMMON_HEADERS = [
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Retry-safe key: the same key returns the original response; with another body, 422',
  }),
  ApiHeader({
    name: 'If-Match',
    required: false,
    description: 'Pin the patent version (its ETag); 412 when it moved on',
  }),
  ApiResponse({ status: 400, description: 'Validation failed (problem+json naming each field)' }),
  ApiResponse({ status: 404, description: 'Unknown patent' }),
  ApiResponse({
    status: 409,
    description: 'Business rule or concurrency conflict (problem+json with the domain code)',
  }),
  ApiResponse({ status: 412, description: 'If-Match does not match the current version' }),
  ApiResponse({ status: 422, description: 'Idempotency-Key reused with a different request' }),
];

function documented(summary: string, type: unknown, example: object): MethodDecorator {
  return (target, key, descriptor) => {
    for (const d of [
      ApiOperation({ summary }),
      ApiBody({ type: type as never, examples: { example: { summary, value: example } } }),
      ...COMMON_HEADERS,
    ]) {
      d(target, key, descriptor);
    }
  };
}

const idParam = ApiParam({
  name: 'id',
  description: 'Application number (申请号), e.g. 201710601862.3',
  example: '201710601862.3',
});

@ApiTags('patents')
@Controller('patents')
export class PatentsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly clock: Clock,
  ) {}

  private async run<T extends PatentCommand['type']>(
    req: Request,
    res: Response,
    id: string,
    type: T,
    data: Omit<CommandOf<T>['data'], 'applicationNumber'>,
    status = 201,
    location?: string,
  ): Promise<CommandResponse> {
    const applicationNumber = parseApplicationNumber(id, 'id').value;
    const now = this.clock.now();
    const ctx = commandContext(req, now);
    const command = { type, data: { ...data, applicationNumber }, now } as unknown as CommandOf<T>;
    const outcome = await this.commands.execute(new ExecutePatentCommand(applicationNumber, command, ctx));
    return sendCommandOutcome(res, status, outcome, location);
  }

  @Post()
  @documented('Inventory a patent (PatentInventoried, 盘点入档)', InventoryPatentDto, EXAMPLES.inventory)
  @ApiResponse({ status: 201, description: 'Inventoried; Location names the patent' })
  async inventory(
    @Body() dto: InventoryPatentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const n = parseApplicationNumber(dto.applicationNumber).value;
    const { applicationNumber: _n, ...data } = dto;
    return this.run(req, res, n, 'InventoryPatent', data as never, 201, `/patents/${n}`);
  }

  @Post(':id/intent')
  @idParam
  @documented(
    'Tag conversion intent and screen into the resource pool (IntentTagged)',
    TagIntentDto,
    EXAMPLES.intent,
  )
  intent(
    @Param('id') id: string,
    @Body() dto: TagIntentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'TagIntent', dto as never);
  }

  @Post(':id/evaluations')
  @idParam
  @documented('Record an enterprise evaluation (EnterpriseEvaluated)', EvaluatePatentDto, EXAMPLES.evaluation)
  evaluate(
    @Param('id') id: string,
    @Body() dto: EvaluatePatentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'EvaluatePatent', dto as never);
  }

  @Post(':id/promotions')
  @idParam
  @documented('Record a promotion (Promoted)', PromotePatentDto, EXAMPLES.promotion)
  promote(
    @Param('id') id: string,
    @Body() dto: PromotePatentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'PromotePatent', dto as never);
  }

  @Post(':id/transfers')
  @idParam
  @documented('Record a transfer contract (Transferred)', TransferPatentDto, EXAMPLES.transfer)
  transfer(
    @Param('id') id: string,
    @Body() dto: TransferPatentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'TransferPatent', dto as never);
  }

  @Post(':id/equity-contributions')
  @idParam
  @documented(
    'Record an equity contribution (作价投资) contract (EquityContributed): a transfer to the company, registered at POST /patents/{id}/transfers/{dealId}/registration',
    RecordEquityContributionDto,
    EXAMPLES.equityContribution,
  )
  equityContribution(
    @Param('id') id: string,
    @Body() dto: RecordEquityContributionDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'RecordEquityContribution', dto as never);
  }

  @Post(':id/transfers/:dealId/registration')
  @idParam
  @documented(
    'Register a transfer: ownership moves (TransferRegistered)',
    RegisterTransferDto,
    EXAMPLES.transferRegistration,
  )
  registerTransfer(
    @Param('id') id: string,
    @Param('dealId') dealId: string,
    @Body() dto: RegisterTransferDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'RegisterTransfer', { ...dto, dealId } as never);
  }

  @Post(':id/licenses')
  @idParam
  @documented('Record a licence contract (Licensed)', LicensePatentDto, EXAMPLES.license)
  license(
    @Param('id') id: string,
    @Body() dto: LicensePatentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'LicensePatent', dto as never);
  }

  @Post(':id/licenses/:dealId/recordal')
  @idParam
  @documented(
    'Record the recordal of a licence contract (LicenseRecorded)',
    RecordLicenseDto,
    EXAMPLES.licenseRecordal,
  )
  recordLicense(
    @Param('id') id: string,
    @Param('dealId') dealId: string,
    @Body() dto: RecordLicenseDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'RecordLicense', { ...dto, dealId } as never);
  }

  @Post(':id/industrializations')
  @idParam
  @documented('Record industrialization (Industrialized)', IndustrializePatentDto, EXAMPLES.industrialization)
  industrialize(
    @Param('id') id: string,
    @Body() dto: IndustrializePatentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'IndustrializePatent', dto as never);
  }

  @Post(':id/industrializations/:industrializationId/density-filing')
  @idParam
  @documented(
    'File a patent-intensive product (DensityProductFiled)',
    FileDensityProductDto,
    EXAMPLES.densityFiling,
  )
  densityFiling(
    @Param('id') id: string,
    @Param('industrializationId') industrializationId: string,
    @Body() dto: FileDensityProductDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'FileDensityProduct', { ...dto, industrializationId } as never);
  }

  @Post(':id/open-license')
  @idParam
  @documented('Declare an open licence (OpenLicensed)', DeclareOpenLicenseDto, EXAMPLES.openLicense)
  declareOpenLicense(
    @Param('id') id: string,
    @Body() dto: DeclareOpenLicenseDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'DeclareOpenLicense', dto as never);
  }

  @Delete(':id/open-license')
  @idParam
  @documented(
    'Withdraw the active open licence (OpenLicenseWithdrawn)',
    WithdrawOpenLicenseDto,
    EXAMPLES.openLicenseWithdrawal,
  )
  withdrawOpenLicense(
    @Param('id') id: string,
    @Body() dto: WithdrawOpenLicenseDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'WithdrawOpenLicense', dto as never, 200);
  }

  @Post(':id/open-license/takers')
  @idParam
  @documented(
    'Take the open licence: creates an ordinary licence (OpenLicenseTaken)',
    TakeOpenLicenseDto,
    EXAMPLES.openLicenseTaker,
  )
  takeOpenLicense(
    @Param('id') id: string,
    @Body() dto: TakeOpenLicenseDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'TakeOpenLicense', dto as never);
  }

  @Post(':id/transaction-reports')
  @idParam
  @documented(
    'Report a deal or industrialization to the platform (TransactionReported)',
    ReportTransactionDto,
    EXAMPLES.transactionReport,
  )
  report(
    @Param('id') id: string,
    @Body() dto: ReportTransactionDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'ReportTransaction', dto as never);
  }

  @Post(':id/lapse')
  @idParam
  @documented('Record that the patent lapsed (PatentLapsed; terminal)', LapsePatentDto, EXAMPLES.lapse)
  lapse(
    @Param('id') id: string,
    @Body() dto: LapsePatentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'LapsePatent', dto as never);
  }

  @Post(':id/deals/:dealId/ending')
  @idParam
  @documented(
    'A transfer or licence contract cancelled, terminated early or rescinded (DealEnded); its open obligations close as cancelled',
    EndDealDto,
    EXAMPLES.dealEnding,
  )
  endDeal(
    @Param('id') id: string,
    @Param('dealId') dealId: string,
    @Body() dto: EndDealDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'EndDeal', { ...dto, dealId } as never);
  }

  @Post(':id/annuities')
  @idParam
  @documented(
    'Record an annuity payment for a year of protection (AnnuityPaid, 年费; 细则 r.98–100)',
    PayAnnuityDto,
    EXAMPLES.annuityPayment,
  )
  payAnnuity(
    @Param('id') id: string,
    @Body() dto: PayAnnuityDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'PayAnnuity', dto as never);
  }

  @Get(':id/annuities')
  @idParam
  @ApiOperation({
    summary:
      'The annuity schedule as of a date: due dates (moved to working days), grace ends, surcharge, open-licence reduction, payments',
  })
  @ApiQuery({ name: 'asOf', required: false, description: 'Business date (default: today in China)' })
  async annuities(@Param('id') id: string, @Query() view: PatentViewQueryDto, @Req() req: Request) {
    const applicationNumber = parseApplicationNumber(id, 'id').value;
    const asOf = view.asOf ?? todayInChina(this.clock.now());
    const { state } = await this.queries.execute(new GetPatentQuery(applicationNumber, view.asOf, undefined));
    if (state.status === 'none') throw notFound(applicationNumber);
    const visible = redactPatent(principalOf(req), state);
    return {
      applicationNumber,
      asOf,
      standing: standingOn(visible, asOf, false),
      ...annuityScheduleOf(visible, asOf),
    };
  }

  @Post(':id/pledges')
  @idParam
  @documented('Record a registered pledge (PledgeRegistered, 质押登记)', RegisterPledgeDto, EXAMPLES.pledge)
  registerPledge(
    @Param('id') id: string,
    @Body() dto: RegisterPledgeDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'RegisterPledge', dto as never);
  }

  @Post(':id/pledges/:pledgeId/release')
  @idParam
  @documented('Record the release of a pledge (PledgeReleased)', ReleasePledgeDto, EXAMPLES.pledgeRelease)
  releasePledge(
    @Param('id') id: string,
    @Param('pledgeId') pledgeId: string,
    @Body() dto: ReleasePledgeDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'ReleasePledge', { ...dto, pledgeId } as never);
  }

  @Post(':id/consents')
  @idParam
  @documented(
    'Record a co-owner’s (专利法 Art. 14) or pledgee’s (民法典 Art. 444) consent to a deal, declaration or pledge (ConsentRecorded)',
    RecordConsentDto,
    EXAMPLES.consent,
  )
  recordConsent(
    @Param('id') id: string,
    @Body() dto: RecordConsentDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(req, res, id, 'RecordConsent', dto as never);
  }

  @Get(':id')
  @idParam
  @ApiOperation({ summary: 'Current state and version of a patent (ETag = version)' })
  @ApiResponse({ status: 404, description: 'Unknown patent' })
  async get(
    @Param('id') id: string,
    @Query() view: PatentViewQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const applicationNumber = parseApplicationNumber(id, 'id').value;
    const knownAt = instantParam(view.knownAt, 'knownAt');
    const { state, version } = await this.queries.execute(
      new GetPatentQuery(applicationNumber, view.asOf, knownAt),
    );
    if (state.status === 'none') {
      if (view.asOf !== undefined || knownAt !== undefined) {
        const exists =
          (await this.queries.execute(new GetStreamEventsQuery(patentStream(applicationNumber), 1, 1)))
            .length > 0;
        if (exists) {
          throw ProblemException.of(
            404,
            'PATENT.NOT_YET_INVENTORIED',
            `patent ${applicationNumber} was not inventoried ${view.asOf !== undefined ? `as of ${view.asOf}` : `as known at ${knownAt}`}`,
          );
        }
      }
      throw notFound(applicationNumber);
    }
    // The ETag names the version a command may pin; a historical view is not a version to pin.
    if (view.asOf === undefined && knownAt === undefined) res.setHeader('ETag', etagOf(version));
    return {
      applicationNumber,
      version,
      ...(view.asOf !== undefined ? { asOf: view.asOf } : {}),
      ...(knownAt !== undefined ? { knownAt } : {}),
      // In force, expired or lapsed on asOf (default today): derived from the dates, no command needed.
      standing: standingOn(state, view.asOf ?? todayInChina(this.clock.now()), false),
      // Fields the caller may not see (deal money, evaluations in full, inventors) are left out.
      state: redactPatent(principalOf(req), state),
    };
  }

  @Get(':id/history')
  @idParam
  @ApiOperation({
    summary: 'Audit trail of one patent: every event with business date, recordedAt, actor, ids, position',
  })
  @ApiProduces('application/json', 'text/csv')
  async history(
    @Param('id') id: string,
    @Query() _q: HistoryQueryDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const applicationNumber = parseApplicationNumber(id, 'id').value;
    const streamName = patentStream(applicationNumber);
    const events = await this.queries.execute(
      new GetStreamEventsQuery(streamName, 1, Number.MAX_SAFE_INTEGER),
    );
    if (events.length === 0) throw notFound(applicationNumber);
    const caller = authorizeRecords(req, events, 'history');
    const items = events.map((e) => redactCommandIds(caller, historyEntryOf(e)));
    if (wantsCsv(req)) {
      await sendCsv(res, `history-${applicationNumber}.csv`, AUDIT_CSV, [items]);
      return;
    }
    return { applicationNumber, streamName, version: events[events.length - 1]!.version, items };
  }

  @Get(':id/events')
  @idParam
  @ApiOperation({ summary: 'The raw event stream of a patent, with metadata' })
  @ApiQuery({ name: 'fromVersion', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  async events(
    @Param('id') id: string,
    @Query('fromVersion') fromVersionRaw: string | undefined,
    @Query('limit') limitRaw: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const applicationNumber = parseApplicationNumber(id, 'id').value;
    const fromVersion = positiveInt(fromVersionRaw, 'fromVersion', 1);
    const limit = positiveInt(limitRaw, 'limit', 1000, 10_000);
    const streamName = patentStream(applicationNumber);
    const events = await this.queries.execute(new GetStreamEventsQuery(streamName, fromVersion, limit));
    if (events.length === 0 && fromVersion === 1) throw notFound(applicationNumber);
    // The policy is decided on the whole stream (who holds the patent now), not on the page.
    const all =
      fromVersion === 1 && events.length < limit
        ? events
        : await this.queries.execute(new GetStreamEventsQuery(streamName, 1, Number.MAX_SAFE_INTEGER));
    const caller = authorizeRecords(req, all, 'events');
    // Up to 10,000 events: written in chunks that yield to the event loop.
    await sendJsonStream(res, {
      applicationNumber,
      streamName,
      events: events.map((e) => eventForReader(caller, e)),
    });
  }
}

function notFound(applicationNumber: string): ProblemException {
  return ProblemException.of(404, 'PATENT.NOT_FOUND', `patent ${applicationNumber} has not been inventoried`);
}

export function positiveInt(
  raw: string | undefined,
  name: string,
  dflt: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw ProblemException.of(400, 'REQUEST.INVALID_QUERY', `${name} must be an integer from 1 to ${max}`, {
      errors: [{ field: name, message: `invalid value ${JSON.stringify(raw)}` }],
    });
  }
  return n;
}
