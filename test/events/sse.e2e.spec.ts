/** GET /events/stream: Server-Sent Events from a position, resumable, filtered by the caller's access. */
import {
  actors,
  applicationNumber,
  expectProblem,
  headPosition,
  inventory,
  inventoryBody,
  registerInstitution,
  send,
  startHarness,
  EXAMPLES,
  PARTIES,
  tokenFor,
  type Harness,
} from '../e2e/harness';
import { openSse } from './sse';

describe('SSE: GET /events/stream', () => {
  let h: Harness;
  const TYUT_A = applicationNumber(2017, 1, 7001);
  const TYUT_B = applicationNumber(2018, 1, 7002);
  const SXU_A = applicationNumber(2019, 1, 7003);

  beforeAll(async () => {
    h = await startHarness({ env: { LEDGER_REMINDER_DAYS: 'off' } });
    await registerInstitution(h, 'tyut');
    await registerInstitution(h, 'sxu');
    await inventory(h, TYUT_A);
    const res = await send(h, 'post', '/patents', inventoryBody(SXU_A, { institutionId: 'sxu' }), {
      headers: actors.otherInstitution,
    });
    if (res.status !== 201) throw new Error(`sxu inventory: ${res.status} ${res.text}`);
    await inventory(h, TYUT_B);
  });
  afterAll(() => h.close());

  it('streams CloudEvents from a position, and resumes after Last-Event-ID with nothing skipped or repeated', async () => {
    const head = await headPosition(h);
    const all = await openSse(h, '/events/stream?from=0', actors.ipOffice);
    expect(all.status).toBe(200);
    expect(all.contentType).toMatch(/^text\/event-stream/);
    const first = await all.until((m) => m.some((x) => x.data.position === head));
    all.close();
    expect(first.map((m) => m.data.position)).toEqual(
      [...first.map((m) => m.data.position)].sort((a, b) => a - b),
    );
    for (const m of first) {
      expect(m.id).toBe(String(m.data.position));
      expect(m.event).toBe(m.data.type.replace('cn.patent-ledger.', ''));
      expect(m.data).toEqual(
        expect.objectContaining({
          specversion: '1.0',
          id: expect.any(String),
          source: 'urn:patent-ledger',
          time: expect.any(String),
        }),
      );
    }
    const inventoried = first.find((m) => m.event === 'PatentInventoried' && m.data.subject === TYUT_A)!;
    expect(inventoried.data.stream).toBe(`patent-${TYUT_A}`);

    // Disconnected after the third event: a reconnect with Last-Event-ID gets the rest, then new ones live.
    const cut = first[2]!;
    const resumed = await openSse(h, '/events/stream?from=0', {
      ...actors.ipOffice,
      'Last-Event-ID': cut.id!,
    });
    await resumed.until((m) => m.some((x) => x.data.position === head));
    const res = await send(h, 'post', `/patents/${TYUT_A}/intent`, EXAMPLES.intent, {
      headers: actors.institution,
    });
    expect(res.status).toBe(201);
    const live = await resumed.until((m) => m.some((x) => x.event === 'IntentTagged'));
    resumed.close();
    const before = first.slice(3).map((m) => m.data.id);
    expect(live.slice(0, before.length).map((m) => m.data.id)).toEqual(before);
    expect(live[before.length]!.data).toEqual(expect.objectContaining({ subject: TYUT_A, streamversion: 2 }));
    expect(new Set(live.map((m) => m.data.id)).size).toBe(live.length);
  });

  it("a party's stream holds no event of another institution", async () => {
    // A last event of tyut's, to know the stream has gone past everything before it.
    const sentinel = await send(h, 'post', `/patents/${TYUT_B}/intent`, EXAMPLES.intent, {
      headers: actors.institution,
    });
    expect(sentinel.status).toBe(201);
    const done = (m: { data: { subject: string; type: string } }[]) =>
      m.some((x) => x.data.subject === TYUT_B && x.data.type.endsWith('IntentTagged'));

    const tyut = await openSse(h, '/events/stream?from=0', actors.institution);
    const seen = await tyut.until(done);
    tyut.close();
    expect(new Set(seen.map((m) => m.data.subject))).toEqual(new Set([TYUT_A, TYUT_B, 'tyut']));
    expect(seen.some((m) => m.data.subject === SXU_A || m.data.subject === 'sxu')).toBe(false);

    const sxu = await openSse(h, '/events/stream?from=0', actors.otherInstitution);
    const sxuSeen = await sxu.until((m) => m.some((x) => x.data.subject === SXU_A));
    sxu.close();
    expect(
      sxuSeen.some(
        (m) => m.data.subject === TYUT_A || m.data.subject === TYUT_B || m.data.subject === 'tyut',
      ),
    ).toBe(false);

    // An enterprise with no deal and an analyst see no patent's records; ip-office sees all of them.
    const analyst = await openSse(h, `/events/stream?from=0`, actors.analyst);
    const office = await openSse(h, `/events/stream?from=0`, actors.ipOffice);
    const all = await office.until(done);
    office.close();
    await new Promise((r) => setTimeout(r, 300));
    analyst.close();
    expect(analyst.messages).toEqual([]);
    expect(new Set(all.map((m) => m.data.subject))).toEqual(new Set([TYUT_A, TYUT_B, SXU_A, 'tyut', 'sxu']));
  });

  it('ends when its credential expires (the client reconnects with a fresh token and Last-Event-ID)', async () => {
    const shortLived = { Authorization: `Bearer ${await tokenFor(PARTIES.ipOffice, 2)}` };
    const head = await headPosition(h);
    const stream = await openSse(h, '/events/stream?from=0', shortLived);
    await stream.until((m) => m.some((x) => x.data.position === head));
    // After expiry the server ends the stream; waiting for more events then reports the end.
    await expect(stream.until(() => false, 6000)).rejects.toThrow(/the stream ended/);
    stream.close();
  });

  it('needs a credential, and a position', async () => {
    expect((await h.anonymous().get('/events/stream')).status).toBe(401);
    expectProblem(await h.http().get('/events/stream?from=minus-one'), 400, 'REQUEST.INVALID_QUERY', [
      'from',
    ]);
  });
});
