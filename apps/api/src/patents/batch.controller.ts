import { Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { importLines, splitLineBatches, type RowResult } from '@patent-ledger/bulk';
import type { EventStore } from '@patent-ledger/eventsourcing';
import type { Request, Response } from 'express';
import { header, resolveActor } from '../common/actor';
import { ProblemException } from '../common/problem';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import type { LedgerConfig } from '../config';
import { BatchTooLargeError, withinBatchLimits, type BatchLimits } from './batch-limits';
import { jsonProblem, type JsonProblem } from '../common/json-hygiene';
import { Clock } from '../ledger/tokens';
import { ReadModelsService } from '../read-models/read-models.service';
import { EXAMPLES } from './examples';
import { inventoryLineAuthorizer } from '@patent-ledger/access';
import { DenialRecorder } from '../auth/denials';

/** A line that may hold what no text may (a control character, a lone surrogate, a bidi override, a prototype key, deep nesting), raw or escaped: only such lines are parsed twice. */
const SUSPECT =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uD800-\uDFFF\u202A-\u202E\u2066-\u2069]|\\u(00[01]|007[fF]|[dD][89a-fA-F]|20(2[a-eA-E]|6[6-9]))|__proto__|"constructor"|"prototype"|[[{](?:[^[\]{}]*[[{]){15}/;

async function* lines(
  req: Request,
  limits: BatchLimits,
  overlong: Set<number>,
  unsafe: Map<number, JsonProblem>,
): AsyncGenerator<string> {
  // withinBatchLimits cuts over-long lines, so no line reaches the splitter's own limit.
  const split = splitLineBatches(withinBatchLimits(req, limits, overlong), {
    maxLineChars: limits.maxLineBytes + 2,
  });
  let n = 0;
  for await (const batch of split) {
    for (const line of batch) {
      n++;
      if (SUSPECT.test(line)) {
        let problem: JsonProblem | undefined;
        try {
          problem = jsonProblem(JSON.parse(line));
        } catch {
          // Not JSON: the importer says so.
        }
        if (problem) {
          // Rejected on its own with the reason (its result is rewritten); an empty record holds its place.
          unsafe.set(n, problem);
          yield '{}';
          continue;
        }
      }
      yield line;
    }
  }
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
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
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
    const limits = this.config.batch;
    const declared = Number(header(req, 'content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      throw ProblemException.of(
        413,
        'REQUEST.TOO_LARGE',
        `the upload of ${declared} bytes exceeds ${limits.maxBytes} bytes (LEDGER_BATCH_MAX_BYTES); send it in parts`,
      );
    }
    const overlong = new Set<number>();
    const unsafe = new Map<number, JsonProblem>();
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
        lines(req, limits, overlong, unsafe),
        {
          format: 'jsonl',
          actor,
          authorize,
          clock: () => this.clock.now(),
          ...(correlationId ? { runId: correlationId } : {}),
        },
        (r: RowResult) =>
          write(
            overlong.has(r.row)
              ? {
                  row: r.row,
                  status: 'rejected',
                  code: 'BATCH.LINE_TOO_LONG',
                  message: `line ${r.row} is longer than ${limits.maxLineBytes} bytes (LEDGER_BATCH_MAX_LINE_BYTES); it was not read`,
                }
              : unsafe.has(r.row)
                ? {
                    row: r.row,
                    status: 'rejected',
                    code: unsafe.get(r.row)!.code,
                    message: unsafe.get(r.row)!.message,
                  }
                : r,
          ),
      );
      this.readModels.poke();
      write({ summary });
    } catch (err) {
      // Over a limit before any result went out: 413, and nothing was imported.
      if (err instanceof BatchTooLargeError && !res.headersSent) {
        this.readModels.poke();
        throw ProblemException.of(413, err.code, `${err.message}; send it in parts`);
      }
      write({
        error: { code: (err as { code?: string }).code ?? 'BATCH.FAILED', message: (err as Error).message },
      });
    }
    res.end();
  }
}
