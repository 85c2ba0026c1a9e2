import { spawnSync } from 'node:child_process';
import { Client, Pool } from 'pg';
import {
  GENESIS_HASH,
  IdempotencyKeyReusedError,
  InvalidAppendError,
  WrongExpectedVersionError,
  eventHash,
  type AppendResult,
  type NewEvent,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { eventStoreContract, newEvent } from '@patent-ledger/eventsourcing/testing';
import { PostgresEventStore, type PostgresEventStoreOptions } from './postgres-event-store';

/**
 * Where the tests run, decided at collection time: PG_URL when set; else the local server when it
 * answers; else a throw-away container when testcontainers is installed and a container runtime is
 * there; else the suites are skipped with one line saying why.
 */
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';
const TESTCONTAINERS = '@testcontainers/postgresql';

function localServerAnswers(): boolean {
  const probe = spawnSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432', '-t', '3']);
  if (!probe.error) return probe.status === 0;
  // No pg_isready on this machine: try a TCP connection from a child process instead.
  const script = `require('node:net').connect(5432, '127.0.0.1').on('connect', () => process.exit(0))
    .on('error', () => process.exit(1)).setTimeout(3000, () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', script]).status === 0;
}

function containerRuntimeAvailable(): boolean {
  try {
    require.resolve(TESTCONTAINERS);
  } catch {
    return false;
  }
  const script = `require('testcontainers').getContainerRuntimeClient().then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', script], { timeout: 30_000 }).status === 0;
}

const target: { url: string } | { container: true } | { skip: string } = process.env['PG_URL']
  ? { url: process.env['PG_URL'] }
  : localServerAnswers()
    ? { url: DEFAULT_URL }
    : containerRuntimeAvailable()
      ? { container: true }
      : {
          skip: `PostgreSQL tests skipped: PG_URL is unset, nothing answers at 127.0.0.1:5432 and no container runtime (${TESTCONTAINERS}) is available`,
        };

if ('skip' in target) process.stderr.write(`${target.skip}\n`);
const describePg = 'skip' in target ? describe.skip : describe;

let url = 'url' in target ? target.url : '';
let stopContainer: (() => Promise<unknown>) | undefined;
let admin: Pool | undefined;
let schemaCounter = 0;

/** Administration connections: schema creation and removal, raw inspection. */
function adminPool(): Pool {
  admin ??= new Pool({ connectionString: url, max: 3 });
  return admin;
}

function freshSchemaName(): string {
  return `pl_test_${process.pid}_${++schemaCounter}`;
}

async function dropSchema(schema: string): Promise<void> {
  await adminPool().query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

beforeAll(async () => {
  if (!('container' in target)) return;
  const { PostgreSqlContainer } = (await import(TESTCONTAINERS)) as {
    PostgreSqlContainer: new (image: string) => {
      start(): Promise<{ getConnectionUri(): string; stop(): Promise<unknown> }>;
    };
  };
  const container = await new PostgreSqlContainer('postgres:15').start();
  url = container.getConnectionUri();
  stopContainer = () => container.stop();
}, 120_000);

afterAll(async () => {
  await admin?.end();
  await stopContainer?.();
});

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function isStrictlyIncreasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v > values[i - 1]!);
}

describePg('PostgreSQL', () => {
  eventStoreContract(
    'PostgresEventStore',
    async () => {
      const schema = freshSchemaName();
      const store = await PostgresEventStore.open({ connectionString: url, schema, poolSize: 5 });
      return { store, cleanup: () => dropSchema(schema) };
    },
    { contiguousPositions: false },
  );

  describe('PostgresEventStore', () => {
    let schema: string;
    const stores: PostgresEventStore[] = [];
    const clients: Client[] = [];

    function open(options: Partial<PostgresEventStoreOptions> = {}): Promise<PostgresEventStore> {
      return PostgresEventStore.open({ connectionString: url, schema, poolSize: 3, ...options }).then(
        (store) => {
          stores.push(store);
          return store;
        },
      );
    }

    /** A raw connection of its own, outside any store. */
    async function connect(): Promise<Client> {
      const client = new Client({ connectionString: url });
      clients.push(client);
      await client.connect();
      return client;
    }

    const table = (name: string) => `"${schema}".${name}`;

    /**
     * Writer A: does what an append of `event` as version 1 of a new stream does, inside a
     * transaction it leaves open. Returns the position the event took.
     */
    async function beginOpenAppend(client: Client, streamName: string, event: NewEvent): Promise<number> {
      const hash = eventHash({ streamName, version: 1, ...event, previousHash: GENESIS_HASH });
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${table('streams')} (stream_name, version, last_hash) VALUES ($1, 1, $2)`,
        [streamName, hash],
      );
      const { rows } = await client.query<{ position: string }>(
        `INSERT INTO ${table('events')} (stream_name, version, type, data, metadata, event_id, command_id, recorded_at, hash)
         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8) RETURNING position`,
        [
          streamName,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
          event.metadata.eventId,
          event.metadata.commandId,
          event.metadata.recordedAt,
          hash,
        ],
      );
      return Number(rows[0]!.position);
    }

    /** Writer A: records a command (that appended nothing) inside a transaction it leaves open. */
    async function beginOpenCommand(
      client: Client,
      commandId: string,
      fingerprint: string,
      streamName: string,
    ) {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO ${table('commands')} (command_id, fingerprint, stream_name, from_version, to_version,
                                           first_position, last_position, recorded_at)
         VALUES ($1, $2, $3, 1, 0, 0, 0, '2025-01-01T00:00:00.000Z')`,
        [commandId, fingerprint, streamName],
      );
    }

    /** Connections blocked on a lock in a statement on this test's schema, with their transaction ids. */
    async function blockedOnLock(): Promise<{ backend_xid: string | null }[]> {
      const { rows } = await adminPool().query<{ backend_xid: string | null }>(
        `SELECT backend_xid::text FROM pg_stat_activity
         WHERE wait_event_type = 'Lock' AND (position($1 IN query) > 0 OR position($2 IN query) > 0)`,
        [`${schema}"`, `${schema}'`],
      );
      return rows;
    }

    /** Waits until `count` connections are blocked on a lock in a statement on this test's schema. */
    async function waitUntilBlocked(count = 1): Promise<void> {
      for (let i = 0; i < 500; i++) {
        if ((await blockedOnLock()).length >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`fewer than ${count} statements got blocked`);
    }

    /** The whole log, page by page, as a projector reads it. */
    async function readWholeLog(store: PostgresEventStore): Promise<StoredEvent[]> {
      const log: StoredEvent[] = [];
      for (;;) {
        const page = await store.readAll({ after: log[log.length - 1]?.position ?? 0, limit: 100 });
        if (page.length === 0) return log;
        log.push(...page);
      }
    }

    beforeEach(() => {
      schema = freshSchemaName();
    });

    afterEach(async () => {
      for (const client of clients.splice(0)) await client.end();
      for (const store of stores.splice(0)) await store.close();
      await dropSchema(schema);
    });

    describe('global order with a transaction held open', () => {
      it('hides a later commit until the earlier transaction ends, then returns both in order', async () => {
        const store = await open({ visibilityWaitMs: 0 });
        const writerA = await connect();
        const p1 = await beginOpenAppend(writerA, 'patent-a', newEvent('Filed', { n: 1 }));
        const { events } = await store.append('patent-b', [newEvent('Filed', { n: 2 })], {
          expectedVersion: 'no_stream',
        });
        const p2 = events[0]!.position;
        expect(p2).toBeGreaterThan(p1);

        // B has committed: its stream reads it, and a naive `position > checkpoint` reader would
        // return p2, move its checkpoint past p1 and never see p1.
        expect(await store.readStream('patent-b')).toEqual(events);
        const naive = await adminPool().query<{ position: string }>(
          `SELECT position FROM ${table('events')} WHERE position > 0 ORDER BY position`,
        );
        expect(naive.rows.map((r) => Number(r.position))).toEqual([p2]);

        // The store returns neither while A is open.
        expect(await store.readAll()).toEqual([]);
        expect(await store.readAll({ after: p1 })).toEqual([]);
        expect(await store.headPosition()).toBe(0);

        await writerA.query('COMMIT');
        const log = await store.readAll();
        expect(log.map((e) => e.position)).toEqual([p1, p2]);
        expect(log.map((e) => e.streamName)).toEqual(['patent-a', 'patent-b']);
        expect(log[1]).toEqual(events[0]);
        expect(await store.headPosition()).toBe(p2);
      });

      it('makes a reader wait for the earlier transaction, then see both in order', async () => {
        const store = await open({ visibilityWaitMs: 10_000 });
        const writerA = await connect();
        const p1 = await beginOpenAppend(writerA, 'patent-a', newEvent());
        const p2 = (await store.append('patent-b', [newEvent()], { expectedVersion: 'no_stream' })).events[0]!
          .position;

        let settled = false;
        const reading = store.readAll().finally(() => (settled = true));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(settled).toBe(false);
        await writerA.query('COMMIT');
        expect((await reading).map((e) => e.position)).toEqual([p1, p2]);
      });

      it('gives up waiting after visibilityWaitMs and returns only what is safe', async () => {
        const store = await open({ visibilityWaitMs: 150 });
        const writerA = await connect();
        await beginOpenAppend(writerA, 'patent-a', newEvent());
        await store.append('patent-b', [newEvent()], { expectedVersion: 'no_stream' });
        const started = Date.now();
        expect(await store.readAll()).toEqual([]);
        expect(await store.headPosition()).toBe(0);
        expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 140);
        await writerA.query('ROLLBACK');
        expect((await store.readAll()).map((e) => e.streamName)).toEqual(['patent-b']);
      });

      it('assigns a writer no transaction id and no position before it holds the sequencer', async () => {
        const store = await open();
        const holder = await connect();
        await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [
          `patent-ledger:sequencer:${schema}`,
        ]);
        const appending = store.append('patent-1', [newEvent(), newEvent()], {
          expectedVersion: 'no_stream',
          command: { commandId: 'cmd-1', fingerprint: 'fp-1' },
        });
        const batch = store.appendMany([
          { streamName: 'patent-2', events: [newEvent()], options: { expectedVersion: 'no_stream' } },
        ]);
        await waitUntilBlocked(2);
        expect((await blockedOnLock()).map((b) => b.backend_xid)).toEqual([null, null]);
        const sequence = await adminPool().query<{ is_called: boolean }>(
          `SELECT is_called FROM ${table('events_position_seq')}`,
        );
        expect(sequence.rows[0]!.is_called).toBe(false);

        await holder.query('SELECT pg_advisory_unlock_all()');
        const [single, many] = await Promise.all([appending, batch]);
        const log = await store.readAll();
        expect(log).toEqual(
          [...single.events, ...(many[0]!.ok ? many[0]!.result.events : [])].sort(
            (a, b) => a.position - b.position,
          ),
        );
      });

      it('lets a checkpoint reader see every event of concurrent writers exactly once, in order', async () => {
        const writers = await Promise.all(range(1, 4).map(() => open({ poolSize: 4 })));
        const reader = await open({ visibilityWaitMs: 0 });
        const appended: StoredEvent[] = [];
        let writing = true;
        const writes = Promise.all(
          writers.flatMap((writer, w) =>
            range(1, 4).map(async (lane) => {
              for (let i = 0; i < 10; i++) {
                const streamName = `patent-${w}-${lane}-${i % 3}`;
                const result = await writer.append(streamName, [newEvent(), newEvent()], {
                  expectedVersion: 'any',
                });
                appended.push(...result.events);
              }
            }),
          ),
        ).finally(() => (writing = false));

        const seen: StoredEvent[] = [];
        while (writing) {
          seen.push(...(await reader.readAll({ after: seen[seen.length - 1]?.position ?? 0, limit: 7 })));
        }
        await writes;
        for (;;) {
          const page = await reader.readAll({ after: seen[seen.length - 1]?.position ?? 0 });
          if (page.length === 0) break;
          seen.push(...page);
        }
        expect(appended).toHaveLength(4 * 4 * 10 * 2);
        expect(isStrictlyIncreasing(seen.map((e) => e.position))).toBe(true);
        expect(seen).toEqual([...appended].sort((a, b) => a.position - b.position));
      });
    });

    it('leaves gaps where a rolled-back append took positions, and readers still read the whole log', async () => {
      const [store, other] = await Promise.all([open({ poolSize: 1 }), open({ poolSize: 1 })]);
      const taken = newEvent();
      const first = (await store.append('patent-1', [taken], { expectedVersion: 'no_stream' })).events[0]!;
      await expect(
        store.append('patent-2', [newEvent(), newEvent(), taken], { expectedVersion: 'no_stream' }),
      ).rejects.toThrow(/duplicate event id/);
      // The failed append released the sequencer: no session holds it, another connection can append.
      const { rows } = await adminPool().query<{ n: number }>(
        `WITH key AS (SELECT hashtextextended('patent-ledger:sequencer:' || $1, 0) AS k)
         SELECT count(*)::integer AS n FROM pg_locks, key
         WHERE locktype = 'advisory' AND objsubid = 1
           AND classid = ((k >> 32) & 4294967295)::oid AND objid = (k & 4294967295)::oid`,
        [schema],
      );
      expect(rows[0]!.n).toBe(0);
      const next = (await other.append('patent-3', [newEvent()], { expectedVersion: 'no_stream' }))
        .events[0]!;
      expect(next.position).toBeGreaterThan(first.position + 1);
      expect(await readWholeLog(store)).toEqual([first, next]);
      expect(await store.headPosition()).toBe(next.position);
    });

    describe('concurrent writers on separate connections', () => {
      it('lets exactly one writer per expected version win, across store instances', async () => {
        const writers = await Promise.all(range(1, 4).map(() => open({ poolSize: 5 })));
        for (const [streamName, seed] of [
          ['patent-new', 0],
          ['patent-old', 2],
        ] as const) {
          if (seed > 0)
            await writers[0]!.append(streamName, [newEvent(), newEvent()], { expectedVersion: 'no_stream' });
          const outcomes = await Promise.allSettled(
            writers.flatMap((writer) =>
              range(1, 5).map(() =>
                writer.append(streamName, [newEvent(), newEvent()], { expectedVersion: seed }),
              ),
            ),
          );
          const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
          const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(19);
          for (const e of lost)
            expect(e).toMatchObject({ constructor: WrongExpectedVersionError, actual: seed + 2 });
          const stream = await writers[3]!.readStream(streamName);
          expect(stream.map((e) => e.version)).toEqual(range(1, seed + 2));
          expect(stream.slice(seed)).toEqual(won[0]!.events);
        }
      });

      it('appends a command sent twice at once from two connections once; the other gets the duplicate outcome', async () => {
        const [a, b] = await Promise.all([open(), open()]);
        for (let round = 0; round < 10; round++) {
          const command = { commandId: `cmd-${round}`, fingerprint: 'fp' };
          const streamName = `patent-${round % 2}`;
          const results = await Promise.all(
            [a!, b!].map((store) =>
              store.append(streamName, [newEvent(), newEvent()], { expectedVersion: 'any', command }),
            ),
          );
          expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
          const written = results.find((r) => !r.duplicate)!;
          for (const r of results) expect(r.events).toEqual(written.events);
        }
        expect(await a!.streamVersion('patent-0')).toBe(10);
        expect(await a!.streamVersion('patent-1')).toBe(10);
      });

      it('turns a unique violation on the command id into the duplicate outcome', async () => {
        const store = await open();
        const other = await connect();
        await beginOpenCommand(other, 'cmd-1', 'fp-1', 'patent-1');
        // The store finds no record (it is not committed), appends, then waits on the command id.
        const appending = store.append('patent-1', [newEvent()], {
          expectedVersion: 'any',
          command: { commandId: 'cmd-1', fingerprint: 'fp-1' },
        });
        await waitUntilBlocked();
        await other.query('COMMIT');
        const result = await appending;
        expect(result).toMatchObject({ duplicate: true, events: [], nextExpectedVersion: 0 });
        expect(await store.streamVersion('patent-1')).toBe(0);
        expect(await readWholeLog(store)).toEqual([]);
      });

      it('turns a unique violation on the command id from another stream into IdempotencyKeyReusedError', async () => {
        const store = await open();
        const other = await connect();
        await beginOpenCommand(other, 'cmd-1', 'fp-1', 'patent-2');
        const appending = store.append('patent-1', [newEvent()], {
          expectedVersion: 'no_stream',
          command: { commandId: 'cmd-1', fingerprint: 'fp-1' },
        });
        await waitUntilBlocked();
        await other.query('COMMIT');
        await expect(appending).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
        expect(await store.streamVersion('patent-1')).toBe(0);
        expect(await store.findCommand('cmd-1')).toMatchObject({ streamName: 'patent-2' });
      });

      it('resolves the same race inside appendMany in the slot alone', async () => {
        const store = await open();
        const other = await connect();
        await beginOpenCommand(other, 'cmd-1', 'fp-1', 'patent-2');
        const appending = store.appendMany([
          { streamName: 'patent-a', events: [newEvent()], options: { expectedVersion: 'no_stream' } },
          {
            streamName: 'patent-2',
            events: [newEvent()],
            options: { expectedVersion: 'any', command: { commandId: 'cmd-1', fingerprint: 'fp-1' } },
          },
          { streamName: 'patent-b', events: [newEvent()], options: { expectedVersion: 'no_stream' } },
        ]);
        await waitUntilBlocked();
        await other.query('COMMIT');
        const results = await appending;
        expect(results.map((r) => r.ok && r.result.duplicate)).toEqual([false, true, false]);
        expect((await readWholeLog(store)).map((e) => e.streamName)).toEqual(['patent-a', 'patent-b']);
      });

      it('runs batches that touch the same streams in opposite orders without deadlock', async () => {
        const [a, b] = await Promise.all([open(), open()]);
        const batchOf = (streams: string[]) =>
          streams.map((streamName) => ({
            streamName,
            events: [newEvent()],
            options: { expectedVersion: 'any' as const },
          }));
        for (let round = 0; round < 2; round++) {
          const [x, y] = await Promise.all([
            a!.appendMany(batchOf(['patent-x', 'patent-y'])),
            b!.appendMany(batchOf(['patent-y', 'patent-x'])),
          ]);
          expect([...x, ...y].every((r) => r.ok)).toBe(true);
        }
        for (const s of ['patent-x', 'patent-y']) {
          expect((await a!.readStream(s)).map((e) => e.version)).toEqual([1, 2, 3, 4]);
        }
      }, 20_000);
    });

    describe('open', () => {
      it('keeps events, versions, hashes and command records across a reopen (a new pool)', async () => {
        const command = { commandId: 'cmd-1', fingerprint: 'fp-1' };
        const first = await open();
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

        const reopened = await open();
        expect(await reopened.readAll()).toEqual(before);
        expect(await reopened.headPosition()).toBe(before[2]!.position);
        expect(await reopened.streamVersion('patent-1')).toBe(2);
        expect(await reopened.findCommand('cmd-1')).toEqual(original.command);
        const again = await reopened.append('patent-1', [newEvent()], {
          expectedVersion: 'no_stream',
          command,
        });
        expect(again).toMatchObject({ duplicate: true, nextExpectedVersion: 2, events: original.events });
        const next: AppendResult = await reopened.append('patent-1', [newEvent()], { expectedVersion: 2 });
        expect(next.events[0]).toMatchObject({ version: 3 });
        expect(next.events[0]!.position).toBeGreaterThan(before[2]!.position);
        expect(next.events[0]!.hash).toBe(eventHash({ ...next.events[0]!, previousHash: before[1]!.hash! }));
      });

      it('migrates once when several processes open a new schema at the same time', async () => {
        const opened = await Promise.all(range(1, 4).map(() => open({ poolSize: 1 })));
        const { rows } = await adminPool().query<{ version: number }>(
          `SELECT version FROM ${table('schema_migrations')} ORDER BY version`,
        );
        expect(rows.map((r) => r.version)).toEqual([1, 2]);
        await opened[0]!.append('patent-1', [newEvent()], { expectedVersion: 'no_stream' });
        for (const store of opened) expect(await store.streamVersion('patent-1')).toBe(1);
        // And opening an up-to-date schema again changes nothing.
        await open();
        expect((await adminPool().query(`SELECT * FROM ${table('schema_migrations')}`)).rowCount).toBe(2);
      });

      it('upgrades a schema left by the code before append_events, and keeps appending to its streams', async () => {
        const before = await open();
        const command = { commandId: 'cmd-1', fingerprint: 'fp-1' };
        const first = await before.append('patent-1', [newEvent(), newEvent()], {
          expectedVersion: 'no_stream',
          command,
        });
        await before.close();
        // What that code left: migration 1 alone (its DDL is unchanged), no function.
        await adminPool().query(
          `DROP FUNCTION ${table('append_events')}; DELETE FROM ${table('schema_migrations')} WHERE version > 1`,
        );

        const store = await open();
        const { rows } = await adminPool().query<{ version: number }>(
          `SELECT version FROM ${table('schema_migrations')} ORDER BY version`,
        );
        expect(rows.map((r) => r.version)).toEqual([1, 2]);
        expect(
          await store.append('patent-1', [newEvent(), newEvent()], { expectedVersion: 'no_stream', command }),
        ).toEqual({ ...first, duplicate: true });
        const next = await store.append('patent-1', [newEvent()], { expectedVersion: 2 });
        expect(next.events[0]).toMatchObject({ version: 3 });
        expect(next.events[0]!.hash).toBe(
          eventHash({ ...next.events[0]!, previousHash: first.events[1]!.hash! }),
        );
        expect(await store.readStream('patent-1')).toEqual([...first.events, ...next.events]);
      });

      it('creates the tables, stores JSON as given and exposes the stream heads', async () => {
        const store = await open();
        const data = { z: 1, a: [1.5, '二'], m: { y: null, b: true } };
        await store.append('patent-1', [newEvent('PatentFiled', data)], { expectedVersion: 'no_stream' });
        const tables = await adminPool().query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
          [schema],
        );
        expect(tables.rows.map((r) => r.table_name)).toEqual([
          'chain_heads',
          'commands',
          'events',
          'schema_migrations',
          'streams',
        ]);
        const row = await adminPool().query<{ data: string; tx: string }>(
          `SELECT data::text AS data, tx::text AS tx FROM ${table('events')}`,
        );
        expect(row.rows[0]!.data).toBe(JSON.stringify(data));
        expect(Number(row.rows[0]!.tx)).toBeGreaterThan(0);
        const [event] = await store.readStream('patent-1');
        expect(await store.streamHeads()).toEqual(
          new Map([['patent-1', { version: 1, lastHash: event!.hash! }]]),
        );
      });

      it('refuses a schema newer than the code, and an invalid schema name', async () => {
        const store = await open();
        await store.close();
        await adminPool().query(`INSERT INTO ${table('schema_migrations')} (version) VALUES (99)`);
        await expect(open()).rejects.toThrow(/version 99, newer than this code supports/);
        await expect(open({ schema: 'bad"; DROP TABLE x; --' })).rejects.toThrow(/invalid schema name/);
      });

      it('rejects when the server cannot be reached', async () => {
        await expect(
          PostgresEventStore.open({ connectionString: 'postgres://postgres@127.0.0.1:1/test', schema }),
        ).rejects.toThrow(/ECONNREFUSED|connect/);
      });
    });

    describe('appends in one statement (append_events)', () => {
      /** Sessions holding this schema's sequencer. */
      async function sequencerHolders(): Promise<number> {
        const { rows } = await adminPool().query<{ n: number }>(
          `WITH key AS (SELECT hashtextextended('patent-ledger:sequencer:' || $1, 0) AS k)
           SELECT count(*)::integer AS n FROM pg_locks, key
           WHERE locktype = 'advisory' AND objsubid = 1 AND granted
             AND classid = ((k >> 32) & 4294967295)::oid AND objid = (k & 4294967295)::oid`,
          [schema],
        );
        return rows[0]!.n;
      }

      /** What `work` returned, and how many statements the store's connections sent for it. */
      async function counted<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
        const spy = jest.spyOn(Client.prototype, 'query');
        try {
          const result = await work();
          return { result, statements: spy.mock.calls.length };
        } finally {
          spy.mockRestore();
        }
      }

      it('takes one statement when it knows the head, and one more when its guess is stale', async () => {
        const [a, b] = await Promise.all([open(), open()]);
        const command = { commandId: 'cmd-1', fingerprint: 'fp-1' };
        expect(
          (
            await counted(() =>
              a.append('patent-1', [newEvent(), newEvent()], { expectedVersion: 'no_stream', command }),
            )
          ).statements,
        ).toBe(1);
        expect(
          (await counted(() => a.append('patent-1', [newEvent()], { expectedVersion: 2 }))).statements,
        ).toBe(1);
        // b has not seen the stream: it asks for the head first.
        const byB = await counted(() => b.append('patent-1', [newEvent()], { expectedVersion: 3 }));
        expect(byB).toMatchObject({ statements: 2, result: { nextExpectedVersion: 4 } });
        // a's head (3) is stale: the call reports the actual one, and a appends on it.
        const byA = await counted(() => a.append('patent-1', [newEvent()], { expectedVersion: 'any' }));
        expect(byA).toMatchObject({ statements: 2, result: { nextExpectedVersion: 5 } });
        await expect(a.append('patent-1', [newEvent()], { expectedVersion: 3 })).rejects.toMatchObject({
          constructor: WrongExpectedVersionError,
          actual: 5,
        });
        expect(
          (await b.append('patent-1', [newEvent()], { expectedVersion: 'stream_exists' }))
            .nextExpectedVersion,
        ).toBe(6);
        await expect(
          b.append('patent-2', [newEvent()], { expectedVersion: 'stream_exists' }),
        ).rejects.toMatchObject({ constructor: WrongExpectedVersionError, actual: 0 });
        // The same command again, from the store that did not write it: its outcome, not a new append.
        const again = await b.append('patent-1', [newEvent()], { expectedVersion: 6, command });
        expect(again).toMatchObject({ duplicate: true, nextExpectedVersion: 2 });
        await expect(
          b.append('patent-2', [newEvent()], { expectedVersion: 'any', command }),
        ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);

        const stream = await a.readStream('patent-1');
        expect(stream.map((e) => e.version)).toEqual(range(1, 6));
        let previousHash = GENESIS_HASH;
        for (const e of stream) {
          expect(e.hash).toBe(eventHash({ ...e, previousHash }));
          previousHash = e.hash!;
        }
        expect((await a.streamHeads()).get('patent-1')).toEqual({ version: 6, lastHash: previousHash });
        expect(await a.streamVersion('patent-2')).toBe(0);
      });

      it('writes a batch in the same six statements whatever its size, one stream twice included', async () => {
        const store = await open();
        await store.append('patent-0', [newEvent()], { expectedVersion: 'no_stream' });
        const requests = (n: number, tag: string) =>
          range(1, n).flatMap((i) => [
            {
              streamName: `patent-${tag}-${i}`,
              events: [newEvent(), newEvent()],
              options: {
                expectedVersion: 'no_stream' as const,
                command: { commandId: `cmd-${tag}-${i}`, fingerprint: 'f' },
              },
            },
            { streamName: `patent-${tag}-${i}`, events: [newEvent()], options: { expectedVersion: 2 } },
          ]);
        const small = await counted(() => store.appendMany(requests(1, 's')));
        const large = await counted(() =>
          store.appendMany([
            { streamName: 'patent-0', events: [newEvent()], options: { expectedVersion: 1 } },
            ...requests(300, 'l'),
          ]),
        );
        // BEGIN, the streams' locks, their heads, the recorded commands, the write, COMMIT.
        expect([small.statements, large.statements]).toEqual([6, 6]);
        expect(large.result.every((r) => r.ok)).toBe(true);
        const returned = [...small.result, ...large.result].flatMap((r) => (r.ok ? r.result.events : []));
        const log = await readWholeLog(store);
        expect(log.slice(1)).toEqual(returned);
        for (const name of ['patent-0', 'patent-s-1', 'patent-l-300']) {
          let previousHash = GENESIS_HASH;
          for (const e of await store.readStream(name)) {
            expect(e.hash).toBe(eventHash({ ...e, previousHash }));
            previousHash = e.hash!;
          }
        }
        expect(await store.findCommand('cmd-l-300')).toMatchObject({
          fromVersion: 1,
          toVersion: 2,
          firstPosition: log.at(-3)!.position,
          lastPosition: log.at(-2)!.position,
        });
        // One transaction and contiguous positions: the batch took them in one critical section.
        const positions = large.result.flatMap((r) => (r.ok ? r.result.events.map((e) => e.position) : []));
        expect(positions.at(-1)! - positions[0]!).toBe(positions.length - 1);
        const { rows } = await adminPool().query<{ n: number }>(
          `SELECT count(DISTINCT tx)::integer AS n FROM ${table('events')} WHERE position >= $1`,
          [positions[0]],
        );
        expect(rows[0]!.n).toBe(1);
      });

      it('reports a request the server refuses on its data in its slot alone (an event without a command id)', async () => {
        const store = await open();
        const untyped = newEvent();
        delete (untyped.metadata as { commandId?: string }).commandId;
        const results = await store.appendMany([
          { streamName: 'patent-a', events: [newEvent()], options: { expectedVersion: 'no_stream' } },
          { streamName: 'patent-b', events: [untyped], options: { expectedVersion: 'no_stream' } },
          { streamName: 'patent-c', events: [newEvent()], options: { expectedVersion: 'no_stream' } },
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, false, true]);
        expect(!results[1]!.ok && results[1]!.error).toMatchObject({ code: '23502' });
        expect((await readWholeLog(store)).map((e) => e.streamName)).toEqual(['patent-a', 'patent-c']);
      });

      it('learns heads from batches, reads and streamVersion, as handleCommand uses them', async () => {
        const [a, b, c] = await Promise.all([open(), open(), open()]);
        await a.appendMany([
          {
            streamName: 'patent-1',
            events: [newEvent(), newEvent()],
            options: { expectedVersion: 'no_stream' },
          },
          { streamName: 'patent-2', events: [newEvent()], options: { expectedVersion: 'no_stream' } },
        ]);
        expect(
          (await counted(() => a.append('patent-1', [newEvent()], { expectedVersion: 2 }))).statements,
        ).toBe(1);
        expect(await b.readStream('patent-1')).toHaveLength(3);
        expect(
          (await counted(() => b.append('patent-1', [newEvent()], { expectedVersion: 3 }))).statements,
        ).toBe(1);
        expect(await c.streamVersion('patent-2')).toBe(1);
        expect(
          (await counted(() => c.append('patent-2', [newEvent()], { expectedVersion: 1 }))).statements,
        ).toBe(1);
        const stream = await a.readStream('patent-1');
        expect(stream.map((e) => e.version)).toEqual([1, 2, 3, 4]);
        expect(stream[3]!.hash).toBe(eventHash({ ...stream[3]!, previousHash: stream[2]!.hash! }));
        const other = await a.readStream('patent-2');
        expect(other[1]!.hash).toBe(eventHash({ ...other[1]!, previousHash: other[0]!.hash! }));
      });

      it('releases the sequencer when the call fails while holding it', async () => {
        const store = await open({ poolSize: 1 });
        await store.append('patent-1', [newEvent()], { expectedVersion: 'no_stream' });
        // The next position would exceed the sequence's maximum: nextval fails inside the sequencer.
        const sequence = table('events_position_seq');
        await adminPool().query(`SELECT setval('${sequence}', 100)`);
        await adminPool().query(`ALTER SEQUENCE ${sequence} MAXVALUE 100`);
        await expect(
          store.append('patent-2', [newEvent()], { expectedVersion: 'no_stream' }),
        ).rejects.toThrow(/maximum value/);
        expect(await sequencerHolders()).toBe(0);
        await adminPool().query(`ALTER SEQUENCE ${sequence} NO MAXVALUE`);
        const other = await open({ poolSize: 1 });
        const next = await other.append('patent-2', [newEvent()], { expectedVersion: 'no_stream' });
        expect(next.events[0]!.position).toBeGreaterThan(100);
        expect(
          (await store.append('patent-3', [newEvent()], { expectedVersion: 'no_stream' })).events,
        ).toHaveLength(1);
      });
    });

    it('rejects a stream name PostgreSQL cannot store (NUL) as invalid, alone in a batch', async () => {
      const store = await open();
      const name = "patent-1\u0000'); DROP TABLE x; --";
      await expect(store.append(name, [newEvent()], { expectedVersion: 'any' })).rejects.toBeInstanceOf(
        InvalidAppendError,
      );
      const results = await store.appendMany([
        { streamName: name, events: [newEvent()], options: { expectedVersion: 'any' } },
        { streamName: 'patent-2', events: [newEvent()], options: { expectedVersion: 'any' } },
      ]);
      expect(results.map((r) => r.ok)).toEqual([false, true]);
      expect(!results[0]!.ok && results[0]!.error).toBeInstanceOf(InvalidAppendError);
    });

    it('keeps signed chain heads in order', async () => {
      const store = await open();
      expect(await store.latestChainHead()).toBeUndefined();
      const head = (position: number) => ({
        position,
        count: position,
        head: String(position).repeat(64).slice(0, 64),
        signedAt: '2025-01-01T00:00:00.000Z',
        keyId: 'k1',
        signature: `sig-${position}`,
      });
      await store.appendChainHead(head(5));
      await store.appendChainHead(head(9));
      expect(await store.latestChainHead()).toEqual(head(9));
      expect(await store.readChainHeads()).toEqual([head(5), head(9)]);
    });

    it('closes its pool: idempotent, and later calls reject', async () => {
      const store = await open();
      await store.ping();
      await Promise.all([store.close(), store.close()]);
      expect(store.pool.totalCount).toBe(0);
      await expect(store.streamVersion('patent-1')).rejects.toThrow('PostgresEventStore is closed');
    });
  });
});
