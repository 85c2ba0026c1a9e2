import {
  GENESIS_HASH,
  InvalidAppendError,
  WrongExpectedVersionError,
  eventHash,
  type AppendRequest,
  type CommandRow,
} from '@patent-ledger/eventsourcing';
import { newEvent } from '@patent-ledger/eventsourcing/testing';
import { batchKeys, planBatch, type BatchRows, type StreamHead } from './batch-plan';

const NOW = '2026-12-07T00:00:00.000Z';

function request(
  streamName: string,
  events: number,
  options: AppendRequest['options'] = { expectedVersion: 'any' },
): AppendRequest {
  return { streamName, events: Array.from({ length: events }, () => newEvent()), options };
}

function commandRow(commandId: string, streamName: string): CommandRow {
  return {
    command_id: commandId,
    fingerprint: 'f',
    stream_name: streamName,
    from_version: 1,
    to_version: 1,
    first_position: '7',
    last_position: '7',
    recorded_at: NOW,
  };
}

function plan(
  requests: AppendRequest[],
  heads: Record<string, StreamHead> = {},
  recorded: CommandRow[] = [],
  invalid: (Error | undefined)[] = requests.map(() => undefined),
) {
  return planBatch(
    requests,
    invalid,
    new Map(Object.entries(heads)),
    new Map(recorded.map((r) => [r.command_id, r])),
    () => NOW,
  );
}

/** The rows' JSON texts, parsed. */
function parsed(rows: BatchRows) {
  const events = JSON.parse(rows.events) as { s: string; v: number; t: string; e: string; h: string }[];
  expect(events).toHaveLength(rows.eventCount);
  const commands = JSON.parse(rows.commands) as Record<string, unknown>[];
  expect(commands).toHaveLength(rows.commandCount);
  return { events, streams: JSON.parse(rows.streams) as { s: string; v: number; h: string }[], commands };
}

describe('planBatch (a batch of appends as one set of rows)', () => {
  it('given a stream at version 2, when two requests append to it, then the second is decided on the head the first left', () => {
    const given = { 'patent-a': { version: 2, lastHash: 'h2' } };
    const when = plan(
      [
        request('patent-a', 2, { expectedVersion: 2 }),
        request('patent-b', 1, { expectedVersion: 'no_stream' }),
        request('patent-a', 1, { expectedVersion: 2 }),
        request('patent-a', 1, { expectedVersion: 4 }),
      ],
      given,
    )!;
    expect(when.slots.map((s) => s.kind)).toEqual(['write', 'write', 'error', 'write']);
    const stale = when.slots[2]!;
    expect(stale.kind === 'error' && stale.error).toMatchObject({
      constructor: WrongExpectedVersionError,
      actual: 4,
    });
    const rows = parsed(when.rows);
    expect(rows.events.map((e) => e.s)).toEqual(['patent-a', 'patent-a', 'patent-b', 'patent-a']);
    expect(rows.events.map((e) => e.v)).toEqual([3, 4, 1, 5]);
    // The chain continues from the stored head, through the batch's own events.
    const a = when.slots.flatMap((s) => (s.kind === 'write' && s.streamName === 'patent-a' ? s.events : []));
    let previousHash = 'h2';
    for (const e of a) {
      expect(e.hash).toBe(eventHash({ ...e, previousHash }));
      previousHash = e.hash!;
    }
    const b = when.slots[1]!;
    expect(b.kind === 'write' && b.events[0]!.hash).toBe(
      b.kind === 'write' && eventHash({ ...b.events[0]!, previousHash: GENESIS_HASH }),
    );
    // One head per stream: its final version and last hash.
    expect(rows.streams).toEqual([
      { s: 'patent-a', v: 5, h: rows.events[3]!.h },
      { s: 'patent-b', v: 1, h: rows.events[2]!.h },
    ]);
    // Each event's row holds what the slot returns.
    const returned = when.slots.flatMap((s) => (s.kind === 'write' ? s.events : []));
    expect(rows.events.map((e) => [e.s, e.v, e.t, e.h])).toEqual(
      returned.map((e) => [e.streamName, e.version, e.type, e.hash]),
    );
  });

  it('given commands in requests, when planned, then each record points at its first and last event (0 when it has none)', () => {
    const when = plan([
      request('patent-a', 1),
      request('patent-b', 2, { expectedVersion: 'any', command: { commandId: 'c-b', fingerprint: 'fb' } }),
      request('patent-c', 0, { expectedVersion: 'any', command: { commandId: 'c-c', fingerprint: 'fc' } }),
      request('patent-d', 0),
    ])!;
    const rows = parsed(when.rows);
    expect(rows.commands).toEqual([
      { i: 'c-b', f: 'fb', s: 'patent-b', a: 1, b: 2, p: 2, q: 3, r: NOW },
      { i: 'c-c', f: 'fc', s: 'patent-c', a: 1, b: 0, p: 0, q: 0, r: NOW },
    ]);
    // An append with neither events nor a command writes nothing, and no stream row.
    expect(when.slots[3]).toMatchObject({ kind: 'write', count: 0, events: [] });
    expect(rows.streams.map((h) => h.s)).toEqual(['patent-a', 'patent-b']);
  });

  it('given a recorded command, when it is sent again, then its slot is a replay decided before the expected version', () => {
    const when = plan(
      [
        request('patent-a', 1, {
          expectedVersion: 'no_stream',
          command: { commandId: 'done', fingerprint: 'f' },
        }),
        request('patent-a', 1, { expectedVersion: 'no_stream' }),
      ],
      { 'patent-a': { version: 1, lastHash: 'h1' } },
      [commandRow('done', 'patent-a')],
    )!;
    expect(when.slots[0]).toMatchObject({
      kind: 'replay',
      streamName: 'patent-a',
      fingerprint: 'f',
      record: { commandId: 'done', fromVersion: 1, toVersion: 1, firstPosition: 7 },
    });
    // The replay wrote nothing: the next request still sees version 1.
    expect(when.slots[1]).toMatchObject({ kind: 'error', error: { actual: 1 } });
    expect(when.rows).toMatchObject({ events: '[]', eventCount: 0, streams: '[]', commands: '[]' });
  });

  it('given invalid requests and repeated event ids within one request, when planned, then those slots are errors and write nothing', () => {
    const twice = newEvent();
    const invalidError = new InvalidAppendError('invalid stream name: ""');
    const when = plan(
      [
        request('', 1),
        { streamName: 'patent-a', events: [twice, twice], options: { expectedVersion: 'any' } },
        request('patent-b', 1),
      ],
      {},
      [],
      [invalidError, undefined, undefined],
    )!;
    expect(when.slots[0]).toEqual({ kind: 'error', error: invalidError });
    expect(when.slots[1]).toMatchObject({ kind: 'error', error: { constructor: InvalidAppendError } });
    expect(parsed(when.rows).events.map((e) => e.s)).toEqual(['patent-b']);
  });

  it('given a command id twice or an event id in two requests, when planned, then the batch goes request by request', () => {
    const command = { commandId: 'twice', fingerprint: 'f' };
    expect(
      plan([
        request('patent-a', 1, { expectedVersion: 'any', command }),
        request('patent-b', 1, { expectedVersion: 'any', command }),
      ]),
    ).toBeUndefined();
    const shared = newEvent();
    expect(
      plan([
        { streamName: 'patent-a', events: [shared], options: { expectedVersion: 'any' } },
        { streamName: 'patent-b', events: [shared], options: { expectedVersion: 'any' } },
      ]),
    ).toBeUndefined();
    // An invalid request does not count: it is never written.
    expect(
      plan(
        [
          request('', 1, { expectedVersion: 'any', command }),
          request('patent-b', 1, { expectedVersion: 'any', command }),
        ],
        {},
        [],
        [new InvalidAppendError('bad'), undefined],
      ),
    ).toBeDefined();
  });

  it('given data with keys out of order and odd strings, when planned, then its row holds the JSON text exactly as JSON.stringify wrote it', () => {
    const data = { z: 1, a: [1.5, '中'], q: 'line\n"quoted"\u2028' };
    const event = newEvent('Typed "x"', data);
    const when = plan([{ streamName: 'patent-"a"', events: [event], options: { expectedVersion: 'any' } }])!;
    expect(when.rows.events).toContain(`"d":${JSON.stringify(data)},"m":${JSON.stringify(event.metadata)}`);
    const [row] = parsed(when.rows).events;
    expect(row).toMatchObject({ s: 'patent-"a"', t: 'Typed "x"', e: event.metadata.eventId });
  });

  it('given data holding NUL or a lone surrogate, when planned, then the batch goes request by request (json_to_recordset cannot decode them)', () => {
    for (const text of ['a\u0000b', 'x\ud800', '\udfff']) {
      expect(
        plan([
          {
            streamName: 'patent-a',
            events: [newEvent('Odd', { text })],
            options: { expectedVersion: 'any' },
          },
        ]),
      ).toBeUndefined();
    }
    // A surrogate pair is written as the character itself: decodable.
    expect(
      plan([
        {
          streamName: 'patent-a',
          events: [newEvent('Odd', { text: '😀' })],
          options: { expectedVersion: 'any' },
        },
      ]),
    ).toBeDefined();
  });

  it('given a batch, when its keys are taken, then each valid stream appears once and every valid command id', () => {
    const requests = [
      request('patent-a', 1, { expectedVersion: 'any', command: { commandId: 'c1', fingerprint: 'f' } }),
      request('patent-a', 1),
      request('', 1, { expectedVersion: 'any', command: { commandId: 'c2', fingerprint: 'f' } }),
      request('patent-b', 1),
    ];
    expect(batchKeys(requests, [undefined, undefined, new Error('bad'), undefined])).toEqual({
      streams: ['patent-a', 'patent-b'],
      commandIds: ['c1'],
    });
  });
});
