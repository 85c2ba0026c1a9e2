import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { authorizeAdmin, ID_PATTERN, isRole, type Principal } from '@patent-ledger/access';
import { newId, type EventStore } from '@patent-ledger/eventsourcing';
import {
  deliverOnce,
  newWebhookSecret,
  type Webhook,
  type WebhookWithSecret,
} from '@patent-ledger/publishers';
import type { Request } from 'express';
import type { LedgerConfig } from '../config';
import { principalOf } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { Clock, EVENT_STORE, LEDGER_CONFIG } from '../ledger/tokens';
import { RemindersService } from './reminders.service';
import { PublisherHost } from './publisher-host';

function admin(req: Request, action: string): Principal {
  const p = principalOf(req);
  authorizeAdmin(p, 'webhook-admin', action);
  return p;
}

const invalid = (field: string, message: string): ProblemException =>
  ProblemException.of(400, 'REQUEST.INVALID_BODY', message, { errors: [{ field, message }] });

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The webhook as answered: everything but its secret. */
const publicView = ({ secret: _s, ...w }: WebhookWithSecret): Webhook => w;

const WEBHOOK_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'webhook id' },
    orgId: { type: 'string' },
    role: { type: 'string' },
    url: { type: 'string' },
    eventTypes: { type: 'array', items: { type: 'string' } },
    description: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string', description: 'org/user of the admin' },
    fromPosition: { type: 'integer' },
  },
  required: ['id', 'orgId', 'role', 'url', 'eventTypes', 'createdAt', 'createdBy', 'fromPosition'],
};
const DEAD_LETTER_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    webhookId: { type: 'string' },
    position: { type: 'integer' },
    eventId: { type: 'string' },
    eventType: { type: 'string' },
    streamName: { type: 'string' },
    attempts: { type: 'integer' },
    lastError: { type: 'string' },
    failedAt: { type: 'string', format: 'date-time' },
    replayedAt: { type: 'string', format: 'date-time' },
  },
};
const REPLAY_SCHEMA = {
  type: 'object',
  properties: {
    deadLetterId: { type: 'integer' },
    eventId: { type: 'string' },
    delivered: { type: 'boolean' },
    error: { type: 'string', description: 'why the receiver did not accept it' },
  },
  required: ['deadLetterId', 'eventId', 'delivered'],
};
const WEBHOOK_ID = ApiParam({ name: 'id', description: 'webhook id (answered at registration)' });

export interface RegisterWebhookBody {
  orgId: string;
  role: string;
  url: string;
  eventTypes?: string[];
  description?: string;
  fromPosition?: number;
}

@ApiTags('events')
@ApiBearerAuth()
@Controller()
export class WebhooksController {
  constructor(
    private readonly host: PublisherHost,
    private readonly reminders: RemindersService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly clock: Clock,
  ) {}

  @Post('webhooks')
  @ApiOperation({
    summary:
      'Register a webhook for an organisation (ip-office admins): it receives, signed (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature HMAC-SHA256), the events of `eventTypes` that organisation may read, from `fromPosition` (default: now). The answer holds the secret, shown only once.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['orgId', 'role', 'url'],
      properties: {
        orgId: { type: 'string', example: 'tyut' },
        role: { type: 'string', example: 'institution' },
        url: { type: 'string', example: 'https://tto.tyut.edu.cn/hooks/patent-ledger' },
        eventTypes: {
          type: 'array',
          items: { type: 'string' },
          example: ['ObligationDueSoon', 'ObligationOverdue'],
        },
        description: { type: 'string', example: 'TTO mail gateway: obligation reminders' },
        fromPosition: { type: 'integer', minimum: 0 },
      },
    },
    examples: {
      example: {
        summary: 'obligation reminders to a university’s mail gateway',
        value: {
          orgId: 'tyut',
          role: 'institution',
          url: 'https://tto.tyut.edu.cn/hooks/patent-ledger',
          eventTypes: ['ObligationDueSoon', 'ObligationOverdue'],
          description: 'TTO mail gateway: obligation reminders',
        },
      },
    },
  })
  @ApiCreatedResponse({
    description: 'The webhook, with its secret (shown only this once)',
    schema: {
      ...WEBHOOK_SCHEMA,
      properties: { ...WEBHOOK_SCHEMA.properties, secret: { type: 'string', description: 'whsec_…' } },
    },
  })
  async register(@Req() req: Request, @Body() body: RegisterWebhookBody) {
    const p = admin(req, 'register a webhook');
    if (typeof body !== 'object' || body === null) throw invalid('body', 'expected a JSON object');
    if (typeof body.orgId !== 'string' || !ID_PATTERN.test(body.orgId))
      throw invalid('orgId', 'orgId must be an organisation id');
    if (!isRole(body.role))
      throw invalid('role', 'role must be one of institution, enterprise, ip-office, auditor, analyst');
    let url: URL;
    try {
      url = new URL(String(body.url));
    } catch {
      throw invalid('url', 'url must be an absolute http(s) URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname)))
      throw invalid('url', 'url must be https (plain http only to a loopback address)');
    const eventTypes = body.eventTypes ?? ['*'];
    if (
      !Array.isArray(eventTypes) ||
      eventTypes.length === 0 ||
      eventTypes.some((t) => typeof t !== 'string' || !/^(\*|[A-Za-z][A-Za-z0-9]{0,99})$/.test(t))
    )
      throw invalid('eventTypes', 'eventTypes must be event type names (e.g. PatentInventoried) or "*"');
    if (
      body.description !== undefined &&
      (typeof body.description !== 'string' || body.description.length > 500)
    )
      throw invalid('description', 'description must be a string of at most 500 characters');
    if (
      body.fromPosition !== undefined &&
      (!Number.isSafeInteger(body.fromPosition) || body.fromPosition < 0)
    )
      throw invalid('fromPosition', 'fromPosition must be a log position (an integer ≥ 0)');
    const webhook: WebhookWithSecret = {
      id: newId(),
      orgId: body.orgId,
      role: body.role,
      url: url.toString(),
      eventTypes: [...new Set(eventTypes)],
      description: body.description,
      createdAt: this.clock.now(),
      createdBy: `${p.orgId}/${p.userId}`,
      fromPosition: body.fromPosition ?? (await this.store.headPosition()),
      secret: newWebhookSecret(),
    };
    this.host.state.addWebhook(webhook);
    this.host.startWebhook(webhook);
    return { ...publicView(webhook), secret: webhook.secret };
  }

  @Get('webhooks')
  @ApiOperation({ summary: 'The registered webhooks with their delivery state (ip-office admins)' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          items: {
            ...WEBHOOK_SCHEMA,
            properties: {
              ...WEBHOOK_SCHEMA.properties,
              delivery: {
                type: 'object',
                description: 'the relay: position, headPosition, lag, state, failures, lastError',
              },
              deadLetters: { type: 'integer', description: 'pending dead letters' },
            },
          },
        },
      },
    },
  })
  async list(@Req() req: Request) {
    admin(req, 'list webhooks');
    const status = new Map((await this.host.status()).map((s) => [s.name, s]));
    return {
      items: this.host.state.webhooks().map((w) => ({
        ...publicView(w),
        delivery: status.get(`webhook:${w.id}`),
        deadLetters: this.host.state.deadLetters(w.id, true).length,
      })),
    };
  }

  @Delete('webhooks/:id')
  @ApiOperation({ summary: 'Remove a webhook (ip-office admins); its dead letters are kept' })
  @WEBHOOK_ID
  @ApiOkResponse({
    schema: { type: 'object', properties: { id: { type: 'string' }, removed: { type: 'boolean' } } },
  })
  async remove(@Req() req: Request, @Param('id') id: string) {
    admin(req, 'remove a webhook');
    if (!this.host.state.deleteWebhook(id, this.clock.now())) throw this.unknown(id);
    await this.host.stopWebhook(id);
    return { id, removed: true };
  }

  @Get('webhooks/:id/dead-letters')
  @ApiOperation({ summary: 'The events a webhook did not accept within its attempts (ip-office admins)' })
  @WEBHOOK_ID
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { webhookId: { type: 'string' }, items: { type: 'array', items: DEAD_LETTER_SCHEMA } },
    },
  })
  deadLetters(@Req() req: Request, @Param('id') id: string) {
    admin(req, 'read dead letters');
    if (!this.host.state.webhook(id)) throw this.unknown(id);
    return { webhookId: id, items: this.host.state.deadLetters(id).map(({ body: _b, ...d }) => d) };
  }

  @Post('webhooks/:id/dead-letters/replay')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Send every pending dead letter of the webhook again, oldest first, once each (ip-office admins): those accepted leave the list',
  })
  @WEBHOOK_ID
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: { webhookId: { type: 'string' }, items: { type: 'array', items: REPLAY_SCHEMA } },
    },
  })
  async replayAll(@Req() req: Request, @Param('id') id: string) {
    admin(req, 'replay dead letters');
    const webhook = this.host.state.webhook(id);
    if (!webhook) throw this.unknown(id);
    const results = [];
    for (const d of this.host.state.deadLetters(id, true)) results.push(await this.replay(webhook, d.id));
    return { webhookId: id, items: results };
  }

  @Post('webhooks/:id/dead-letters/:deadLetterId/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send one dead letter again (ip-office admins); accepted: it leaves the list' })
  @WEBHOOK_ID
  @ApiParam({ name: 'deadLetterId', description: 'the dead letter (its id in GET …/dead-letters)' })
  @ApiOkResponse({ schema: REPLAY_SCHEMA })
  async replayOne(@Req() req: Request, @Param('id') id: string, @Param('deadLetterId') dl: string) {
    admin(req, 'replay dead letters');
    const webhook = this.host.state.webhook(id);
    if (!webhook) throw this.unknown(id);
    const n = Number(dl);
    const d = Number.isSafeInteger(n) ? this.host.state.deadLetter(id, n) : undefined;
    if (!d)
      throw ProblemException.of(
        404,
        'WEBHOOK.DEAD_LETTER_NOT_FOUND',
        `webhook ${id} has no dead letter ${dl}`,
      );
    return this.replay(webhook, d.id);
  }

  private async replay(webhook: WebhookWithSecret, deadLetterId: number) {
    const d = this.host.state.deadLetter(webhook.id, deadLetterId)!;
    const error = await deliverOnce(webhook, d.eventId, d.body, this.config.events.webhooks.timeoutMs);
    if (error === undefined) this.host.state.markReplayed(d.id, this.clock.now());
    else this.host.state.recordFailedReplay(d.id, error);
    return {
      deadLetterId: d.id,
      eventId: d.eventId,
      delivered: error === undefined,
      ...(error ? { error } : {}),
    };
  }

  @Post('reminders/run')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Emit the obligation reminders due today now rather than at the next interval (ip-office admins); each is emitted once whatever the number of runs',
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        emitted: { type: 'integer', description: 'reminders appended by this run' },
        already: { type: 'integer', description: 'reminders due that had been emitted before' },
      },
      required: ['emitted', 'already'],
    },
  })
  async runReminders(@Req() req: Request) {
    admin(req, 'run reminders');
    if (!this.reminders.enabled)
      throw ProblemException.of(409, 'REMINDERS.OFF', 'reminders are off (LEDGER_REMINDER_DAYS=off)');
    return this.reminders.run();
  }

  private unknown(id: string): ProblemException {
    return ProblemException.of(404, 'WEBHOOK.NOT_FOUND', `no webhook ${id}`);
  }
}
