/**
 * Fiscally funded results (科学技术进步法 Art. 32; plan §二(四)3) and equity contributions (作价投资)
 * over HTTP: funding and the patent declaration at the inventory, the list of fiscally funded patents
 * unused for years after their grant, and an equity contribution registered and reported like a
 * transfer (专利法 Art. 10).
 */
import type { Response } from 'supertest';
import {
  actors,
  applicationNumber,
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
  await registerInstitution(h, 'sxu');
});
afterAll(async () => {
  await h?.close();
});

const positionOf = (res: Response): number => {
  const events = (res.body as { events: { position: number }[] }).events;
  return events[events.length - 1]!.position;
};

async function ok(path: string, body: unknown, headers: Record<string, string> = actors.institution) {
  const res = await send(h, 'post', path, body, { headers });
  expect({ path, status: res.status, body: res.body as unknown }).toEqual({
    path,
    status: 201,
    body: expect.anything(),
  });
  return res;
}

const declared = { declaration: { declaredOn: '2018-07-21' } };

describe('科学技术进步法 Art. 32: funding and the patent declaration at the inventory', () => {
  it('Art. 32: a fiscally funded result without funding is refused with 400 naming the field; nothing is recorded', async () => {
    const n = applicationNumber(2018, 1, 700001);
    const res = await send(h, 'post', '/patents', inventoryBody(n, { funding: undefined, ...declared }), {
      headers: actors.institution,
    });
    expectProblem(res, 400, 'PATENT.FUNDING_REQUIRED', ['funding']);
    expect((await h.http().get(`/patents/${n}`)).status).toBe(404);
  });

  it('a result not fiscally funded needs neither', async () => {
    const n = applicationNumber(2018, 1, 700002);
    await inventory(h, n, { fiscallyFunded: false, funding: undefined, declaration: undefined });
  });
});

describe('GET /patents/unused (科学技术进步法 Art. 32): fiscally funded, not implemented N years after grant', () => {
  // Filed 2018-07-21, granted 2020-03-10.
  const idle = applicationNumber(2018, 1, 710001);
  const licensedOne = applicationNumber(2018, 1, 710002);
  const notFunded = applicationNumber(2018, 1, 710003);
  const otherInst = applicationNumber(2018, 1, 710004);
  let position = 0;
  beforeAll(async () => {
    await inventory(h, idle, declared);
    await inventory(h, licensedOne, declared);
    await inventory(h, notFunded, { fiscallyFunded: false, funding: undefined, declaration: undefined });
    await send(h, 'post', '/patents', inventoryBody(otherInst, { ...declared, institutionId: 'sxu' }), {
      headers: actors.otherInstitution,
    });
    const res = await ok(`/patents/${licensedOne}/licenses`, {
      ...EXAMPLES.license,
      dealId: 'lic-u1',
      contractDate: '2022-05-01',
      effectiveDate: '2022-05-01',
      endDate: '2024-04-30',
    });
    position = positionOf(res);
  });

  const list = async (query: string, headers: Record<string, string> = actors.ipOffice) => {
    const res = await h.http().get(`/patents/unused?minPosition=${position}&${query}`).set(headers);
    return res;
  };
  const numbers = (res: Response) =>
    (res.body as { items: { applicationNumber: string }[] }).items.map((i) => i.applicationNumber);

  it('N-1 years after the grant it is not listed; exactly N years after it is (LEDGER_UNUSED_YEARS default 3)', async () => {
    const before = await list('asOf=2023-03-09');
    expect(before.status).toBe(200);
    expect(numbers(before)).not.toContain(idle);
    expect(numbers(await list('asOf=2022-03-10&years=3'))).not.toContain(idle);
    const on = await list('asOf=2023-03-10');
    expect(on.body).toMatchObject({ asOf: '2023-03-10', years: 3 });
    expect(numbers(on)).toContain(idle);
    expect(numbers(await list('asOf=2022-03-10&years=2'))).toContain(idle);
    const item = (on.body as { items: Record<string, unknown>[] }).items.find(
      (i) => i['applicationNumber'] === idle,
    );
    expect(item).toMatchObject({ unusedSince: '2023-03-10', funding: EXAMPLES.inventory.funding });
  });

  it('a patent licensed by then is implemented and excluded; before its licence it was unused; not-funded ones never show', async () => {
    expect(numbers(await list('asOf=2022-04-30&years=2'))).toContain(licensedOne);
    expect(numbers(await list('asOf=2023-03-10'))).not.toContain(licensedOne);
    expect(numbers(await list('asOf=2025-01-01'))).not.toContain(notFunded);
  });

  it('filters by institution; an institution sees only its own', async () => {
    expect(numbers(await list('asOf=2025-01-01&institutionId=sxu'))).toEqual([otherInst]);
    const own = await list('asOf=2025-01-01', actors.institution);
    expect(numbers(own)).toContain(idle);
    expect(numbers(own)).not.toContain(otherInst);
    expect((await list('asOf=2025-01-01', actors.analyst)).status).toBe(200);
    expect((await list('asOf=2025-01-01', actors.auditor)).status).toBe(200);
  });

  it('denied: an enterprise, and an institution asking for another one (403); bad years → 400', async () => {
    expectProblem(await list('asOf=2025-01-01', actors.enterprise), 403, 'ACCESS.DENIED');
    expectProblem(await list('asOf=2025-01-01&institutionId=sxu', actors.institution), 403, 'ACCESS.DENIED');
    expect((await list('years=0')).status).toBe(400);
  });
});

describe('equity contribution (作价投资): a transfer to the company (专利法 Art. 10)', () => {
  const n = applicationNumber(2018, 1, 720001);
  const body = { ...EXAMPLES.equityContribution, companyId: 'sx-coal-materials', contractDate: '2024-09-01' };
  beforeAll(async () => {
    await inventory(h, n, declared);
  });

  it('denied to anyone but the holder (holder-dealing)', async () => {
    const res = await send(h, 'post', `/patents/${n}/equity-contributions`, body, {
      headers: actors.enterprise,
    });
    expectProblem(res, 403, 'ACCESS.DENIED');
  });

  it('Art. 10: ownership moves only at registration — equity contribution; its registration and report obligations open and close', async () => {
    const recorded = await ok(`/patents/${n}/equity-contributions`, body);
    let state = (await h.http().get(`/patents/${n}`)).body as { state: { holder: { kind: string } } };
    expect(state.state.holder.kind).toBe('institution');
    const obligations = async (pos: number, asOf: string) =>
      (
        (await h.http().get(`/obligations?applicationNumber=${n}&minPosition=${pos}&asOf=${asOf}`)).body as {
          items: { id: string; status: string; counterpartyId?: string }[];
        }
      ).items;
    const open = await obligations(positionOf(recorded), '2024-09-02');
    const dealId = EXAMPLES.equityContribution.dealId;
    expect(open.map((o) => [o.id, o.status]).sort()).toEqual([
      [`transaction-report:${n}:${dealId}`, 'open'],
      [`transfer-registration:${n}:${dealId}`, 'open'],
    ]);
    await ok(`/patents/${n}/transaction-reports`, {
      dealId,
      reportedOn: '2024-09-10',
      platformRef: 'PF-EQ-1',
    });
    const reg = await ok(`/patents/${n}/transfers/${dealId}/registration`, EXAMPLES.transferRegistration);
    const closed = await obligations(positionOf(reg), '2024-12-01');
    expect(closed).toHaveLength(2);
    expect(closed.every((o) => o.status === 'fulfilled')).toBe(true);
    state = (await h.http().get(`/patents/${n}`)).body as { state: { holder: { kind: string } } };
    expect(state.state.holder).toMatchObject({ kind: 'enterprise', id: 'sx-coal-materials' });
  });

  it('bad input → 400 naming the field', async () => {
    const m = applicationNumber(2018, 1, 720002);
    await inventory(h, m, declared);
    const res = await send(
      h,
      'post',
      `/patents/${m}/equity-contributions`,
      { ...body, equityShare: '0' },
      {
        headers: actors.institution,
      },
    );
    expectProblem(res, 400, 'EQUITY.INVALID_SHARE', ['equityShare']);
  });
});
