import { eventStoreContract } from '@patent-ledger/eventsourcing/testing';
import { MemoryEventStore } from './memory-event-store';

eventStoreContract('MemoryEventStore', async () => ({ store: new MemoryEventStore() }));
