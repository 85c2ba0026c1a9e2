/**
 * The limits of `POST /patents/batch` (issue 12, item 5): an over-long line is a per-line error and
 * the rest of the batch is imported; an upload over the total size or line count is 413 and imports
 * nothing.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  actors,
  applicationNumber,
  expectProblem,
  headPosition,
  inventoryBody,
  registerInstitution,
  startHarness,
  type Harness,
} from './harness';

const ndjson = (rows: unknown[]): string =>
  rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

const upload = (h: Harness, body: string) =>
  h
    .http()
    .post('/patents/batch')
    .set(actors.institution)
    .set('Content-Type', 'application/x-ndjson')
    .send(body);

const resultsOf = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('an over-long line', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LEDGER_BATCH_MAX_LINE_BYTES: '4096' } });
    await registerInstitution(h);
  });
  afterAll(() => h?.close());

  it('is rejected on its own (BATCH.LINE_TOO_LONG), and the lines around it are imported', async () => {
    const before = await headPosition(h);
    const long = inventoryBody(applicationNumber(2019, 1, 750002), { title: '长'.repeat(3000) }); // ~9 kB in UTF-8
    const res = await upload(
      h,
      ndjson([
        inventoryBody(applicationNumber(2019, 1, 750001)),
        long,
        inventoryBody(applicationNumber(2019, 1, 750003)),
        { ...long, applicationNumber: applicationNumber(2019, 1, 750004) },
      ]),
    );
    expect(res.status).toBe(200);
    const lines = resultsOf(res.text);
    expect(lines.slice(0, -1).map((r) => `${r['row']} ${r['status']} ${r['code'] ?? ''}`)).toEqual([
      '1 imported ',
      '2 rejected BATCH.LINE_TOO_LONG',
      '3 imported ',
      '4 rejected BATCH.LINE_TOO_LONG',
    ]);
    expect(lines[1]!['message']).toMatch(/line 2 is longer than 4096 bytes/);
    expect(lines[lines.length - 1]).toMatchObject({ summary: { rows: 4, imported: 2, rejected: 2 } });
    expect(await headPosition(h)).toBe(before + 2);
  });
});

describe('an upload over the limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { LEDGER_BATCH_MAX_LINES: '5', LEDGER_BATCH_MAX_BYTES: '8192' } });
    await registerInstitution(h);
  });
  afterAll(() => h?.close());

  const rows = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => inventoryBody(applicationNumber(2019, 1, from + i)));

  it('five lines pass; six are 413 REQUEST.TOO_LARGE and import nothing', async () => {
    const ok = await upload(h, ndjson(rows(5, 751001)));
    expect(ok.status).toBe(200);
    expect(resultsOf(ok.text).at(-1)).toMatchObject({ summary: { imported: 5 } });
    const before = await headPosition(h);
    const res = await upload(h, ndjson(rows(6, 752001)));
    expectProblem(res, 413, 'REQUEST.TOO_LARGE');
    expect((res.body as { detail: string }).detail).toMatch(/more than 5 lines/);
    expect(await headPosition(h)).toBe(before);
  });

  it('a body declared larger than LEDGER_BATCH_MAX_BYTES is 413 before it is read', async () => {
    const before = await headPosition(h);
    const body = ndjson(rows(3, 753001)).padEnd(9000, '\n');
    const res = await upload(h, body);
    expectProblem(res, 413, 'REQUEST.TOO_LARGE');
    expect((res.body as { detail: string }).detail).toMatch(/exceeds 8192 bytes/);
    expect(await headPosition(h)).toBe(before);
  });

  it('a chunked body (no Content-Length) that grows past it is 413 too, and imports nothing', async () => {
    const before = await headPosition(h);
    const server = h.app().getHttpServer() as import('node:http').Server;
    if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/patents/batch',
          headers: {
            ...actors.institution,
            'Content-Type': 'application/x-ndjson',
            'Transfer-Encoding': 'chunked',
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      // Three valid lines, then blank lines past 8 KiB (under the line limit: only the size is over).
      req.write(ndjson(rows(3, 754001)));
      req.write(' '.repeat(9000));
      req.end('\n');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'REQUEST.TOO_LARGE' });
    expect(await headPosition(h)).toBe(before);
  });
});

describe('a line with what no text may hold', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await registerInstitution(h);
  });
  afterAll(() => h?.close());

  it('is rejected on its own, naming the field; the other lines are imported', async () => {
    const before = await headPosition(h);
    const deep = JSON.stringify(inventoryBody(applicationNumber(2019, 1, 755005))).replace(
      /"ipc":\[[^\]]*\]/,
      `"ipc":${'['.repeat(40)}${']'.repeat(40)}`,
    );
    const res = await upload(
      h,
      ndjson([
        inventoryBody(applicationNumber(2019, 1, 755001), { title: 'a\u0000b' }),
        inventoryBody(applicationNumber(2019, 1, 755002)),
        inventoryBody(applicationNumber(2019, 1, 755003), { inventors: ['王磊', 'x\u202Ey'] }),
        JSON.stringify(inventoryBody(applicationNumber(2019, 1, 755004))).replace(
          /^\{/,
          '{"__proto__":{"a":1},',
        ),
        deep,
        inventoryBody(applicationNumber(2019, 1, 755006), { title: '一种材料 🔬' }),
      ]),
    );
    expect(res.status).toBe(200);
    const lines = resultsOf(res.text);
    expect(lines.slice(0, -1).map((r) => `${r['row']} ${r['status']} ${r['code'] ?? ''}`)).toEqual([
      '1 rejected REQUEST.VALIDATION_FAILED',
      '2 imported ',
      '3 rejected REQUEST.VALIDATION_FAILED',
      '4 rejected REQUEST.VALIDATION_FAILED',
      '5 rejected REQUEST.TOO_DEEP',
      '6 imported ',
    ]);
    expect(lines[0]!['message']).toMatch(/^title contains the control character U\+0000/);
    expect(lines[2]!['message']).toMatch(/^inventors\[1\] contains the bidirectional control U\+202E/);
    expect(lines[3]!['message']).toBe('__proto__ is not a known field');
    expect(await headPosition(h)).toBe(before + 2);
  });
});
