import { signChainHead, type ChainHead } from './chain';
import { createEvidenceBundle, EVIDENCE_FORMAT, verifyEvidenceBundle, type EvidenceBundle } from './evidence';
import { eventHash, GENESIS_HASH } from './hash-chain';
import { generateSigningKey, loadSigningKey, publicKeyPem, type SigningKey } from './signing';
import type { JsonObject, StoredEvent } from './types';

const TOOL = { name: 'patent-ledger', version: '0.1.0' };
const STREAM = 'patent-201710601862.3';

function events(n: number, streamName = STREAM): StoredEvent[] {
  const out: StoredEvent[] = [];
  let previousHash = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = {
      streamName,
      version: i,
      position: i * 3,
      type: i === 1 ? 'PatentInventoried' : 'Promoted',
      data: {
        applicationNumber: '201710601862.3',
        promotionId: `pr-${i}`,
        occurredOn: '2024-05-01',
      } as JsonObject,
      metadata: {
        eventId: `e-${i}`,
        commandId: `c-${i}`,
        correlationId: `c-${i}`,
        causationId: `c-${i}`,
        actor: { role: 'institution', orgId: 'tyut', userId: 'tto-wang' },
        recordedAt: `2025-01-0${i}T00:00:00.000Z`,
        schemaVersion: 1,
      },
    };
    const hash = eventHash({ ...e, previousHash });
    out.push({ ...e, hash });
    previousHash = hash;
  }
  return out;
}

const newKey = (): SigningKey => loadSigningKey(generateSigningKey().privateKeyPem);
const key = newKey();
const chainHead: ChainHead = signChainHead(key, {
  position: 40,
  count: 40,
  head: 'c'.repeat(64),
  signedAt: '2025-01-09T00:00:00Z',
});

function bundle(n = 4, options: { chainHead?: ChainHead; key?: SigningKey } = {}): EvidenceBundle {
  return createEvidenceBundle({
    streamName: STREAM,
    events: events(n),
    key: options.key ?? key,
    tool: TOOL,
    exportedAt: '2025-01-10T00:00:00.000Z',
    ...(options.chainHead ? { chainHead: options.chainHead } : {}),
  });
}

/** A deep copy through JSON, as a bundle travels. */
const copy = (b: unknown): EvidenceBundle => JSON.parse(JSON.stringify(b)) as EvidenceBundle;

describe('createEvidenceBundle', () => {
  it('holds the events, the stream head signed with the key, and the chain head for reference', () => {
    const b = bundle(4, { chainHead });
    expect(b).toEqual({
      format: EVIDENCE_FORMAT,
      tool: TOOL,
      exportedAt: '2025-01-10T00:00:00.000Z',
      streamName: STREAM,
      events: events(4),
      streamHead: { version: 4, lastHash: events(4)[3]!.hash, eventCount: 4 },
      signature: {
        keyId: key.keyId,
        publicKey: publicKeyPem(key.publicKey),
        value: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/),
      },
      chainHead,
    });
  });

  it('leaves out a chain head signed by another key (the bundle’s key could not check it)', () => {
    const other = signChainHead(newKey(), {
      position: 1,
      count: 1,
      head: 'd'.repeat(64),
      signedAt: '2025-01-09T00:00:00Z',
    });
    expect(bundle(2, { chainHead: other })).not.toHaveProperty('chainHead');
  });

  it('an empty stream: the genesis value as its head', () => {
    const b = createEvidenceBundle({
      streamName: STREAM,
      events: [],
      key,
      tool: TOOL,
      exportedAt: '2025-01-10T00:00:00.000Z',
    });
    expect(b.streamHead).toEqual({ version: 0, lastHash: GENESIS_HASH, eventCount: 0 });
    expect(verifyEvidenceBundle(copy(b))).toEqual({ ok: true, keyId: key.keyId, events: 0 });
  });
});

describe('verifyEvidenceBundle', () => {
  it('a bundle verifies offline with the key it carries, or with the given key', () => {
    const b = copy(bundle(4, { chainHead }));
    expect(verifyEvidenceBundle(b)).toEqual({ ok: true, keyId: key.keyId, events: 4 });
    expect(verifyEvidenceBundle(b, publicKeyPem(key.publicKey))).toEqual({
      ok: true,
      keyId: key.keyId,
      events: 4,
    });
    // The private key PEM serves as well (its public part is used).
    expect(
      verifyEvidenceBundle(b, key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    ).toEqual(expect.objectContaining({ ok: true }));
  });

  it('with another key: wrong-key', () => {
    const other = newKey();
    expect(verifyEvidenceBundle(copy(bundle()), publicKeyPem(other.publicKey))).toEqual({
      ok: false,
      keyId: key.keyId,
      events: 4,
      issue: {
        kind: 'wrong-key',
        detail: 'the bundle is not signed by the given key, or its signed part was edited',
      },
    });
  });

  it('a bundle re-signed by someone else verifies only with their key, and says whose it is', () => {
    const forger = newKey();
    const forged = copy(bundle(4, { key: forger }));
    expect(verifyEvidenceBundle(forged)).toEqual({ ok: true, keyId: forger.keyId, events: 4 });
    expect(verifyEvidenceBundle(forged, publicKeyPem(key.publicKey))).toEqual(
      expect.objectContaining({ ok: false, issue: expect.objectContaining({ kind: 'wrong-key' }) }),
    );
  });

  it('an edited event: named by the stream chain', () => {
    const b = copy(bundle());
    (b.events[1]!.data as { promotionId: string }).promotionId = 'pr-X';
    expect(verifyEvidenceBundle(b)).toEqual(
      expect.objectContaining({
        ok: false,
        issue: expect.objectContaining({ kind: 'payload-changed', streamName: STREAM, version: 2 }),
      }),
    );
    const swapped = copy(bundle());
    [swapped.events[1], swapped.events[2]] = [
      { ...swapped.events[2]!, version: 2, position: 6 },
      { ...swapped.events[1]!, version: 3, position: 9 },
    ];
    expect(verifyEvidenceBundle(swapped).issue).toEqual(
      expect.objectContaining({ kind: 'events-reordered', version: 2 }),
    );
  });

  it('an event removed: the newest (head-truncated) or one in the middle (event-missing)', () => {
    const newest = copy(bundle());
    newest.events.pop();
    expect(verifyEvidenceBundle(newest).issue).toEqual(
      expect.objectContaining({ kind: 'head-truncated', version: 4 }),
    );
    const middle = copy(bundle());
    middle.events.splice(1, 1);
    expect(verifyEvidenceBundle(middle).issue).toEqual(
      expect.objectContaining({ kind: 'event-missing', version: 2 }),
    );
  });

  it('the events rewritten with recomputed hashes do not end in the signed stream head', () => {
    const b = copy(bundle());
    b.events = events(4).map((e) => ({
      ...e,
      metadata: { ...e.metadata, recordedAt: '2030-01-01T00:00:00.000Z' },
    }));
    let previousHash = GENESIS_HASH;
    for (const e of b.events) {
      e.hash = eventHash({ ...e, previousHash });
      previousHash = e.hash;
    }
    expect(verifyEvidenceBundle(b).issue).toEqual(
      expect.objectContaining({ kind: 'history-rewritten', version: 4 }),
    );
  });

  it('an event of another stream: event-inserted', () => {
    const b = copy(bundle());
    b.events[3] = { ...b.events[3]!, streamName: 'patent-other' };
    expect(verifyEvidenceBundle(b).issue).toEqual({
      kind: 'event-inserted',
      streamName: 'patent-other',
      version: 4,
      detail: 'an event of another stream is in the bundle',
    });
  });

  it.each([
    ['the stream head', (b: EvidenceBundle) => (b.streamHead.eventCount = 5)],
    ['the export instant', (b: EvidenceBundle) => (b.exportedAt = '2025-01-10T00:00:01.000Z')],
    ['the tool', (b: EvidenceBundle) => (b.tool = { ...b.tool, version: '0.1.1' })],
    ['the stream name', (b: EvidenceBundle) => (b.streamName = 'patent-other')],
    [
      'the signature',
      (b: EvidenceBundle) =>
        (b.signature.value = `${b.signature.value.slice(0, 10)}${b.signature.value[10] === 'A' ? 'B' : 'A'}${b.signature.value.slice(11)}`),
    ],
  ])('an edit of %s: signature-invalid', (_what, edit) => {
    const b = copy(bundle());
    edit(b);
    expect(verifyEvidenceBundle(b)).toEqual(
      expect.objectContaining({ ok: false, issue: expect.objectContaining({ kind: 'signature-invalid' }) }),
    );
  });

  it('the key id or the public key it names edited: signature-invalid', () => {
    const b = copy(bundle());
    b.signature.keyId = '0000000000000000';
    expect(verifyEvidenceBundle(b).issue).toEqual({
      kind: 'signature-invalid',
      detail: `the bundle names key 0000000000000000, but it is signed by key ${key.keyId}`,
    });
    const c = copy(bundle());
    c.signature.publicKey = c.signature.publicKey.replace('\n', '\r\n');
    expect(verifyEvidenceBundle(c).issue).toEqual({
      kind: 'signature-invalid',
      detail: 'the public key the bundle carries was edited',
    });
    expect(verifyEvidenceBundle(c, publicKeyPem(key.publicKey)).issue).toEqual(
      expect.objectContaining({ kind: 'wrong-key' }),
    );
  });

  it('the chain head edited, or removed and replaced by another key’s: signature-invalid', () => {
    const b = copy(bundle(4, { chainHead }));
    b.chainHead!.count = 41;
    expect(verifyEvidenceBundle(b).issue).toEqual(
      expect.objectContaining({
        kind: 'signature-invalid',
        detail: expect.stringContaining('the chain head included for reference'),
      }),
    );
    const c = copy(bundle(4, { chainHead }));
    c.chainHead = signChainHead(newKey(), {
      position: 40,
      count: 40,
      head: 'c'.repeat(64),
      signedAt: '2025-01-09T00:00:00Z',
    });
    expect(verifyEvidenceBundle(c).ok).toBe(false);
    const d = copy(bundle(4));
    expect(verifyEvidenceBundle({ ...d, chainHead: null }).ok).toBe(false);
  });

  it.each([
    ['null', null],
    ['a string', 'bundle'],
    ['another format', { ...bundle(), format: 'patent-ledger-evidence/0' }],
    ['events that are not a list', { ...bundle(), events: {} }],
    ['an event that is not an object', { ...bundle(), events: [null] }],
    ['no signature', { ...bundle(), signature: undefined }],
  ])('%s: malformed, never a throw', (_what, value) => {
    expect(verifyEvidenceBundle(copy(value))).toEqual(
      expect.objectContaining({ ok: false, issue: expect.objectContaining({ kind: 'malformed' }) }),
    );
  });

  it('a member it does not know (a renamed one, say): malformed', () => {
    const b = copy(bundle(2, { chainHead })) as unknown as Record<string, unknown>;
    b['chainHeaf'] = b['chainHead'];
    delete b['chainHead'];
    expect(verifyEvidenceBundle(b).issue).toEqual({
      kind: 'malformed',
      detail: 'unexpected member chainHeaf',
    });
    const c = copy(bundle(2)) as unknown as { events: Record<string, unknown>[] };
    c.events[1]!['positiom'] = c.events[1]!['position'];
    delete c.events[1]!['position'];
    expect(verifyEvidenceBundle(c).issue).toEqual({
      kind: 'malformed',
      detail: 'unexpected member events[1].positiom',
    });
  });

  it('a public key that is not one: malformed', () => {
    const b = copy(bundle());
    b.signature.publicKey = 'not a key';
    expect(verifyEvidenceBundle(b).issue).toEqual(expect.objectContaining({ kind: 'malformed' }));
    expect(verifyEvidenceBundle(copy(bundle()), 'nope').issue).toEqual(
      expect.objectContaining({ kind: 'malformed' }),
    );
  });

  it('events of an odd shape are reported, not thrown', () => {
    const b = copy(bundle());
    (b.events[2] as unknown as Record<string, unknown>)['data'] = undefined;
    (b.events[0] as unknown as Record<string, unknown>)['version'] = 'one';
    expect(() => verifyEvidenceBundle(b)).not.toThrow();
    expect(verifyEvidenceBundle(b).ok).toBe(false);
  });

  it('the limit: an event’s log position is covered by neither the stream hash nor the signature', () => {
    const b = copy(bundle());
    b.events[1]!.position = 7; // still between its neighbours (3 and 9)
    expect(verifyEvidenceBundle(b).ok).toBe(true);
    b.events[1]!.position = 10; // out of order: found
    expect(verifyEvidenceBundle(b).issue).toEqual(expect.objectContaining({ kind: 'events-reordered' }));
  });
});
