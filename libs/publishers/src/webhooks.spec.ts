import { newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from './webhooks';

describe('webhook signatures (Standard Webhooks, HMAC-SHA256 with a timestamp)', () => {
  const secret = newWebhookSecret();
  const body = JSON.stringify({ id: 'e-1', type: 'cn.patent-ledger.Transferred' });
  const now = Date.parse('2026-12-03T08:00:00Z');

  it('a genuine delivery verifies', () => {
    expect(
      verifyWebhook(secret, { ...webhookHeaders(secret, 'e-1', body, now) }, body, { nowMs: now }),
    ).toBeUndefined();
  });

  it('a changed body, another secret, another id or an old timestamp does not', () => {
    const h = { ...webhookHeaders(secret, 'e-1', body, now) };
    expect(verifyWebhook(secret, h, body.replace('e-1', 'e-2'), { nowMs: now })).toMatch(/signature/);
    expect(verifyWebhook(newWebhookSecret(), h, body, { nowMs: now })).toMatch(/signature/);
    expect(verifyWebhook(secret, { ...h, 'webhook-id': 'e-2' }, body, { nowMs: now })).toMatch(/signature/);
    expect(verifyWebhook(secret, h, body, { nowMs: now + 301_000 })).toMatch(/tolerance/);
    expect(verifyWebhook(secret, {}, body, { nowMs: now })).toMatch(/missing/);
  });

  it('signs `id.timestamp.body` with the key of the whsec_ secret', () => {
    const { createHmac } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`e-1.1764748800.${body}`).digest('base64');
    expect(signWebhook(secret, 'e-1', 1764748800, body)).toBe(`v1,${expected}`);
  });
});
