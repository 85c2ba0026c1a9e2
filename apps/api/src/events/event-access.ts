import { PATENT_RECORDS_POLICY, type Principal } from '@patent-ledger/access';
import {
  patentDecider,
  patentStream,
  upcastPatentEvent,
  type Patent,
  type PatentState,
} from '@patent-ledger/domain';
import type { EventStore, StoredEvent } from '@patent-ledger/eventsourcing';
import { trimOldest } from '@patent-ledger/eventsourcing';
import { categoryOf, idOfStream, isPublished, patentOfEvent } from '@patent-ledger/publishers';
import { eventForReader } from '../auth/records';

/** Who reads a subscription: a principal, or the organisation a webhook was registered for. */
export type Reader = Pick<Principal, 'role' | 'orgId'>;

const isOversight = (r: Reader): boolean => r.role === 'ip-office' || r.role === 'auditor';

/** Patent states cached per subscription (a subscription that meets more patents folds them again). */
const MAX_CACHED = 5000;

/**
 * What a subscriber may receive, event by event, in log order (one instance per subscription: it
 * keeps the patents' states it folded):
 *
 * - events of a patent, and the reminders of its obligations: when the policy's `patent-records`
 *   row lets the reader read that patent's records as the patent stood after the event (the holder,
 *   the institution of record, ip-office, auditor) — so a party's stream holds nothing of another
 *   institution's patents, and a replay from any position delivers the same events as the live stream;
 * - events of an institution: that institution itself, ip-office and auditor;
 * - nothing else leaves the ledger (accounts, the denied-access log).
 *
 * Another organisation's command ids are left out of what is delivered (as GET /patents/{id}/events does).
 */
export class EventAccess {
  private readonly states = new Map<string, { version: number; state: PatentState }>();

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly reader: Reader,
  ) {}

  /** The event as the reader receives it, or undefined when the reader may not receive it. */
  async view(e: StoredEvent): Promise<StoredEvent | undefined> {
    if (!isPublished(e)) return undefined;
    const allowed = await this.allows(e);
    return allowed ? eventForReader(this.reader, e) : undefined;
  }

  private async allows(e: StoredEvent): Promise<boolean> {
    const category = categoryOf(e.streamName);
    if (category === 'institution')
      return (
        isOversight(this.reader) ||
        (this.reader.role === 'institution' && this.reader.orgId === idOfStream(e.streamName))
      );
    if (isOversight(this.reader)) return true;
    if (category === 'patent') return this.mayRead(await this.stateAfter(e));
    const an = patentOfEvent(e);
    if (an === undefined) return false;
    return this.mayRead(await this.stateBefore(patentStream(an), e.position));
  }

  private mayRead(state: PatentState): boolean {
    return state.status !== 'none' && PATENT_RECORDS_POLICY.allows(this.reader, state as Patent);
  }

  /** The patent's state once `e` (one of its events) is applied. */
  private async stateAfter(e: StoredEvent): Promise<PatentState> {
    const cached = this.states.get(e.streamName);
    let state: PatentState;
    if (cached && cached.version === e.version - 1) {
      state = patentDecider.evolve(cached.state, upcastPatentEvent(e).event);
    } else if (cached && cached.version === e.version) {
      state = cached.state;
    } else {
      state = patentDecider.initialState();
      for (const x of await this.store.readStream(e.streamName, { toVersion: e.version }))
        state = patentDecider.evolve(state, upcastPatentEvent(x).event);
    }
    this.states.delete(e.streamName);
    trimOldest(this.states, MAX_CACHED - 1);
    this.states.set(e.streamName, { version: e.version, state });
    return state;
  }

  /** The patent's state made of its events before log position `position`. */
  private async stateBefore(stream: string, position: number): Promise<PatentState> {
    let state = patentDecider.initialState();
    for (const x of await this.store.readStream(stream)) {
      if (x.position >= position) break;
      state = patentDecider.evolve(state, upcastPatentEvent(x).event);
    }
    return state;
  }
}
