import { evolvePatent } from './decider';
import type { PatentEvent } from './events';
import { initialPatentState, type PatentState } from './state';

export interface ProvenanceSource<M> {
  event: PatentEvent;
  /** Whatever identifies the event to the caller (position, dates, actor). */
  meta: M;
}

/**
 * For each top-level field of the patent's state, the event that last changed it (fields derived by
 * evolve, like expiryDate or highValue, are attributed to the event that changed their inputs).
 */
export function provenanceOf<M>(events: Iterable<ProvenanceSource<M>>): {
  state: PatentState;
  fields: Record<string, M>;
} {
  let state: PatentState = initialPatentState();
  const fields: Record<string, M> = {};
  for (const { event, meta } of events) {
    const before = state as unknown as Record<string, unknown>;
    state = evolvePatent(state, event);
    const after = state as unknown as Record<string, unknown>;
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (changed(before[key], after[key])) fields[key] = meta;
    }
  }
  return { state, fields };
}

/**
 * Whether a field's value changed, cheaply where it can be told cheaply: evolve keeps the same
 * reference for a field it does not touch, and a list that grew or shrank changed. Only a new value
 * of the same shape is compared in full, so a stream's provenance costs time linear in its length
 * for the lists that grow with it (evaluations, promotions), not quadratic.
 */
function changed(a: unknown, b: unknown): boolean {
  if (a === b) return false;
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return true;
  return JSON.stringify(a) !== JSON.stringify(b);
}
