import { randomUUID } from 'node:crypto';
import { IdempotencyKeyReusedError, InvalidAppendError, WrongExpectedVersionError } from '../errors';
import { eventHash, GENESIS_HASH } from '../hash-chain';
import type { EventMetadata, EventStore, ExpectedVersion, JsonObject, NewEvent, StoredEvent } from '../types';

/** Creates a fresh, empty store for one test. */
export type EventStoreFactory = () => Promise<{ store: EventStore; cleanup?: () => Promise<void> }>;

/** A new event with unique ids; `data` and metadata fields may be overridden. */
export function newEvent(
  type = 'Tested',
  data: JsonObject = {},
  metadata: Partial<EventMetadata> = {},
): NewEvent {
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: { role: 'agent', orgId: 'org-1', userId: 'user-1' },
      recordedAt: '2024-05-01T08:30:00.000Z',
      schemaVersion: 1,
      ...metadata,
    },
  };
}

/** `n` events tagged with `batch` in their data, so tests can tell batches apart. */
function batch(n: number, tag: string): NewEvent[] {
  return Array.from({ length: n }, (_, i) => newEvent('Tested', { batch: tag, index: i }));
}

/** The parts of a stored event that were given to append. */
function asNew(e: StoredEvent): NewEvent {
  return { type: e.type, data: e.data, metadata: e.metadata };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

export interface EventStoreContractOptions {
  /**
   * True (default) when positions are numbered 1, 2, 3… without gaps, and the suite checks the exact
   * numbers. False for stores whose positions come from a sequence that a rolled-back transaction
   * also consumes (PostgreSQL): positions are then only checked to be strictly increasing (each one at
   * least the gap-free number) and `headPosition` to be the position of the last event in the log.
   */
  contiguousPositions?: boolean;
}

/**
 * The EventStore contract: every adapter runs it. Declares a jest `describe` block named after the
 * adapter; each test gets a fresh store from `factory`. After each test the suite closes the store,
 * then calls `cleanup` (so `close()` must be idempotent).
 */
export function eventStoreContract(
  name: string,
  factory: EventStoreFactory,
  { contiguousPositions = true }: EventStoreContractOptions = {},
): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let cleanup: (() => Promise<void>) | undefined;

    /**
     * Positions as expected: exactly `gapFree` for a gap-free store; otherwise as many, strictly
     * increasing, each at least its gap-free number (a sequence skips numbers, it never reuses one).
     */
    function expectPositions(positions: number[], gapFree: number[]): void {
      if (contiguousPositions) {
        expect(positions).toEqual(gapFree);
        return;
      }
      expect(positions).toHaveLength(gapFree.length);
      positions.forEach((p, i) => {
        expect(p).toBeGreaterThanOrEqual(gapFree[i]!);
        if (i > 0) expect(p).toBeGreaterThan(positions[i - 1]!);
      });
    }

    /** The head is the position of the last of `count` events: `count` itself for a gap-free store. */
    async function expectHeadPosition(count: number): Promise<void> {
      if (contiguousPositions) {
        expect(await store.headPosition()).toBe(count);
        return;
      }
      const log = await store.readAll({ limit: 100_000 });
      expect(log).toHaveLength(count);
      expect(await store.headPosition()).toBe(log[log.length - 1]?.position ?? 0);
    }

    beforeEach(async () => {
      ({ store, cleanup } = await factory());
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    /** Asserts that an append is rejected with `errorClass` and that nothing was stored. */
    async function expectRejectedWithoutChange(
      attempt: Promise<unknown>,
      errorClass: new (...args: never[]) => Error,
    ): Promise<Error> {
      const head = await store.headPosition();
      const log = await store.readAll({ limit: 100_000 });
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(errorClass);
      expect(await store.headPosition()).toBe(head);
      expect(await store.readAll({ limit: 100_000 })).toEqual(log);
      return error as Error;
    }

    describe('an empty store', () => {
      it('has nothing to read', async () => {
        expect(await store.readAll()).toEqual([]);
        expect(await store.headPosition()).toBe(0);
        expect(await store.readStream('patent-unknown')).toEqual([]);
        expect(await store.streamVersion('patent-unknown')).toBe(0);
        expect(await store.findCommand('unknown-command')).toBeUndefined();
      });

      it('answers ping', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
      });
    });

    describe('expected version', () => {
      async function seed(streamName: string, n: number): Promise<void> {
        if (n > 0) await store.append(streamName, batch(n, 'seed'), { expectedVersion: 'any' });
      }

      it.each<[string, number, ExpectedVersion]>([
        ["'any' on a new stream", 0, 'any'],
        ["'any' on an existing stream", 2, 'any'],
        ["'no_stream' on a new stream", 0, 'no_stream'],
        ["'stream_exists' on an existing stream", 2, 'stream_exists'],
        ['0 on a new stream', 0, 0],
        ['the exact current version', 2, 2],
      ])('accepts %s', async (_label, existing, expectedVersion) => {
        await seed('patent-1', existing);
        const result = await store.append('patent-1', batch(2, 'new'), { expectedVersion });
        expect(result.nextExpectedVersion).toBe(existing + 2);
        expect(result.duplicate).toBe(false);
        expect(result.events.map((e) => e.version)).toEqual([existing + 1, existing + 2]);
        expect(await store.streamVersion('patent-1')).toBe(existing + 2);
      });

      it.each<[string, number, ExpectedVersion]>([
        ["'no_stream' on an existing stream", 2, 'no_stream'],
        ["'stream_exists' on a new stream", 0, 'stream_exists'],
        ['0 on an existing stream', 2, 0],
        ['a version behind', 2, 1],
        ['a version ahead', 2, 3],
        ['a number on a new stream', 0, 1],
      ])(
        'rejects %s with WrongExpectedVersionError and appends nothing',
        async (_label, existing, expectedVersion) => {
          await seed('patent-1', existing);
          const error = await expectRejectedWithoutChange(
            store.append('patent-1', batch(2, 'new'), { expectedVersion }),
            WrongExpectedVersionError,
          );
          expect(error).toMatchObject({
            streamName: 'patent-1',
            expected: expectedVersion,
            actual: existing,
          });
          expect(await store.streamVersion('patent-1')).toBe(existing);
        },
      );

      it('checks an empty append too, and an empty append creates no stream', async () => {
        await expect(
          store.append('patent-1', [], { expectedVersion: 'stream_exists' }),
        ).rejects.toBeInstanceOf(WrongExpectedVersionError);
        const result = await store.append('patent-1', [], { expectedVersion: 'no_stream' });
        expect(result).toMatchObject({
          streamName: 'patent-1',
          nextExpectedVersion: 0,
          events: [],
          duplicate: false,
        });
        expect(await store.streamVersion('patent-1')).toBe(0);
        expect(await store.headPosition()).toBe(0);
      });
    });

    describe('append', () => {
      it('stores a batch atomically with versions 1..n and contiguous positions', async () => {
        await store.append('patent-0', batch(1, 'other'), { expectedVersion: 'no_stream' });
        const events = batch(4, 'a');
        const result = await store.append('patent-1', events, { expectedVersion: 'no_stream' });
        expect(result.streamName).toBe('patent-1');
        expect(result.nextExpectedVersion).toBe(4);
        expect(result.events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
        expectPositions(
          result.events.map((e) => e.position),
          [2, 3, 4, 5],
        );
        if (!contiguousPositions) {
          const [other] = await store.readStream('patent-0');
          expect(result.events[0]!.position).toBeGreaterThan(other!.position);
        }
        expect(result.events.map((e) => e.streamName)).toEqual(Array(4).fill('patent-1'));
        expect(result.events.map(asNew)).toEqual(events);
        expect(result.command).toBeUndefined();
        expect(await store.readStream('patent-1')).toEqual(result.events);
      });

      it('stores all or nothing when a batch is rejected', async () => {
        const taken = newEvent();
        await store.append('patent-1', [taken], { expectedVersion: 'no_stream' });
        const error = await expectRejectedWithoutChange(
          store.append('patent-2', [newEvent(), newEvent(), taken], { expectedVersion: 'no_stream' }),
          InvalidAppendError,
        );
        expect(error.message).toContain(taken.metadata.eventId);
        expect(await store.streamVersion('patent-2')).toBe(0);
      });

      it('rejects an event id repeated within a batch', async () => {
        const e = newEvent();
        await expectRejectedWithoutChange(
          store.append('patent-1', [e, { ...e, type: 'Other' }], { expectedVersion: 'any' }),
          InvalidAppendError,
        );
      });

      it.each<[string, string, ExpectedVersion]>([
        ['an empty stream name', '', 'any'],
        ['a stream name over 200 characters', 'x'.repeat(201), 'any'],
        ['a negative expected version', 'patent-1', -1],
        ['a fractional expected version', 'patent-1', 1.5],
      ])('rejects %s with InvalidAppendError', async (_label, streamName, expectedVersion) => {
        await expectRejectedWithoutChange(
          store.append(streamName, batch(1, 'x'), { expectedVersion }),
          InvalidAppendError,
        );
      });
    });

    describe('global order', () => {
      async function interleave(n: number): Promise<StoredEvent[]> {
        const appended: StoredEvent[] = [];
        for (let i = 0; i < n; i++) {
          const result = await store.append(`patent-${i % 3}`, batch((i % 2) + 1, `b${i}`), {
            expectedVersion: 'any',
          });
          appended.push(...result.events);
        }
        return appended;
      }

      it('numbers positions from 1 in steps of 1 across streams', async () => {
        const appended = await interleave(10);
        expectPositions(
          appended.map((e) => e.position),
          range(1, appended.length),
        );
        if (contiguousPositions) expect(await store.headPosition()).toBe(appended.length);
        else expect(await store.headPosition()).toBe(appended[appended.length - 1]!.position);
        expect(await store.readAll()).toEqual(appended);
        for (const s of ['patent-0', 'patent-1', 'patent-2']) {
          const stream = await store.readStream(s);
          expect(stream).toEqual(appended.filter((e) => e.streamName === s));
          expect(stream.map((e) => e.version)).toEqual(range(1, stream.length));
        }
      });

      it('reads the whole log exactly once in batches with after/limit', async () => {
        const appended = await interleave(17);
        const seen: StoredEvent[] = [];
        for (let after = 0, batches = 0; ; batches++) {
          const page = await store.readAll({ after, limit: 7 });
          expect(page.length).toBeLessThanOrEqual(7);
          if (page.length === 0) break;
          if (contiguousPositions) expect(page[0]!.position).toBe(after + 1);
          else expect(page[0]!.position).toBeGreaterThan(after);
          seen.push(...page);
          after = page[page.length - 1]!.position;
          expect(batches).toBeLessThan(100);
        }
        expect(seen).toEqual(appended);
      });

      it('reads at most 1000 events by default, and nothing past the head', async () => {
        const { events } = await store.append('patent-1', batch(1005, 'big'), {
          expectedVersion: 'no_stream',
        });
        const first = await store.readAll();
        expectPositions(
          first.map((e) => e.position),
          range(1, 1000),
        );
        if (contiguousPositions) {
          expect((await store.readAll({ after: 1000 })).map((e) => e.position)).toEqual(range(1001, 1005));
          expect(await store.readAll({ after: 1005 })).toEqual([]);
          expect(await store.readAll({ after: 2000, limit: 5 })).toEqual([]);
        } else {
          expect(first).toEqual(events.slice(0, 1000));
          const last = events[events.length - 1]!.position;
          expect(await store.readAll({ after: first[999]!.position })).toEqual(events.slice(1000));
          expect(await store.readAll({ after: last })).toEqual([]);
          expect(await store.readAll({ after: last + 1000, limit: 5 })).toEqual([]);
        }
      });
    });

    describe('readStream ranges', () => {
      beforeEach(async () => {
        await store.append('patent-1', batch(10, 'a'), { expectedVersion: 'no_stream' });
        await store.append('patent-2', batch(3, 'b'), { expectedVersion: 'no_stream' });
      });

      it.each<[string, Parameters<EventStore['readStream']>[1], number[]]>([
        ['no options', undefined, range(1, 10)],
        ['fromVersion', { fromVersion: 4 }, range(4, 10)],
        ['toVersion', { toVersion: 3 }, range(1, 3)],
        ['fromVersion and toVersion', { fromVersion: 3, toVersion: 6 }, range(3, 6)],
        ['a single version', { fromVersion: 5, toVersion: 5 }, [5]],
        ['limit', { limit: 2 }, [1, 2]],
        ['fromVersion and limit', { fromVersion: 5, limit: 2 }, [5, 6]],
        ['limit beyond the range', { fromVersion: 8, toVersion: 9, limit: 5 }, [8, 9]],
        ['toVersion beyond the end', { toVersion: 20 }, range(1, 10)],
        ['fromVersion beyond the end', { fromVersion: 11 }, []],
        ['fromVersion after toVersion', { fromVersion: 6, toVersion: 5 }, []],
      ])('honours %s', async (_label, options, versions) => {
        const events = await store.readStream('patent-1', options);
        expect(events.map((e) => e.version)).toEqual(versions);
        expect(events.every((e) => e.streamName === 'patent-1')).toBe(true);
      });
    });

    describe('round trip', () => {
      it('keeps metadata exactly', async () => {
        const metadata: EventMetadata = {
          eventId: 'c1f7b0a2-5d4e-4f3a-9b8c-7d6e5f4a3b2c',
          commandId: 'cmd-42',
          correlationId: 'corr-7',
          causationId: 'cause-9',
          actor: { role: 'examiner', orgId: '国家知识产权局', userId: 'u-李明' },
          recordedAt: '2025-12-31T23:59:59.123Z',
          schemaVersion: 3,
        };
        const [stored] = (
          await store.append('patent-1', [newEvent('PatentFiled', {}, metadata)], { expectedVersion: 'any' })
        ).events;
        expect(stored?.metadata).toEqual(metadata);
        expect((await store.readStream('patent-1'))[0]?.metadata).toEqual(metadata);
        expect((await store.readAll())[0]?.metadata).toEqual(metadata);
      });

      it('keeps JSON data exactly, including Chinese text', async () => {
        const data: JsonObject = {
          title: '一种基于区块链的专利盘活方法',
          note: '存量专利盘活 — “引号” and emoji 🧾',
          claims: [
            { no: 1, text: '权利要求1' },
            { no: 2, dependsOn: [1], text: '' },
          ],
          nested: { deeper: { deepest: { list: [1, 'two', true, null, { x: [] }] } }, empty: {} },
          integer: 42,
          negative: -7,
          fraction: 3.14159,
          large: 9007199254740991,
          tiny: 1e-9,
          yes: true,
          no: false,
          nothing: null,
        };
        await store.append('patent-1', [newEvent('PatentFiled', data)], { expectedVersion: 'any' });
        const [read] = await store.readStream('patent-1');
        expect(read?.type).toBe('PatentFiled');
        expect(read?.data).toEqual(data);
        expect(JSON.stringify(read?.data)).toBe(JSON.stringify(data));
      });
    });

    describe('idempotency by command id', () => {
      const command = { commandId: 'cmd-1', fingerprint: 'fp-1' };

      it('records the command with the versions and positions it appended', async () => {
        await store.append('patent-0', batch(2, 'other'), { expectedVersion: 'any' });
        await store.append('patent-1', batch(1, 'first'), { expectedVersion: 'no_stream' });
        const result = await store.append('patent-1', batch(3, 'cmd'), { expectedVersion: 1, command });
        if (!contiguousPositions)
          expectPositions(
            result.events.map((e) => e.position),
            [4, 5, 6],
          );
        const expected = {
          commandId: 'cmd-1',
          fingerprint: 'fp-1',
          streamName: 'patent-1',
          fromVersion: 2,
          toVersion: 4,
          firstPosition: contiguousPositions ? 4 : result.events[0]!.position,
          lastPosition: contiguousPositions ? 6 : result.events[2]!.position,
        };
        expect(result.duplicate).toBe(false);
        expect(result.command).toMatchObject(expected);
        const record = await store.findCommand('cmd-1');
        expect(record).toEqual(result.command);
        expect(record).toMatchObject(expected);
        expect(Number.isNaN(Date.parse(record!.recordedAt))).toBe(false);
      });

      it('replays the original outcome for the same id and fingerprint, even with a stale version', async () => {
        const original = await store.append('patent-1', batch(2, 'cmd'), {
          expectedVersion: 'no_stream',
          command,
        });
        await store.append('patent-1', batch(3, 'later'), { expectedVersion: 2 });

        const again = await store.append('patent-1', batch(2, 'retry'), {
          expectedVersion: 'no_stream',
          command,
        });
        expect(again.duplicate).toBe(true);
        expect(again.events).toEqual(original.events);
        expect(again.nextExpectedVersion).toBe(2);
        expect(again.command).toEqual(original.command);
        expect(await store.streamVersion('patent-1')).toBe(5);
        await expectHeadPosition(5);
      });

      it('rejects the same id with another fingerprint and appends nothing', async () => {
        await store.append('patent-1', batch(1, 'cmd'), { expectedVersion: 'any', command });
        const error = await expectRejectedWithoutChange(
          store.append('patent-1', batch(1, 'x'), {
            expectedVersion: 'any',
            command: { ...command, fingerprint: 'fp-2' },
          }),
          IdempotencyKeyReusedError,
        );
        expect(error).toMatchObject({ commandId: 'cmd-1' });
        expect(await store.findCommand('cmd-1')).toMatchObject({ fingerprint: 'fp-1' });
      });

      it('rejects the same id on another stream and appends nothing', async () => {
        await store.append('patent-1', batch(1, 'cmd'), { expectedVersion: 'any', command });
        await expectRejectedWithoutChange(
          store.append('patent-2', batch(1, 'x'), { expectedVersion: 'any', command }),
          IdempotencyKeyReusedError,
        );
        expect(await store.streamVersion('patent-2')).toBe(0);
      });

      it('records nothing when the append is rejected', async () => {
        await store.append('patent-1', batch(1, 'seed'), { expectedVersion: 'any' });
        await expect(
          store.append('patent-1', batch(1, 'x'), { expectedVersion: 0, command }),
        ).rejects.toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.findCommand('cmd-1')).toBeUndefined();
        const retried = await store.append('patent-1', batch(1, 'x'), { expectedVersion: 1, command });
        expect(retried).toMatchObject({ duplicate: false, nextExpectedVersion: 2 });
      });

      it('records a command that appends no event, and replays it', async () => {
        await store.append('patent-1', batch(3, 'seed'), { expectedVersion: 'any' });
        const result = await store.append('patent-1', [], { expectedVersion: 3, command });
        expect(result).toMatchObject({ nextExpectedVersion: 3, events: [], duplicate: false });
        const expected = {
          streamName: 'patent-1',
          fromVersion: 4,
          toVersion: 3,
          firstPosition: 0,
          lastPosition: 0,
        };
        expect(await store.findCommand('cmd-1')).toMatchObject(expected);
        await expectHeadPosition(3);

        await store.append('patent-1', batch(1, 'later'), { expectedVersion: 3 });
        const again = await store.append('patent-1', [], { expectedVersion: 3, command });
        expect(again).toMatchObject({
          nextExpectedVersion: 3,
          events: [],
          duplicate: true,
          command: expected,
        });
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of many writers with the same expected version win', async () => {
        await store.append('patent-1', batch(1, 'seed'), { expectedVersion: 'no_stream' });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.append('patent-1', batch(2, `w${i}`), { expectedVersion: 1 }),
          ),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const e of lost) expect(e).toBeInstanceOf(WrongExpectedVersionError);
        const stream = await store.readStream('patent-1');
        expect(stream.map((e) => e.version)).toEqual([1, 2, 3]);
        expect(stream.slice(1)).toEqual(won[0]!.value.events);
        await expectHeadPosition(3);
      });

      it("appends every concurrent 'any' writer with gap-free versions, each batch contiguous", async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.append('patent-1', batch(3, `w${i}`), { expectedVersion: 'any' }),
          ),
        );
        const stream = await store.readStream('patent-1');
        expect(stream.map((e) => e.version)).toEqual(range(1, 60));
        expectPositions(
          stream.map((e) => e.position),
          range(1, 60),
        );
        for (const r of results) {
          const [first] = r.events;
          expect(r.events.map((e) => e.version)).toEqual(range(first!.version, first!.version + 2));
          expect(r.nextExpectedVersion).toBe(first!.version + 2);
          expect(stream.slice(first!.version - 1, first!.version + 2)).toEqual(r.events);
        }
      });

      it('appends a command once when it is sent concurrently', async () => {
        const command = { commandId: 'cmd-1', fingerprint: 'fp-1' };
        const results = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.append('patent-1', batch(2, 'cmd'), { expectedVersion: 'any', command }),
          ),
        );
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        const stream = await store.readStream('patent-1');
        expect(stream).toHaveLength(2);
        for (const r of results) expect(r.events).toEqual(stream);
      });
    });

    describe('isolation of returned data', () => {
      it('does not let callers mutate stored events or records', async () => {
        const input = newEvent('PatentFiled', { title: 'original', tags: ['a'] });
        const snapshot = structuredClone(input);
        const result = await store.append('patent-1', [input], {
          expectedVersion: 'any',
          command: { commandId: 'cmd-1', fingerprint: 'fp-1' },
        });

        const mutate = (e: NewEvent | undefined): void => {
          e!.data['title'] = 'changed';
          (e!.data['tags'] as string[]).push('b');
          e!.metadata.actor.role = 'intruder';
          e!.metadata.schemaVersion = 99;
        };
        mutate(input);
        mutate(result.events[0]);
        mutate((await store.readStream('patent-1'))[0]);
        mutate((await store.readAll())[0]);
        result.command!.toVersion = 99;
        (await store.findCommand('cmd-1'))!.fromVersion = 99;

        for (const read of [(await store.readStream('patent-1'))[0], (await store.readAll())[0]]) {
          expect(read && asNew(read)).toEqual(snapshot);
        }
        expect(await store.findCommand('cmd-1')).toMatchObject({ fromVersion: 1, toVersion: 1 });
      });
    });

    describe('hash chain', () => {
      it('links every event of a stream to the previous one, from the genesis value', async () => {
        await store.append('patent-1', batch(2, 'a'), { expectedVersion: 'no_stream' });
        await store.append(
          'patent-2',
          [newEvent('Other', { 名称: '一种方法', n: 1.5, ok: true, none: null })],
          {
            expectedVersion: 'no_stream',
          },
        );
        await store.appendMany([
          { streamName: 'patent-1', events: batch(1, 'b'), options: { expectedVersion: 2 } },
        ]);
        for (const stream of ['patent-1', 'patent-2']) {
          let previousHash = GENESIS_HASH;
          for (const e of await store.readStream(stream)) {
            expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
            expect(e.hash).toBe(eventHash({ ...e, previousHash }));
            previousHash = e.hash!;
          }
        }
        const all = await store.readAll();
        expect(new Set(all.map((e) => e.hash)).size).toBe(all.length);
      });

      it('returns the same hashes from append, readStream and readAll', async () => {
        const { events } = await store.append('patent-1', batch(3, 'a'), { expectedVersion: 'any' });
        expect((await store.readStream('patent-1')).map((e) => e.hash)).toEqual(events.map((e) => e.hash));
        expect((await store.readAll()).map((e) => e.hash)).toEqual(events.map((e) => e.hash));
      });
    });

    describe('appendMany (bulk batches)', () => {
      it('appends to many streams in one call, each request checked on its own', async () => {
        await store.append('patent-b', batch(1, 'pre'), { expectedVersion: 'no_stream' });
        const results = await store.appendMany([
          { streamName: 'patent-a', events: batch(2, 'a'), options: { expectedVersion: 'no_stream' } },
          { streamName: 'patent-b', events: batch(1, 'b'), options: { expectedVersion: 'no_stream' } },
          {
            streamName: 'patent-c',
            events: batch(1, 'c'),
            options: { expectedVersion: 0, command: { commandId: 'bulk-c', fingerprint: 'f-c' } },
          },
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, false, true]);
        const failed = results[1]!;
        expect(!failed.ok && failed.error).toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.streamVersion('patent-a')).toBe(2);
        expect(await store.streamVersion('patent-b')).toBe(1);
        expect(await store.streamVersion('patent-c')).toBe(1);
        const log = await store.readAll();
        expectPositions(
          log.map((e) => e.position),
          [1, 2, 3, 4],
        );
        expect(log.map((e) => e.streamName)).toEqual(['patent-b', 'patent-a', 'patent-a', 'patent-c']);
        expect(await store.findCommand('bulk-c')).toMatchObject({
          streamName: 'patent-c',
          fromVersion: 1,
          toVersion: 1,
        });
      });

      it('replays recorded commands as duplicates and rejects reused ids, without touching the rest', async () => {
        const first = await store.appendMany([
          {
            streamName: 'patent-a',
            events: batch(1, 'a'),
            options: { expectedVersion: 'no_stream', command: { commandId: 'k-a', fingerprint: 'fa' } },
          },
        ]);
        expect(first[0]!.ok).toBe(true);
        const again = await store.appendMany([
          {
            streamName: 'patent-a',
            events: batch(1, 'a2'),
            options: { expectedVersion: 'no_stream', command: { commandId: 'k-a', fingerprint: 'fa' } },
          },
          {
            streamName: 'patent-x',
            events: batch(1, 'x'),
            options: { expectedVersion: 'no_stream', command: { commandId: 'k-a', fingerprint: 'other' } },
          },
          { streamName: 'patent-y', events: batch(1, 'y'), options: { expectedVersion: 'any' } },
        ]);
        const [dup, reused, fresh] = again;
        expect(dup!.ok && dup!.result.duplicate).toBe(true);
        const original = first[0]!.ok ? first[0]!.result.events : [];
        expect(dup!.ok && dup!.result.events.map((e) => e.position)).toEqual(
          contiguousPositions ? [1] : original.map((e) => e.position),
        );
        expect(!reused!.ok && reused!.error).toBeInstanceOf(IdempotencyKeyReusedError);
        expect(fresh!.ok).toBe(true);
        await expectHeadPosition(2);
      });

      it('rolls back a request whose events fail part-way, keeping the others', async () => {
        const dupId = newEvent('Dup');
        const results = await store.appendMany([
          { streamName: 'patent-a', events: batch(1, 'a'), options: { expectedVersion: 'any' } },
          {
            streamName: 'patent-b',
            events: [
              newEvent('One'),
              dupId,
              { ...newEvent('Two'), metadata: { ...newEvent().metadata, eventId: dupId.metadata.eventId } },
            ],
            options: { expectedVersion: 'any' },
          },
          { streamName: 'patent-c', events: batch(1, 'c'), options: { expectedVersion: 'any' } },
          { streamName: '', events: batch(1, 'bad'), options: { expectedVersion: 'any' } },
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, false, true, false]);
        expect(!results[1]!.ok && results[1]!.error).toBeInstanceOf(InvalidAppendError);
        expect(!results[3]!.ok && results[3]!.error).toBeInstanceOf(InvalidAppendError);
        expect(await store.readStream('patent-b')).toEqual([]);
        expect((await store.readAll()).map((e) => e.streamName)).toEqual(['patent-a', 'patent-c']);
        expectPositions(
          (await store.readAll()).map((e) => e.position),
          [1, 2],
        );
      });

      it('decides requests to one stream in batch order: each sees the head the earlier ones left', async () => {
        await store.append('patent-a', batch(1, 'pre'), { expectedVersion: 'no_stream' });
        const results = await store.appendMany([
          { streamName: 'patent-a', events: batch(2, 'a1'), options: { expectedVersion: 1 } },
          { streamName: 'patent-b', events: batch(1, 'b1'), options: { expectedVersion: 'no_stream' } },
          { streamName: 'patent-a', events: batch(1, 'stale'), options: { expectedVersion: 1 } },
          {
            streamName: 'patent-a',
            events: batch(1, 'a2'),
            options: { expectedVersion: 3, command: { commandId: 'cmd-a2', fingerprint: 'f' } },
          },
          { streamName: 'patent-b', events: batch(1, 'b2'), options: { expectedVersion: 'stream_exists' } },
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, true, false, true, true]);
        const stale = results[2]!;
        expect(!stale.ok && stale.error).toMatchObject({ constructor: WrongExpectedVersionError, actual: 3 });
        expect(results.map((r) => r.ok && r.result.nextExpectedVersion)).toEqual([3, 1, false, 4, 2]);
        const a = await store.readStream('patent-a');
        expect(a.map((e) => e.data.batch)).toEqual(['pre', 'a1', 'a1', 'a2']);
        let previousHash = GENESIS_HASH;
        for (const e of a) {
          expect(e.hash).toBe(eventHash({ ...e, previousHash }));
          previousHash = e.hash!;
        }
        // What each slot returned is what was stored, positions and hashes included.
        const returned = results.flatMap((r) => (r.ok ? r.result.events : []));
        const log = await store.readAll();
        expect(log.slice(1)).toEqual(returned);
        expect(await store.findCommand('cmd-a2')).toMatchObject({
          streamName: 'patent-a',
          fromVersion: 4,
          toVersion: 4,
          firstPosition: returned[3]!.position,
          lastPosition: returned[3]!.position,
        });
      });

      it('records a command with no events in a batch, and replays a command id sent twice in it', async () => {
        const command = { commandId: 'cmd-twice', fingerprint: 'f' };
        const results = await store.appendMany([
          {
            streamName: 'patent-a',
            events: [],
            options: { expectedVersion: 'any', command: { commandId: 'cmd-empty', fingerprint: 'e' } },
          },
          {
            streamName: 'patent-b',
            events: batch(1, 'b'),
            options: { expectedVersion: 'no_stream', command },
          },
          {
            streamName: 'patent-b',
            events: batch(1, 'again'),
            options: { expectedVersion: 'no_stream', command },
          },
          { streamName: 'patent-c', events: batch(1, 'c'), options: { expectedVersion: 'no_stream' } },
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
        const [empty, first, again] = results;
        expect(empty!.ok && empty!.result).toMatchObject({ nextExpectedVersion: 0, events: [] });
        expect(await store.findCommand('cmd-empty')).toMatchObject({ fromVersion: 1, toVersion: 0 });
        expect(again!.ok && again!.result.duplicate).toBe(true);
        expect(again!.ok && again!.result.events).toEqual(first!.ok && first!.result.events);
        expect((await store.readStream('patent-b')).map((e) => e.data.batch)).toEqual(['b']);
        expect((await store.readAll()).map((e) => e.streamName)).toEqual(['patent-b', 'patent-c']);
      });

      it('keeps data holding NUL and lone surrogates exactly, in a batch as in one append', async () => {
        const odd = { nul: 'a\u0000b', high: 'x\ud800y', low: '\udc00', pair: '😀', 名称: '一种方法' };
        const results = await store.appendMany([
          {
            streamName: 'patent-a',
            events: [newEvent('Odd', odd)],
            options: { expectedVersion: 'no_stream' },
          },
          { streamName: 'patent-b', events: batch(1, 'b'), options: { expectedVersion: 'no_stream' } },
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, true]);
        const [stored] = await store.readStream('patent-a');
        expect(stored!.data).toEqual(odd);
        expect(stored!.hash).toBe(eventHash({ ...stored!, previousHash: GENESIS_HASH }));
      });

      it('reports an event id stored before in its slot alone', async () => {
        const stored = newEvent('Stored');
        await store.append('patent-x', [stored], { expectedVersion: 'no_stream' });
        const results = await store.appendMany([
          { streamName: 'patent-a', events: batch(1, 'a'), options: { expectedVersion: 'no_stream' } },
          { streamName: 'patent-b', events: [newEvent(), stored], options: { expectedVersion: 'no_stream' } },
          { streamName: 'patent-c', events: batch(1, 'c'), options: { expectedVersion: 'no_stream' } },
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, false, true]);
        expect(!results[1]!.ok && results[1]!.error).toBeInstanceOf(InvalidAppendError);
        expect((await store.readAll()).map((e) => e.streamName)).toEqual([
          'patent-x',
          'patent-a',
          'patent-c',
        ]);
      });

      it('accepts an empty batch', async () => {
        expect(await store.appendMany([])).toEqual([]);
        expect(await store.headPosition()).toBe(0);
      });
    });

    describe('close', () => {
      it('is idempotent and makes every later call reject', async () => {
        await store.close();
        await store.close();
        await expect(store.ping()).rejects.toThrow(/closed/i);
        await expect(store.append('patent-1', batch(1, 'x'), { expectedVersion: 'any' })).rejects.toThrow(
          /closed/i,
        );
        await expect(store.readStream('patent-1')).rejects.toThrow(/closed/i);
        await expect(store.readAll()).rejects.toThrow(/closed/i);
      });
    });
  });
}
