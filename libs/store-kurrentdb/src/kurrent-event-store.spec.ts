import { eventStoreContract } from '@patent-ledger/eventsourcing/testing';
import { KurrentEventStore } from './kurrent-event-store';

/**
 * The shared contract against a real KurrentDB server. It runs when KURRENTDB_URL is set (e.g.
 * kurrentdb://127.0.0.1:2113?tls=false) — which jest's globalSetup does with a container of its own
 * (@testcontainers/kurrentdb) where a Docker engine answers; otherwise it is skipped with one line
 * saying so.
 */
const url = process.env['KURRENTDB_URL'];
if (!url) {
  console.log(
    `KurrentDB contract suite skipped: KURRENTDB_URL is not set and ${process.env['PATENT_LEDGER_TEST_DOCKER'] ?? 'testcontainers is off'}, so no server was started`,
  );
}
let run = 0;
(url ? describe : describe.skip)('KurrentEventStore (real server)', () => {
  // Every test gets its own stream namespace, so runs never collide on a shared server.
  eventStoreContract(
    'KurrentEventStore',
    async () => ({
      store: KurrentEventStore.connect(url!, {
        namespace: `t${process.pid}x${Date.now().toString(36)}x${++run}`,
      }),
    }),
    { contiguousPositions: false },
  );
});
