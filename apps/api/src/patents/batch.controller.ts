import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { importLines, splitLineBatches, type RowResult } from '@patent-ledger/bulk';
import type { EventStore } from '@patent-ledger/eventsourcing';
import type { Request, Response } from 'express';
import { header, resolveActor } from '../common/actor';
import { ProblemException } from '../common/problem';
import { EVENT_STORE } from '../ledger/tokens';
import { Clock } from '../ledger/tokens';
import { ReadModelsService } from '../read-models/read-models.service';
import { EXAMPLES } from './examples';
import { inventoryLineAuthorizer } from '@patent-ledger/access';
import { DenialRecorder } from '../auth/denials';

async function* lines(req: Request): AsyncGenerator<string> {
  for await (const batch of splitLineBatches(req, { maxLineChars: 1024 * 1024 })) yield* batch;
}

/** Bulk inventory over HTTP: an NDJSON body of inventory records, streamed, with per-line results. */
@ApiTags('patents')
@Controller('patents')
export class BatchController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly readModels: ReadModelsService,
    private readonly denials: DenialRecorder,
  ) {}

  @Post('batch')
  @ApiOperation({
    summary:
      'Inventory many patents: NDJSON in (one PatentInventoried record per line), NDJSON out (one result per line, then a summary)',
    description:
      'Streams in constant memory and commits in batches of 1,000 lines. Idempotent per application number: a line already in the ledger answers "already-present", so a cut-off upload can simply be sent again.',
  })
  @ApiConsumes('application/x-ndjson')
  @ApiProduces('application/x-ndjson')
  @ApiBody({
    schema: { type: 'string', example: `${JSON.stringify(EXAMPLES.inventory)}\n` },
    description: 'One inventory record (the POST /patents body) per line',
  })
  async batch(@Req() req: Request, @Res() res: Response): Promise<void> {
    const type = header(req, 'content-type') ?? '';
    if (!/^application\/(x-)?ndjson\s*(;|$)/i.test(type)) {
      throw ProblemException.of(
        415,
        'REQUEST.UNSUPPORTED_MEDIA_TYPE',
        'POST /patents/batch takes application/x-ndjson',
      );
    }
    const actor = resolveActor(req);
    const path = (req.originalUrl ?? req.url).split('?')[0]!;
    const authorize = inventoryLineAuthorizer(actor, (_institutionId, err) => {
      void this.denials.record(actor, err.action, err.rule, req.method, path);
    });
    const correlationId = header(req, 'x-correlation-id');
    res.status(200).setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    const write = (value: unknown): void => {
      res.write(`${JSON.stringify(value)}\n`);
    };
    try {
      const summary = await importLines(
        this.store,
        lines(req),
        {
          format: 'jsonl',
          actor,
          authorize,
          clock: () => this.clock.now(),
          ...(correlationId ? { runId: correlationId } : {}),
        },
        (r: RowResult) => write(r),
      );
      this.readModels.poke();
      write({ summary });
    } catch (err) {
      write({
        error: { code: (err as { code?: string }).code ?? 'BATCH.FAILED', message: (err as Error).message },
      });
    }
    res.end();
  }
}
