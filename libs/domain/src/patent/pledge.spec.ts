import { spec } from '../testing/given-when-then';
import {
  AN,
  consentRecorded,
  declareOpenLicense,
  ENT_A,
  ENT_B,
  industrialized,
  industrializePatent,
  INSTITUTION_ID,
  inPool,
  intentTagged,
  inventoried,
  inventoryPatent,
  licensed,
  licensePatent,
  openLicensed,
  PLEDGEE,
  pledgeRegistered,
  pledgeReleased,
  recordConsent,
  registerPledge,
  releasePledge,
  TOMORROW,
  transferPatent,
  transferred,
} from '../testing/fixtures';
import { patentDecider } from './decider';
import type { Patent } from './state';

const patent = spec(patentDecider);

describe('pledges (质押, 民法典 Art. 444; 细则 r.86(4))', () => {
  it('民法典 Art. 444 ¶1: a pledge is recorded with its registration', () => {
    patent
      .given(inPool())
      .when(registerPledge({ pledgeeName: ` ${PLEDGEE.name} ` }))
      .then([pledgeRegistered()]);
    const { state } = patent.given([...inPool(), pledgeRegistered()]);
    expect((state as Patent).pledges).toEqual([
      {
        pledgeId: 'pl-1',
        pledgeeId: PLEDGEE.id,
        pledgeeName: PLEDGEE.name,
        registrationNumber: 'Y2024990000321',
        registeredOn: '2024-06-01',
        securedAmount: '3000000.00',
      },
    ]);
  });

  const pledged = [...inPool(), pledgeRegistered()];

  it('民法典 Art. 444 ¶2: a registered pledge blocks a transfer without the pledgee’s consent', () => {
    const e = patent.given(pledged).when(transferPatent()).thenThrows('PLEDGE.CONSENT_REQUIRED', 'rule');
    expect(e.message).toContain('pl-1');
  });

  it('民法典 Art. 444 ¶2: with the pledgee’s recorded consent to that deal the transfer is accepted', () => {
    patent
      .given([...pledged, consentRecorded({ scope: 'transfer', ref: 'deal-t1', consentedOn: '2024-08-20' })])
      .when(transferPatent())
      .then([transferred()]);
  });

  it('民法典 Art. 444 ¶2: a consent to another deal, to another act, or given later does not count', () => {
    for (const c of [
      consentRecorded({ scope: 'transfer', ref: 'deal-t9' }),
      consentRecorded({ scope: 'license', ref: 'deal-t1' }),
      consentRecorded({ scope: 'transfer', ref: 'deal-t1', consentedOn: '2024-09-02' }),
    ]) {
      patent
        .given([...pledged, c])
        .when(transferPatent())
        .thenThrows('PLEDGE.CONSENT_REQUIRED', 'rule');
    }
  });

  it('民法典 Art. 444 ¶2: a pledge blocks licensing — an ordinary licence too', () => {
    patent.given(pledged).when(licensePatent()).thenThrows('PLEDGE.CONSENT_REQUIRED', 'rule');
    patent
      .given([...pledged, consentRecorded({ consentedOn: '2024-06-20' })])
      .when(licensePatent())
      .then([licensed()]);
  });

  it('细则 r.86(4): no open licence of a pledged patent without the pledgee’s consent', () => {
    patent.given(pledged).when(declareOpenLicense()).thenThrows('PLEDGE.CONSENT_REQUIRED', 'rule');
    patent
      .given([...pledged, consentRecorded({ scope: 'open-license', ref: 'ol-1' })])
      .when(declareOpenLicense())
      .then([openLicensed()]);
  });

  it('民法典 Art. 444: until released — a deal from the release date needs no consent', () => {
    patent
      .given([...pledged, pledgeReleased({ releasedOn: '2024-09-01' })])
      .when(transferPatent())
      .then([transferred()]);
    patent
      .given([...pledged, pledgeReleased({ releasedOn: '2024-09-02' })])
      .when(transferPatent())
      .thenThrows('PLEDGE.CONSENT_REQUIRED', 'rule');
  });

  it('a deal dated before the pledge was registered is not affected', () => {
    patent
      .given(pledged)
      .when(licensePatent({ contractDate: '2024-05-01', effectiveDate: '2024-05-01' }))
      .then([licensed({ contractDate: '2024-05-01', effectiveDate: '2024-05-01' })]);
  });

  it('the pledgor may still implement the patent itself', () => {
    patent
      .given(pledged)
      .when(industrializePatent({ enterpriseId: INSTITUTION_ID }))
      .then([industrialized({ enterpriseId: INSTITUTION_ID, basis: { kind: 'self-implementation' } })]);
  });

  it('ReleasePledge → PledgeReleased', () => {
    patent
      .given(pledged)
      .when(releasePledge())
      .then([
        {
          type: 'PledgeReleased',
          data: { applicationNumber: AN, pledgeId: 'pl-1', releasedOn: '2025-01-15' },
        },
      ]);
    patent
      .given(pledged)
      .when(releasePledge({ pledgeId: 'pl-x' }))
      .thenThrows('PLEDGE.NOT_FOUND', 'not-found');
    patent
      .given([...pledged, pledgeReleased()])
      .when(releasePledge())
      .thenThrows('PLEDGE.ALREADY_RELEASED', 'rule');
    patent
      .given(pledged)
      .when(releasePledge({ releasedOn: '2024-05-31' }))
      .thenThrows('DATE.ORDER', 'invalid');
  });

  it.each([
    [{ pledgeId: '' }, 'FIELD.INVALID_ID', 'invalid'],
    [{ registeredOn: TOMORROW }, 'DATE.IN_FUTURE', 'invalid'],
    [{ registeredOn: '2020-03-09' }, 'DATE.ORDER', 'invalid'], // before the grant
    [{ registrationNumber: '' }, 'FIELD.REQUIRED', 'invalid'],
    [{ securedAmount: 'lots' }, 'MONEY.INVALID', 'invalid'],
  ] as const)('RegisterPledge rejects %p with %s', (overrides, code, kind) => {
    patent.given(inPool()).when(registerPledge(overrides)).thenThrows(code, kind);
  });

  it('a pledge id is used once', () => {
    patent.given(pledged).when(registerPledge()).thenThrows('PLEDGE.DUPLICATE_ID', 'rule');
  });
});

describe('co-owned patents (专利法 Art. 14)', () => {
  const COAL = { id: 'sx-coal', name: 'Shanxi Coal Group' };
  const coOwned = [inventoried({ coPatentees: [COAL.name], coOwners: [COAL] }), intentTagged()];
  const coOwnerConsent = (
    scope: 'transfer' | 'license' | 'open-license' | 'pledge',
    ref: string,
    partyId = COAL.id,
  ) =>
    consentRecorded({
      consentId: `c-${scope}-${partyId}`,
      party: 'co-owner',
      partyId,
      scope,
      ref,
      consentedOn: '2024-06-01',
    });

  it('folds the co-owners with their ids (legacy coPatentees names stand in as ids)', () => {
    expect((patent.given(coOwned).state as Patent).coOwners).toEqual([COAL]);
    expect(
      (patent.given([inventoried({ coPatentees: ['Shanxi Coal Group'] })]).state as Patent).coOwners,
    ).toEqual([{ id: 'Shanxi Coal Group', name: 'Shanxi Coal Group' }]);
  });

  it('专利法 Art. 14 ¶2: a transfer needs every co-owner’s consent', () => {
    const e = patent.given(coOwned).when(transferPatent()).thenThrows('CONSENT.CO_OWNER_REQUIRED', 'rule');
    expect(e.message).toContain(COAL.id);
    patent
      .given([...coOwned, coOwnerConsent('transfer', 'deal-t1')])
      .when(transferPatent())
      .then([transferred()]);
  });

  it.each(['exclusive', 'sole'] as const)(
    '专利法 Art. 14 ¶2: a %s licence needs every co-owner’s consent',
    (type) => {
      patent.given(coOwned).when(licensePatent({ type })).thenThrows('CONSENT.CO_OWNER_REQUIRED', 'rule');
      patent
        .given([...coOwned, coOwnerConsent('license', 'deal-l1')])
        .when(licensePatent({ type }))
        .then([licensed({ type })]);
    },
  );

  it('专利法 Art. 14 ¶1: any co-owner may grant an ordinary licence alone — the institution or a co-owner', () => {
    patent.given(coOwned).when(licensePatent()).then([licensed()]);
    patent
      .given(coOwned)
      .when(licensePatent({ licensorId: COAL.id }))
      .then([licensed({ licensorId: COAL.id })]);
  });

  it('专利法 Art. 14 ¶2: a co-owner granting an exclusive licence needs the institution’s consent', () => {
    patent
      .given(coOwned)
      .when(licensePatent({ licensorId: COAL.id, type: 'exclusive' }))
      .thenThrows('CONSENT.CO_OWNER_REQUIRED', 'rule');
    patent
      .given([...coOwned, coOwnerConsent('license', 'deal-l1', INSTITUTION_ID)])
      .when(licensePatent({ licensorId: COAL.id, type: 'exclusive' }))
      .then([licensed({ licensorId: COAL.id, type: 'exclusive' })]);
  });

  it('a licensor must be an owner', () => {
    patent
      .given(coOwned)
      .when(licensePatent({ licensorId: ENT_A.id }))
      .thenThrows('LICENSE.UNKNOWN_LICENSOR', 'rule');
  });

  it('专利法 Art. 14 ¶2: an open licence and a pledge need every co-owner’s consent', () => {
    patent.given(coOwned).when(declareOpenLicense()).thenThrows('CONSENT.CO_OWNER_REQUIRED', 'rule');
    patent
      .given([...coOwned, coOwnerConsent('open-license', 'ol-1')])
      .when(declareOpenLicense())
      .then([openLicensed()]);
    patent.given(coOwned).when(registerPledge()).thenThrows('CONSENT.CO_OWNER_REQUIRED', 'rule');
    patent
      .given([...coOwned, coOwnerConsent('pledge', 'pl-1')])
      .when(registerPledge())
      .then([pledgeRegistered()]);
  });

  it('专利法 Art. 14 ¶1: a co-owner may implement the patent alone', () => {
    patent
      .given(coOwned)
      .when(industrializePatent({ enterpriseId: COAL.id }))
      .then([industrialized({ enterpriseId: COAL.id, basis: { kind: 'co-owner' } })]);
  });

  it('inventory records co-owners with ids; coPatentees must agree with them', () => {
    const [e] = patent
      .given([])
      .when(inventoryPatent({ coOwners: [COAL] }))
      .events();
    expect(e?.data).toMatchObject({ coPatentees: [COAL.name], coOwners: [COAL] });
  });

  describe('RecordConsent → ConsentRecorded', () => {
    it('records a co-owner’s consent', () => {
      patent
        .given(coOwned)
        .when(
          recordConsent({
            party: 'co-owner',
            partyId: COAL.id,
            scope: 'transfer',
            ref: 'deal-t1',
            consentedOn: '2024-06-01',
          }),
        )
        .then([
          consentRecorded({
            party: 'co-owner',
            partyId: COAL.id,
            scope: 'transfer',
            ref: 'deal-t1',
            consentedOn: '2024-06-01',
          }),
        ]);
    });

    it.each([
      [
        'an unknown co-owner',
        coOwned,
        { party: 'co-owner', partyId: ENT_B.id },
        'CONSENT.UNKNOWN_PARTY',
        'not-found',
      ],
      [
        'a co-owner of a patent nobody co-owns',
        inPool(),
        { party: 'co-owner', partyId: COAL.id },
        'CONSENT.NOT_CO_OWNED',
        'rule',
      ],
      ['the pledgee of an unknown pledge', inPool(), {}, 'PLEDGE.NOT_FOUND', 'not-found'],
      [
        'a pledgee consenting to a pledge',
        [...inPool(), pledgeRegistered()],
        { scope: 'pledge' },
        'FIELD.NOT_ALLOWED',
        'invalid',
      ],
      [
        'an unknown scope',
        [...inPool(), pledgeRegistered()],
        { scope: 'sale' },
        'FIELD.NOT_ALLOWED',
        'invalid',
      ],
      [
        'a future date',
        [...inPool(), pledgeRegistered()],
        { consentedOn: TOMORROW },
        'DATE.IN_FUTURE',
        'invalid',
      ],
    ] as const)('rejects %s', (_what, given, overrides, code, kind) => {
      patent
        .given([...given])
        .when(recordConsent(overrides))
        .thenThrows(code, kind);
    });

    it('a consent id is used once', () => {
      patent
        .given([...inPool(), pledgeRegistered(), consentRecorded()])
        .when(recordConsent())
        .thenThrows('CONSENT.DUPLICATE_ID', 'rule');
    });
  });
});
