import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@patent-ledger/eventsourcing';
import type { Response } from 'express';
import { EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import type { LedgerConfig } from '../config';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Liveness and store readiness (503 when the store cannot serve)' })
  async health(@Res({ passthrough: true }) res: Response) {
    try {
      await this.store.ping();
      const headPosition = await this.store.headPosition();
      return { status: 'ok', store: { kind: this.config.store, ready: true, headPosition } };
    } catch (err) {
      res.status(503);
      return {
        status: 'unavailable',
        store: { kind: this.config.store, ready: false, error: (err as Error).message },
      };
    }
  }
}
