import { Body, Controller, Get, Param, Put, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { requireId, type RegisterInstitution } from '@patent-ledger/domain';
import type { Request, Response } from 'express';
import { commandContext } from '../common/command-context';
import { ProblemException } from '../common/problem';
import { etagOf, sendCommandOutcome } from '../common/responses';
import { ExecuteInstitutionCommand, GetInstitutionQuery } from '../ledger/messages';
import { Clock } from '../ledger/tokens';
import { RegisterInstitutionDto } from '../patents/dto';
import { EXAMPLES } from '../patents/examples';

@ApiTags('institutions')
@Controller('institutions')
export class InstitutionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly clock: Clock,
  ) {}

  @Put(':institutionId')
  @ApiOperation({
    summary: 'Register an institution (InstitutionRegistered) or revise its stock count (StockCountRevised)',
    description: 'Re-sending the same body changes nothing. A changed stockPatentCount needs a reason.',
  })
  @ApiParam({ name: 'institutionId', example: 'tyut' })
  @ApiBody({
    type: RegisterInstitutionDto,
    examples: { example: { summary: '太原理工大学', value: EXAMPLES.institution } },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiResponse({ status: 201, description: 'Registered' })
  @ApiResponse({ status: 200, description: 'Revised, or unchanged' })
  async put(
    @Param('institutionId') institutionId: string,
    @Body() dto: RegisterInstitutionDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const id = requireId(institutionId, 'institutionId');
    const now = this.clock.now();
    const ctx = commandContext(req, now);
    const command = {
      type: 'RegisterInstitution',
      data: { ...dto, institutionId: id },
      now,
    } as RegisterInstitution;
    const outcome = await this.commands.execute(new ExecuteInstitutionCommand(id, command, ctx));
    const created = outcome.events.some((e) => e.type === 'InstitutionRegistered');
    return sendCommandOutcome(res, created ? 201 : 200, outcome, created ? `/institutions/${id}` : undefined);
  }

  @Get(':institutionId')
  @ApiOperation({ summary: 'An institution and its version' })
  async get(@Param('institutionId') institutionId: string, @Res({ passthrough: true }) res: Response) {
    const id = requireId(institutionId, 'institutionId');
    const { state, version } = await this.queries.execute(new GetInstitutionQuery(id));
    if (state.status === 'none') {
      throw ProblemException.of(404, 'INSTITUTION.NOT_FOUND', `institution ${id} is not registered`);
    }
    res.setHeader('ETag', etagOf(version));
    return { institutionId: id, version, state };
  }
}
