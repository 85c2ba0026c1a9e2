import { evolvePatent, patentDecider } from './decider';
import type { PatentEvent } from './events';
import { provenanceOf } from './provenance';
import {
  evaluated,
  intentTagged,
  inventoried,
  lapsed,
  licensed,
  licenseRecorded,
  promoted,
  transferred,
  transferRegistered,
} from '../testing/fixtures';

interface Meta {
  version: number;
  eventType: string;
}

const sources = (events: PatentEvent[]) =>
  events.map((event, i) => ({ event, meta: { version: i + 1, eventType: event.type } }));

describe('provenanceOf', () => {
  const history: PatentEvent[] = [
    inventoried(),
    intentTagged(),
    evaluated(),
    promoted(),
    licensed(),
    licenseRecorded(),
    transferred(),
    transferRegistered(),
  ];

  it('folds the state as evolve does', () => {
    const { state } = provenanceOf(sources(history));
    expect(state).toEqual(history.reduce(evolvePatent, patentDecider.initialState()));
  });

  it('names, for each field, the event that last changed it', () => {
    const { fields } = provenanceOf<Meta>(sources(history));
    const by = (field: string) => fields[field]?.eventType;
    expect(by('title')).toBe('PatentInventoried');
    expect(by('filingDate')).toBe('PatentInventoried');
    expect(by('intent')).toBe('IntentTagged');
    expect(by('evaluations')).toBe('EnterpriseEvaluated');
    expect(by('evaluationIds')).toBe('EnterpriseEvaluated');
    expect(by('promotions')).toBe('Promoted');
    expect(by('licenses')).toBe('LicenseRecorded'); // the recordal changed the licence last
    // The registration moved ownership and took the patent out of the pool.
    expect(fields['holder']).toEqual({ version: 8, eventType: 'TransferRegistered' });
    expect(by('inPool')).toBe('TransferRegistered');
    expect(by('transfers')).toBe('TransferRegistered');
  });

  it('derived fields are attributed to the event that changed their inputs', () => {
    const { fields } = provenanceOf<Meta>(sources(history));
    expect(fields['expiryDate']?.eventType).toBe('PatentInventoried');
    expect(fields['highValue']?.eventType).toBe('PatentInventoried');
    expect(fields['status']?.eventType).toBe('PatentInventoried');
  });

  it('a later event that leaves a field as it was does not take it over', () => {
    const { fields } = provenanceOf<Meta>(sources([...history, promoted({ promotionId: 'pr-2' })]));
    expect(fields['holder']).toEqual({ version: 8, eventType: 'TransferRegistered' });
    expect(fields['promotions']).toEqual({ version: 9, eventType: 'Promoted' });
  });

  it('a lapse names the lapse and the status', () => {
    const { fields, state } = provenanceOf<Meta>(sources([inventoried(), lapsed()]));
    expect(state.status).toBe('lapsed');
    expect(fields['status']).toEqual({ version: 2, eventType: 'PatentLapsed' });
    expect(fields['lapse']).toEqual({ version: 2, eventType: 'PatentLapsed' });
    expect(fields['title']).toEqual({ version: 1, eventType: 'PatentInventoried' });
  });

  it('no events: the initial state and no fields', () => {
    expect(provenanceOf([])).toEqual({ state: { status: 'none' }, fields: {} });
  });

  it('costs work linear in the stream: 2,000 evaluations are not compared as whole lists each time', () => {
    const many: PatentEvent[] = [
      inventoried(),
      intentTagged(),
      ...Array.from({ length: 2000 }, (_, i) =>
        evaluated({ evaluationId: `ev-${i}`, enterpriseId: `ent-${i}`, enterpriseName: `企业 ${i}` }),
      ),
    ];
    let stringified = 0;
    const stringify = JSON.stringify;
    const spy = jest
      .spyOn(JSON, 'stringify')
      .mockImplementation((...args: Parameters<typeof JSON.stringify>) => {
        const out = stringify(...args);
        stringified += out?.length ?? 0;
        return out;
      });
    let result: ReturnType<typeof provenanceOf<Meta>>;
    try {
      result = provenanceOf<Meta>(sources(many));
    } finally {
      spy.mockRestore();
    }
    expect(result.fields['evaluations']).toEqual({ version: 2002, eventType: 'EnterpriseEvaluated' });
    expect((result.state as { evaluations: unknown[] }).evaluations).toHaveLength(2000);
    // Comparing the whole list on every event would stringify about 2,000² / 2 evaluations (~10^8 characters).
    expect(stringified).toBeLessThan(2000 * 2000);
  });

  it('each field names the whole meta the caller passed', () => {
    const meta = { position: 42, recordedAt: '2025-01-01T00:00:00Z', actor: { role: 'institution' } };
    const { fields } = provenanceOf([{ event: inventoried(), meta }]);
    expect(fields['title']).toBe(meta);
  });
});
