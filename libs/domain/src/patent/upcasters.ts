import { PATENT_EVENT_SCHEMA_VERSIONS, type PatentEvent, type PatentEventType } from './events';

/** A stored event as far as upcasting needs it: type, data as stored, and the schema it was written in. */
export interface StoredShape {
  type: string;
  data: object;
  metadata: { schemaVersion?: number };
}

export interface Upcast {
  event: PatentEvent;
  /** True when an upcaster changed the stored shape into the current one. */
  upcast: boolean;
  /** Schema version the event was stored in. */
  fromVersion: number;
}

type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/**
 * Upcasters by event type: entry `n` turns schema version n into n + 1. Stored events are never
 * rewritten (their hashes cover the stored bytes); they are brought to the current shape on read.
 */
const UPCASTERS: Partial<Record<PatentEventType, Record<number, Upcaster>>> = {
  EnterpriseEvaluated: {
    // v1 stored the improvement need as a bare level ("minor"); v2 is { level, notes? }.
    1: (d) => {
      const needs = d['improvementNeeds'];
      return typeof needs === 'string' ? { ...d, improvementNeeds: { level: needs } } : d;
    },
  },
  Licensed: {
    // v1 had one date for the contract and the start of its term; v2 keeps the contract date apart.
    1: (d) => (d['contractDate'] === undefined ? { ...d, contractDate: d['effectiveDate'] } : d),
  },
};

/** Brings a stored patent event to the current schema. */
export function upcastPatentEvent(e: StoredShape): Upcast {
  const type = e.type as PatentEventType;
  const current = PATENT_EVENT_SCHEMA_VERSIONS[type] ?? 1;
  const fromVersion = e.metadata.schemaVersion ?? 1;
  let data = e.data as Record<string, unknown>;
  const steps = UPCASTERS[type];
  for (let v = fromVersion; v < current; v++) {
    const step = steps?.[v];
    if (step) data = step(data);
  }
  return { event: { type, data } as unknown as PatentEvent, upcast: data !== e.data, fromVersion };
}
