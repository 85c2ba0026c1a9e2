/**
 * Large documents are written in chunks that yield to the event loop: the evidence bundle of a patent
 * with thousands of events (each with its inclusion proof) and its raw event stream. The bundle is
 * the same document as before (verify-bundle accepts it), and `/health` keeps answering while it is
 * written: the server's own order of writes shows /health answers between the bundle's chunks (a
 * bundle written in one turn of the loop has none), with no wall-clock threshold.
 */
import { ServerResponse } from 'node:http';
import type { EventStore, NewEvent } from '@patent-ledger/eventsourcing';
import { verifyTransparentBundle } from '@patent-ledger/transparency';
import { ChainService } from '../../apps/api/src/chain/chain.service';
import { EVENT_STORE } from '../../apps/api/src/ledger/tokens';
import { inventory, registerInstitution, startHarness, type Harness } from './harness';

const AN = '201710601862.3';
const STREAM = `patent-${AN}`;
const EXTRA = 5000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await registerInstitution(h);
  await inventory(h, AN);
  const store = h.app().get<EventStore>(EVENT_STORE);
  const [first] = await store.readStream(STREAM);
  let version = 1;
  for (let i = 0; i < EXTRA; i += 500) {
    const batch: NewEvent[] = Array.from({ length: Math.min(500, EXTRA - i) }, (_, j) => ({
      type: 'EnterpriseEvaluated',
      data: {
        applicationNumber: AN,
        evaluationId: `ev-${i + j}`,
        enterpriseId: 'ent-a',
        enterpriseName: 'Taiyuan Heavy Machinery',
        enterpriseCategory: 'high-tech',
        industrializationProspect: 1 + ((i + j) % 5),
        improvementNeeds: { level: 'minor' },
        cooperationWillingness: 'license',
        occurredOn: '2025-05-01',
      },
      metadata: {
        ...first!.metadata,
        eventId: `bulk-ev-${i + j}`,
        commandId: `bulk-${i}`,
        correlationId: `bulk-${i}`,
        causationId: `bulk-${i}`,
        recordedAt: '2025-06-01T04:00:00.000Z',
      },
    }));
    await store.append(STREAM, batch, { expectedVersion: version });
    version += batch.length;
  }
  // A signed tree head over every event.
  await h.app().get(ChainService).record();
}, 120_000);
afterAll(() => h?.close());

/** Fetches `path` while probing /health; returns the body text and the server's order of writes. */
async function whileProbing(path: string) {
  const order: ('C' | 'H')[] = [];
  const originalWrite = ServerResponse.prototype.write;
  const originalEnd = ServerResponse.prototype.end;
  const urlOf = (r: ServerResponse) => (r as ServerResponse & { req?: { url?: string } }).req?.url ?? '';
  const write = jest.spyOn(ServerResponse.prototype, 'write').mockImplementation(function (
    this: ServerResponse,
    ...args: unknown[]
  ) {
    if (urlOf(this).startsWith(path)) order.push('C');
    return originalWrite.apply(this, args as never);
  });
  const end = jest.spyOn(ServerResponse.prototype, 'end').mockImplementation(function (
    this: ServerResponse,
    ...args: unknown[]
  ) {
    if (urlOf(this).startsWith(path)) order.push('C');
    if (urlOf(this).startsWith('/health')) order.push('H');
    return originalEnd.apply(this, args as never) as ServerResponse;
  });
  let done = false;
  try {
    const fetched = h
      .http()
      .get(path)
      .buffer(true)
      .parse((res, cb) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => cb(null, text));
      })
      .then((res) => {
        done = true;
        return res;
      });
    while (!done) expect((await h.anonymous().get('/health')).status).toBe(200);
    const res = await fetched;
    const first = order.indexOf('C');
    const last = order.lastIndexOf('C');
    const between = order.slice(first, last).filter((x) => x === 'H').length;
    return { res, text: res.body as string, chunks: order.filter((x) => x === 'C').length, between };
  } finally {
    write.mockRestore();
    end.mockRestore();
  }
}

it(`GET /patents/{id}/evidence of ${EXTRA + 1} events streams a bundle verify-bundle accepts, /health answering meanwhile`, async () => {
  const publicKeyPem = (await h.http().get('/chain/key')).body.publicKey as string;
  const { res, text, chunks, between } = await whileProbing(`/patents/${AN}/evidence`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['content-disposition']).toBe(`attachment; filename="evidence-${AN}.json"`);
  const bundle = JSON.parse(text) as { events: unknown[]; transparency: { inclusion: unknown[] } };
  expect(bundle.events).toHaveLength(EXTRA + 1);
  expect(bundle.transparency.inclusion).toHaveLength(EXTRA + 1);
  // The same bytes as the document serialized at once.
  expect(text).toBe(JSON.stringify(bundle));
  expect(verifyTransparentBundle(bundle, { publicKeyPem })).toMatchObject({
    ok: true,
    events: EXTRA + 1,
    signerVerified: true,
  });
  expect({ chunks, between, interleaved: chunks > 10 && between >= 2 }).toEqual({
    chunks,
    between,
    interleaved: true,
  });
}, 120_000);

it(`GET /patents/{id}/events?limit=10000 streams every event, /health answering meanwhile`, async () => {
  const { res, text, chunks, between } = await whileProbing(`/patents/${AN}/events?limit=10000`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  const body = JSON.parse(text) as {
    applicationNumber: string;
    streamName: string;
    events: { version: number }[];
  };
  expect(Object.keys(body)).toEqual(['applicationNumber', 'streamName', 'events']);
  expect(body.events.map((e) => e.version)).toEqual(Array.from({ length: EXTRA + 1 }, (_, i) => i + 1));
  expect(text).toBe(JSON.stringify(body));
  expect({ chunks, between, interleaved: chunks > 10 && between >= 2 }).toEqual({
    chunks,
    between,
    interleaved: true,
  });
}, 120_000);
