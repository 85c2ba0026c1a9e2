import { Controller, Get, Req, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@patent-ledger/eventsourcing';
import type { Request, Response } from 'express';
import { seesErrorDetails } from '../auth/principal';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import { Public } from '../auth/principal';
import type { LedgerConfig } from '../config';
import { ChainService } from '../chain/chain.service';
import { lowDiskSpace } from '../common/disk-space';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly chain: ChainService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Liveness and store readiness (503 when the store cannot serve, or when the log does not extend its witnessed heads and the api refuses to sign: `chain.state` refused)',
  })
  async health(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const low = await lowDiskSpace(this.config);
    if (low.length > 0) {
      // Reads would still answer, but no command can commit: not ready.
      res.status(503);
      return {
        status: 'unavailable',
        store: {
          kind: this.config.store,
          ready: false,
          reason: 'disk-full',
          error: seesErrorDetails(req)
            ? low.map((l) => `${l.folder}: ${l.freeBytes} bytes free`).join('; ')
            : 'the disk of the store is full',
        },
      };
    }
    try {
      await this.store.ping();
      const headPosition = await this.store.headPosition();
      const chain = this.chain.status();
      if (!this.chain.healthy) res.status(503);
      return {
        status: this.chain.healthy ? 'ok' : 'unhealthy',
        store: { kind: this.config.store, ready: true, headPosition },
        chain,
      };
    } catch (err) {
      res.status(503);
      return {
        status: 'unavailable',
        // The store's own error text is for ip-office admins only (it may name hosts and files).
        store: {
          kind: this.config.store,
          ready: false,
          error: seesErrorDetails(req) ? (err as Error).message : 'the store cannot serve requests',
        },
      };
    }
  }
}
