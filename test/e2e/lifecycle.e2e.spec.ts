/**
 * One patent through its whole life, over HTTP, via every endpoint: institution registration,
 * inventory, screening into the pool, evaluations, promotion, licence + recordal, industrialization +
 * density filing, platform reports, open licence (declare, take, withdraw), transfer + registration,
 * lapse. Every documented request-body example is replayed here, so the docs cannot drift from what
 * the API accepts.
 */
import { PATENT_EVENT_SCHEMA_VERSIONS, type PatentEventType } from '@patent-ledger/domain';
import {
  actors,
  applicationNumber,
  authAs,
  EXAMPLES,
  expectProblem,
  headPosition,
  INSTITUTION_ID,
  inventoryBody,
  newKey,
  send,
  startHarness,
  type Harness,
  type StoredEventJson,
  partyOf,
} from './harness';
import { scopedCommandId } from '../../apps/api/src/common/command-context';

const N = EXAMPLES.inventory.applicationNumber; // 201710601862.3
const P = `/patents/${N}`;

type Method = 'post' | 'put' | 'delete';

interface Step {
  name: string;
  method: Method;
  /** Path as sent. */
  path: string;
  /** Path template as in the OpenAPI document. */
  template: string;
  body: Record<string, unknown>;
  event: string;
  status: number;
  actor: Record<string, string>;
  correlationId?: string;
}

const secondEvaluation = {
  ...EXAMPLES.evaluation,
  evaluationId: 'ev-2024-0002',
  industrializationProspect: 5,
  improvementNeeds: { level: 'minor', notes: '中试已完成' },
  cooperationWillingness: 'purchase',
  occurredOn: '2024-08-20',
};
const industrializationReport = {
  industrializationId: EXAMPLES.industrialization.industrializationId,
  reportedOn: '2024-08-25',
  platformRef: 'CNIPA-TR-2024-601177',
};
/** A transfer contract before the one that goes ahead; cancelled (EXAMPLES.dealEnding). */
const firstTransfer = {
  ...EXAMPLES.transfer,
  dealId: 'tr-2024-014',
  assigneeId: 'jz-ceramics',
  assigneeName: '晋中陶瓷科技有限公司',
  contractDate: '2024-08-30',
};
/** The open-licence taking (2025-02-10) reported on 2025-03-01, entered after the lapse of 2025-07-21. */
const takingReport = {
  dealId: EXAMPLES.openLicenseTaker.dealId,
  reportedOn: '2025-03-01',
  platformRef: 'CNIPA-TR-2025-100233',
};
const transferReport = {
  dealId: EXAMPLES.transfer.dealId,
  reportedOn: '2024-10-28',
  platformRef: 'CNIPA-TR-2024-702210',
};

const STEPS: Step[] = [
  {
    name: 'inventory',
    method: 'post',
    path: '/patents',
    template: '/patents',
    body: EXAMPLES.inventory,
    event: 'PatentInventoried',
    status: 201,
    actor: actors.institution,
    correlationId: 'inventory-campaign-2024',
  },
  {
    name: 'tag intent (admitted)',
    method: 'post',
    path: `${P}/intent`,
    template: '/patents/{id}/intent',
    body: EXAMPLES.intent,
    event: 'IntentTagged',
    status: 201,
    actor: actors.institution,
  },
  {
    name: 'evaluation',
    method: 'post',
    path: `${P}/evaluations`,
    template: '/patents/{id}/evaluations',
    body: EXAMPLES.evaluation,
    event: 'EnterpriseEvaluated',
    status: 201,
    actor: actors.enterprise,
  },
  {
    name: 'second evaluation by the same enterprise',
    method: 'post',
    path: `${P}/evaluations`,
    template: '/patents/{id}/evaluations',
    body: secondEvaluation,
    event: 'EnterpriseEvaluated',
    status: 201,
    actor: actors.enterprise,
  },
  {
    name: 'promotion',
    method: 'post',
    path: `${P}/promotions`,
    template: '/patents/{id}/promotions',
    body: EXAMPLES.promotion,
    event: 'Promoted',
    status: 201,
    actor: actors.ipOffice,
  },
  {
    name: 'pledge registered (质押登记)',
    method: 'post',
    path: `${P}/pledges`,
    template: '/patents/{id}/pledges',
    body: EXAMPLES.pledge,
    event: 'PledgeRegistered',
    status: 201,
    actor: actors.institution,
  },
  {
    name: 'the pledgee consents to the licence (民法典 Art. 444 ¶2), recorded by the ip-office',
    method: 'post',
    path: `${P}/consents`,
    template: '/patents/{id}/consents',
    body: EXAMPLES.consent,
    event: 'ConsentRecorded',
    status: 201,
    actor: actors.ipOffice,
  },
  {
    name: 'ordinary licence',
    method: 'post',
    path: `${P}/licenses`,
    template: '/patents/{id}/licenses',
    body: EXAMPLES.license,
    event: 'Licensed',
    status: 201,
    actor: actors.institution,
    correlationId: 'deal-lic-2024-031',
  },
  {
    name: 'licence recordal',
    method: 'post',
    path: `${P}/licenses/${EXAMPLES.license.dealId}/recordal`,
    template: '/patents/{id}/licenses/{dealId}/recordal',
    body: EXAMPLES.licenseRecordal,
    event: 'LicenseRecorded',
    status: 201,
    actor: actors.institution,
    correlationId: 'deal-lic-2024-031',
  },
  {
    name: 'pledge released',
    method: 'post',
    path: `${P}/pledges/${EXAMPLES.pledge.pledgeId}/release`,
    template: '/patents/{id}/pledges/{pledgeId}/release',
    body: EXAMPLES.pledgeRelease,
    event: 'PledgeReleased',
    status: 201,
    actor: actors.institution,
  },
  {
    name: 'industrialization by the licensee',
    method: 'post',
    path: `${P}/industrializations`,
    template: '/patents/{id}/industrializations',
    body: EXAMPLES.industrialization,
    event: 'Industrialized',
    status: 201,
    actor: actors.licensee,
  },
  {
    name: 'density-product filing',
    method: 'post',
    path: `${P}/industrializations/${EXAMPLES.industrialization.industrializationId}/density-filing`,
    template: '/patents/{id}/industrializations/{industrializationId}/density-filing',
    body: EXAMPLES.densityFiling,
    event: 'DensityProductFiled',
    status: 201,
    actor: actors.licensee,
  },
  {
    name: 'transaction report (licence deal)',
    method: 'post',
    path: `${P}/transaction-reports`,
    template: '/patents/{id}/transaction-reports',
    body: EXAMPLES.transactionReport,
    event: 'TransactionReported',
    status: 201,
    actor: actors.institution,
  },
  {
    name: 'transaction report (industrialization)',
    method: 'post',
    path: `${P}/transaction-reports`,
    template: '/patents/{id}/transaction-reports',
    body: industrializationReport,
    event: 'TransactionReported',
    status: 201,
    actor: actors.institution,
  },
  {
    name: 'open licence declared',
    method: 'post',
    path: `${P}/open-license`,
    template: '/patents/{id}/open-license',
    body: EXAMPLES.openLicense,
    event: 'OpenLicensed',
    status: 201,
    actor: actors.institution,
  },
  {
    name: 'open licence taken',
    method: 'post',
    path: `${P}/open-license/takers`,
    template: '/patents/{id}/open-license/takers',
    body: EXAMPLES.openLicenseTaker,
    event: 'OpenLicenseTaken',
    status: 201,
    actor: actors.taker,
  },
  {
    name: 'open licence withdrawn',
    method: 'delete',
    path: `${P}/open-license`,
    template: '/patents/{id}/open-license',
    body: EXAMPLES.openLicenseWithdrawal,
    event: 'OpenLicenseWithdrawn',
    status: 200,
    actor: actors.institution,
  },
  {
    name: 'a first transfer contract, which falls through',
    method: 'post',
    path: `${P}/transfers`,
    template: '/patents/{id}/transfers',
    body: firstTransfer,
    event: 'Transferred',
    status: 201,
    actor: actors.institution,
  },
  {
    name: 'the first contract cancelled (its obligations close as cancelled)',
    method: 'post',
    path: `${P}/deals/${firstTransfer.dealId}/ending`,
    template: '/patents/{id}/deals/{dealId}/ending',
    body: EXAMPLES.dealEnding,
    event: 'DealEnded',
    status: 201,
    actor: actors.institution,
  },
  {
    name: 'transfer contract',
    method: 'post',
    path: `${P}/transfers`,
    template: '/patents/{id}/transfers',
    body: EXAMPLES.transfer,
    event: 'Transferred',
    status: 201,
    actor: actors.institution,
    correlationId: 'deal-tr-2024-015',
  },
  {
    name: 'transfer registration',
    method: 'post',
    path: `${P}/transfers/${EXAMPLES.transfer.dealId}/registration`,
    template: '/patents/{id}/transfers/{dealId}/registration',
    body: EXAMPLES.transferRegistration,
    event: 'TransferRegistered',
    status: 201,
    actor: actors.institution,
    correlationId: 'deal-tr-2024-015',
  },
  {
    name: 'transaction report (transfer)',
    method: 'post',
    path: `${P}/transaction-reports`,
    template: '/patents/{id}/transaction-reports',
    body: transferReport,
    event: 'TransactionReported',
    status: 201,
    actor: actors.institution,
  },
  {
    name: 'lapse',
    method: 'post',
    path: `${P}/lapse`,
    template: '/patents/{id}/lapse',
    body: EXAMPLES.lapse,
    event: 'PatentLapsed',
    status: 201,
    actor: actors.enterprise,
  },
  {
    name: 'after the lapse: an annuity payment dated before it (paid by the holder)',
    method: 'post',
    path: `${P}/annuities`,
    template: '/patents/{id}/annuities',
    body: EXAMPLES.annuityPayment,
    event: 'AnnuityPaid',
    status: 201,
    actor: actors.enterprise,
  },
  {
    name: 'after the lapse: the platform report of the open-licence taking, dated before it',
    method: 'post',
    path: `${P}/transaction-reports`,
    template: '/patents/{id}/transaction-reports',
    body: takingReport,
    event: 'TransactionReported',
    status: 201,
    actor: actors.institution,
  },
];

interface Sent {
  step: Step;
  key: string;
  response: {
    streamName: string;
    version: number;
    events: { eventId: string; type: string; version: number; position: number; recordedAt: string }[];
  };
}

let h: Harness;
const sent: Sent[] = [];
/** Bodies accepted by each documented operation: `${METHOD} ${template}` → bodies. */
const accepted = new Map<string, unknown[]>();
const accept = (method: string, template: string, body: unknown): void => {
  const k = `${method} ${template}`;
  accepted.set(k, [...(accepted.get(k) ?? []), body]);
};

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('institution (PUT /institutions/{institutionId})', () => {
  let registeredVersion = 0;

  it('registers with 201, ETag and Location', async () => {
    const res = await send(h, 'put', `/institutions/${INSTITUTION_ID}`, EXAMPLES.institution, {
      headers: actors.ipOffice,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      streamName: `institution-${INSTITUTION_ID}`,
      version: 1,
      events: [expect.objectContaining({ type: 'InstitutionRegistered', version: 1, position: 1 })],
    });
    expect(res.headers['etag']).toBe('"1"');
    expect(res.headers['location']).toBe(`/institutions/${INSTITUTION_ID}`);
    registeredVersion = 1;
    accept('put', '/institutions/{institutionId}', EXAMPLES.institution);
  });

  it('answers 200 to an identical re-PUT and appends nothing', async () => {
    const before = await headPosition(h);
    const res = await send(h, 'put', `/institutions/${INSTITUTION_ID}`, EXAMPLES.institution, {
      headers: actors.ipOffice,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      streamName: `institution-${INSTITUTION_ID}`,
      version: registeredVersion,
      events: [],
    });
    expect(res.headers['etag']).toBe(`"${registeredVersion}"`);
    expect(await headPosition(h)).toBe(before);
    const inst = await h.http().get(`/institutions/${INSTITUTION_ID}`);
    expect(inst.status).toBe(200);
    expect(inst.headers['etag']).toBe(`"${registeredVersion}"`);
    expect(inst.body).toEqual({
      institutionId: INSTITUTION_ID,
      version: registeredVersion,
      state: expect.objectContaining({
        status: 'registered',
        name: '太原理工大学',
        stockPatentCount: 3200,
        revisions: [],
      }),
    });
  });
});

describe(`patent ${N}: its whole life via every endpoint`, () => {
  let version = 0;
  let lastPosition = 1;

  it.each(STEPS.map((s, i) => [i + 1, s.name, s] as const))('%d. %s', async (_n, _name, step) => {
    const key = newKey(`life-${step.event}`);
    const headers = {
      ...step.actor,
      ...(step.correlationId ? { 'X-Correlation-Id': step.correlationId } : {}),
    };
    // Pin every command but the first to the version the previous one returned.
    const res = await send(h, step.method, step.path, step.body, {
      key,
      headers,
      ...(version > 0 ? { ifMatch: `"${version}"` } : {}),
    });
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: step.status,
      body: expect.anything(),
    });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(res.body).toEqual({
      streamName: `patent-${N}`,
      version: version + 1,
      events: [
        {
          eventId: expect.any(String),
          type: step.event,
          version: version + 1,
          position: expect.any(Number),
          recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/),
        },
      ],
    });
    expect(res.body.events[0].position).toBeGreaterThan(lastPosition);
    expect(res.headers['etag']).toBe(`"${version + 1}"`);
    if (step.name === 'inventory') expect(res.headers['location']).toBe(`/patents/${N}`);
    version += 1;
    lastPosition = res.body.events[0].position;
    sent.push({ step, key, response: res.body });
    accept(step.method, step.template, step.body);
  });

  it('GET /patents/{id} shows the final state and version', async () => {
    const res = await h.http().get(P);
    expect(res.status).toBe(200);
    expect(res.headers['etag']).toBe(`"${STEPS.length}"`);
    expect(res.body.applicationNumber).toBe(N);
    expect(res.body.version).toBe(STEPS.length);
    const s = res.body.state;
    expect(s).toEqual(
      expect.objectContaining({
        status: 'lapsed',
        applicationNumber: N,
        institutionId: INSTITUTION_ID,
        kind: 'invention',
        filingDate: '2017-07-21',
        grantDate: '2020-03-10',
        // 专利法 Art. 42 ¶1: the day before the 20th anniversary of 2017-07-21
        expiryDate: '2037-07-20',
        cohort: 'stock',
        highValue: true,
        // The example names one flag; the absent ones default to false.
        highValueFlags: {
          strategicEmergingIndustry: true,
          overseasFamily: false,
          maintainedOver10Years: false,
          pledgeFinancing: false,
          award: false,
        },
        inventoriedOn: '2024-03-15',
        inPool: false,
        lapse: { reason: 'non-payment', effectiveOn: '2025-07-21' },
        holder: {
          kind: 'enterprise',
          id: EXAMPLES.transfer.assigneeId,
          name: EXAMPLES.transfer.assigneeName,
          since: EXAMPLES.transferRegistration.registeredOn,
          dealId: EXAMPLES.transfer.dealId,
        },
      }),
    );
    expect(s.intent).toEqual(
      expect.objectContaining({
        modes: ['transfer', 'license'],
        screening: EXAMPLES.intent.screening,
        askingPrice: '800000.00',
        taggedOn: '2024-04-02',
      }),
    );
    // The second evaluation by the same enterprise superseded the first.
    expect(s.evaluations).toEqual([
      expect.objectContaining({
        evaluationId: 'ev-2024-0002',
        enterpriseId: EXAMPLES.evaluation.enterpriseId,
        industrializationProspect: 5,
      }),
    ]);
    expect(s.evaluationIds).toEqual(['ev-2024-0001', 'ev-2024-0002']);
    expect(s.promotions).toEqual([
      expect.objectContaining({ promotionId: EXAMPLES.promotion.promotionId, tier: 'featured' }),
    ]);
    expect(s.licenses).toEqual([
      expect.objectContaining({
        dealId: EXAMPLES.license.dealId,
        licenseeId: EXAMPLES.license.licenseeId,
        type: 'ordinary',
        effectiveDate: '2024-07-01',
        endDate: '2027-06-30',
        royalty: '120000.00',
        source: 'contract',
        recordal: { recordalNumber: EXAMPLES.licenseRecordal.recordalNumber, recordedOn: '2024-08-15' },
      }),
      expect.objectContaining({
        dealId: EXAMPLES.openLicenseTaker.dealId,
        licenseeId: EXAMPLES.openLicenseTaker.licenseeId,
        licenseeName: EXAMPLES.openLicenseTaker.licenseeName,
        type: 'ordinary',
        effectiveDate: '2025-02-10',
        endDate: '2027-12-31',
        source: 'open-license',
        declarationId: EXAMPLES.openLicense.declarationId,
      }),
    ]);
    expect(s.industrializations).toEqual([
      expect.objectContaining({
        industrializationId: EXAMPLES.industrialization.industrializationId,
        enterpriseId: EXAMPLES.industrialization.enterpriseId,
        startedOn: '2024-08-01',
        basis: { kind: 'license', dealId: EXAMPLES.license.dealId },
        densityFiling: { recordNumber: EXAMPLES.densityFiling.recordNumber, filedOn: '2025-03-20' },
      }),
    ]);
    expect(s.openLicenses).toEqual([
      expect.objectContaining({
        declarationId: EXAMPLES.openLicense.declarationId,
        royalty: { basis: 'percentage-of-sales', rate: 3 },
        termFrom: '2025-01-01',
        termTo: '2027-12-31',
        declaredOn: '2024-12-20',
        withdrawnOn: '2025-05-01',
      }),
    ]);
    expect(s.transfers).toEqual([
      expect.objectContaining({
        dealId: firstTransfer.dealId,
        ended: {
          ending: 'cancelled',
          endedOn: EXAMPLES.dealEnding.endedOn,
          reason: EXAMPLES.dealEnding.reason,
        },
      }),
      expect.objectContaining({
        dealId: EXAMPLES.transfer.dealId,
        assigneeId: EXAMPLES.transfer.assigneeId,
        price: '650000.00',
        registration: {
          registeredOn: '2024-10-20',
          noticeNumber: EXAMPLES.transferRegistration.noticeNumber,
        },
      }),
    ]);
    expect(s.reports).toEqual([
      expect.objectContaining({ dealId: EXAMPLES.license.dealId }),
      expect.objectContaining({ industrializationId: EXAMPLES.industrialization.industrializationId }),
      expect.objectContaining({ dealId: EXAMPLES.transfer.dealId }),
      expect.objectContaining({ dealId: EXAMPLES.openLicenseTaker.dealId, reportedOn: '2025-03-01' }),
    ]);
    expect(s.pledges).toEqual([{ ...EXAMPLES.pledge, releasedOn: EXAMPLES.pledgeRelease.releasedOn }]);
    expect(s.consents).toEqual([EXAMPLES.consent]);
    expect(s.annuities).toEqual({
      paidThrough: 8,
      payments: [{ ...EXAMPLES.annuityPayment, surchargePercent: 0, openLicenseReduction: false }],
    });
    // the lapse recorded on 2025-07-21 ended protection the day before
    expect(res.body.standing).toEqual({
      status: 'lapsed',
      reason: 'non-payment',
      effectiveOn: '2025-07-21',
      lastDayInForce: '2025-07-20',
      derived: false,
    });
  });

  it('GET /patents/{id}/events returns every acknowledged event with its metadata', async () => {
    const res = await h.http().get(`${P}/events`);
    expect(res.status).toBe(200);
    expect(res.body.applicationNumber).toBe(N);
    expect(res.body.streamName).toBe(`patent-${N}`);
    const events = res.body.events as StoredEventJson[];
    expect(events.map((e) => e.version)).toEqual(STEPS.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual(STEPS.map((s) => s.event));
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.position).toBeGreaterThan(events[i - 1]!.position);
    expect(new Set(events.map((e) => e.metadata.eventId)).size).toBe(events.length);

    events.forEach((e, i) => {
      const { step, key, response } = sent[i]!;
      expect(e.streamName).toBe(`patent-${N}`);
      expect(e.position).toBe(response.events[0]!.position);
      // Every metadata member the contract names (a store may add more, e.g. a hash chain).
      expect(e.metadata).toEqual(
        expect.objectContaining({
          eventId: response.events[0]!.eventId,
          commandId: scopedCommandId(partyOf(step.actor), key),
          correlationId: step.correlationId ?? scopedCommandId(partyOf(step.actor), key),
          causationId: scopedCommandId(partyOf(step.actor), key),
          actor: {
            role: partyOf(step.actor).role,
            orgId: partyOf(step.actor).orgId,
            userId: partyOf(step.actor).userId,
          },
          recordedAt: response.events[0]!.recordedAt,
          schemaVersion: PATENT_EVENT_SCHEMA_VERSIONS[step.event as PatentEventType],
        }),
      );
      expect(Date.parse(e.metadata.recordedAt)).not.toBeNaN();
      // Business dates live in the data, apart from recordedAt.
      expect(e.data['applicationNumber']).toBe(N);
    });
    expect(events[0]!.data).toEqual(
      expect.objectContaining({ occurredOn: '2024-03-15', cohort: 'stock', institutionId: INSTITUTION_ID }),
    );
    expect(events[3]!.data).toEqual(
      expect.objectContaining({ evaluationId: 'ev-2024-0002', supersedes: 'ev-2024-0001' }),
    );
    const ofType = (type: string) => events.find((e) => e.type === type)!;
    expect(ofType('Industrialized').data).toEqual(
      expect.objectContaining({ basis: { kind: 'license', dealId: EXAMPLES.license.dealId } }),
    );
    expect(ofType('OpenLicensed').data).toEqual(
      expect.objectContaining({ declarationId: EXAMPLES.openLicense.declarationId }),
    );
    expect(ofType('Licensed').data).toEqual(
      expect.objectContaining({ contractDate: '2024-06-20', effectiveDate: '2024-07-01' }),
    );
    expect(ofType('AnnuityPaid').data).toEqual(
      // due on Sunday 2024-07-21 → Monday 2024-07-22 (细则 r.5): on time, no surcharge
      expect.objectContaining({
        year: 8,
        paidOn: '2024-07-22',
        surchargePercent: 0,
        openLicenseReduction: false,
      }),
    );
    expect(ofType('OpenLicenseWithdrawn').data).toEqual(
      expect.objectContaining({
        declarationId: EXAMPLES.openLicense.declarationId,
        withdrawnOn: '2025-05-01',
      }),
    );
  });

  it('GET /patents/{id}/events pages with fromVersion and limit', async () => {
    const res = await h.http().get(`${P}/events?fromVersion=5&limit=3`);
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: StoredEventJson) => e.version)).toEqual([5, 6, 7]);
  });

  it('rejects any command after the lapse with 409 PATENT.LAPSED and appends nothing', async () => {
    const before = await headPosition(h);
    // Each sent by a party the access policy allows, so that the domain's answer is what is tested.
    const lateCo = await authAs({ role: 'enterprise', orgId: 'late-co', userId: 'bd' });
    const commands: [Method, string, unknown, Record<string, string>][] = [
      ['post', `${P}/promotions`, { ...EXAMPLES.promotion, promotionId: 'expo-2025-01' }, actors.ipOffice],
      // a fact dated after the lapse (one dated before it was accepted above)
      [
        'post',
        `${P}/licenses/${EXAMPLES.openLicenseTaker.dealId}/recordal`,
        { ...EXAMPLES.licenseRecordal, recordedOn: '2025-08-01' },
        actors.enterprise,
      ],
      ['post', `${P}/lapse`, EXAMPLES.lapse, actors.enterprise],
      [
        'post',
        `${P}/evaluations`,
        { ...EXAMPLES.evaluation, evaluationId: 'ev-2025-0009', enterpriseId: 'late-co' },
        lateCo,
      ],
    ];
    for (const [method, path, body, actor] of commands) {
      const res = await send(h, method, path, body, { headers: actor });
      expectProblem(res, 409, 'PATENT.LAPSED');
    }
    expect(await headPosition(h)).toBe(before);
    const state = await h.http().get(P);
    expect(state.body.version).toBe(STEPS.length);
  });
});

describe('equity contribution (POST /patents/{id}/equity-contributions)', () => {
  it('accepts the documented example on another patent of the institution', async () => {
    const other = applicationNumber(2018, 1, 601862);
    const inv = await send(h, 'post', '/patents', inventoryBody(other), { headers: actors.institution });
    expect(inv.status).toBe(201);
    const res = await send(h, 'post', `/patents/${other}/equity-contributions`, EXAMPLES.equityContribution, {
      headers: actors.institution,
    });
    expect({ status: res.status, body: res.body as unknown }).toEqual({
      status: 201,
      body: expect.anything(),
    });
    accept('post', '/patents/{id}/equity-contributions', EXAMPLES.equityContribution);
  });
});

describe('OpenAPI', () => {
  interface Operation {
    requestBody?: {
      content?: Record<string, { example?: unknown; examples?: Record<string, { value?: unknown }> }>;
    };
  }

  it('GET /docs answers the HTML documentation', async () => {
    const res = await h.http().get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger/i);
  });

  it('GET /docs-json has an example for every request body, and each command example was accepted above', async () => {
    const res = await h.http().get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const paths = res.body.paths as Record<string, Record<string, Operation>>;
    const documented: string[] = [];
    const missing: string[] = [];
    const notProven: string[] = [];
    for (const [template, ops] of Object.entries(paths)) {
      for (const method of ['post', 'put', 'delete', 'patch']) {
        const op = ops[method];
        if (!op?.requestBody) continue;
        // This suite sends the patent and institution commands; the other bodies (sign-in, accounts,
        // webhooks) must carry an example too, which their own suites send.
        const lifecycle = /^\/(patents|institutions)\b/.test(template);
        if (lifecycle) documented.push(`${method} ${template}`);
        const ndjson = op.requestBody.content?.['application/x-ndjson'];
        if (ndjson) {
          // A batch of inventory records: each line of the example must be a body POST /patents accepted.
          const text = (ndjson as { schema?: { example?: unknown } }).schema?.example;
          if (typeof text !== 'string' || text.trim() === '') {
            missing.push(`${method} ${template}`);
            continue;
          }
          const ok = accepted.get('post /patents') ?? [];
          for (const line of text.trim().split('\n')) {
            if (!ok.some((b) => JSON.stringify(b) === JSON.stringify(JSON.parse(line))))
              notProven.push(`${method} ${template}`);
          }
          continue;
        }
        const json = op.requestBody.content?.['application/json'];
        const values = [
          ...(json?.example !== undefined ? [json.example] : []),
          ...Object.values(json?.examples ?? {}).map((e) => e.value),
        ].filter((v) => v !== undefined);
        if (values.length === 0) {
          missing.push(`${method} ${template}`);
          continue;
        }
        if (!lifecycle) continue;
        const ok = accepted.get(`${method} ${template}`) ?? [];
        for (const v of values) {
          if (!ok.some((b) => JSON.stringify(b) === JSON.stringify(v)))
            notProven.push(`${method} ${template}`);
        }
      }
    }
    // Every command endpoint of the API spec is documented with a body.
    expect(documented.sort()).toEqual(
      [
        'put /institutions/{institutionId}',
        'post /patents',
        'post /patents/batch',
        'post /patents/{id}/intent',
        'post /patents/{id}/evaluations',
        'post /patents/{id}/promotions',
        'post /patents/{id}/transfers',
        'post /patents/{id}/equity-contributions',
        'post /patents/{id}/transfers/{dealId}/registration',
        'post /patents/{id}/licenses',
        'post /patents/{id}/licenses/{dealId}/recordal',
        'post /patents/{id}/industrializations',
        'post /patents/{id}/industrializations/{industrializationId}/density-filing',
        'post /patents/{id}/open-license',
        'delete /patents/{id}/open-license',
        'post /patents/{id}/open-license/takers',
        'post /patents/{id}/transaction-reports',
        'post /patents/{id}/lapse',
        'post /patents/{id}/deals/{dealId}/ending',
        'post /patents/{id}/annuities',
        'post /patents/{id}/pledges',
        'post /patents/{id}/pledges/{pledgeId}/release',
        'post /patents/{id}/consents',
      ].sort(),
    );
    expect(missing).toEqual([]);
    expect(notProven).toEqual([]);
  });
});
