/**
 * The api's threads. The SQLite writer thread (LEDGER_SQLITE_WRITER=thread, the default): an append in
 * flight when it dies answers 503 and its retry with the same Idempotency-Key lands exactly once.
 * The projector in a thread of its own (LEDGER_PROJECTOR=worker, the default): commands are
 * projected there and read back here (read-your-writes with minPosition), /projections reports the
 * thread's projectors, a failing projection is reported and resumed across the thread boundary, and a
 * thread that dies is started again without losing an event.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../apps/api/src/config';
import { WorkerProjectorHost } from '../../apps/api/src/read-models/projector-host';
import { ReadModelsService } from '../../apps/api/src/read-models/read-models.service';
import {
  actors,
  applicationNumber,
  E2E_STORE,
  eventsOf,
  EXAMPLES,
  expectProblem,
  headPosition,
  inventory,
  PARTIES,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from './harness';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { EVENT_STORE } from '../../apps/api/src/ledger/tokens';
import { ThreadedSqliteEventStore } from '@patent-ledger/store-sqlite';
import { scopedCommandId } from '../../apps/api/src/common/command-context';

interface Status {
  name: string;
  position: number;
  headPosition: number;
  lag: number;
  state: string;
  lastError?: { message: string; position: number; eventType: string; streamName: string };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await registerInstitution(h);
});
afterAll(() => h.close());

const statuses = async (): Promise<Status[]> => {
  const res = await h.http().get('/projections');
  expect(res.status).toBe(200);
  return (res.body as { projections: Status[] }).projections;
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const host = (): WorkerProjectorHost => {
  const hostOf = (h.app().get(ReadModelsService) as unknown as { host: unknown }).host;
  expect(hostOf).toBeInstanceOf(WorkerProjectorHost);
  return hostOf as WorkerProjectorHost;
};

describe('configuration', () => {
  it('runs the projector in a worker thread by default, inline with the memory store', () => {
    expect(loadConfig({}).projector).toBe('worker');
    expect(h.config.projector).toBe('worker');
    expect(loadConfig({ LEDGER_STORE: 'memory' }).projector).toBe('inline');
    expect(loadConfig({ LEDGER_PROJECTOR: 'inline' }).projector).toBe('inline');
    expect(loadConfig({}).projectorDelayMs).toBe(100);
    expect(loadConfig({ LEDGER_PROJECTOR_DELAY_MS: '0' }).projectorDelayMs).toBe(0);
    expect(() => loadConfig({ LEDGER_STORE: 'memory', LEDGER_PROJECTOR: 'worker' })).toThrow(
      /LEDGER_PROJECTOR=worker is invalid with LEDGER_STORE=memory/,
    );
    expect(() => loadConfig({ LEDGER_PROJECTOR: 'thread' })).toThrow(
      'LEDGER_PROJECTOR=thread is invalid: expected one of worker, inline, off',
    );
    expect(() => loadConfig({ LEDGER_PROJECTOR_DELAY_MS: '-1' })).toThrow(/LEDGER_PROJECTOR_DELAY_MS=-1/);
  });
});

// The writer thread belongs to the SQLite store: the suite's PostgreSQL run has no such thread to test.
if (E2E_STORE === 'sqlite')
  describe('the SQLite writer thread', () => {
    it('is what the api appends and runs commands through by default', () => {
      expect(h.config.sqliteWriter).toBe('thread');
      expect(loadConfig({ LEDGER_SQLITE_WRITER: 'inline' }).sqliteWriter).toBe('inline');
      expect(() => loadConfig({ LEDGER_SQLITE_WRITER: 'fork' })).toThrow(
        'LEDGER_SQLITE_WRITER=fork is invalid: expected one of thread, inline',
      );
      const store = h.app().get<ThreadedSqliteEventStore>(EVENT_STORE);
      expect(store).toBeInstanceOf(ThreadedSqliteEventStore);
      // Its thread is the ledger thread: it executes the commands too.
      expect(store.answersCalls).toBe(true);
    });

    it('answers 503 STORE.WRITER_STOPPED when it dies with the append in flight; the retry lands once', async () => {
      const n = applicationNumber(2019, 1, 610004);
      await pooledPatent(h, n);
      const store = h.app().get<ThreadedSqliteEventStore>(EVENT_STORE);
      const worker = (
        store as unknown as { worker: { postMessage(m: unknown): void; terminate(): Promise<number> } }
      ).worker;
      // The next append never reaches the thread: it dies instead.
      worker.postMessage = () => void worker.terminate();
      const key = 'writer-dies-1';
      const first = await send(h, 'post', `/patents/${n}/evaluations`, EXAMPLES.evaluation, {
        headers: actors.enterprise,
        key,
      });
      expectProblem(first, 503, 'STORE.WRITER_STOPPED');
      expect(first.body.detail).toMatch(/retry it with the same command id/);
      const retry = await send(h, 'post', `/patents/${n}/evaluations`, EXAMPLES.evaluation, {
        headers: actors.enterprise,
        key,
      });
      expect(retry.status).toBe(201);
      const again = await send(h, 'post', `/patents/${n}/evaluations`, EXAMPLES.evaluation, {
        headers: actors.enterprise,
        key,
      });
      expect(again.status).toBe(201);
      // The key, scoped to its caller, is the events' command id.
      const evaluations = (await eventsOf(h, n)).filter(
        (e) => e.metadata.commandId === scopedCommandId(PARTIES.enterprise, key),
      );
      expect(evaluations).toHaveLength(1);
    });
  });

describe('the projector thread', () => {
  it('projects commands so that a read with minPosition sees them', async () => {
    host();
    const n = applicationNumber(2019, 1, 610001);
    await pooledPatent(h, n);
    const position = await headPosition(h);
    const res = await h.http().get(`/resource-pool?institutionId=tyut&minPosition=${position}`);
    expect(res.status).toBe(200);
    expect(
      (res.body as { items: { applicationNumber: string }[] }).items.map((i) => i.applicationNumber),
    ).toContain(n);
    const s = await statuses();
    expect(s.map((x) => x.name).sort()).toEqual([
      'accounts',
      'audit',
      'needs',
      'obligations',
      'progress',
      'promotion',
      'registry',
      'resource-pool',
    ]);
    for (const x of s) expect(x.position).toBeGreaterThanOrEqual(position);
  });

  it('reports a projection that fails in the thread, keeps the others going, and resumes it on request', async () => {
    const n = applicationNumber(2019, 1, 610002);
    await inventory(h, n);
    // An event no command could produce (the decider would refuse it): the pool projection cannot
    // fold it. Written straight into the store, as a corrupt or hand-made log would hold it.
    const store = h.app().get<EventStore>(EVENT_STORE);
    const [bad] = (
      await store.append(
        `patent-${n}`,
        [
          {
            type: 'IntentTagged',
            data: { applicationNumber: n, occurredOn: '2024-05-01' },
            metadata: {
              eventId: 'corrupt-event-1',
              commandId: 'corrupt-1',
              correlationId: 'corrupt-1',
              causationId: 'corrupt-1',
              actor: { role: 'institution', orgId: 'tyut', userId: 'u' },
              recordedAt: new Date().toISOString(),
              schemaVersion: 1,
            },
          },
        ],
        { expectedVersion: 'any' },
      )
    ).events;
    expect(bad).toBeDefined();
    const failed = await until('the pool projection to fail', async () => {
      const pool = (await statuses()).find((x) => x.name === 'resource-pool')!;
      return pool.state === 'failed' ? pool : undefined;
    });
    expect(failed.lastError).toMatchObject({ position: bad!.position, eventType: 'IntentTagged' });
    // The audit trail goes past the event the pool stopped at.
    await until('the audit projection to pass the bad event', async () => {
      const audit = (await statuses()).find((x) => x.name === 'audit')!;
      return audit.position >= bad!.position ? audit : undefined;
    });
    const resumed = await h.http().post('/projections/resource-pool/resume');
    expect(resumed.status).toBe(201);
    expect(resumed.body).toEqual({ resumed: true });
    // It fails again on the same event (nothing was skipped).
    const again = await until('the pool projection to fail again', async () => {
      const pool = (await statuses()).find((x) => x.name === 'resource-pool')!;
      return pool.state === 'failed' ? pool : undefined;
    });
    expect(again.lastError?.position).toBe(bad!.position);
    expect(again.position).toBeLessThan(bad!.position);
  });

  it('is started again when it dies, and projects what was appended meanwhile', async () => {
    const before = (await statuses()).find((x) => x.name === 'audit')!;
    expect(before.state).toBe('running');
    const worker = (host() as unknown as { worker: { terminate(): Promise<number> } }).worker;
    await worker.terminate();
    const n = applicationNumber(2019, 2, 610003);
    await inventory(h, n);
    const position = await headPosition(h);
    const recovered = await until('the audit projection to catch up after the restart', async () => {
      const audit = (await statuses()).find((x) => x.name === 'audit')!;
      return audit.state === 'running' && audit.position >= position ? audit : undefined;
    });
    expect(recovered.lag).toBe(0);
    const trail = await h.http().get(`/patents/${n}/history`);
    expect(trail.status).toBe(200);
  });
});

describe('a projector thread that cannot start', () => {
  it('is reported failed with the reason and started again after 1 s, then 2 s', async () => {
    // Its read-model file would live under a regular file, which cannot be a directory.
    const notADir = join(h.dir, 'not-a-directory');
    writeFileSync(notADir, '');
    const config = {
      ...h.config,
      readModels: 'sqlite' as const,
      readDbFile: join(notADir, 'read-models.db'),
    };
    const warnings: string[] = [];
    const errors: string[] = [];
    const rm = h.app().get(ReadModelsService);
    const broken = new WorkerProjectorHost(config, h.app().get<EventStore>(EVENT_STORE), rm.readModels, {
      error: (m) => errors.push(m),
      warn: (m) => warnings.push(m),
    });
    try {
      await broken.start();
      await until('two restarts', async () => (warnings.length >= 2 ? warnings : undefined), 10_000);
      expect(warnings[0]).toMatch(/starting it again in 1 s$/);
      expect(warnings[1]).toMatch(/starting it again in 2 s$/);
      expect(errors[0]).toMatch(/projector thread could not start: cannot open the sqlite read models/);
      const status = await broken.status();
      // every projection (ledgerProjections: eight)
      expect(status.map((x) => x.state)).toEqual(Array(8).fill('failed'));
      expect(status[0]!.lastError?.message).toMatch(/cannot open the sqlite read models/);
    } finally {
      await broken.stop();
    }
  });
});
