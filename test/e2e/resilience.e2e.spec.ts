/**
 * Resilience of the command path (issue 12, items 5–6): fifty legal commands racing on one patent all
 * land (they queue per stream instead of exhausting their retries); an unexpected failure of a write
 * says its outcome is unknown and that a retry with the same Idempotency-Key is safe; the store's and
 * the projections' own error text is shown to ip-office admins only.
 */
import type { EventStore } from '@patent-ledger/eventsourcing';
import {
  actors,
  applicationNumber,
  authAs,
  EXAMPLES,
  eventsOf,
  expectProblem,
  inventory,
  newKey,
  patentOf,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from './harness';
import { EVENT_STORE } from '../../apps/api/src/ledger/tokens';

type CommandBody = { events: { eventId: string; version: number; position: number }[] };

/** Polls `probe` until it returns a value (at most 20 s). */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('fifty legal commands on one patent at once', () => {
  let h: Harness;
  beforeAll(async () => {
    // A store that answers after a delay, as a networked one does, so that every racer would load
    // the same version before any of them appends if they were not queued.
    h = await startHarness({ latency: { readStream: 10, findCommand: 3, streamVersion: 3, append: 3 } });
    await registerInstitution(h);
  });
  afterAll(() => h?.close());

  it('all land: 30 evaluations, 19 promotions and the transfer registration, each stored once', async () => {
    const N = applicationNumber(2019, 1, 720001);
    await pooledPatent(h, N);
    const contract = await send(h, 'post', `/patents/${N}/transfers`, EXAMPLES.transfer, {
      headers: actors.institution,
    });
    expect(contract.status).toBe(201);
    const base = (await eventsOf(h, N)).length;
    const enterprises = await Promise.all(
      Array.from({ length: 30 }, (_, i) => authAs({ role: 'enterprise', orgId: `ent-${i}`, userId: 'bd' })),
    );
    const requests = [
      ...enterprises.map(
        (headers, i) => () =>
          send(
            h,
            'post',
            `/patents/${N}/evaluations`,
            { ...EXAMPLES.evaluation, evaluationId: `ev-race-${i}`, enterpriseId: `ent-${i}` },
            { headers },
          ),
      ),
      ...Array.from(
        { length: 19 },
        (_, i) => () =>
          send(
            h,
            'post',
            `/patents/${N}/promotions`,
            { ...EXAMPLES.promotion, promotionId: `promo-race-${i}` },
            { headers: actors.ipOffice },
          ),
      ),
      () =>
        send(
          h,
          'post',
          `/patents/${N}/transfers/${EXAMPLES.transfer.dealId}/registration`,
          EXAMPLES.transferRegistration,
          { headers: actors.institution },
        ),
    ];
    expect(requests).toHaveLength(50);
    const responses = await Promise.all(requests.map((r) => r()));
    const outcomes = responses.map(
      (r) => `${r.status} ${r.status === 201 ? '' : (r.body as { code?: string }).code}`,
    );
    expect(outcomes).toEqual(Array<string>(50).fill('201 '));

    const events = await eventsOf(h, N);
    expect(events).toHaveLength(base + 50);
    // Exactly the acknowledged events, each once, in a gap-free stream.
    const acknowledged = responses.flatMap((r) => (r.body as CommandBody).events.map((e) => e.eventId));
    expect(
      events
        .slice(base)
        .map((e) => e.metadata.eventId)
        .sort(),
    ).toEqual([...acknowledged].sort());
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: base + 50 }, (_, i) => i + 1));
    const { state } = await patentOf(h, N);
    expect((state['holder'] as { id: string }).id).toBe(EXAMPLES.transfer.assigneeId);
    expect(state['promotions'] as unknown[]).toHaveLength(19);
  }, 120_000);
});

describe('an unexpected failure of a write', () => {
  let h: Harness;
  /** When set, the next append commits and then fails, as a connection lost before the reply would. */
  let loseReply = false;
  beforeAll(async () => {
    h = await startHarness({
      wrapStore: (store) =>
        new Proxy(store, {
          get(target, prop, receiver) {
            const value: unknown = Reflect.get(target, prop, receiver);
            if (typeof value !== 'function') return value;
            if (prop !== 'append') return (value as (...a: unknown[]) => unknown).bind(target);
            return async (...args: unknown[]) => {
              const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(
                target,
                args,
              );
              if (loseReply) {
                loseReply = false;
                throw new Error('reply lost: unexpected end of data');
              }
              return result;
            };
          },
        }),
    });
    await registerInstitution(h);
  });
  afterAll(() => h?.close());

  it('is 500 INTERNAL.OUTCOME_UNKNOWN (never "nothing was changed"); the retry with the same key lands once', async () => {
    const N = applicationNumber(2019, 1, 720002);
    await pooledPatent(h, N);
    const before = (await eventsOf(h, N)).length;
    const key = newKey('lost-reply');
    loseReply = true;
    const lost = await send(h, 'post', `/patents/${N}/promotions`, EXAMPLES.promotion, { key });
    expectProblem(lost, 500, 'INTERNAL.OUTCOME_UNKNOWN');
    const detail = (lost.body as { detail: string }).detail;
    expect(detail).not.toMatch(/nothing was changed/);
    expect(detail).toMatch(/unknown/);
    expect(detail).toMatch(/same Idempotency-Key/);
    // It was in fact recorded; the retry returns the original outcome and appends nothing.
    expect((await eventsOf(h, N)).length).toBe(before + 1);
    const retry = await send(h, 'post', `/patents/${N}/promotions`, EXAMPLES.promotion, { key });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect((await eventsOf(h, N)).length).toBe(before + 1);
  });

  it('a read that fails unexpectedly still says nothing was changed', async () => {
    const store = h.app().get<EventStore>(EVENT_STORE);
    const original = store.readStream.bind(store);
    (store as { readStream: unknown }).readStream = () => Promise.reject(new Error('disk read error'));
    try {
      const res = await h.http().get(`/patents/${applicationNumber(2019, 1, 720002)}/events`);
      expectProblem(res, 500, 'INTERNAL');
      expect(res.text).not.toContain('disk read error');
    } finally {
      (store as { readStream: unknown }).readStream = original;
    }
  });
});

describe('internal error text is for ip-office admins only', () => {
  let h: Harness;
  let storeDown = false;
  const SECRET = 'connect ECONNREFUSED 10.1.2.3:5432 (/srv/secret/ledger.db)';
  const nonAdminOffice = () =>
    authAs({ role: 'ip-office', orgId: 'sx-cnipa', userId: 'clerk', admin: false });
  beforeAll(async () => {
    h = await startHarness({
      wrapStore: (store) =>
        new Proxy(store, {
          get(target, prop, receiver) {
            const value: unknown = Reflect.get(target, prop, receiver);
            if (typeof value !== 'function') return value;
            if (prop !== 'ping') return (value as (...a: unknown[]) => unknown).bind(target);
            return async () => {
              if (storeDown) throw new Error(SECRET);
              return (value as () => Promise<unknown>).call(target);
            };
          },
        }),
    });
    await registerInstitution(h);
  });
  afterAll(() => h?.close());

  it('/health: the store error text to an admin; a generic reason to others and to the anonymous', async () => {
    storeDown = true;
    try {
      const admin = await h.http().get('/health');
      expect(admin.status).toBe(503);
      expect(admin.body.store).toMatchObject({ ready: false, error: SECRET });
      for (const res of [
        await h.anonymous().get('/health'),
        await h
          .anonymous()
          .get('/health')
          .set(await nonAdminOffice()),
        await h.anonymous().get('/health').set(actors.auditor),
      ]) {
        expect(res.status).toBe(503);
        expect(res.body.store.ready).toBe(false);
        expect(res.text).not.toContain('ECONNREFUSED');
        expect(res.text).not.toContain('/srv/secret');
      }
    } finally {
      storeDown = false;
    }
    expect((await h.anonymous().get('/health')).status).toBe(200);
  });

  it("/projections: a failed projection's error text to an admin; where it stopped to others", async () => {
    const n = applicationNumber(2019, 1, 720003);
    await inventory(h, n);
    // An event no command could produce: the pool projection cannot fold it.
    const store = h.app().get<EventStore>(EVENT_STORE);
    await store.append(
      `patent-${n}`,
      [
        {
          type: 'IntentTagged',
          data: { applicationNumber: n, occurredOn: '2024-05-01' },
          metadata: {
            eventId: 'corrupt-disclosure-1',
            commandId: 'corrupt-disclosure-1',
            correlationId: 'corrupt-disclosure-1',
            causationId: 'corrupt-disclosure-1',
            actor: { role: 'institution', orgId: 'tyut', userId: 'u' },
            recordedAt: new Date().toISOString(),
            schemaVersion: 1,
          },
        },
      ],
      { expectedVersion: 'any' },
    );
    type Status = { name: string; state: string; lastError?: { message: string; position: number } };
    const admin = await until('the pool projection to fail', async () => {
      const res = await h.http().get('/projections');
      const pool = (res.body.projections as Status[]).find((p) => p.name === 'resource-pool');
      return pool?.state === 'failed' ? pool : undefined;
    });
    expect(admin.lastError!.message).not.toBe('the projection failed on this event');
    expect(admin.lastError!.message.length).toBeGreaterThan(0);
    for (const headers of [await nonAdminOffice(), actors.auditor]) {
      const res = await h.anonymous().get('/projections').set(headers);
      expect(res.status).toBe(200);
      const pool = (res.body.projections as Status[]).find((p) => p.name === 'resource-pool')!;
      expect(pool.state).toBe('failed');
      expect(pool.lastError).toMatchObject({
        position: admin.lastError!.position,
        message: 'the projection failed on this event',
      });
      expect(res.text).not.toContain(admin.lastError!.message);
    }
  });
});
