import { Controller, Get, Inject, Injectable, Logger, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { authorizeAdmin, type AccessDeniedError, type Principal } from '@patent-ledger/access';
import { isIsoDate, todayInChina } from '@patent-ledger/domain';
import { newId, type EventStore } from '@patent-ledger/eventsourcing';
import type { Request } from 'express';
import { ProblemException } from '../common/problem';
import { Clock, EVENT_STORE } from '../ledger/tokens';
import { principalOf, REQUEST_PRINCIPAL, type AuthenticatedRequest } from './principal';

/** The stream of one day's denials: `accessDenials-2026-12-03` (the day in China). */
export const denialStream = (day: string): string => `accessDenials-${day}`;

export interface Denial {
  at: string;
  actor: { role: string; orgId: string; userId: string };
  action: string;
  rule: string;
  method: string;
  path: string;
  position: number;
}

/** Records each access denial (who, what, when) as an event of its day's stream. */
@Injectable()
export class DenialRecorder {
  private readonly logger = new Logger('AccessDenied');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  /** Records the denial; never fails the request it answers (a failure to record is logged). */
  recordRequest(req: Request, err: AccessDeniedError): void {
    const principal = (req as AuthenticatedRequest)[REQUEST_PRINCIPAL];
    void this.record(
      principal,
      err.action,
      err.rule,
      req.method,
      (req.originalUrl ?? req.url).split('?')[0]!,
    );
  }

  async record(
    principal: Pick<Principal, 'role' | 'orgId' | 'userId'> | undefined,
    action: string,
    rule: string,
    method: string,
    path: string,
  ): Promise<void> {
    const at = this.clock.now();
    const actor = principal
      ? { role: principal.role, orgId: principal.orgId, userId: principal.userId }
      : { role: 'anonymous', orgId: 'unauthenticated', userId: 'anonymous' };
    const id = newId();
    try {
      await this.store.append(
        denialStream(todayInChina(at)),
        [
          {
            type: 'AccessDenied',
            data: { action, rule, method, path: path.slice(0, 512), occurredOn: todayInChina(at) },
            metadata: {
              eventId: id,
              commandId: id,
              correlationId: id,
              causationId: id,
              actor,
              recordedAt: at,
              schemaVersion: 1,
            },
          },
        ],
        { expectedVersion: 'any' },
      );
    } catch (e) {
      this.logger.error(
        `could not record a denial of ${action} to ${actor.orgId}/${actor.userId}: ${(e as Error).message}`,
      );
    }
  }

  async list(day: string): Promise<Denial[]> {
    const events = await this.store.readStream(denialStream(day));
    return events.map((e) => {
      const d = e.data as { action: string; rule: string; method: string; path: string };
      return {
        at: e.metadata.recordedAt,
        actor: e.metadata.actor,
        action: d.action,
        rule: d.rule,
        method: d.method,
        path: d.path,
        position: e.position,
      };
    });
  }
}

@ApiTags('access')
@ApiBearerAuth()
@Controller('access')
export class DenialsController {
  constructor(
    private readonly denials: DenialRecorder,
    private readonly clock: Clock,
  ) {}

  @Get('denials')
  @ApiOperation({
    summary: 'Denied requests of one day (who, what, when, which rule); ip-office admins only',
  })
  @ApiQuery({ name: 'date', required: false, description: 'The day (YYYY-MM-DD, China time); default today' })
  async list(@Req() req: Request, @Query('date') date?: string) {
    authorizeAdmin(principalOf(req), 'denials');
    const day = date ?? todayInChina(this.clock.now());
    if (!isIsoDate(day)) {
      throw ProblemException.of(400, 'REQUEST.INVALID_QUERY', 'date must be a date YYYY-MM-DD', {
        errors: [{ field: 'date', message: `cannot parse ${JSON.stringify(day)}` }],
      });
    }
    return { date: day, items: await this.denials.list(day) };
  }
}
