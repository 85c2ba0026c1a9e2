import { ChainService } from '../chain/chain.service';
import { Controller, Get, Inject, Injectable, Res, type BeforeApplicationShutdown } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@patent-ledger/eventsourcing';
import type { ReadModels } from '@patent-ledger/read-models';
import type { Response } from 'express';
import { Public } from '../auth/principal';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import type { LedgerConfig } from '../config';
import { lowDiskSpace } from '../common/disk-space';
import { READ_MODELS } from '../read-models/read-models.service';

/** Whether the application is shutting down (readiness turns false first, so traffic drains). */
@Injectable()
export class Lifecycle implements BeforeApplicationShutdown {
  stopping = false;
  beforeApplicationShutdown(): void {
    this.stopping = true;
  }
}

/**
 * Probes for an orchestrator, apart from `GET /health` (the operator's view). Both public: they name
 * what is up or down and nothing else (no positions, no error messages).
 * - `GET /health/live`: the process answers (restart it when this fails).
 * - `GET /health/ready`: it can serve — the event store and the read models answer and it is not
 *   shutting down (send it no traffic while this is 503).
 */
@ApiTags('health')
@Public()
@Controller('health')
export class ProbesController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModels,
    private readonly lifecycle: Lifecycle,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly chain: ChainService,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 while the process answers (public)' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['ok'] } },
      required: ['status'],
    },
  })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary:
      'Readiness: 200 when the event store and the read models answer, the log has been checked against its witnessed heads and the api is not shutting down, else 503 (public; names the failing check only)',
  })
  @ApiOkResponse({
    description: 'Ready (503 with the same shape when not)',
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ready', 'not-ready'] },
        checks: {
          type: 'object',
          description:
            'each check: up or down (disk: ok or full; shutdown: no or stopping; transparency: up, verifying while the start-up check of the log against its witnessed heads runs, or refused)',
        },
      },
      required: ['status', 'checks'],
    },
  })
  async ready(@Res({ passthrough: true }) res: Response) {
    const check = async (f: () => Promise<unknown>): Promise<'up' | 'down'> => {
      try {
        await withTimeout(f(), 2000);
        return 'up';
      } catch {
        return 'down';
      }
    };
    const first = this.readModels.projectionNames[0];
    const [store, readModels] = await Promise.all([
      check(() => this.store.ping()),
      check(() => (first ? this.readModels.checkpoint(first) : Promise.resolve(0))),
    ]);
    // An SQLite file on a full disk answers reads but commits nothing.
    const disk = (await lowDiskSpace(this.config)).length > 0 ? 'full' : 'ok';
    // The log's start-up check (the whole log against its witnessed heads) runs after the api
    // serves: reads answer meanwhile, but no head is signed until it is done.
    const state = this.chain.status().state;
    const transparency =
      state === 'starting' || state === 'checking' ? 'verifying' : state === 'refused' ? 'refused' : 'up';
    const checks = {
      store,
      readModels,
      disk,
      shutdown: this.lifecycle.stopping ? 'stopping' : 'no',
      // Named only while it holds readiness back.
      ...(transparency === 'up' ? {} : { transparency }),
    };
    const ready =
      store === 'up' &&
      readModels === 'up' &&
      disk === 'ok' &&
      !this.lifecycle.stopping &&
      transparency === 'up';
    if (!ready) res.status(503);
    return { status: ready ? 'ready' : 'not-ready', checks };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
