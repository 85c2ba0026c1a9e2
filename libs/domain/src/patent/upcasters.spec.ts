import { evolvePatent, patentDecider } from './decider';
import { PATENT_EVENT_SCHEMA_VERSIONS, PATENT_EVENT_TYPES, type PatentEvent } from './events';
import { upcastPatentEvent } from './upcasters';
import { evaluated, intentTagged, inventoried, licensed, promoted, transferred } from '../testing/fixtures';

/** An EnterpriseEvaluated as schema v1 stored it: the improvement need as a bare level. */
const v1Evaluation = (level = 'minor') => {
  const { improvementNeeds: _n, ...rest } = evaluated().data;
  return {
    type: 'EnterpriseEvaluated',
    data: { ...rest, improvementNeeds: level },
    metadata: { schemaVersion: 1 },
  };
};

describe('upcastPatentEvent', () => {
  it('EnterpriseEvaluated v1 → v2: the bare level becomes { level }', () => {
    const stored = v1Evaluation('minor');
    const { event, upcast, fromVersion } = upcastPatentEvent(stored);
    expect(upcast).toBe(true);
    expect(fromVersion).toBe(1);
    expect(event).toEqual({
      type: 'EnterpriseEvaluated',
      data: { ...stored.data, improvementNeeds: { level: 'minor' } },
    });
    expect(event).toEqual(evaluated()); // the v1 row reads exactly as the current event would be
  });

  it('never changes what was stored (hashes cover the stored data)', () => {
    const stored = v1Evaluation('pilot-needed');
    const before = JSON.stringify(stored);
    const { event } = upcastPatentEvent(stored);
    expect(JSON.stringify(stored)).toBe(before);
    expect(event.data).not.toBe(stored.data);
  });

  it('an event in the current schema is untouched: the same data, not marked', () => {
    const current = evaluated({ improvementNeeds: { level: 'major', notes: 'pilot line' } });
    const stored = {
      ...current,
      metadata: { schemaVersion: PATENT_EVENT_SCHEMA_VERSIONS.EnterpriseEvaluated },
    };
    const { event, upcast, fromVersion } = upcastPatentEvent(stored);
    expect(upcast).toBe(false);
    expect(fromVersion).toBe(2);
    expect(event.data).toBe(stored.data);
  });

  it('a v1-labelled event already in the v2 shape (written without schema versions) is left as it is', () => {
    const stored = { ...evaluated(), metadata: { schemaVersion: 1 } };
    const { event, upcast } = upcastPatentEvent(stored);
    expect(upcast).toBe(false);
    expect(event.data).toBe(stored.data);
  });

  it('no schemaVersion in the metadata counts as v1', () => {
    const { metadata: _m, ...rest } = v1Evaluation();
    const { event, upcast, fromVersion } = upcastPatentEvent({ ...rest, metadata: {} });
    expect(fromVersion).toBe(1);
    expect(upcast).toBe(true);
    expect((event as Extract<PatentEvent, { type: 'EnterpriseEvaluated' }>).data.improvementNeeds).toEqual({
      level: 'minor',
    });
  });

  it('Licensed v1 → v2: the contract date is the start of the term (v1 had one date for both)', () => {
    const { contractDate: _c, ...v1 } = licensed({ effectiveDate: '2024-03-01' }).data;
    const { event, upcast, fromVersion } = upcastPatentEvent({
      type: 'Licensed',
      data: v1,
      metadata: { schemaVersion: 1 },
    });
    expect({ upcast, fromVersion }).toEqual({ upcast: true, fromVersion: 1 });
    expect(event).toEqual(licensed({ effectiveDate: '2024-03-01', contractDate: '2024-03-01' }));
    // a v2 event keeps its own contract date
    const v2 = licensed({ contractDate: '2024-01-10', effectiveDate: '2024-03-01' });
    expect(upcastPatentEvent({ ...v2, metadata: { schemaVersion: 2 } }).event.data).toBe(v2.data);
  });

  it('every other event type is at v1 and passes through unmarked', () => {
    for (const e of [inventoried(), intentTagged(), promoted(), transferred()]) {
      const stored = { ...e, metadata: { schemaVersion: 1 } };
      expect(upcastPatentEvent(stored)).toEqual({ event: e, upcast: false, fromVersion: 1 });
    }
    expect(PATENT_EVENT_TYPES.filter((t) => PATENT_EVENT_SCHEMA_VERSIONS[t] !== 1)).toEqual([
      'EnterpriseEvaluated',
      'Licensed',
    ]);
  });

  it('an unknown type passes through unmarked', () => {
    const stored = { type: 'SomethingNew', data: { x: 1 }, metadata: { schemaVersion: 3 } };
    expect(upcastPatentEvent(stored)).toEqual({
      event: { type: 'SomethingNew', data: { x: 1 } },
      upcast: false,
      fromVersion: 3,
    });
  });

  it('a patent folded from v1 and v2 evaluations has both in the current shape', () => {
    const stored = [
      { ...inventoried(), metadata: { schemaVersion: 1 } },
      { ...intentTagged(), metadata: { schemaVersion: 1 } },
      v1Evaluation('minor'),
      {
        ...evaluated({ evaluationId: 'ev-2', enterpriseId: 'ent-b', improvementNeeds: { level: 'none' } }),
        metadata: { schemaVersion: 2 },
      },
    ];
    const state = stored.reduce(
      (s, e) => evolvePatent(s, upcastPatentEvent(e).event),
      patentDecider.initialState(),
    );
    expect(state.status).toBe('active');
    if (state.status === 'none') return;
    expect(state.evaluations.map((e) => e.improvementNeeds)).toEqual([{ level: 'minor' }, { level: 'none' }]);
  });
});
