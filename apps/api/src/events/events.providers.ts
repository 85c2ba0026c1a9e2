import { EventsController, OpenStreams } from './events.controller';
import { AppendNotifier, NotifyOnAppend } from './notifier';
import { PublisherHost } from './publisher-host';
import { RemindersService } from './reminders.service';
import { WebhooksController } from './webhooks.controller';

/** The events going out: SSE, publishers (NATS, RabbitMQ, webhooks), reminders. */
export const EVENTS_CONTROLLERS = [EventsController, WebhooksController];
export const EVENTS_PROVIDERS = [
  AppendNotifier,
  NotifyOnAppend,
  OpenStreams,
  PublisherHost,
  RemindersService,
];
