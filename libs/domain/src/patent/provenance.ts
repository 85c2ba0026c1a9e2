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
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) fields[key] = meta;
    }
  }
  return { state, fields };
}
