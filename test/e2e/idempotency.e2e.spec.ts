/**
 * Retried commands: the same Idempotency-Key with the same request returns the original response
 * (status, body, ETag, `Idempotent-Replayed: true`) and appends nothing; with another request it is
 * 422 IDEMPOTENCY.KEY_REUSED. Keys survive a restart, and concurrent duplicates append once.
 */
import { scopedCommandId } from '../../apps/api/src/common/command-context';
import {
  actors,
  applicationNumber,
  EXAMPLES,
  eventsOf,
  expectProblem,
  headPosition,
  newKey,
  PARTIES,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
  type StoreLatency,
} from './harness';

describe('a retried command', () => {
  let h: Harness;
  const N = applicationNumber(2020, 1, 420001);
  const M = applicationNumber(2020, 1, 420002);

  beforeAll(async () => {
    h = await startHarness();
    await registerInstitution(h);
    await pooledPatent(h, N);
    await pooledPatent(h, M);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('with the same key and body returns the same status, body and ETag, marked replayed, and appends nothing', async () => {
    const key = newKey('promo');
    const first = await send(h, 'post', `/patents/${N}/promotions`, EXAMPLES.promotion, {
      key,
      headers: actors.ipOffice,
    });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const head = await headPosition(h);
    const count = (await eventsOf(h, N)).length;

    for (let i = 0; i < 3; i++) {
      const again = await send(h, 'post', `/patents/${N}/promotions`, EXAMPLES.promotion, {
        key,
        headers: actors.ipOffice,
      });
      expect(again.status).toBe(first.status);
      expect(again.body).toEqual(first.body);
      expect(again.headers['etag']).toBe(first.headers['etag']);
      expect(again.headers['idempotent-replayed']).toBe('true');
    }
    expect(await headPosition(h)).toBe(head);
    expect((await eventsOf(h, N)).length).toBe(count);
  });

  it('replays the original response even after the patent moved on, and even with the original (now stale) If-Match', async () => {
    const key = newKey('eval');
    const body = { ...EXAMPLES.evaluation, evaluationId: 'ev-idem-1' };
    const before = (await eventsOf(h, N)).length;
    const first = await send(h, 'post', `/patents/${N}/evaluations`, body, {
      key,
      ifMatch: `"${before}"`,
      headers: actors.enterprise,
    });
    expect(first.status).toBe(201);
    // Another command moves the patent on.
    const other = await send(h, 'post', `/patents/${N}/promotions`, {
      ...EXAMPLES.promotion,
      promotionId: 'later-1',
    });
    expect(other.status).toBe(201);
    const head = await headPosition(h);

    const again = await send(h, 'post', `/patents/${N}/evaluations`, body, {
      key,
      ifMatch: `"${before}"`,
      headers: actors.enterprise,
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['etag']).toBe(`"${before + 1}"`);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await headPosition(h)).toBe(head);
  });

  it('with the same key and a different body is 422 IDEMPOTENCY.KEY_REUSED and appends nothing', async () => {
    const key = newKey('promo');
    const first = await send(
      h,
      'post',
      `/patents/${N}/promotions`,
      { ...EXAMPLES.promotion, promotionId: 'p-422' },
      { key },
    );
    expect(first.status).toBe(201);
    const head = await headPosition(h);
    const count = (await eventsOf(h, N)).length;

    const changed = await send(
      h,
      'post',
      `/patents/${N}/promotions`,
      { ...EXAMPLES.promotion, promotionId: 'p-422-b' },
      { key },
    );
    expectProblem(changed, 422, 'IDEMPOTENCY.KEY_REUSED');
    // The same body on another patent is another request too.
    const otherPatent = await send(
      h,
      'post',
      `/patents/${M}/promotions`,
      { ...EXAMPLES.promotion, promotionId: 'p-422' },
      { key },
    );
    expectProblem(otherPatent, 422, 'IDEMPOTENCY.KEY_REUSED');
    // ... and so is another endpoint (one this caller, ip-office, may send).
    const otherEndpoint = await send(h, 'put', '/institutions/tyut', EXAMPLES.institution, { key });
    expectProblem(otherEndpoint, 422, 'IDEMPOTENCY.KEY_REUSED');

    expect(await headPosition(h)).toBe(head);
    expect((await eventsOf(h, N)).length).toBe(count);
    expect((await eventsOf(h, M)).length).toBe(2);
    // The original request still replays.
    const again = await send(
      h,
      'post',
      `/patents/${N}/promotions`,
      { ...EXAMPLES.promotion, promotionId: 'p-422' },
      { key },
    );
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });

  it('the same key with the same body in another key order is the same request', async () => {
    const key = newKey('order');
    const body = { ...EXAMPLES.promotion, promotionId: 'p-order' };
    const first = await send(h, 'post', `/patents/${N}/promotions`, body, { key });
    expect(first.status).toBe(201);
    const reversed = Object.fromEntries(Object.entries(body).reverse());
    const again = await send(h, 'post', `/patents/${N}/promotions`, reversed, { key });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('a command that failed appends nothing, and its retry fails the same way', async () => {
    const key = newKey('fail');
    const head = await headPosition(h);
    const body = { ...EXAMPLES.license, dealId: 'lic-beyond', endDate: '2099-12-31' };
    const first = await send(h, 'post', `/patents/${N}/licenses`, body, { key, headers: actors.institution });
    expectProblem(first, 409, 'LICENSE.BEYOND_EXPIRY', ['endDate']);
    const again = await send(h, 'post', `/patents/${N}/licenses`, body, { key, headers: actors.institution });
    expectProblem(again, 409, 'LICENSE.BEYOND_EXPIRY', ['endDate']);
    expect(JSON.parse(again.text)).toEqual(JSON.parse(first.text));
    expect(await headPosition(h)).toBe(head);
  });

  it('an institution PUT retried with its key replays 201 (not 200) and appends nothing', async () => {
    const key = newKey('inst');
    const body = {
      ...EXAMPLES.institution,
      name: '山西大学',
      milestoneGroup: 'key4',
      stockPatentCount: 2100,
    };
    const first = await send(h, 'put', '/institutions/sxu', body, { key, headers: actors.ipOffice });
    expect(first.status).toBe(201);
    const head = await headPosition(h);
    const again = await send(h, 'put', '/institutions/sxu', body, { key, headers: actors.ipOffice });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['location']).toBe('/institutions/sxu');
    expect(await headPosition(h)).toBe(head);
    // A PUT to the same institution with another key and the same body is a no-op: 200.
    const other = await send(h, 'put', '/institutions/sxu', body, { headers: actors.ipOffice });
    expect(other.status).toBe(200);
    expect(await headPosition(h)).toBe(head);
  });

  it('the stored events carry the key, scoped to its caller, as commandId', async () => {
    const key = newKey('meta');
    const res = await send(
      h,
      'post',
      `/patents/${N}/promotions`,
      { ...EXAMPLES.promotion, promotionId: 'p-meta' },
      { key },
    );
    expect(res.status).toBe(201);
    const last = (await eventsOf(h, N)).at(-1)!;
    expect(last.metadata.commandId).toBe(scopedCommandId(PARTIES.ipOffice, key));
    expect(last.metadata.eventId).toBe(res.body.events[0].eventId);
  });
});

describe('a key retried after a restart', () => {
  let h: Harness;
  const N = applicationNumber(2020, 1, 420003);

  beforeAll(async () => {
    h = await startHarness();
    await registerInstitution(h);
    await pooledPatent(h, N);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is still replayed (same body, nothing appended), and still refuses another body', async () => {
    const key = newKey('restart');
    const body = { ...EXAMPLES.license, dealId: 'lic-restart' };
    const first = await send(h, 'post', `/patents/${N}/licenses`, body, { key, headers: actors.institution });
    expect(first.status).toBe(201);
    const head = await headPosition(h);

    await h.restart();

    const again = await send(h, 'post', `/patents/${N}/licenses`, body, { key, headers: actors.institution });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['etag']).toBe(first.headers['etag']);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await headPosition(h)).toBe(head);

    const changed = await send(
      h,
      'post',
      `/patents/${N}/licenses`,
      { ...body, royalty: '1.00' },
      { key, headers: actors.institution },
    );
    expectProblem(changed, 422, 'IDEMPOTENCY.KEY_REUSED');
    expect(await headPosition(h)).toBe(head);
  });
});

const MODES: [string, StoreLatency | undefined][] = [
  ['in-process SQLite', undefined],
  ['SQLite answering after a delay', { readStream: 15, findCommand: 5, streamVersion: 5, append: 5 }],
  // The key lookup is slow: a duplicate looks the key up before the original appended, and loads
  // the stream after it did.
  ['SQLite with a slow key lookup', { findCommand: 40 }],
];

describe.each(MODES)('concurrent duplicates (%s)', (_mode, latency) => {
  let h: Harness;
  const N = applicationNumber(2020, 1, 420004);

  beforeAll(async () => {
    h = await startHarness(latency ? { latency } : {});
    await registerInstitution(h);
    await pooledPatent(h, N);
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each([
    ['a promotion', 'promotions', { ...EXAMPLES.promotion, promotionId: 'dup-promo' }, 'ipOffice'],
    ['an evaluation', 'evaluations', { ...EXAMPLES.evaluation, evaluationId: 'dup-eval' }, 'enterprise'],
    ['a licence', 'licenses', { ...EXAMPLES.license, dealId: 'dup-lic' }, 'institution'],
  ] as const)(
    'five same-key requests for %s: one append, all 201 with the same body',
    async (_what, endpoint, body, party) => {
      const key = newKey('dup');
      const head = await headPosition(h);
      const before = (await eventsOf(h, N)).length;
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          send(h, 'post', `/patents/${N}/${endpoint}`, body, { key, headers: actors[party] }),
        ),
      );
      expect(responses.map((r) => `${r.status} ${r.status === 201 ? '' : r.text}`)).toEqual(
        Array<string>(5).fill('201 '),
      );
      for (const r of responses) {
        expect(r.body).toEqual(responses[0]!.body);
        expect(r.headers['etag']).toBe(`"${before + 1}"`);
      }
      expect(responses.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
      expect(await headPosition(h)).toBe(head + 1);
      const events = await eventsOf(h, N);
      expect(events).toHaveLength(before + 1);
      expect(events.at(-1)!.metadata.commandId).toBe(scopedCommandId(PARTIES[party], key));
      expect(events.at(-1)!.metadata.eventId).toBe(responses[0]!.body.events[0].eventId);
    },
  );

  it('five same-key institution registrations: one event, all 201', async () => {
    const key = newKey('dup-inst');
    const head = await headPosition(h);
    const body = {
      ...EXAMPLES.institution,
      name: '中北大学',
      milestoneGroup: 'key4',
      stockPatentCount: 1500,
    };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        send(h, 'put', '/institutions/nuc', body, { key, headers: actors.ipOffice }),
      ),
    );
    expect(responses.map((r) => `${r.status} ${r.status === 201 ? '' : r.text}`)).toEqual(
      Array<string>(5).fill('201 '),
    );
    for (const r of responses) expect(r.body).toEqual(responses[0]!.body);
    expect(await headPosition(h)).toBe(head + 1);
  });
});
