import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import { backoffDelay, sleep, type Backoff } from './backoff';
import { CLOUDEVENTS_JSON } from './cloudevents';
import type { OutgoingEvent, Sink } from './relay';
import type { PublisherState, WebhookWithSecret } from './state';

/**
 * Signatures follow Standard Webhooks (standardwebhooks.com): `webhook-id` (the event id, stable
 * across retries), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature:
 * v1,<base64 HMAC-SHA256>` over `<id>.<timestamp>.<body>`, keyed with the base64 part of the
 * `whsec_…` secret. A receiver recomputes it, compares in constant time and refuses timestamps too
 * far from its clock (replays).
 */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

const keyOf = (secret: string): Buffer => Buffer.from(secret.replace(/^whsec_/, ''), 'base64');

export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function webhookHeaders(secret: string, id: string, body: string, nowMs = Date.now()): SignedHeaders {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, id, timestamp, body),
  };
}

/**
 * Checks a delivery as a receiver would: the signature (any of the space-separated `v1,` entries)
 * over the raw body, and a timestamp within `toleranceSeconds` of now. Returns why it fails, or
 * undefined when it is genuine.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  { toleranceSeconds = 300, nowMs = Date.now() }: { toleranceSeconds?: number; nowMs?: number } = {},
): string | undefined {
  const one = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = one('webhook-id');
  const ts = one('webhook-timestamp');
  const sig = one('webhook-signature');
  if (!id || !ts || !sig) return 'missing webhook-id, webhook-timestamp or webhook-signature';
  const t = Number(ts);
  if (!Number.isInteger(t)) return 'webhook-timestamp is not a number';
  if (Math.abs(nowMs / 1000 - t) > toleranceSeconds) return 'webhook-timestamp is outside the tolerance';
  const expected = Buffer.from(signWebhook(secret, id, t, body));
  const ok = sig
    .split(' ')
    .some((s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), expected));
  return ok ? undefined : 'the signature does not match';
}

export interface WebhookDeliveryOptions {
  /** Attempts per event before it goes to the dead-letter list (default 8). */
  maxAttempts?: number;
  /** Waits between attempts (default 1 s doubling to 5 min). */
  backoff?: Backoff;
  /** Per-attempt timeout, ms (default 10 s). */
  timeoutMs?: number;
  onAttempt?: (outcome: 'delivered' | 'failed' | 'dead-lettered', webhookId: string) => void;
  onError?: (message: string) => void;
}

/** One HTTP POST of a signed CloudEvent; resolves with undefined on a 2xx, else the reason. */
export async function deliverOnce(
  webhook: Pick<WebhookWithSecret, 'url' | 'secret'>,
  id: string,
  body: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const res = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'content-type': CLOUDEVENTS_JSON, ...webhookHeaders(webhook.secret, id, body) },
      body,
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    const e = err as Error & { cause?: { message?: string } };
    return e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message;
  }
}

/**
 * The sink of one webhook: POSTs each event in log order, retrying with back-off, and after
 * `maxAttempts` puts it on the webhook's dead-letter list and goes on with the next (the list can
 * be replayed). The relay moves the webhook's checkpoint only after each event of a batch was
 * delivered or dead-lettered, so a restart re-sends at most the batch under way.
 */
export class WebhookSink implements Sink {
  readonly name: string;
  private readonly maxAttempts: number;
  private readonly backoff: Backoff;
  private readonly timeoutMs: number;

  constructor(
    private readonly webhook: WebhookWithSecret,
    private readonly state: PublisherState,
    private readonly options: WebhookDeliveryOptions = {},
  ) {
    this.name = `webhook:${webhook.id}`;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.backoff = options.backoff ?? { initialMs: 1000, maxMs: 300_000 };
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async publish(events: readonly OutgoingEvent[], signal: AbortSignal): Promise<void> {
    for (const o of events) {
      let lastError = '';
      let attempt = 0;
      while (!signal.aborted) {
        attempt += 1;
        const error = await deliverOnce(this.webhook, o.envelope.id, o.body, this.timeoutMs, signal);
        if (signal.aborted) return;
        if (error === undefined) {
          this.options.onAttempt?.('delivered', this.webhook.id);
          break;
        }
        lastError = error;
        this.options.onAttempt?.('failed', this.webhook.id);
        if (attempt >= this.maxAttempts) {
          this.deadLetter(o.event, o.body, attempt, lastError);
          break;
        }
        await sleep(backoffDelay(this.backoff, attempt), signal);
      }
      if (signal.aborted) return;
    }
  }

  private deadLetter(event: StoredEvent, body: string, attempts: number, lastError: string): void {
    this.state.addDeadLetter({
      webhookId: this.webhook.id,
      position: event.position,
      eventId: event.metadata.eventId,
      eventType: event.type,
      streamName: event.streamName,
      body,
      attempts,
      lastError,
      failedAt: new Date().toISOString(),
    });
    this.options.onAttempt?.('dead-lettered', this.webhook.id);
    this.options.onError?.(
      `webhook ${this.webhook.id}: event ${event.position} (${event.type}) dead-lettered after ${attempts} attempts: ${lastError}`,
    );
  }

  async close(): Promise<void> {}
}
