/** Webhooks: registered by an admin per organisation and event filter, signed, retried with back-off, dead-lettered and replayed. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@patent-ledger/publishers';
import {
  actors,
  applicationNumber,
  expectProblem,
  inventory,
  inventoryBody,
  registerInstitution,
  send,
  startHarness,
  EXAMPLES,
  type Harness,
} from '../e2e/harness';
import { eventually } from './support';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A receiver on a loopback port that answers `plan(n)` to its n-th request (1-based). */
async function receiver(
  plan: (n: number) => number,
): Promise<{ url: string; deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const answered = plan(deliveries.length + 1);
      deliveries.push({ headers: req.headers, body, answered });
      res.statusCode = answered;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries, server };
}

describe('webhooks', () => {
  let h: Harness;
  const AN = applicationNumber(2017, 1, 8101);
  const SXU_AN = applicationNumber(2019, 1, 8102);
  const servers: Server[] = [];

  beforeAll(async () => {
    h = await startHarness({
      env: {
        LEDGER_REMINDER_DAYS: 'off',
        LEDGER_WEBHOOK_RETRY_MS: '20',
        LEDGER_WEBHOOK_RETRY_MAX_MS: '200',
        LEDGER_WEBHOOK_MAX_ATTEMPTS: '5',
      },
    });
    await registerInstitution(h, 'tyut');
    await registerInstitution(h, 'sxu');
    await inventory(h, AN);
  });
  afterAll(async () => {
    await h.close();
    for (const s of servers) s.close();
  });

  const register = async (body: Record<string, unknown>) => {
    const res = await h.http().post('/webhooks').send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; fromPosition: number };
  };

  it('a receiver that fails three times gets the event on the fourth try, each attempt signed', async () => {
    const r = await receiver((n) => (n <= 3 ? 500 : 204));
    servers.push(r.server);
    const hook = await register({
      orgId: 'tyut',
      role: 'institution',
      url: r.url,
      eventTypes: ['IntentTagged'],
    });
    expect(hook.secret).toMatch(/^whsec_/);

    const res = await send(h, 'post', `/patents/${AN}/intent`, EXAMPLES.intent, {
      headers: actors.institution,
    });
    expect(res.status).toBe(201);
    const eventId = (res.body as { events: { eventId: string }[] }).events[0]!.eventId;

    await eventually('the fourth attempt is accepted', async () => r.deliveries.length >= 4, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300)); // no fifth attempt follows a success
    expect(r.deliveries.map((d) => d.answered)).toEqual([500, 500, 500, 204]);
    for (const d of r.deliveries) {
      expect(verifyWebhook(hook.secret, d.headers, d.body)).toBeUndefined();
      expect(d.headers['webhook-id']).toBe(eventId);
      expect(d.headers['content-type']).toBe('application/cloudevents+json');
      expect(JSON.parse(d.body)).toEqual(
        expect.objectContaining({
          specversion: '1.0',
          id: eventId,
          type: 'cn.patent-ledger.IntentTagged',
          subject: AN,
        }),
      );
    }
    // A forged body does not verify with the secret.
    const last = r.deliveries[3]!;
    expect(verifyWebhook(hook.secret, last.headers, last.body.replace(AN, SXU_AN))).toMatch(/signature/);

    const list = await h.http().get('/webhooks');
    expect(list.status).toBe(200);
    const listed = (list.body as { items: Record<string, unknown>[] }).items.find(
      (w) => w['id'] === hook.id,
    )!;
    expect(listed).not.toHaveProperty('secret');
    expect(listed['delivery']).toEqual(expect.objectContaining({ lag: expect.any(Number), failures: 0 }));
  });

  it('after its attempts an event goes to the dead-letter list, the next events follow, and a replay delivers it', async () => {
    let healthy = false;
    const r = await receiver(() => (healthy ? 200 : 503));
    servers.push(r.server);
    const hook = await register({
      orgId: 'tyut',
      role: 'institution',
      url: r.url,
      eventTypes: ['Promoted', 'EnterpriseEvaluated'],
    });

    expect(
      (await send(h, 'post', `/patents/${AN}/promotions`, EXAMPLES.promotion, { headers: actors.ipOffice }))
        .status,
    ).toBe(201);
    await eventually('five attempts, then the dead-letter list', async () => {
      const dl = await h.http().get(`/webhooks/${hook.id}/dead-letters`);
      return (dl.body as { items: unknown[] }).items.length === 1;
    });
    expect(r.deliveries).toHaveLength(5);
    const dl = (await h.http().get(`/webhooks/${hook.id}/dead-letters`)).body as {
      items: { id: number; eventType: string; attempts: number; lastError: string; replayedAt?: string }[];
    };
    expect(dl.items[0]).toEqual(
      expect.objectContaining({ eventType: 'Promoted', attempts: 5, lastError: 'HTTP 503' }),
    );

    // The webhook goes on with the next event.
    healthy = true;
    expect(
      (
        await send(h, 'post', `/patents/${AN}/evaluations`, EXAMPLES.evaluation, {
          headers: actors.enterprise,
        })
      ).status,
    ).toBe(201);
    await eventually('the next event is delivered', async () =>
      r.deliveries.some((d) => d.body.includes('EnterpriseEvaluated')),
    );

    const replay = await h.http().post(`/webhooks/${hook.id}/dead-letters/${dl.items[0]!.id}/replay`);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(expect.objectContaining({ delivered: true }));
    const replayed = r.deliveries[r.deliveries.length - 1]!;
    expect(JSON.parse(replayed.body)).toEqual(expect.objectContaining({ type: 'cn.patent-ledger.Promoted' }));
    expect(verifyWebhook(hook.secret, replayed.headers, replayed.body)).toBeUndefined();
    const after = (await h.http().get(`/webhooks/${hook.id}/dead-letters`)).body as {
      items: { replayedAt?: string }[];
    };
    expect(after.items[0]!.replayedAt).toEqual(expect.any(String));
  });

  it('a webhook receives only what its organisation may read', async () => {
    const r = await receiver(() => 200);
    servers.push(r.server);
    await register({ orgId: 'sxu', role: 'institution', url: r.url });
    await inventory(h, applicationNumber(2017, 1, 8103)); // tyut's: not for sxu
    const own = await send(h, 'post', '/patents', inventoryBody(SXU_AN, { institutionId: 'sxu' }), {
      headers: actors.otherInstitution,
    });
    expect(own.status).toBe(201);
    await eventually('sxu gets its own event', async () => r.deliveries.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.deliveries.map((d) => (JSON.parse(d.body) as { subject: string }).subject)).toEqual([SXU_AN]);
  });

  it('registers the documented example (GET /docs-json)', async () => {
    const doc = (await h.anonymous().get('/docs-json')).body as {
      paths: Record<
        string,
        Record<
          string,
          { requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> } }
        >
      >;
    };
    const examples = doc.paths['/webhooks']!['post']!.requestBody!.content['application/json']!.examples!;
    for (const { value } of Object.values(examples)) {
      const hook = await register(value as Record<string, unknown>);
      expect(hook).toEqual(
        expect.objectContaining({ ...(value as object), secret: expect.stringMatching(/^whsec_/) }),
      );
      expect((await h.http().delete(`/webhooks/${hook.id}`)).status).toBe(200);
    }
    expect(Object.keys(examples).length).toBeGreaterThan(0);
  });

  it('only an ip-office admin registers webhooks, to an https (or loopback) URL', async () => {
    const body = { orgId: 'tyut', role: 'institution', url: 'https://tto.example/hook' };
    expectProblem(await h.http().post('/webhooks').set(actors.institution).send(body), 403, 'ACCESS.DENIED');
    expectProblem(
      await h
        .http()
        .post('/webhooks')
        .send({ ...body, url: 'http://tto.example/hook' }),
      400,
      'REQUEST.INVALID_BODY',
      ['url'],
    );
    expectProblem(
      await h
        .http()
        .post('/webhooks')
        .send({ ...body, role: 'king' }),
      400,
      'REQUEST.INVALID_BODY',
      ['role'],
    );
  });
});
