/**
 * Clients racing on one patent: exactly one wins, the others get 412 (pinned with If-Match) or 409
 * (a business rule the winner's event now violates), and the stream holds only acknowledged events.
 */
import {
  actors,
  applicationNumber,
  authAs,
  EXAMPLES,
  eventsOf,
  expectProblem,
  headPosition,
  inventoryBody,
  patentOf,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
  type StoreLatency,
  type StoredEventJson,
} from './harness';

type CommandBody = {
  streamName: string;
  version: number;
  events: { eventId: string; type: string; version: number; position: number }[];
};

/** The stream holds exactly the events of the successful responses, after `base` events. */
function expectOnlyAcknowledged(events: StoredEventJson[], base: number, winners: CommandBody[]): void {
  const acknowledged = winners.flatMap((w) => w.events).sort((a, b) => a.version - b.version);
  expect(
    events
      .slice(base)
      .map((e) => ({ eventId: e.metadata.eventId, type: e.type, version: e.version, position: e.position })),
  ).toEqual(
    acknowledged.map((e) => ({ eventId: e.eventId, type: e.type, version: e.version, position: e.position })),
  );
}

/** Authorization headers of the enterprises `enterprise-0` … (each evaluates in its own name). */
const enterprisesOf = (count: number): Promise<Record<string, string>[]> =>
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      authAs({ role: 'enterprise', orgId: `enterprise-${i}`, userId: 'bd' }),
    ),
  );

/**
 * Each scenario runs twice: on the in-process store (a request is handled within one tick, so racing
 * requests are mostly serialised) and on the same store answering after a delay, as a networked
 * store would, so that every racer loads the same version before any of them appends.
 */
const MODES: [string, StoreLatency | undefined][] = [
  ['in-process SQLite', undefined],
  ['SQLite answering after a delay', { readStream: 15, findCommand: 5, streamVersion: 5, append: 5 }],
];

describe.each(MODES)('%s', (_mode, latency) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(latency ? { latency } : {});
    await registerInstitution(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  describe('commands pinned with the same If-Match', () => {
    const N = applicationNumber(2019, 1, 310001);

    beforeAll(async () => {
      await pooledPatent(h, N); // version 2
    });

    it('ten racing promotions: exactly one 201, nine 412 PRECONDITION.VERSION_MISMATCH', async () => {
      const { etag, version } = await patentOf(h, N);
      expect(etag).toBe(`"${version}"`);
      const head = await headPosition(h);
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          send(
            h,
            'post',
            `/patents/${N}/promotions`,
            { ...EXAMPLES.promotion, promotionId: `race-${i}` },
            { ifMatch: etag, headers: actors.ipOffice },
          ),
        ),
      );
      const winners = responses.filter((r) => r.status === 201);
      const losers = responses.filter((r) => r.status !== 201);
      expect(responses.map((r) => r.status).sort()).toEqual([201, ...Array<number>(9).fill(412)]);
      for (const r of losers) expectProblem(r, 412, 'PRECONDITION.VERSION_MISMATCH');
      const winner = winners[0]!.body as CommandBody;
      expect(winner.version).toBe(version + 1);
      expect(winners[0]!.headers['etag']).toBe(`"${version + 1}"`);

      const events = await eventsOf(h, N);
      expect(events).toHaveLength(version + 1);
      expectOnlyAcknowledged(events, version, [winner]);
      expect(await headPosition(h)).toBe(head + 1);
      const state = await patentOf(h, N);
      expect(state.version).toBe(version + 1);
      expect((state.state['promotions'] as unknown[]).length).toBe(1);
    });

    it('two racing commands of different kinds pinned to one version: one wins, the other 412', async () => {
      const { etag, version } = await patentOf(h, N);
      const [a, b] = await Promise.all([
        send(h, 'post', `/patents/${N}/evaluations`, EXAMPLES.evaluation, {
          ifMatch: etag,
          headers: actors.enterprise,
        }),
        send(h, 'post', `/patents/${N}/licenses`, EXAMPLES.license, {
          ifMatch: etag,
          headers: actors.institution,
        }),
      ]);
      expect([a!.status, b!.status].sort()).toEqual([201, 412]);
      const loser = a!.status === 412 ? a! : b!;
      const winner = a!.status === 201 ? a! : b!;
      expectProblem(loser, 412, 'PRECONDITION.VERSION_MISMATCH');
      expectOnlyAcknowledged(await eventsOf(h, N), version, [winner.body as CommandBody]);
    });

    it('a stale If-Match is 412 and appends nothing; the current ETag then succeeds', async () => {
      const { etag, version } = await patentOf(h, N);
      const head = await headPosition(h);
      const stale = await send(
        h,
        'post',
        `/patents/${N}/promotions`,
        { ...EXAMPLES.promotion, promotionId: 'stale-1' },
        { ifMatch: `"${version - 1}"` },
      );
      expectProblem(stale, 412, 'PRECONDITION.VERSION_MISMATCH');
      expect(JSON.parse(stale.text).detail).toContain(String(version));
      const ahead = await send(
        h,
        'post',
        `/patents/${N}/promotions`,
        { ...EXAMPLES.promotion, promotionId: 'stale-2' },
        { ifMatch: `"${version + 5}"` },
      );
      expectProblem(ahead, 412, 'PRECONDITION.VERSION_MISMATCH');
      const unquoted = await send(
        h,
        'post',
        `/patents/${N}/promotions`,
        { ...EXAMPLES.promotion, promotionId: 'stale-3' },
        { ifMatch: String(version - 1) },
      );
      expectProblem(unquoted, 412, 'PRECONDITION.VERSION_MISMATCH');
      expect(await headPosition(h)).toBe(head);
      expect((await eventsOf(h, N)).length).toBe(version);

      const fresh = await send(
        h,
        'post',
        `/patents/${N}/promotions`,
        { ...EXAMPLES.promotion, promotionId: 'fresh-1' },
        { ifMatch: etag },
      );
      expect(fresh.status).toBe(201);
      expect(fresh.body.version).toBe(version + 1);
    });

    it('a pinned command that also breaks a rule reports 412 when the version moved (nothing appended)', async () => {
      const { version } = await patentOf(h, N);
      const head = await headPosition(h);
      const res = await send(
        h,
        'post',
        `/patents/${N}/promotions`,
        { ...EXAMPLES.promotion, promotionId: 'fresh-1' },
        { ifMatch: `"${version - 1}"` },
      );
      expectProblem(res, 412, 'PRECONDITION.VERSION_MISMATCH');
      expect(await headPosition(h)).toBe(head);
    });
  });

  describe('unpinned commands that conflict', () => {
    it('two exclusive licences with overlapping periods: one 201, the other 409 LICENSE.EXCLUSIVITY_CONFLICT', async () => {
      const N = applicationNumber(2019, 1, 310002);
      await pooledPatent(h, N);
      const base = (await eventsOf(h, N)).length;
      const head = await headPosition(h);
      const licence = (dealId: string, licenseeId: string, effectiveDate: string, endDate: string) => ({
        ...EXAMPLES.license,
        dealId,
        licenseeId,
        licenseeName: `${licenseeId} 有限公司`,
        type: 'exclusive',
        effectiveDate,
        endDate,
      });
      const responses = await Promise.all([
        send(
          h,
          'post',
          `/patents/${N}/licenses`,
          licence('excl-a', 'company-a', '2025-01-01', '2027-12-31'),
          {
            headers: actors.institution,
          },
        ),
        send(
          h,
          'post',
          `/patents/${N}/licenses`,
          licence('excl-b', 'company-b', '2026-06-01', '2028-05-31'),
          {
            headers: actors.institution,
          },
        ),
      ]);
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      const loser = responses.find((r) => r.status === 409)!;
      expectProblem(loser, 409, 'LICENSE.EXCLUSIVITY_CONFLICT');
      const winner = responses.find((r) => r.status === 201)!.body as CommandBody;
      expect(winner.version).toBe(base + 1);
      expectOnlyAcknowledged(await eventsOf(h, N), base, [winner]);
      expect(await headPosition(h)).toBe(head + 1);
      const winnerDeal = (await eventsOf(h, N)).at(-1)!.data['dealId'];
      const { state } = await patentOf(h, N);
      expect((state['licenses'] as { dealId: string }[]).map((l) => l.dealId)).toEqual([winnerDeal]);
    });

    it('two inventories of one number (different keys): one 201, the other 409 PATENT.ALREADY_INVENTORIED', async () => {
      const N = applicationNumber(2019, 1, 310011);
      const head = await headPosition(h);
      const responses = await Promise.all(
        [0, 1].map((i) =>
          send(h, 'post', '/patents', inventoryBody(N, { title: `第 ${i} 份盘点` }), {
            headers: actors.institution,
          }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      expectProblem(
        responses.find((r) => r.status === 409)!,
        409,
        'PATENT.ALREADY_INVENTORIED',
        ['applicationNumber'],
      );
      const events = await eventsOf(h, N);
      expectOnlyAcknowledged(events, 0, [responses.find((r) => r.status === 201)!.body as CommandBody]);
      expect(await headPosition(h)).toBe(head + 1);
    });

    // The loser raced the institution's own registration: once the winner moved ownership, the
    // institution no longer holds the patent, so the policy refuses it before the domain could
    // (rule holder-dealing). The domain's answer to the new holder follows.
    // Issue 14: a second transfer contract while one awaits registration is refused (TRANSFER.PENDING),
    // so two contracts can no longer both stand and race to registration; they race to be signed.
    it('two transfer contracts at once: one 201, the other 409 TRANSFER.PENDING; the new holder then gets 409 PATENT.NOT_HELD_BY_INSTITUTION', async () => {
      const N = applicationNumber(2019, 1, 310003);
      await pooledPatent(h, N);
      const base = (await eventsOf(h, N)).length;
      const contract = (dealId: string, assigneeId: string) => ({
        ...EXAMPLES.transfer,
        dealId,
        assigneeId,
        assigneeName: `${assigneeId} 公司`,
      });
      const responses = await Promise.all(
        [
          ['tr-a', 'buyer-a'],
          ['tr-b', 'buyer-b'],
        ].map(([dealId, assigneeId]) =>
          send(h, 'post', `/patents/${N}/transfers`, contract(dealId!, assigneeId!), {
            headers: actors.institution,
          }),
        ),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
      expectProblem(
        responses.find((r) => r.status === 409)!,
        409,
        'TRANSFER.PENDING',
      );
      const winner = responses.find((r) => r.status === 201)!.body as CommandBody;
      expectOnlyAcknowledged(await eventsOf(h, N), base, [winner]);
      const { state } = await patentOf(h, N);
      const [deal] = state['transfers'] as { dealId: string; assigneeId: string }[];
      const registered = await send(
        h,
        'post',
        `/patents/${N}/transfers/${deal!.dealId}/registration`,
        { ...EXAMPLES.transferRegistration, noticeNumber: `notice-${deal!.dealId}` },
        { headers: actors.institution },
      );
      expect(registered.status).toBe(201);
      // The new holder may send a transfer (the policy allows the holder); the domain refuses a
      // patent the institution no longer holds.
      const byHolder = await send(h, 'post', `/patents/${N}/transfers`, contract('tr-c', 'buyer-c'), {
        headers: await authAs({ role: 'enterprise', orgId: deal!.assigneeId, userId: 'legal' }),
      });
      expectProblem(byHolder, 409, 'PATENT.NOT_HELD_BY_INSTITUTION');
    });

    // As above: after the winner's registration the institution is no longer the holder.
    it('the same registration raced twice (different keys): one 201, the other 403 ACCESS.DENIED (holder-dealing), then 409 TRANSFER.ALREADY_REGISTERED for the new holder', async () => {
      const N = applicationNumber(2019, 1, 310004);
      await pooledPatent(h, N);
      expect(
        (await send(h, 'post', `/patents/${N}/transfers`, EXAMPLES.transfer, { headers: actors.institution }))
          .status,
      ).toBe(201);
      const base = (await eventsOf(h, N)).length;
      const path = `/patents/${N}/transfers/${EXAMPLES.transfer.dealId}/registration`;
      const responses = await Promise.all([
        send(h, 'post', path, EXAMPLES.transferRegistration, { headers: actors.institution }),
        send(h, 'post', path, EXAMPLES.transferRegistration, { headers: actors.institution }),
      ]);
      expect(responses.map((r) => r.status).sort()).toEqual([201, 403]);
      const loser = responses.find((r) => r.status === 403)!;
      expectProblem(loser, 403, 'ACCESS.DENIED');
      expect(JSON.parse(loser.text).rule).toBe('holder-dealing');
      const winner = responses.find((r) => r.status === 201)!.body as CommandBody;
      expectOnlyAcknowledged(await eventsOf(h, N), base, [winner]);
      // The assignee, now the holder, registering it again passes the policy; the domain refuses it.
      const again = await send(h, 'post', path, EXAMPLES.transferRegistration, {
        headers: actors.enterprise,
      });
      expectProblem(again, 409, 'TRANSFER.ALREADY_REGISTERED');
      expectOnlyAcknowledged(await eventsOf(h, N), base, [winner]);
    });
  });

  describe('unpinned commands that do not conflict', () => {
    it('eight racing evaluations by different enterprises: every acknowledged one is stored, gap-free', async () => {
      // Unpinned commands are retried (a bounded number of times) when the stream moved under them.
      // In-process every one succeeds; behind a slow store a racer may run out of attempts, which is
      // a 409 STREAM.CONCURRENCY_RETRIES_EXHAUSTED that appended nothing.
      const N = applicationNumber(2019, 1, 310005);
      await pooledPatent(h, N);
      const enterprises = await enterprisesOf(8);
      const base = (await eventsOf(h, N)).length;
      const head = await headPosition(h);
      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          send(
            h,
            'post',
            `/patents/${N}/evaluations`,
            {
              ...EXAMPLES.evaluation,
              evaluationId: `ev-race-${i}`,
              enterpriseId: `enterprise-${i}`,
            },
            { headers: enterprises[i]! },
          ),
        ),
      );
      const ok = responses.filter((r) => r.status === 201);
      if (!latency) expect(responses.map((r) => r.status)).toEqual(Array<number>(8).fill(201));
      expect(ok.length).toBeGreaterThanOrEqual(1);
      for (const r of responses.filter((x) => x.status !== 201)) {
        expectProblem(r, 409, 'STREAM.CONCURRENCY_RETRIES_EXHAUSTED');
      }
      const bodies = ok.map((r) => r.body as CommandBody);
      expect(bodies.map((b) => b.version).sort((a, b) => a - b)).toEqual(
        Array.from({ length: ok.length }, (_, i) => base + i + 1),
      );
      expectOnlyAcknowledged(await eventsOf(h, N), base, bodies);
      expect(await headPosition(h)).toBe(head + ok.length);
      const { state, version } = await patentOf(h, N);
      expect(version).toBe(base + ok.length);
      expect((state['evaluations'] as unknown[]).length).toBe(ok.length);
    });

    it('five racing evaluations all succeed: the retries cover as many racers as attempts', async () => {
      const N = applicationNumber(2019, 1, 310009);
      await pooledPatent(h, N);
      const enterprises = await enterprisesOf(5);
      const base = (await eventsOf(h, N)).length;
      const responses = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          send(
            h,
            'post',
            `/patents/${N}/evaluations`,
            {
              ...EXAMPLES.evaluation,
              evaluationId: `ev-five-${i}`,
              enterpriseId: `enterprise-${i}`,
            },
            { headers: enterprises[i]! },
          ),
        ),
      );
      expect(responses.map((r) => `${r.status} ${r.status === 201 ? '' : r.text}`)).toEqual(
        Array<string>(5).fill('201 '),
      );
      expectOnlyAcknowledged(
        await eventsOf(h, N),
        base,
        responses.map((r) => r.body as CommandBody),
      );
    });

    it('racing commands on different patents do not disturb each other', async () => {
      const numbers = [
        applicationNumber(2019, 1, 310006),
        applicationNumber(2019, 1, 310007),
        applicationNumber(2019, 1, 310008),
      ];
      for (const n of numbers) await pooledPatent(h, n);
      const head = await headPosition(h);
      const responses = await Promise.all(
        numbers.map((n) =>
          send(h, 'post', `/patents/${n}/promotions`, EXAMPLES.promotion, {
            ifMatch: '"2"',
            headers: actors.ipOffice,
          }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(await headPosition(h)).toBe(head + 3);
      const positions = responses
        .map((r) => (r.body as CommandBody).events[0]!.position)
        .sort((a, b) => a - b);
      expect(positions).toEqual([head + 1, head + 2, head + 3]);
    });
  });
});

describe('If-Match forms', () => {
  let h: Harness;
  const N = applicationNumber(2019, 1, 310010);

  beforeAll(async () => {
    h = await startHarness();
    await registerInstitution(h);
    await pooledPatent(h, N); // version 2
  });
  afterAll(async () => {
    await h?.close();
  });

  it('If-Match: * does not pin', async () => {
    const res = await send(
      h,
      'post',
      `/patents/${N}/promotions`,
      { ...EXAMPLES.promotion, promotionId: 'star' },
      { ifMatch: '*' },
    );
    expect(res.status).toBe(201);
  });

  it('a list of ETags matches when any entry is the current version (RFC 9110 §13.1.1)', async () => {
    const { version } = await patentOf(h, N);
    const head = await headPosition(h);
    const res = await send(
      h,
      'post',
      `/patents/${N}/promotions`,
      { ...EXAMPLES.promotion, promotionId: 'list' },
      { ifMatch: `"${version - 1}", "${version}"` },
    );
    expect({ status: res.status, text: res.text }).toEqual({ status: 201, text: expect.any(String) });
    expect(await headPosition(h)).toBe(head + 1);
  });

  it('a list of ETags none of which is current is 412 and appends nothing', async () => {
    const { version } = await patentOf(h, N);
    const head = await headPosition(h);
    const res = await send(
      h,
      'post',
      `/patents/${N}/promotions`,
      { ...EXAMPLES.promotion, promotionId: 'list-2' },
      { ifMatch: `"${version - 1}", "${version + 1}"` },
    );
    expectProblem(res, 412, 'PRECONDITION.VERSION_MISMATCH');
    expect(await headPosition(h)).toBe(head);
  });

  it('an institution PUT with a stale If-Match is 412 and appends nothing', async () => {
    const head = await headPosition(h);
    const res = await send(
      h,
      'put',
      '/institutions/tyut',
      { ...EXAMPLES.institution, stockPatentCount: 3400, reason: '复核' },
      { ifMatch: '"0"', headers: actors.ipOffice },
    );
    expectProblem(res, 412, 'PRECONDITION.VERSION_MISMATCH');
    expect(await headPosition(h)).toBe(head);
  });
});
