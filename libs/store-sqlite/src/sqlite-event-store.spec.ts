import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  eventHash,
  WrongExpectedVersionError,
  type StoredEvent,
  typescriptPrelude,
} from '@patent-ledger/eventsourcing';
import { eventStoreContract, newEvent } from '@patent-ledger/eventsourcing/testing';
import { runAndKill } from '../../../test/support/kill';
import { SqliteEventStore } from './sqlite-event-store';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'patent-ledger-sqlite-'));
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

async function readWholeLog(store: SqliteEventStore): Promise<StoredEvent[]> {
  const log: StoredEvent[] = [];
  for (let page = await store.readAll(); page.length > 0; page = await store.readAll({ after: log.length })) {
    log.push(...page);
  }
  return log;
}

eventStoreContract('SqliteEventStore (file)', async () => {
  const dir = tempDir();
  return { store: SqliteEventStore.open(join(dir, 'events.db')), cleanup: async () => removeDir(dir) };
});

eventStoreContract('SqliteEventStore (:memory:, no group commit)', async () => ({
  store: SqliteEventStore.open(':memory:', { groupCommit: false }),
}));

describe('SqliteEventStore group commit', () => {
  it('commits appends that arrive together in one transaction, each checked and acknowledged on its own', async () => {
    const store = SqliteEventStore.open(':memory:');
    const flushes = jest.spyOn(
      store as unknown as { appendManyNow: (r: unknown[]) => unknown },
      'appendManyNow',
    );
    const outcomes = await Promise.allSettled([
      store.append('patent-a', [newEvent('A')], { expectedVersion: 'no_stream' }),
      store.append('patent-b', [newEvent('B')], { expectedVersion: 'no_stream' }),
      store.append('patent-a', [newEvent('A2')], { expectedVersion: 'no_stream' }),
      store.append('patent-c', [newEvent('C')], { expectedVersion: 0 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    expect((await store.readAll()).map((e) => e.type)).toEqual(['A', 'B', 'C']);
    // One transaction (one fsync) for the four appends that arrived together.
    expect(flushes).toHaveBeenCalledTimes(1);
    expect(flushes.mock.calls[0]![0]).toHaveLength(4);
    // A lone append afterwards is its own transaction.
    await store.append('patent-d', [newEvent('D')], { expectedVersion: 'no_stream' });
    expect(flushes).toHaveBeenCalledTimes(2);
    await store.close();
  });

  it("a lone append's own failure is its result; a database failure is thrown, and neither writes anything", async () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'events.db');
      const store = SqliteEventStore.open(file, { busyTimeoutMs: 50 });
      await store.append('patent-a', [newEvent('A')], { expectedVersion: 'no_stream' });
      const [conflict] = await store.appendMany([
        { streamName: 'patent-a', events: [newEvent('A2')], options: { expectedVersion: 'no_stream' } },
      ]);
      expect(conflict!.ok).toBe(false);
      expect(!conflict!.ok && conflict!.error).toBeInstanceOf(WrongExpectedVersionError);
      // Another connection holds the write lock: SQLITE_BUSY after the busy timeout.
      const other = new Database(file);
      other.exec('BEGIN IMMEDIATE');
      try {
        await expect(
          store.appendMany([
            { streamName: 'patent-b', events: [newEvent('B')], options: { expectedVersion: 0 } },
          ]),
        ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
        await expect(store.append('patent-b', [newEvent('B')], { expectedVersion: 0 })).rejects.toMatchObject(
          { code: 'SQLITE_BUSY' },
        );
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      expect((await store.readAll()).map((e) => e.type)).toEqual(['A']);
      await store.close();
    } finally {
      removeDir(dir);
    }
  });
});

describe('SqliteEventStore', () => {
  let dir: string;
  const stores: SqliteEventStore[] = [];

  function open(...args: Parameters<typeof SqliteEventStore.open>): SqliteEventStore {
    const store = SqliteEventStore.open(...args);
    stores.push(store);
    return store;
  }

  beforeEach(() => {
    dir = tempDir();
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    removeDir(dir);
  });

  describe('open', () => {
    it('creates the parent directory and the schema, in WAL mode with synchronous FULL', () => {
      const store = open(join(dir, 'a', 'b', 'events.db'));
      const db = store.database;
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('user_version', { simple: true })).toBe(2);
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual(['chain_heads', 'commands', 'events', 'streams']);
    });

    it('takes synchronous and busy timeout options', () => {
      const db = open(join(dir, 'events.db'), { synchronous: 'NORMAL', busyTimeoutMs: 250 }).database;
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(250);
    });

    it('rejects an unknown synchronous setting', () => {
      const options = { synchronous: 'OFF' } as unknown as Parameters<typeof SqliteEventStore.open>[1];
      expect(() => open(join(dir, 'events.db'), options)).toThrow(/synchronous/);
    });

    it('refuses a file whose schema is newer than the code', async () => {
      const file = join(dir, 'events.db');
      const store = open(file);
      store.database.pragma('user_version = 99');
      await store.close();
      expect(() => open(file)).toThrow(/schema version 99 is newer/);
    });

    it('computes the hash chain of a ledger written before the chain existed (migration 2)', async () => {
      const file = join(dir, 'v1.db');
      const store = open(file);
      await store.append('patent-1', [newEvent('A', { n: 1 }), newEvent('B', { n: 2 })], {
        expectedVersion: 'no_stream',
      });
      await store.append('patent-2', [newEvent('C', { 名称: '专利' })], { expectedVersion: 'no_stream' });
      await store.append('patent-1', [newEvent('D', { n: 3 })], { expectedVersion: 2 });
      const expected = await store.readAll();
      // Turn the file back into a schema-1 ledger: no hash columns, user_version 1.
      store.database.exec(`ALTER TABLE events DROP COLUMN hash; ALTER TABLE streams DROP COLUMN last_hash;
                           DROP TABLE chain_heads; PRAGMA user_version = 1;`);
      await store.close();
      const migrated = open(file);
      expect(migrated.database.pragma('user_version', { simple: true })).toBe(2);
      expect(await migrated.readAll()).toEqual(expected);
      // The chain continues from the migrated last hash.
      const more = await migrated.append('patent-1', [newEvent('E')], { expectedVersion: 3 });
      const p1 = await migrated.readStream('patent-1');
      expect(more.events[0]!.hash).toBe(p1[3]!.hash);
      expect(p1[3]!.hash).toBe(eventHash({ ...p1[3]!, previousHash: p1[2]!.hash! }));
      await migrated.close();
    });

    it('reports a closed store clearly', async () => {
      const store = open(':memory:');
      await store.close();
      await expect(store.streamVersion('patent-1')).rejects.toThrow('SqliteEventStore is closed');
    });
  });

  it('keeps events, versions and command records across a reopen', async () => {
    const file = join(dir, 'events.db');
    const command = { commandId: 'cmd-1', fingerprint: 'fp-1' };
    const first = open(file);
    const original = await first.append(
      'patent-1',
      [newEvent('PatentFiled', { title: '专利' }), newEvent()],
      {
        expectedVersion: 'no_stream',
        command,
      },
    );
    await first.append('patent-2', [newEvent()], { expectedVersion: 'no_stream' });
    const before = await first.readAll();
    await first.close();

    const reopened = open(file);
    expect(await reopened.readAll()).toEqual(before);
    expect(await reopened.headPosition()).toBe(3);
    expect(await reopened.streamVersion('patent-1')).toBe(2);
    expect(await reopened.findCommand('cmd-1')).toEqual(original.command);
    const again = await reopened.append('patent-1', [newEvent()], { expectedVersion: 'no_stream', command });
    expect(again).toMatchObject({ duplicate: true, nextExpectedVersion: 2 });
    expect(again.events).toEqual(await reopened.readStream('patent-1'));
    await expect(reopened.append('patent-1', [newEvent()], { expectedVersion: 1 })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    const next = await reopened.append('patent-1', [newEvent()], { expectedVersion: 2 });
    expect(next.events.map((e) => [e.version, e.position])).toEqual([[3, 4]]);
  });

  it('shares the file between connections, checking versions against what the other wrote', async () => {
    const file = join(dir, 'events.db');
    const a = open(file);
    const b = open(file);
    await a.append('patent-1', [newEvent()], { expectedVersion: 'no_stream' });
    await expect(b.append('patent-1', [newEvent()], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    await b.append('patent-1', [newEvent()], { expectedVersion: 1 });
    await a.append('patent-2', [newEvent()], { expectedVersion: 'no_stream' });
    expect((await b.readAll()).map((e) => [e.streamName, e.version, e.position])).toEqual([
      ['patent-1', 1, 1],
      ['patent-1', 2, 2],
      ['patent-2', 1, 3],
    ]);
  });

  describe('after the writing process is killed', () => {
    const appendsBeforeKill = 200;

    /**
     * A child process that loads the real SqliteEventStore (TypeScript compiled on the fly by
     * @swc/core) and appends commands of 3 events each to 5 streams, printing each acknowledged
     * command id and last position.
     */
    const childScript = `
      ${typescriptPrelude(join(__dirname, '..', '..'))}
      const { SqliteEventStore } = require('@patent-ledger/store-sqlite');

      const [file, synchronous] = process.argv.slice(1);
      const store = SqliteEventStore.open(file, { synchronous });
      const actor = { role: 'agent', orgId: 'org-1', userId: 'user-1' };
      (async () => {
        for (let i = 0; ; i++) {
          const streamName = 'patent-' + (i % 5);
          const commandId = 'cmd-' + i;
          const events = [0, 1, 2].map((k) => ({
            type: 'Tested',
            data: { i, k, text: '存量专利盘活'.repeat(10) },
            metadata: {
              eventId: commandId + '-' + k, commandId, correlationId: commandId, causationId: commandId,
              actor, recordedAt: new Date().toISOString(), schemaVersion: 1,
            },
          }));
          const expectedVersion = await store.streamVersion(streamName);
          const result = await store.append(streamName, events, {
            expectedVersion,
            command: { commandId, fingerprint: 'fp-' + i },
          });
          process.stdout.write(commandId + ' ' + result.command.lastPosition + '\\n');
        }
      })();
    `;

    it.each(['FULL', 'NORMAL'] as const)(
      'keeps every acknowledged append and a consistent log (synchronous %s)',
      async (synchronous) => {
        const file = join(dir, 'events.db');
        const { acknowledged, signal, stderr } = await runAndKill(
          childScript,
          [file, synchronous],
          appendsBeforeKill,
        );
        expect(stderr).toBe('');
        expect(signal).toBe('SIGKILL');
        expect(acknowledged.size).toBeGreaterThanOrEqual(appendsBeforeKill);

        const store = open(file);
        expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');

        // Every acknowledged append is there, at the position it was acknowledged with.
        for (const [commandId, lastPosition] of acknowledged) {
          expect(await store.findCommand(commandId)).toMatchObject({ lastPosition });
        }

        // The global log is gap-free and each stream's versions are gap-free.
        const log = await readWholeLog(store);
        expect(log.map((e) => e.position)).toEqual(range(1, log.length));
        expect(await store.headPosition()).toBe(log.length);
        for (let s = 0; s < 5; s++) {
          const stream = await store.readStream(`patent-${s}`);
          expect(stream.map((e) => e.version)).toEqual(range(1, stream.length));
          expect(await store.streamVersion(`patent-${s}`)).toBe(stream.length);
        }

        // Every event belongs to a command record whose 3 events are all there: no partial append.
        const commandIds = [...new Set(log.map((e) => e.metadata.commandId))];
        expect(commandIds.length * 3).toBe(log.length);
        const recordCount = store.database.prepare('SELECT count(*) FROM commands').pluck().get();
        expect(recordCount).toBe(commandIds.length);
        for (const commandId of commandIds) {
          const record = await store.findCommand(commandId);
          expect(record).toBeDefined();
          const events = log.slice(record!.firstPosition - 1, record!.lastPosition);
          expect(events.map((e) => [e.streamName, e.version, e.metadata.commandId])).toEqual(
            range(record!.fromVersion, record!.toVersion).map((v) => [record!.streamName, v, commandId]),
          );
          expect(events.map((e) => e.data['k'])).toEqual([0, 1, 2]);
        }

        // The store carries on: an acknowledged command is still a duplicate, new appends continue the log.
        const [commandId = ''] = acknowledged.keys();
        const replayed = await store.append('patent-0', [], {
          expectedVersion: 'any',
          command: { commandId, fingerprint: commandId.replace('cmd', 'fp') },
        });
        expect(replayed.duplicate).toBe(true);
        const next = await store.append('patent-0', [newEvent()], {
          expectedVersion: await store.streamVersion('patent-0'),
        });
        expect(next.events[0]?.position).toBe(log.length + 1);
      },
    );
  });
});
