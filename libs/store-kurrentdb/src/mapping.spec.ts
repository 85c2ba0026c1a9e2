import { eventHash, GENESIS_HASH, type EventMetadata } from '@patent-ledger/eventsourcing';
import {
  commandStreamOf,
  positionOf,
  readPositionOf,
  revisionOfVersion,
  toKurrentMetadata,
  toStoredEvent,
  toStreamState,
  versionOfRevision,
  versionOfState,
} from './mapping';

const metadata: EventMetadata = {
  eventId: '7d4c1f0e-2a51-5f3c-9c1e-0b7e6a1d2f30',
  commandId: 'cmd-1',
  correlationId: 'corr-1',
  causationId: 'cause-1',
  actor: { role: 'institution', orgId: 'tyut', userId: 'u1' },
  recordedAt: '2024-05-01T08:30:00.000Z',
  schemaVersion: 1,
};

describe('KurrentDB mapping', () => {
  describe('given an expected version of the port, when mapped to a stream state', () => {
    it.each([
      ['any', 'any'],
      ['no_stream', 'no_stream'],
      ['stream_exists', 'stream_exists'],
      [0, 'no_stream'],
      [1, 0n],
      [10, 9n],
    ] as const)('%p → %p', (expected, state) => {
      expect(toStreamState(expected)).toBe(state);
    });
  });

  it('maps the current stream state back to a version (number of events)', () => {
    expect(versionOfState('no_stream')).toBe(0);
    expect(versionOfState(undefined)).toBe(0);
    expect(versionOfState(0n)).toBe(1);
    expect(versionOfState(41n)).toBe(42);
    expect(versionOfState(-5n)).toBe(0);
  });

  it('maps revisions and versions both ways', () => {
    expect(versionOfRevision(0n)).toBe(1);
    expect(revisionOfVersion(1)).toBe(0n);
    expect(revisionOfVersion(7)).toBe(6n);
    for (const v of [1, 2, 99, 100_000]) expect(versionOfRevision(revisionOfVersion(v))).toBe(v);
  });

  it('maps commit positions to safe integers and back', () => {
    expect(positionOf(123_456_789n)).toBe(123_456_789);
    expect(readPositionOf(42)).toEqual({ commit: 42n, prepare: 42n });
    expect(() => positionOf(2n ** 60n)).toThrow(/safe integer/);
  });

  it('keeps the hash in the metadata and restores the StoredEvent with the same chain link', () => {
    const data = { applicationNumber: '201710601862.3', title: '一种煤矸石基多孔陶瓷材料', n: 1.5 };
    const hash = eventHash({
      streamName: 'patent-201710601862.3',
      version: 1,
      type: 'PatentInventoried',
      data,
      metadata,
      previousHash: GENESIS_HASH,
    });
    const stored = toStoredEvent({
      streamId: 'patent-201710601862.3',
      revision: 0n,
      type: 'PatentInventoried',
      data,
      metadata: toKurrentMetadata(metadata, hash),
      position: { commit: 1024n, prepare: 1024n },
    });
    expect(stored).toEqual({
      streamName: 'patent-201710601862.3',
      version: 1,
      position: 1024,
      type: 'PatentInventoried',
      data,
      metadata,
      hash,
    });
    expect(eventHash({ ...stored, previousHash: GENESIS_HASH })).toBe(stored.hash);
  });

  it('names command streams by a digest, so any command id makes a valid stream name', () => {
    const s = commandStreamOf('inv-201710601862.3 / 重试');
    expect(s).toMatch(/^ledgerCommand-[0-9a-f]{40}$/);
    expect(commandStreamOf('inv-201710601862.3 / 重试')).toBe(s);
    expect(commandStreamOf('other')).not.toBe(s);
  });
});
