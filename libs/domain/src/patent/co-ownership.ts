/**
 * Consents (同意): RecordConsent → ConsentRecorded — a co-owner's written consent to a transfer, a
 * non-ordinary licence, an open licence or a pledge (专利法 Art. 14 ¶2), or a pledgee's consent to a
 * transfer, a licence or an open licence of the pledged patent (民法典 Art. 444 ¶2; 细则 r.86(4)).
 * A consent names the deal (dealId), declaration (declarationId) or pledge (pledgeId) it is for.
 */
import { invalid, notFound, rule } from '../errors';
import { oneOf, requireId, requirePastDate } from '../validate';
import type { RecordConsent } from './commands';
import { CONSENT_PARTIES, CONSENT_SCOPES } from './constants';
import type { ConsentRecorded, PatentEvent } from './events';
import { ownersOf, requireInventoried, requireNotTerminated } from './guards';
import type { Patent, PatentState } from './state';

export function decideRecordConsent(command: RecordConsent, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  const d = command.data;
  const consentId = requireId(d.consentId, 'consentId');
  if (p.consents.some((c) => c.consentId === consentId)) {
    throw rule('CONSENT.DUPLICATE_ID', `consent ${consentId} already exists on this patent`, 'consentId');
  }
  const party = oneOf(d.party, CONSENT_PARTIES, 'party');
  const partyId = requireId(d.partyId, 'partyId');
  const scope = oneOf(d.scope, CONSENT_SCOPES, 'scope');
  const ref = requireId(d.ref, 'ref');
  const consentedOn = requirePastDate(d.consentedOn, 'consentedOn', command.now);
  if (party === 'co-owner') {
    if (p.coOwners.length === 0) {
      throw rule('CONSENT.NOT_CO_OWNED', 'the patent has no co-owners: nobody else has to consent', 'party');
    }
    if (!ownersOf(p).includes(partyId)) {
      throw notFound('CONSENT.UNKNOWN_PARTY', `${partyId} is not an owner of the patent`, 'partyId');
    }
  } else {
    const pledge = p.pledges.find((x) => x.pledgeId === partyId);
    if (!pledge) throw notFound('PLEDGE.NOT_FOUND', `no pledge ${partyId} on this patent`, 'partyId');
    if (scope === 'pledge') {
      throw invalid(
        'FIELD.NOT_ALLOWED',
        'a pledgee consents to a transfer, a licence or an open licence',
        'scope',
      );
    }
  }
  const event: ConsentRecorded = {
    type: 'ConsentRecorded',
    data: { applicationNumber: p.applicationNumber, consentId, party, partyId, scope, ref, consentedOn },
  };
  return [event];
}

export function evolveConsentRecorded(p: Patent, e: ConsentRecorded): Patent {
  const { applicationNumber: _a, ...consent } = e.data;
  return { ...p, consents: [...(p.consents ?? []), consent] };
}
