import { authorizePatentRecords, type Principal } from '@patent-ledger/access';
import { patentDecider, upcastPatentEvent, type Patent } from '@patent-ledger/domain';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import type { Request } from 'express';
import { principalOf } from './principal';

/** The patent as its events leave it (undefined while it has none that inventory it). */
export function patentOf(events: readonly StoredEvent[]): Patent | undefined {
  let state = patentDecider.initialState();
  for (const e of events) state = patentDecider.evolve(state, upcastPatentEvent(e).event);
  return state.status === 'none' ? undefined : state;
}

/**
 * The policy's `patent-records` row for a read of one patent's records (raw events, history,
 * evidence, verify, provenance): the holder (its own patents), ip-office, auditor. Returns the caller.
 */
export function authorizeRecords(req: Request, events: readonly StoredEvent[], what: string): Principal {
  const caller = principalOf(req);
  const patent = patentOf(events);
  if (patent) authorizePatentRecords(caller, patent, what);
  return caller;
}

/** A stored event as a reader of the records sees it: another organisation's command id is left out. */
export function eventForReader<E extends StoredEvent>(caller: Pick<Principal, 'role' | 'orgId'>, e: E): E {
  if (caller.role === 'ip-office' || caller.role === 'auditor' || e.metadata.actor.orgId === caller.orgId)
    return e;
  const { commandId: _c, ...metadata } = e.metadata;
  return { ...e, metadata: metadata as E['metadata'] };
}
