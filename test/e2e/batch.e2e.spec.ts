import {
  actors,
  applicationNumber,
  headPosition,
  inventoryBody,
  PARTIES,
  registerInstitution,
  startHarness,
  withWrongCheckDigit,
  type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await registerInstitution(h);
});
afterAll(async () => {
  await h?.close();
});

const ndjson = (rows: unknown[]): string =>
  rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

describe('POST /patents/batch (NDJSON)', () => {
  const a = applicationNumber(2019, 1, 700001);
  const b = applicationNumber(2020, 2, 700002);
  const bad = withWrongCheckDigit(applicationNumber(2021, 1, 700003));

  it('imports valid lines, rejects bad ones with a reason, and ends with a summary', async () => {
    const before = await headPosition(h);
    const res = await h
      .http()
      .post('/patents/batch')
      .set(actors.institution)
      .set('Content-Type', 'application/x-ndjson')
      .send(
        ndjson([
          inventoryBody(a),
          inventoryBody(b),
          inventoryBody(bad),
          '{not json',
          { ...inventoryBody(a) },
        ]),
      );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const results = lines.slice(0, -1);
    expect(results.map((r) => r['status'])).toEqual([
      'imported',
      'imported',
      'rejected',
      'rejected',
      'already-present',
    ]);
    expect(results[2]).toMatchObject({ code: 'PATENT.INVALID_CHECK_DIGIT' });
    expect(lines[lines.length - 1]).toMatchObject({
      summary: { rows: 5, imported: 2, alreadyPresent: 1, rejected: 2 },
    });
    expect(await headPosition(h)).toBe(before + 2);
    const events = await h.http().get(`/patents/${a}/events`);
    // The actor is the token's principal (the institution's user).
    expect(events.body.events[0].metadata.actor).toEqual({
      role: 'institution',
      orgId: 'tyut',
      userId: PARTIES.institution.userId,
    });
  });

  it('answers "already-present" when the same lines are sent again, appending nothing', async () => {
    const before = await headPosition(h);
    const res = await h
      .http()
      .post('/patents/batch')
      .set(actors.institution)
      .set('Content-Type', 'application/x-ndjson')
      .send(ndjson([inventoryBody(a), inventoryBody(b)]));
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, 2).map((r) => r['status'])).toEqual(['already-present', 'already-present']);
    expect(await headPosition(h)).toBe(before);
  });

  it('refuses a body that is not NDJSON with 415', async () => {
    const res = await h.http().post('/patents/batch').set('Content-Type', 'text/plain').send('x');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
