/**
 * The auditor endpoints over HTTP (the real application on a temporary SQLite file, as the e2e
 * suites build it): GET /patents/{id}/verify before and after tampering with the store's rows,
 * GET /patents/{id}/evidence checked offline with verifyEvidenceBundle, and
 * GET /patents/{id}/provenance naming the event that last set each field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  keyIdOf,
  loadPublicKey,
  loadSigningKey,
  publicKeyPem,
  verifyEvidenceBundle,
  type EventStore,
} from '@patent-ledger/eventsourcing';
import { verifyConsistency, verifyTransparentBundle, type TreeHead } from '@patent-ledger/transparency';
import { ChainService } from '../../apps/api/src/chain/chain.service';
import { SqliteEventStore, ThreadedSqliteEventStore } from '@patent-ledger/store-sqlite';
import { EVENT_STORE } from '../../apps/api/src/ledger/tokens';
import {
  actors,
  EXAMPLES,
  inventory,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from '../e2e/harness';
import { sqliteRaw, tamper } from './ledger-fixture';

const N = EXAMPLES.inventory.applicationNumber;
const P = `/patents/${N}`;
const STREAM = `patent-${N}`;

let h: Harness;

async function post(
  path: string,
  body: unknown,
  actor: Record<string, string> = actors.institution,
): Promise<void> {
  const res = await send(h, 'post', path, body, { headers: actor });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** The api's SQLite store (its writes in a thread of their own by default). */
function store(): SqliteEventStore | ThreadedSqliteEventStore {
  const s = h.app().get<EventStore>(EVENT_STORE);
  if (!(s instanceof SqliteEventStore || s instanceof ThreadedSqliteEventStore))
    throw new Error('the harness does not run on SQLite');
  return s;
}

beforeEach(async () => {
  h = await startHarness();
  await registerInstitution(h);
  await inventory(h, N);
  await post(`${P}/intent`, EXAMPLES.intent);
  await post(`${P}/evaluations`, EXAMPLES.evaluation, actors.enterprise);
  await post(`${P}/transfers`, EXAMPLES.transfer);
  await post(`${P}/transfers/${EXAMPLES.transfer.dealId}/registration`, EXAMPLES.transferRegistration);
});

afterEach(async () => {
  await h.close();
});

describe('GET /patents/{id}/verify', () => {
  it('an untouched patent: ok, with its events, version and last hash', async () => {
    const res = await h.http().get(`${P}/verify`);
    expect(res.status).toBe(200);
    const last = (await store().readStream(STREAM)).at(-1)!;
    expect(res.body).toEqual({
      applicationNumber: N,
      streamName: STREAM,
      ok: true,
      events: 5,
      version: 5,
      lastHash: last.hash,
    });
  });

  it('a payload byte changed in the database: ok false, payload-changed at that version', async () => {
    await tamper.changePayload(
      sqliteRaw(store()),
      STREAM,
      3,
      '"industrializationProspect":4',
      '"industrializationProspect":5',
    );
    const res = await h.http().get(`${P}/verify`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      expect.objectContaining({
        ok: false,
        issue: expect.objectContaining({
          kind: 'payload-changed',
          streamName: STREAM,
          version: 3,
          detail: 'the stored EnterpriseEvaluated at version 3 no longer matches its hash',
        }),
      }),
    );
  });

  it('an event deleted in the middle: event-missing; the newest deleted: head-truncated', async () => {
    const raw = sqliteRaw(store());
    await tamper.deleteNewest(raw, STREAM, false);
    let res = await h.http().get(`${P}/verify`);
    expect(res.body).toEqual(
      expect.objectContaining({
        ok: false,
        issue: expect.objectContaining({ kind: 'head-truncated', version: 5 }),
      }),
    );
    await tamper.deleteEvent(raw, STREAM, 2);
    res = await h.http().get(`${P}/verify`);
    expect(res.body).toEqual(
      expect.objectContaining({
        ok: false,
        issue: expect.objectContaining({ kind: 'event-missing', version: 2 }),
      }),
    );
  });

  it('an unknown patent: 404', async () => {
    const res = await h.http().get('/patents/201710601863.8/verify');
    expect(res.status).toBe(404);
  });
});

describe('GET /patents/{id}/evidence', () => {
  it('is a bundle that verifies offline with the ledger’s key, each event proven in a signed, witnessed tree head', async () => {
    const res = await h.http().get(`${P}/evidence`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="evidence-${N}.json"`);
    const key = loadSigningKey(readFileSync(h.config.signingKeyFile!, 'utf8'));
    expect(verifyEvidenceBundle(res.body)).toEqual({ ok: true, keyId: key.keyId, events: 5 });
    const checked = verifyTransparentBundle(res.body, { publicKeyPem: publicKeyPem(key.publicKey) });
    expect(checked).toEqual(
      expect.objectContaining({ ok: true, keyId: key.keyId, events: 5, signerVerified: true }),
    );
    // The events were newer than any head: the api signed one (6 events: the institution and the patent's 5).
    expect(checked.treeHead).toEqual(expect.objectContaining({ treeSize: 6 }));
    const witnessed = readFileSync(join(h.config.witnessDir!, 'heads.jsonl'), 'utf8').trim().split('\n');
    expect(JSON.parse(witnessed.at(-1)!)).toEqual(
      (res.body as { transparency: { treeHead: unknown } }).transparency.treeHead,
    );
  });

  it('of a stream whose chain is broken: 409, nothing signed', async () => {
    await tamper.changePayload(sqliteRaw(store()), STREAM, 4, '"price":"650000.00"', '"price":"65000.00"');
    const res = await h.http().get(`${P}/evidence`);
    expect(res.status).toBe(409);
    expect(res.body).toEqual(
      expect.objectContaining({
        code: 'EVIDENCE.CHAIN_BROKEN',
        errors: [expect.objectContaining({ field: 'payload-changed' })],
      }),
    );
    expect((await h.http().get(`${P}/verify`)).body).toEqual(expect.objectContaining({ ok: false }));
  });
});

describe('GET /chain/*: the transparency log', () => {
  const chain = () => h.app().get(ChainService);

  it('key: the public key and its id, as the .pub file beside the signing key', async () => {
    const res = await h.http().get('/chain/key');
    expect(res.status).toBe(200);
    const pub = readFileSync(`${h.config.signingKeyFile!}.pub`, 'utf8');
    expect(res.body).toEqual({
      keyId: keyIdOf(loadPublicKey(pub)),
      algorithm: 'Ed25519',
      publicKey: pub,
      jwk: expect.objectContaining({
        kty: 'OKP',
        crv: 'Ed25519',
        alg: 'EdDSA',
        kid: keyIdOf(loadPublicKey(pub)),
      }),
    });
    expect((await h.anonymous().get('/chain/key')).status).toBe(401);
  });

  it('heads/latest, heads?from= and consistency?from=&to=: linked heads and a proof that verifies', async () => {
    await chain().record();
    const first = await h.http().get('/chain/heads/latest');
    expect(first.status).toBe(200);
    expect(first.body).toEqual(
      expect.objectContaining({
        treeSize: 6,
        lastPosition: 6,
        headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    );
    await registerInstitution(h, 'sxu'); // one more event in the log
    await chain().record();
    const second = (await h.http().get('/chain/heads/latest')).body as TreeHead & { headHash: string };
    expect(second.treeSize).toBe(7);
    expect(second.previousHeadHash).toBe(first.body.headHash);

    const list = await h.http().get('/chain/heads?from=0&limit=1');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ heads: [first.body], next: 7 });
    expect((await h.http().get('/chain/heads?from=7')).body).toEqual({ heads: [second] });
    expect((await h.http().get('/chain/heads?from=-1')).status).toBe(400);

    const proof = await h.http().get('/chain/consistency?from=6&to=7');
    expect(proof.status).toBe(200);
    expect(proof.body).toEqual({ from: 6, to: 7, proof: expect.any(Array), toHead: second });
    const path = (proof.body as { proof: string[] }).proof.map((x) => Buffer.from(x, 'hex'));
    const root = (hex: string) => Buffer.from(hex, 'hex');
    expect(verifyConsistency(6, 7, root(first.body.rootHash), root(second.rootHash), path)).toBe(true);
    expect(verifyConsistency(6, 7, root(second.rootHash), root(second.rootHash), path)).toBe(false);
    expect((await h.http().get('/chain/consistency?from=6&to=8')).status).toBe(400);
    expect((await h.http().get('/chain/consistency?from=8&to=7')).status).toBe(400);
    expect((await h.http().get('/chain/consistency')).status).toBe(400);
    // The heads file holds the same heads, in order.
    const lines = readFileSync(join(h.config.witnessDir!, 'heads.jsonl'), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as TreeHead).treeSize)).toEqual([6, 7]);
  });

  it('health reports the log’s state', async () => {
    await chain().record();
    const res = await h.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body.chain).toEqual(
      expect.objectContaining({
        state: 'ok',
        treeSize: 6,
        witnesses: [expect.objectContaining({ required: true, ok: true, pending: 0 })],
      }),
    );
  });
});

describe('GET /patents/{id}/provenance', () => {
  it('names, for each field, the event that last set it', async () => {
    const res = await h.http().get(`${P}/provenance`);
    expect(res.status).toBe(200);
    const body = res.body as {
      version: number;
      state: Record<string, unknown>;
      fields: Record<string, { eventType: string; version: number; businessDate: string; actor: unknown }>;
    };
    expect(body.version).toBe(5);
    expect(body.state['holder']).toEqual(
      expect.objectContaining({
        kind: 'enterprise',
        id: EXAMPLES.transfer.assigneeId,
        since: EXAMPLES.transferRegistration.registeredOn,
      }),
    );
    expect(body.fields['holder']).toEqual(
      expect.objectContaining({
        eventType: 'TransferRegistered',
        version: 5,
        businessDate: EXAMPLES.transferRegistration.registeredOn,
      }),
    );
    expect(body.fields['title']).toEqual(
      expect.objectContaining({ eventType: 'PatentInventoried', version: 1 }),
    );
    expect(body.fields['evaluations']).toEqual(
      expect.objectContaining({
        eventType: 'EnterpriseEvaluated',
        version: 3,
        actor: { role: 'enterprise', orgId: 'sx-coal-materials', userId: 'li.ming' },
      }),
    );
    expect(body.fields['inPool']).toEqual(expect.objectContaining({ eventType: 'TransferRegistered' }));
    expect(body.fields['transfers']).toEqual(expect.objectContaining({ eventType: 'TransferRegistered' }));
  });
});
