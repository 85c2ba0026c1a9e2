import {
  Controller,
  Get,
  Inject,
  Injectable,
  Query,
  Req,
  Res,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { toCloudEvent } from '@patent-ledger/publishers';
import type { Request, Response } from 'express';
import type { LedgerConfig } from '../config';
import { credentialExpiryOf, principalOf } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import { MetricsService } from '../observability/metrics.service';
import { EventAccess } from './event-access';
import { AppendNotifier } from './notifier';

const BATCH = 500;
const POLL_MS = 1000;
const HEARTBEAT_MS = 15_000;

/** The open event streams, ended when the application shuts down (they would hold it open). */
@Injectable()
export class OpenStreams implements BeforeApplicationShutdown {
  private readonly ends = new Set<() => void>();
  add(end: () => void): () => void {
    this.ends.add(end);
    return () => void this.ends.delete(end);
  }
  beforeApplicationShutdown(): void {
    for (const end of [...this.ends]) end();
  }
}

function position(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw))
    throw ProblemException.of(
      400,
      'REQUEST.INVALID_QUERY',
      `${name} must be a log position (an integer ≥ 0)`,
      {
        errors: [{ field: name, message: `cannot parse ${JSON.stringify(raw)}` }],
      },
    );
  return Number(raw);
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly notifier: AppendNotifier,
    private readonly metrics: MetricsService,
    private readonly open: OpenStreams,
  ) {}

  @Get('stream')
  @ApiOperation({
    summary:
      'Server-Sent Events: the log from a position, each event a CloudEvents 1.0 envelope (`id:` of the SSE message = its log position; the envelope `id` = the stable event id to deduplicate by). Only the events the caller may read: a patent’s events and reminders go to whoever may read its records (holder, institution of record, ip-office, auditor); an institution’s events to that institution, ip-office and auditor. Resumes after `Last-Event-ID` (which an EventSource sends when it reconnects).',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'An endless text/event-stream: `id: <position>`, `event: <EventType>`, `data: <CloudEvent JSON>` per event; id-only messages for passed-over positions; `: keep-alive` comments',
    schema: { type: 'string' },
  })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'Send the events after this log position (default: only new events)',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this position (takes precedence over from)',
  })
  async stream(@Req() req: Request, @Res() res: Response, @Query('from') from?: string): Promise<void> {
    const caller = principalOf(req);
    const lastEventId = req.headers['last-event-id'];
    let cursor =
      position(Array.isArray(lastEventId) ? lastEventId[0] : lastEventId, 'Last-Event-ID') ??
      position(from, 'from') ??
      (await this.store.headPosition());
    const access = new EventAccess(this.store, caller);
    const source = this.config.events.source;

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setTimeout(0);

    let closed = false;
    let wake: (() => void) | undefined;
    const stopWaking = this.notifier.listen(() => wake?.());
    const closeSubscription = this.metrics.openSubscription('sse', () => cursor);
    const end = (): void => {
      closed = true;
      wake?.();
    };
    const forget = this.open.add(() => {
      end();
      res.end();
    });
    req.on('close', end);
    // The stream ends when its credential expires: the client reconnects with a fresh one (and
    // Last-Event-ID), so an expired or revoked token does not keep receiving events.
    const expiry = credentialExpiryOf(req);
    const expire =
      expiry === undefined
        ? undefined
        : setTimeout(
            () => {
              end();
              res.end();
            },
            Math.max(0, Math.min(expiry - Date.now(), 2 ** 31 - 1)),
          );
    expire?.unref();
    res.once('close', () => clearTimeout(expire));
    const write = async (chunk: string): Promise<void> => {
      if (closed) return;
      if (!res.write(chunk))
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
    };

    try {
      await write(`retry: 2000\n: patent-ledger events after position ${cursor}\n\n`);
      let lastWrite = Date.now();
      while (!closed) {
        const batch = await this.store.readAll({ after: cursor, limit: BATCH });
        let delivered = cursor;
        for (const e of batch) {
          if (closed) break;
          const seen = await access.view(e);
          if (seen) {
            await write(
              `id: ${e.position}\nevent: ${e.type}\ndata: ${JSON.stringify(toCloudEvent(seen, source))}\n\n`,
            );
            delivered = e.position;
            lastWrite = Date.now();
          }
          cursor = e.position;
        }
        // Passed-over events move the reader's Last-Event-ID too (an id without data dispatches nothing).
        if (cursor > delivered) {
          await write(`id: ${cursor}\n\n`);
          lastWrite = Date.now();
        }
        if (batch.length === BATCH || closed) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, POLL_MS);
          function done(): void {
            clearTimeout(timer);
            resolve();
          }
          wake = done;
        });
        wake = undefined;
        if (Date.now() - lastWrite >= HEARTBEAT_MS) {
          await write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
      }
    } catch (err) {
      await write(`event: error\ndata: ${JSON.stringify({ message: (err as Error).message })}\n\n`).catch(
        () => undefined,
      );
    } finally {
      stopWaking();
      closeSubscription();
      forget();
      res.end();
    }
  }
}
