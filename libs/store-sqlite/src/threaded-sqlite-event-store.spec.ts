import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IdempotencyKeyReusedError,
  typescriptPrelude,
  InvalidAppendError,
  WrongExpectedVersionError,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { eventStoreContract, newEvent } from '@patent-ledger/eventsourcing/testing';
import { runAndKill } from '../../../test/support/kill';
import { SqliteEventStore } from './sqlite-event-store';
import { ThreadedSqliteEventStore, WriterThreadStoppedError } from './threaded-sqlite-event-store';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'patent-ledger-threaded-'));

eventStoreContract('ThreadedSqliteEventStore (writes in a thread of their own)', async () => {
  const dir = tempDir();
  const store = await ThreadedSqliteEventStore.open(join(dir, 'events.db'));
  return { store, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

async function readWholeLog(store: { readAll(o?: { after?: number }): Promise<StoredEvent[]> }) {
  const log: StoredEvent[] = [];
  for (let page = await store.readAll(); page.length > 0; page = await store.readAll({ after: log.length })) {
    log.push(...page);
  }
  return log;
}

describe('ThreadedSqliteEventStore', () => {
  let dir: string;
  let store: ThreadedSqliteEventStore;
  beforeEach(async () => {
    dir = tempDir();
    store = await ThreadedSqliteEventStore.open(join(dir, 'events.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses :memory: (the writer thread would see another database)', async () => {
    await expect(ThreadedSqliteEventStore.open(':memory:')).rejects.toThrow(/needs a file/);
  });

  it('answers a read after an append with the appended events (read-your-writes across threads)', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await store.append(`patent-${i % 3}`, [newEvent('A', { i })], { expectedVersion: 'any' });
      expect(await store.headPosition()).toBe(r.events[0]!.position);
      expect((await store.readStream(`patent-${i % 3}`)).at(-1)!.data).toEqual({ i });
    }
  });

  it('rejects with the event-sourcing error classes, codes and fields of the writer thread', async () => {
    await store.append('patent-a', [newEvent('A')], {
      expectedVersion: 'no_stream',
      command: { commandId: 'c1', fingerprint: 'f1' },
    });
    const wrong = await store
      .append('patent-a', [newEvent('B')], { expectedVersion: 5 })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(WrongExpectedVersionError);
    expect(wrong).toMatchObject({
      code: 'STREAM.WRONG_EXPECTED_VERSION',
      streamName: 'patent-a',
      expected: 5,
      actual: 1,
      message: 'stream patent-a is at version 1, expected 5',
    });
    const reused = await store
      .append('patent-a', [newEvent('B')], {
        expectedVersion: 'any',
        command: { commandId: 'c1', fingerprint: 'other' },
      })
      .catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(reused).toMatchObject({ code: 'IDEMPOTENCY.KEY_REUSED', commandId: 'c1' });
    await expect(store.append('', [newEvent('A')], { expectedVersion: 'any' })).rejects.toBeInstanceOf(
      InvalidAppendError,
    );
    const many = await store.appendMany([
      { streamName: 'patent-b', events: [newEvent('B')], options: { expectedVersion: 'no_stream' } },
      { streamName: 'patent-a', events: [newEvent('A2')], options: { expectedVersion: 0 } },
    ]);
    expect(many[0]!.ok).toBe(true);
    expect(many[1]!.ok).toBe(false);
    expect(!many[1]!.ok && many[1]!.error).toBeInstanceOf(WrongExpectedVersionError);
    expect((await readWholeLog(store)).map((e) => e.type)).toEqual(['A', 'B']);
  });

  it('commits concurrent appends with gap-free positions and versions', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.append(`patent-${i % 7}`, [newEvent('A', { i }), newEvent('B', { i })], {
          expectedVersion: 'any',
        }),
      ),
    );
    expect(results.flatMap((r) => r.events.map((e) => e.position)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 400 }, (_, i) => i + 1),
    );
    const log = await readWholeLog(store);
    expect(log).toHaveLength(400);
    for (let s = 0; s < 7; s++) {
      const versions = log.filter((e) => e.streamName === `patent-${s}`).map((e) => e.version);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
  });

  it('reads the positions and hashes of the log (for the chain recorder) as readAll has them', async () => {
    for (let i = 0; i < 7; i++)
      await store.append(`patent-${i % 2}`, [newEvent('A', { i })], { expectedVersion: 'any' });
    const all = await store.readAll();
    expect(await store.readHashes(0, 100)).toEqual(all.map((e) => ({ position: e.position, hash: e.hash })));
    expect(await store.readHashes(3, 2)).toEqual(
      all.slice(3, 5).map((e) => ({ position: e.position, hash: e.hash })),
    );
  });

  it('writes and reads chain heads', async () => {
    await store.append('patent-a', [newEvent('A')], { expectedVersion: 'any' });
    const head = {
      position: 1,
      count: 1,
      head: 'h'.repeat(64),
      signedAt: '2026-11-26T00:00:00Z',
      keyId: 'k',
      signature: 's',
    };
    await store.appendChainHead(head);
    expect(await store.latestChainHead()).toMatchObject(head);
    expect(await store.readChainHeads()).toHaveLength(1);
  });

  it('fails the appends in flight when the writer thread dies, starts it again for the next, and loses nothing acknowledged', async () => {
    const acknowledged = await store.append('patent-a', [newEvent('A')], { expectedVersion: 'no_stream' });
    const worker = (store as unknown as { worker: { terminate(): Promise<number> } }).worker;
    const inFlight = store.append('patent-a', [newEvent('B')], { expectedVersion: 1 });
    await worker.terminate();
    const outcome = await inFlight.then(
      () => 'committed',
      (e: unknown) => e,
    );
    // Terminated before or after its commit: either it is acknowledged, or it fails with a clear error.
    if (outcome !== 'committed') expect(outcome).toBeInstanceOf(WriterThreadStoppedError);
    const version = await store.streamVersion('patent-a');
    const next = await store.append('patent-a', [newEvent('C')], { expectedVersion: version });
    expect(next.nextExpectedVersion).toBe(version + 1);
    const log = await readWholeLog(store);
    expect(log[0]).toMatchObject({ position: acknowledged.events[0]!.position, type: 'A' });
    expect(log.at(-1)!.type).toBe('C');
  });

  it('closes cleanly after the writes in flight, and then refuses more', async () => {
    const writes = Array.from({ length: 50 }, (_, i) =>
      store.append(`patent-${i}`, [newEvent('A')], { expectedVersion: 'no_stream' }),
    );
    await store.close();
    expect((await Promise.allSettled(writes)).every((w) => w.status === 'fulfilled')).toBe(true);
    await expect(store.append('patent-x', [newEvent('A')], { expectedVersion: 'any' })).rejects.toThrow(
      /closed/,
    );
    const reopened = SqliteEventStore.open(join(dir, 'events.db'));
    expect(await reopened.headPosition()).toBe(50);
    await reopened.close();
  });
});

describe('ThreadedSqliteEventStore after the process is killed', () => {
  const appendsBeforeKill = 150;
  // The child loads the TypeScript sources through @swc/core (as the other crash tests do); its writer
  // thread does the same through workerSource.
  const childScript = `${typescriptPrelude(join(__dirname, '..', '..'))}
    const { ThreadedSqliteEventStore } = require('@patent-ledger/store-sqlite');
    const [file] = process.argv.slice(1);
    const actor = { role: 'agent', orgId: 'org-1', userId: 'user-1' };
    (async () => {
      const store = await ThreadedSqliteEventStore.open(file);
      // Ten writers at once, so that commits are grouped.
      await Promise.all(Array.from({ length: 10 }, async (_, w) => {
        for (let i = 0; ; i++) {
          const commandId = 'cmd-' + w + '-' + i;
          const events = [0, 1].map((k) => ({
            type: 'Tested',
            data: { w, i, k },
            metadata: { eventId: commandId + '-' + k, commandId, correlationId: commandId, causationId: commandId,
              actor, recordedAt: new Date().toISOString(), schemaVersion: 1 },
          }));
          const result = await store.append('patent-' + w, events, {
            expectedVersion: i === 0 ? 'no_stream' : i * 2,
            command: { commandId, fingerprint: 'fp' },
          });
          process.stdout.write(commandId + ' ' + result.command.lastPosition + '\\n');
        }
      }));
    })().catch((e) => { process.stderr.write(String(e && e.stack) + '\\n'); process.exit(3); });
  `;

  it('keeps every acknowledged append (synchronous FULL) and a consistent log', async () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'events.db');
      const { acknowledged, signal, stderr } = await runAndKill(childScript, [file], appendsBeforeKill);
      expect(stderr).toBe('');
      expect(signal).toBe('SIGKILL');
      expect(acknowledged.size).toBeGreaterThanOrEqual(appendsBeforeKill);
      const store = SqliteEventStore.open(file);
      try {
        expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
        for (const [commandId, lastPosition] of acknowledged) {
          expect(await store.findCommand(commandId)).toMatchObject({ lastPosition });
        }
        const log = await readWholeLog(store);
        expect(log.map((e) => e.position)).toEqual(log.map((_, i) => i + 1));
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
