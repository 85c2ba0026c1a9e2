import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { authorizeAdmin } from '@patent-ledger/access';
import { InvalidCredentialError } from '@patent-ledger/identity';
import type { Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { LedgerConfig } from '../config';
import { unauthorized } from '../auth/auth.guard';
import { IdentityService } from '../auth/identity.service';
import { Public, REQUEST_PRINCIPAL, type AuthenticatedRequest } from '../auth/principal';
import { LEDGER_CONFIG } from '../ledger/tokens';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics` in the Prometheus text format. The internals of a government system are not for
 * everyone: it needs either the scrape token (the content of LEDGER_METRICS_TOKEN_FILE, sent as
 * `Authorization: Bearer …`, which is what Prometheus's `authorization` setting does) or the bearer
 * token of an ip-office admin.
 */
@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly scrapeToken: Buffer | undefined;

  constructor(
    private readonly metrics: MetricsService,
    private readonly identity: IdentityService,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
  ) {
    const file = config.observability.metricsTokenFile;
    this.scrapeToken = file ? Buffer.from(readFileSync(file, 'utf8').trim()) : undefined;
  }

  @Get()
  @ApiOperation({
    summary:
      'Prometheus metrics (text format 0.0.4): commands, append and fsync latency, projector, publisher and subscription lag, HTTP latency by route. Needs the scrape token (LEDGER_METRICS_TOKEN_FILE) or an ip-office admin token.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', schema: { type: 'string' } })
  async scrape(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.authorize(req);
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(await this.metrics.text());
  }

  private async authorize(req: Request): Promise<void> {
    const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers['authorization'] ?? '');
    if (!m)
      throw unauthorized(
        'AUTH.REQUIRED',
        '/metrics needs the scrape token or an ip-office admin token: Authorization: Bearer <token>',
        false,
      );
    const token = Buffer.from(m[1]!);
    if (
      this.scrapeToken &&
      token.length === this.scrapeToken.length &&
      timingSafeEqual(token, this.scrapeToken)
    )
      return;
    let principal;
    try {
      principal = (await this.identity.authenticate(m[1]!)).principal;
    } catch (err) {
      if (err instanceof InvalidCredentialError) throw unauthorized('AUTH.INVALID_TOKEN', err.reason, true);
      throw err;
    }
    (req as AuthenticatedRequest)[REQUEST_PRINCIPAL] = principal;
    authorizeAdmin(principal, 'metrics', 'read metrics');
  }
}
