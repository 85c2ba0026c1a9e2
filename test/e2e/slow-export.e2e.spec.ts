/**
 * No request stalls the others: while a CSV export of the whole audit trail (100,000 events) runs,
 * `/health` keeps answering, because the export is written in chunks that yield to the event loop.
 *
 * The test records, in the server itself, the order in which export chunks are written and `/health`
 * answers are sent. A yielding export interleaves them: many answers fall between two chunks of the
 * export. An export that holds the loop writes all its chunks in one turn, so no answer falls between
 * its first and last chunk, however fast or slow the machine: no wall-clock threshold is involved.
 * And it counts event-loop turns: a yielding export writes at most two chunks in one turn, so a stall
 * of any length (one page written at once, half the export) is caught, not only a whole-export one.
 * Latencies are reported, not asserted.
 */
import { ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyProvince, generateProvince, importInventory, writeInventoryFile } from '@patent-ledger/bulk';
import type { EventStore } from '@patent-ledger/eventsourcing';
import { EVENT_STORE } from '../../apps/api/src/ledger/tokens';
import { headPosition, startHarness, type Harness } from './harness';

const EVENTS = 100_000;

let h: Harness;
let scratch: string;
beforeAll(async () => {
  h = await startHarness();
  scratch = await mkdtemp(join(tmpdir(), 'patent-ledger-export-'));
  // 100,000 inventoried patents of 8 registered institutions: one event each, and their registrations.
  const province = generateProvince({ patents: EVENTS, institutions: 8, seed: 12 });
  const store = h.app().get<EventStore>(EVENT_STORE);
  await applyProvince(store, { ...province, patentCount: 0, patents: function* () {} });
  const file = join(scratch, 'province.csv');
  await writeInventoryFile(file, province.patents(), 'csv');
  const imported = await importInventory(store, file, { batchSize: 5000 });
  expect(imported.imported).toBe(EVENTS);
  const head = await headPosition(h);
  for (let i = 0; ; i++) {
    const res = await h.http().get('/projections');
    const audit = (res.body.projections as { name: string; position: number }[]).find(
      (p) => p.name === 'audit',
    )!;
    if (audit.position >= head) break;
    if (i > 1200) throw new Error(`the audit trail did not catch up: ${audit.position} of ${head}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 600_000);
afterAll(async () => {
  await h?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Milliseconds one GET /health takes. */
async function healthLatency(): Promise<number> {
  const t = performance.now();
  const res = await h.anonymous().get('/health');
  expect(res.status).toBe(200);
  return performance.now() - t;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

it('GET /health answers promptly while a 100 k-event CSV export of the audit trail runs', async () => {
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) idle.push(await healthLatency());

  // The server's own order of events: 'C' an export chunk written, 'H' a /health answer sent.
  const order: ('C' | 'H')[] = [];
  // Event-loop turns, counted by an immediate that re-arms itself: each export chunk is stamped with
  // the turn it was written in. An export that yields writes a chunk or two per turn; one that holds
  // the loop for any stretch (a page, half the export, all of it) writes many in one turn.
  let turn = 0;
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const chunksPerTurn = new Map<number, number>();
  const originalWrite = ServerResponse.prototype.write;
  const originalEnd = ServerResponse.prototype.end;
  const urlOf = (r: ServerResponse) => (r as ServerResponse & { req?: { url?: string } }).req?.url ?? '';
  const write = jest.spyOn(ServerResponse.prototype, 'write').mockImplementation(function (
    this: ServerResponse,
    ...args: unknown[]
  ) {
    if (urlOf(this).startsWith('/audit')) {
      order.push('C');
      chunksPerTurn.set(turn, (chunksPerTurn.get(turn) ?? 0) + 1);
    }
    return originalWrite.apply(this, args as never);
  });
  const end = jest.spyOn(ServerResponse.prototype, 'end').mockImplementation(function (
    this: ServerResponse,
    ...args: unknown[]
  ) {
    if (urlOf(this).startsWith('/health')) order.push('H');
    return originalEnd.apply(this, args as never) as ServerResponse;
  });

  let exporting = true;
  const started = performance.now();
  const exported = h
    .http()
    .get('/audit')
    .query({ format: 'csv' })
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => done(null, text));
    })
    .then((res) => {
      exporting = false;
      return res;
    });
  const during: number[] = [];
  while (exporting) {
    const latency = await healthLatency();
    if (exporting) during.push(latency);
  }
  const res = await exported;
  const took = performance.now() - started;
  write.mockRestore();
  end.mockRestore();
  ticking = false;
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  const lines = (res.body as string).split('\r\n').filter((l) => l.length > 0);
  expect(lines.length).toBeGreaterThanOrEqual(EVENTS + 1); // the header, then at least every import event

  // /health answers the server sent between the export's first and last chunk.
  const first = order.indexOf('C');
  const last = order.lastIndexOf('C');
  const between = first < 0 ? 0 : order.slice(first, last).filter((x) => x === 'H').length;
  // Turns between export and /health in that span: a non-yielding export has none.
  let switches = 0;
  for (let i = Math.max(first, 0) + 1; i <= last; i++) if (order[i] !== order[i - 1]) switches++;
  const report = {
    exportMs: Math.round(took),
    chunks: order.filter((x) => x === 'C').length,
    healthAnswersDuringExport: between,
    switches,
    mostChunksInOneTurn: Math.max(0, ...chunksPerTurn.values()),
    probes: during.length,
    idleMedianMs: Math.round(median(idle)),
    duringMedianMs: during.length ? Math.round(median(during)) : undefined,
    duringMaxMs: during.length ? Math.round(Math.max(...during)) : undefined,
  };
  process.stdout.write(`slow export: ${JSON.stringify(report)}\n`);
  expect({
    ...report,
    interleaved: between >= 5 && switches >= 10,
    neverHeldTheLoop: report.mostChunksInOneTurn <= 2,
  }).toEqual({ ...report, interleaved: true, neverHeldTheLoop: true });
}, 300_000);
