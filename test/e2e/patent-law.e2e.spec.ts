/**
 * Issue 14, "Patent law, exactly", over HTTP: one scenario per section — application numbers, terms
 * and expiry, annuities, working-day deadlines, licences, open licences, deals that end, pledges and
 * co-owners, facts dated before a lapse, who owes each obligation. Run again on PostgreSQL (event
 * store and read models) by test/e2e/postgres/patent-law.e2e.spec.ts.
 */
import type { Response } from 'supertest';
import {
  actors,
  applicationNumber,
  authAs,
  EXAMPLES,
  expectProblem,
  inventory,
  inventoryBody,
  registerInstitution,
  send,
  startHarness,
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

/** The log position of a command's last event (for read-your-writes queries). */
const positionOf = (res: Response): number => {
  const events = (res.body as { events: { position: number }[] }).events;
  return events[events.length - 1]!.position;
};

/** Sends a command that must succeed; returns its response. */
async function ok(
  method: 'post' | 'delete',
  path: string,
  body: unknown,
  headers: Record<string, string> = actors.institution,
): Promise<Response> {
  const res = await send(h, method, path, body, { headers });
  expect({ path, status: res.status, body: res.body as unknown }).toEqual({
    path,
    status: method === 'delete' ? 200 : 201,
    body: expect.anything(),
  });
  return res;
}

async function obligationsOf(n: string, minPosition: number, query = '', headers?: Record<string, string>) {
  let req = h.http().get(`/obligations?applicationNumber=${n}&minPosition=${minPosition}${query}`);
  if (headers) req = req.set(headers);
  const res = await req;
  expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 200, body: expect.anything() });
  return res.body as { items: Record<string, unknown>[]; total: number };
}

const licence = (o: Record<string, unknown>) => ({
  ...EXAMPLES.license,
  licenseeName: `${String(o['licenseeId'] ?? EXAMPLES.license.licenseeId)} 有限公司`,
  ...o,
});

describe('1. application numbers (细则 r.48–49; CNIPA numbering)', () => {
  it('细则 r.48–49: a divisional numbered in 2019 keeps its parent’s 2017 filing date when divisionalOf names the parent', async () => {
    const divisional = applicationNumber(2019, 1, 900101);
    const res = await send(
      h,
      'post',
      '/patents',
      inventoryBody(divisional, { filingDate: '2017-07-21', divisionalOf: 'ZL 2017 1060 1862.3' }),
      { headers: actors.institution },
    );
    expect(res.status).toBe(201);
    const got = await h.http().get(`/patents/${divisional}`);
    expect(got.body.state).toMatchObject({ divisionalOf: '201710601862.3', expiryDate: '2037-07-20' });
  });

  it('细则 r.48–49: without divisionalOf the same dossier is a 400 naming filingDate', async () => {
    const res = await send(
      h,
      'post',
      '/patents',
      inventoryBody(applicationNumber(2019, 1, 900102), { filingDate: '2017-07-21' }),
      { headers: actors.institution },
    );
    expectProblem(res, 400, 'PATENT.FILING_YEAR_MISMATCH', ['filingDate']);
  });

  it('PCT national phase (type 8): the filing date may not be later than the number’s year; spaces and ZL are normalised', async () => {
    const pct = applicationNumber(2018, 8, 900103);
    const late = await send(
      h,
      'post',
      '/patents',
      inventoryBody(pct, { filingDate: '2019-02-01', grantDate: '2021-03-10' }),
      {
        headers: actors.institution,
      },
    );
    expectProblem(late, 400, 'PATENT.FILING_YEAR_MISMATCH', ['filingDate']);
    const spaced = `ZL ${pct.slice(0, 4)} ${pct.slice(4)}`;
    const res = await send(
      h,
      'post',
      '/patents',
      inventoryBody(pct, { applicationNumber: spaced, filingDate: '2016-11-02' }),
      {
        headers: actors.institution,
      },
    );
    expect(res.status).toBe(201);
    expect(res.headers['location']).toBe(`/patents/${pct}`);
  });
});

describe('2. terms and expiry (专利法 Art. 42; 审查指南 V-9 §2.1)', () => {
  // A utility model filed 2016-08-01: its last day of protection is 2026-07-31.
  const um = applicationNumber(2016, 2, 900201);
  let position = 0;

  beforeAll(async () => {
    await inventory(h, um, { filingDate: '2016-08-01', grantDate: '2017-05-10' });
    position = positionOf(
      await ok('post', `/patents/${um}/intent`, { ...EXAMPLES.intent, occurredOn: '2024-04-02' }),
    );
  });

  it('专利法 Art. 42: an expired patent is refused into the stock count (409 PATENT.EXPIRED)', async () => {
    const res = await send(
      h,
      'post',
      '/patents',
      inventoryBody(applicationNumber(2013, 2, 900202), {
        filingDate: '2013-07-21',
        grantDate: '2014-03-10',
      }),
      { headers: actors.institution },
    );
    expectProblem(res, 409, 'PATENT.EXPIRED');
  });

  it('专利法 Art. 42: the standing is derived from the dates for any asOf — in force on the last day, expired the day after', async () => {
    const before = await h.http().get(`/patents/${um}?asOf=2026-07-31`);
    expect(before.body.standing).toEqual({ status: 'in-force', lastDayOfProtection: '2026-07-31' });
    const after = await h.http().get(`/patents/${um}?asOf=2026-08-01`);
    expect(after.body.standing).toEqual({ status: 'expired', lastDayOfProtection: '2026-07-31' });
    expect(after.body.state.expiryDate).toBe('2026-07-31');
  });

  it('专利法 Art. 42: the pool lists it as expired, not available, from the day after its last day', async () => {
    const pool = async (q: string) =>
      (await h.http().get(`/resource-pool?minPosition=${position}&${q}`)).body as {
        items: { applicationNumber: string; status: string }[];
      };
    expect((await pool('asOf=2026-07-31&status=available')).items.map((i) => i.applicationNumber)).toContain(
      um,
    );
    expect(
      (await pool('asOf=2026-08-01&status=available')).items.map((i) => i.applicationNumber),
    ).not.toContain(um);
    expect((await pool('asOf=2026-08-01&status=expired')).items.map((i) => i.applicationNumber)).toContain(
      um,
    );
    const entry = await h.http().get(`/resource-pool/${um}?asOf=2026-08-01&minPosition=${position}`);
    expect(entry.body).toMatchObject({ status: 'expired', expiryDate: '2026-07-31' });
  });

  it('专利法 Art. 42: it cannot be transferred, licensed or declared for open licence after its term', async () => {
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${um}/transfers`,
        { ...EXAMPLES.transfer, contractDate: '2026-08-03' },
        { headers: actors.institution },
      ),
      409,
      'PATENT.EXPIRED',
    );
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${um}/licenses`,
        licence({ contractDate: '2026-08-03', effectiveDate: '2026-01-01', endDate: '2026-07-31' }),
        { headers: actors.institution },
      ),
      409,
      'PATENT.EXPIRED',
    );
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${um}/open-license`,
        {
          ...EXAMPLES.openLicense,
          occurredOn: '2026-08-03',
          termFrom: '2026-08-03',
          termTo: '2026-08-03',
          evaluationReportRef: 'PJ-1',
        },
        { headers: actors.institution },
      ),
      409,
      'PATENT.EXPIRED',
    );
  });
});

describe('3. annuities (细则 r.98–100; 专利法 Art. 51 ¶2) and 4. deadlines on working days (细则 r.5)', () => {
  // Filed 2019-07-21, granted 2021-03-10 (year 2). Paid through year 5: year 6 is due on Sunday
  // 2024-07-21 → Monday 2024-07-22, payable with surcharge until 2025-01-21.
  const unpaid = applicationNumber(2019, 1, 900301);
  const paying = applicationNumber(2019, 1, 900302);

  beforeAll(async () => {
    await inventory(h, unpaid, { annuitiesPaidThrough: 5 });
    await inventory(h, paying, { annuitiesPaidThrough: 5 });
  });

  it('细则 r.98 with r.5: the schedule shows the due date moved off the weekend, the grace end and the surcharge as of a date', async () => {
    const res = await h.http().get(`/patents/${unpaid}/annuities?asOf=2024-08-22`);
    expect(res.status).toBe(200);
    expect(res.body.items.find((i: { year: number }) => i.year === 6)).toMatchObject({
      year: 6,
      from: '2024-07-21',
      to: '2025-07-20',
      dueDate: '2024-07-22',
      graceEnd: '2025-01-21',
      status: 'in-grace',
      surchargePercent: 5,
    });
  });

  it('细则 r.98–100: unpaid past its grace period, the patent lapsed with the last paid year — no command needed', async () => {
    const res = await h.http().get(`/patents/${unpaid}`);
    expect(res.body.standing).toEqual({
      status: 'lapsed',
      reason: 'non-payment',
      effectiveOn: '2024-07-21',
      lastDayInForce: '2024-07-20',
      derived: true,
      annuityYear: 6,
      graceEnd: '2025-01-21',
    });
    expectProblem(
      await send(h, 'post', `/patents/${unpaid}/intent`, EXAMPLES.intent, { headers: actors.institution }),
      409,
      'PATENT.LAPSED',
    );
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${unpaid}/annuities`,
        { year: 6, paidOn: '2025-01-22', amount: '1200.00' },
        { headers: actors.institution },
      ),
      409,
      'ANNUITY.GRACE_PERIOD_OVER',
    );
  });

  it('细则 r.98–100: the unpaid annuity appears in the obligations ledger, owed by the holder, lapsed after its grace end', async () => {
    const head = (await h.http().get('/health')).body.store.headPosition as number;
    const { items } = await obligationsOf(unpaid, head, '&kind=annuity&asOf=2025-06-01');
    expect(items).toEqual([
      expect.objectContaining({
        id: `annuity:${unpaid}:year-6`,
        dueDate: '2024-07-22',
        graceEnd: '2025-01-21',
        status: 'overdue',
        lapsedOn: '2024-07-21',
        responsibleParty: { kind: 'institution', id: 'tyut' },
      }),
    ]);
  });

  it('细则 r.98–100: payments are facts — late within the grace period with the surcharge, then on time; the next one is due', async () => {
    const late = await ok('post', `/patents/${paying}/annuities`, {
      year: 6,
      paidOn: '2024-11-25',
      amount: '1440.00',
    });
    expect(late.body.events[0].type).toBe('AnnuityPaid');
    await ok('post', `/patents/${paying}/annuities`, { year: 7, paidOn: '2025-07-10', amount: '2000.00' });
    const last = await ok('post', `/patents/${paying}/annuities`, {
      year: 8,
      paidOn: '2026-07-01',
      amount: '2000.00',
    });
    const events = (await h.http().get(`/patents/${paying}/events`)).body.events as {
      type: string;
      data: Record<string, unknown>;
    }[];
    // 4 full months late (the 4th month ended on 2024-11-21): 20 % (5 % per month beyond the first)
    expect(
      events.filter((e) => e.type === 'AnnuityPaid').map((e) => [e.data['year'], e.data['surchargePercent']]),
    ).toEqual([
      [6, 20],
      [7, 0],
      [8, 0],
    ]);
    const got = await h.http().get(`/patents/${paying}`);
    expect(got.body.standing.status).toBe('in-force');
    const { items } = await obligationsOf(paying, positionOf(last), '&kind=annuity&asOf=2026-07-02');
    expect(items.map((i) => [i['ref'], i['status']])).toEqual([
      ['year-6', 'fulfilled'],
      ['year-7', 'fulfilled'],
      ['year-8', 'fulfilled'],
      ['year-9', 'open'],
    ]);
  });

  it('专利法 Art. 51 ¶2: paid while an open licence is in effect, the annuity is reduced', async () => {
    await ok('post', `/patents/${paying}/open-license`, {
      ...EXAMPLES.openLicense,
      declarationId: 'ol-annuity',
      occurredOn: '2026-07-05',
      termFrom: '2026-07-05',
      termTo: '2027-12-31',
    });
    const schedule = await h.http().get(`/patents/${paying}/annuities?asOf=2026-07-06`);
    expect(schedule.body.items.find((i: { year: number }) => i.year === 9)).toMatchObject({
      status: 'due',
      openLicenseReduction: true,
    });
  });

  it('细则 r.5; 审查指南 V-7 §2.3: a recordal due on National Day (2024-10-01) is due on 2024-10-08; a registration due in the Spring Festival (2025-01-28) on 2025-02-05', async () => {
    const n = applicationNumber(2019, 1, 900303);
    await inventory(h, n);
    await ok(
      'post',
      `/patents/${n}/licenses`,
      licence({ dealId: 'lic-nd', contractDate: '2024-07-01', effectiveDate: '2024-07-01' }),
    );
    const res = await ok('post', `/patents/${n}/transfers`, {
      ...EXAMPLES.transfer,
      dealId: 'tr-sf',
      contractDate: '2024-10-28',
    });
    const { items } = await obligationsOf(n, positionOf(res), '&asOf=2024-12-01');
    const due = Object.fromEntries(items.map((i) => [i['id'], i['dueDate']]));
    expect(due[`license-recordal:${n}:lic-nd`]).toBe('2024-10-08');
    expect(due[`transfer-registration:${n}:tr-sf`]).toBe('2025-02-05');
  });
});

describe('5. licences (细则 r.15 ¶2; 最高法 技术合同解释 Art. 25)', () => {
  const n = applicationNumber(2019, 1, 900501);
  /** A patent licensed only by territory and field. */
  const m = applicationNumber(2019, 1, 900502);
  beforeAll(async () => {
    await inventory(h, n);
    await inventory(h, m);
  });

  it('细则 r.15 ¶2: the recordal runs from the contract date, not from the start of the term', async () => {
    const res = await ok(
      'post',
      `/patents/${n}/licenses`,
      licence({ dealId: 'lic-c', contractDate: '2024-05-06', effectiveDate: '2024-09-01' }),
    );
    const { items } = await obligationsOf(n, positionOf(res), '&kind=license-recordal&asOf=2024-06-01');
    expect(items[0]).toMatchObject({
      trigger: expect.objectContaining({ date: '2024-05-06' }),
      dueDate: '2024-08-06',
    });
  });

  it('最高法 技术合同解释 Art. 25: exclusive licences exclude each other only where territory × field × period overlap', async () => {
    // the ordinary licence lic-c of n covers all of China and every field: it overlaps any exclusive one
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${n}/licenses`,
        licence({ dealId: 'lic-sx0', licenseeId: 'sx-co', type: 'exclusive', territory: ['140000'] }),
        { headers: actors.institution },
      ),
      409,
      'LICENSE.EXCLUSIVITY_CONFLICT',
    );
    // m: Shanxi and Shaanxi exclusive licences coexist; one for Taiyuan (in Shanxi) does not
    await ok(
      'post',
      `/patents/${m}/licenses`,
      licence({
        dealId: 'lic-sx',
        licenseeId: 'sx-co',
        type: 'exclusive',
        territory: ['140000'],
        fieldsOfUse: ['过滤'],
      }),
    );
    await ok(
      'post',
      `/patents/${m}/licenses`,
      licence({
        dealId: 'lic-sn',
        licenseeId: 'sn-co',
        type: 'exclusive',
        territory: ['610000'],
        fieldsOfUse: ['过滤'],
      }),
    );
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${m}/licenses`,
        licence({ dealId: 'lic-ty', licenseeId: 'ty-co', territory: ['140100'], fieldsOfUse: ['过滤'] }),
        { headers: actors.institution },
      ),
      409,
      'LICENSE.EXCLUSIVITY_CONFLICT',
    );
    // another field of use in Taiyuan is free
    await ok(
      'post',
      `/patents/${m}/licenses`,
      licence({ dealId: 'lic-ty2', licenseeId: 'ty-co', territory: ['140100'], fieldsOfUse: ['建材'] }),
    );
  });

  it('专利法 Art. 42: the term lies within the protection term — not before the grant, not after the last day', async () => {
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${n}/licenses`,
        licence({ dealId: 'lic-early', contractDate: '2021-01-05', effectiveDate: '2021-01-05' }),
        {
          headers: actors.institution,
        },
      ),
      409,
      'LICENSE.BEFORE_GRANT',
    );
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${n}/licenses`,
        licence({ dealId: 'lic-late', endDate: '2039-07-21' }),
        { headers: actors.institution },
      ),
      409,
      'LICENSE.BEYOND_EXPIRY',
    );
  });

  it('最高法 技术合同解释 Art. 25: under an exclusive licence the licensor itself may not implement', async () => {
    const res = await send(
      h,
      'post',
      `/patents/${m}/industrializations`,
      {
        ...EXAMPLES.industrialization,
        industrializationId: 'ind-self',
        enterpriseId: 'tyut',
        startedOn: '2024-09-02',
      },
      { headers: actors.institution },
    );
    expectProblem(res, 409, 'INDUSTRIALIZATION.EXCLUSIVE_LICENSE_IN_FORCE');
  });
});

describe('6. open licences (专利法 Arts. 50–51; 细则 r.86)', () => {
  it('细则 r.86(1): no declaration while an exclusive licence is in force at the time of the declaration', async () => {
    const n = applicationNumber(2019, 1, 900601);
    await inventory(h, n);
    await ok(
      'post',
      `/patents/${n}/licenses`,
      licence({ dealId: 'lic-x', type: 'exclusive', endDate: '2025-06-30' }),
    );
    expectProblem(
      await send(h, 'post', `/patents/${n}/open-license`, EXAMPLES.openLicense, {
        headers: actors.institution,
      }),
      409,
      'OPEN_LICENSE.EXCLUSIVE_LICENSE_IN_FORCE',
    );
  });

  it('专利法 Art. 50: only after grant', async () => {
    const n = applicationNumber(2023, 1, 900602);
    await inventory(h, n, { filingDate: '2023-02-01', grantDate: '2024-11-20', occurredOn: '2024-12-01' });
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${n}/open-license`,
        { ...EXAMPLES.openLicense, occurredOn: '2024-11-19' },
        { headers: actors.institution },
      ),
      409,
      'OPEN_LICENSE.BEFORE_GRANT',
    );
  });

  it('专利法 Art. 51 ¶1: the taker notifies and pays the published fee; the taking opens the recordal and the platform report', async () => {
    const n = applicationNumber(2019, 1, 900603);
    await inventory(h, n);
    await ok('post', `/patents/${n}/open-license`, {
      ...EXAMPLES.openLicense,
      royalty: { basis: 'lump-sum', amount: '50000.00' },
    });
    const taker = { ...EXAMPLES.openLicenseTaker };
    expectProblem(
      await send(h, 'post', `/patents/${n}/open-license/takers`, taker, { headers: actors.taker }),
      409,
      'OPEN_LICENSE.FEE_NOT_PAID',
    );
    const res = await ok(
      'post',
      `/patents/${n}/open-license/takers`,
      { ...taker, payment: { paidOn: '2025-02-14', amount: '50000.00' } },
      actors.taker,
    );
    expect(res.body.events[0].type).toBe('OpenLicenseTaken');
    const { items } = await obligationsOf(n, positionOf(res), '&asOf=2025-03-01');
    expect(items.map((i) => [i['kind'], i['trigger']])).toEqual(
      expect.arrayContaining([
        ['transaction-report', expect.objectContaining({ type: 'OpenLicenseTaken', date: '2025-02-14' })],
        ['license-recordal', expect.objectContaining({ type: 'OpenLicenseTaken', date: '2025-02-14' })],
      ]),
    );
  });
});

describe('7. deals that end (民法典 Arts. 557, 562)', () => {
  it('民法典 Art. 557: a second transfer contract is refused while one is pending, accepted once it is cancelled; the cancelled deal’s obligations close as cancelled', async () => {
    const n = applicationNumber(2019, 1, 900701);
    await inventory(h, n);
    await ok('post', `/patents/${n}/transfers`, { ...EXAMPLES.transfer, dealId: 'tr-a' });
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${n}/transfers`,
        { ...EXAMPLES.transfer, dealId: 'tr-b' },
        { headers: actors.institution },
      ),
      409,
      'TRANSFER.PENDING',
    );
    await ok('post', `/patents/${n}/deals/tr-a/ending`, { ...EXAMPLES.dealEnding, endedOn: '2024-09-20' });
    const res = await ok('post', `/patents/${n}/transfers`, {
      ...EXAMPLES.transfer,
      dealId: 'tr-b',
      contractDate: '2024-10-08',
    });
    const { items } = await obligationsOf(n, positionOf(res), '&asOf=2030-01-01');
    expect(
      items.filter((i) => i['ref'] === 'tr-a').map((i) => [i['kind'], i['status'], i['cancelledOn']]),
    ).toEqual([
      ['transaction-report', 'cancelled', '2024-09-20'],
      ['transfer-registration', 'cancelled', '2024-09-20'],
    ]);
    const cancelled = await obligationsOf(n, positionOf(res), '&asOf=2030-01-01&status=cancelled');
    expect(cancelled.total).toBe(2);
  });
});

describe('8. pledges and co-owners (民法典 Art. 444; 细则 r.86(4); 专利法 Art. 14)', () => {
  it('民法典 Art. 444 ¶2: a registered pledge blocks a licence until the pledgee consents', async () => {
    const n = applicationNumber(2019, 1, 900801);
    await inventory(h, n);
    await ok('post', `/patents/${n}/pledges`, EXAMPLES.pledge);
    expectProblem(
      await send(h, 'post', `/patents/${n}/licenses`, EXAMPLES.license, { headers: actors.institution }),
      409,
      'PLEDGE.CONSENT_REQUIRED',
    );
    const pledgee = await authAs({
      role: 'enterprise',
      orgId: EXAMPLES.pledge.pledgeeId,
      userId: 'credit-1',
    });
    await ok('post', `/patents/${n}/consents`, EXAMPLES.consent, pledgee);
    await ok('post', `/patents/${n}/licenses`, EXAMPLES.license);
    const state = (await h.http().get(`/patents/${n}`)).body.state;
    expect(state.pledges).toEqual([EXAMPLES.pledge]);
    expect(state.consents).toEqual([EXAMPLES.consent]);
  });

  it('专利法 Art. 14: a transfer of a co-owned patent needs every co-owner’s consent; any co-owner may grant an ordinary licence alone', async () => {
    const n = applicationNumber(2019, 1, 900802);
    const coOwner = { id: 'sx-coal-materials', name: '山西煤基新材料有限公司' };
    await inventory(h, n, { coOwners: [coOwner] });
    expectProblem(
      await send(
        h,
        'post',
        `/patents/${n}/transfers`,
        { ...EXAMPLES.transfer, assigneeId: 'jz-ceramics' },
        { headers: actors.institution },
      ),
      409,
      'CONSENT.CO_OWNER_REQUIRED',
    );
    await ok(
      'post',
      `/patents/${n}/consents`,
      {
        consentId: 'co-tr',
        party: 'co-owner',
        partyId: coOwner.id,
        scope: 'transfer',
        ref: EXAMPLES.transfer.dealId,
        consentedOn: '2024-08-25',
      },
      actors.enterprise,
    );
    await ok('post', `/patents/${n}/transfers`, { ...EXAMPLES.transfer, assigneeId: 'jz-ceramics' });
    await ok(
      'post',
      `/patents/${n}/licenses`,
      licence({ dealId: 'lic-co', licensorId: coOwner.id }),
      actors.enterprise,
    );
    const state = (await h.http().get(`/patents/${n}`)).body.state;
    expect(state.coOwners).toEqual([coOwner]);
    expect(state.coPatentees).toEqual([coOwner.name]);
  });
});

describe('9. facts dated before a lapse are accepted afterwards (domain.md §4)', () => {
  it('a recordal and a registration dated before the lapse close their obligations; new dealings stay refused', async () => {
    const n = applicationNumber(2019, 1, 900901);
    await inventory(h, n);
    await ok('post', `/patents/${n}/licenses`, licence({ dealId: 'lic-9' }));
    await ok('post', `/patents/${n}/transfers`, { ...EXAMPLES.transfer, dealId: 'tr-9' });
    await ok('post', `/patents/${n}/lapse`, { reason: 'abandoned', effectiveOn: '2024-10-01' });
    await ok('post', `/patents/${n}/licenses/lic-9/recordal`, {
      ...EXAMPLES.licenseRecordal,
      recordedOn: '2024-09-30',
    });
    const reg = await ok('post', `/patents/${n}/transfers/tr-9/registration`, {
      ...EXAMPLES.transferRegistration,
      registeredOn: '2024-09-30',
    });
    expectProblem(
      await send(h, 'post', `/patents/${n}/licenses`, licence({ dealId: 'lic-10' }), {
        headers: actors.enterprise,
      }),
      409,
      'PATENT.LAPSED',
    );
    const { items } = await obligationsOf(n, positionOf(reg), '&asOf=2030-01-01');
    expect(
      items
        .filter((i) => i['kind'] === 'license-recordal' || i['kind'] === 'transfer-registration')
        .map((i) => [i['kind'], i['status'], i['lapsedOn']]),
    ).toEqual(
      expect.arrayContaining([
        ['license-recordal', 'fulfilled', '2024-10-01'],
        ['transfer-registration', 'fulfilled', '2024-10-01'],
      ]),
    );
  });
});

describe('10. who owes each obligation, and each party sees its own', () => {
  it('the institution records and reports, the enterprise files its patent-intensive product; an enterprise sees only what it owes', async () => {
    const n = applicationNumber(2019, 1, 901001);
    await inventory(h, n);
    await ok('post', `/patents/${n}/licenses`, licence({ dealId: 'lic-10', licenseeId: 'jz-ceramics' }));
    const ind = await ok(
      'post',
      `/patents/${n}/industrializations`,
      { ...EXAMPLES.industrialization, industrializationId: 'ind-10', enterpriseId: 'jz-ceramics' },
      actors.licensee,
    );
    const all = await obligationsOf(n, positionOf(ind), '&asOf=2025-01-01');
    expect(all.items.map((i) => [i['kind'], i['responsibleParty']])).toEqual(
      expect.arrayContaining([
        ['license-recordal', { kind: 'institution', id: 'tyut' }],
        ['transaction-report', { kind: 'institution', id: 'tyut' }],
        ['density-filing', { kind: 'enterprise', id: 'jz-ceramics' }],
      ]),
    );
    const mine = await obligationsOf(n, positionOf(ind), '&asOf=2025-01-01', actors.licensee);
    expect(mine.items.map((i) => i['kind'])).toEqual(['density-filing']);
    const filtered = await obligationsOf(n, positionOf(ind), '&asOf=2025-01-01&responsibleParty=tyut');
    expect(new Set(filtered.items.map((i) => (i['responsibleParty'] as { id: string }).id))).toEqual(
      new Set(['tyut']),
    );
    const other = await h
      .http()
      .get(`/obligations?responsibleParty=tyut&asOf=2025-01-01`)
      .set(actors.licensee);
    expect(other.status).toBe(403);
  });
});
