/**
 * Hardening (issue 12, item 5): text that is not plain text, prototype keys and deep nesting are 400
 * problems naming the field, never a 500, and nothing is appended; a new ledger's files are the
 * owner's only.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  actors,
  applicationNumber,
  EXAMPLES,
  eventsOf,
  expectProblem,
  headPosition,
  inventory,
  inventoryBody,
  pooledPatent,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await registerInstitution(h);
});
afterAll(() => h?.close());

/** POSTs a raw JSON text (to send what JSON.stringify of an object cannot). */
const postRaw = (path: string, json: string, headers: Record<string, string> = actors.institution) =>
  h.http().post(path).set(headers).set('Content-Type', 'application/json').send(json);

describe('text fields', () => {
  it.each([
    ['NUL', { title: 'a\u0000b' }, 'title', /U\+0000/],
    ['BEL (another C0 control)', { title: 'bell\u0007' }, 'title', /U\+0007/],
    ['ESC in an array element', { inventors: ['王磊', 'x\u001b[31m'] }, 'inventors[1]', /U\+001B/],
    ['DEL', { applicationScenarios: ['ok', '\u007f'] }, 'applicationScenarios[1]', /U\+007F/],
    ['a lone high surrogate', { title: 'broken \ud83d text' }, 'title', /lone surrogate U\+D83D/],
    ['a lone low surrogate', { inventors: ['\ude00'] }, 'inventors[0]', /lone surrogate U\+DE00/],
    ['a right-to-left override', { title: 'abc\u202Edcba' }, 'title', /bidirectional control U\+202E/],
    ['a first-strong isolate', { title: '\u2068x' }, 'title', /bidirectional control U\+2068/],
  ])('%s is 400 naming the field, and nothing is appended', async (_what, overrides, field, message) => {
    const n = applicationNumber(2018, 1, 730001);
    const head = await headPosition(h);
    const res = await send(h, 'post', '/patents', inventoryBody(n, overrides), {
      headers: actors.institution,
    });
    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED', [field]);
    expect((res.body as { errors: { message: string }[] }).errors[0]!.message).toMatch(message);
    expect(await headPosition(h)).toBe(head);
    expect(await eventsOf(h, n)).toEqual([]);
  });

  it('in a nested field too (improvementNeeds.notes of an evaluation)', async () => {
    const n = applicationNumber(2018, 1, 730002);
    await pooledPatent(h, n);
    const res = await send(
      h,
      'post',
      `/patents/${n}/evaluations`,
      { ...EXAMPLES.evaluation, improvementNeeds: { level: 'pilot-needed', notes: '需中试\u202E验证' } },
      { headers: actors.enterprise },
    );
    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED', ['improvementNeeds.notes']);
  });

  it('line breaks, tabs, emoji (a proper surrogate pair) and Chinese text are kept', async () => {
    const n = applicationNumber(2018, 1, 730003);
    await inventory(h, n, { title: '一种材料\t及其制备方法 🔬' });
    const [event] = await eventsOf(h, n);
    expect(event!.data['title']).toBe('一种材料\t及其制备方法 🔬');
    const res = await send(
      h,
      'post',
      `/patents/${n}/intent`,
      { ...EXAMPLES.intent, screening: { ...EXAMPLES.intent.screening, reason: '第一行\n第二行\r\n第三行' } },
      { headers: actors.institution },
    );
    expect(res.status).toBe(201);
  });
});

describe('prototype keys', () => {
  it.each(['__proto__', 'constructor', 'prototype'])(
    'a %s key is refused as unknown (400 naming it)',
    async (key) => {
      const n = applicationNumber(2018, 1, 730004);
      const body = JSON.stringify(inventoryBody(n)).replace(/^\{/, `{"${key}":{"admin":true},`);
      const head = await headPosition(h);
      const res = await postRaw('/patents', body);
      expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED', [key]);
      expect((res.body as { errors: { message: string }[] }).errors[0]!.message).toBe(
        `${key} is not a known field`,
      );
      expect(await headPosition(h)).toBe(head);
    },
  );

  it('nested as well (highValueFlags.__proto__)', async () => {
    const n = applicationNumber(2018, 1, 730005);
    const body = JSON.stringify(inventoryBody(n)).replace(
      '"highValueFlags":{',
      '"highValueFlags":{"__proto__":{"polluted":true},',
    );
    const res = await postRaw('/patents', body);
    expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED', ['highValueFlags.__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('nesting depth', () => {
  it.each([
    ['20 levels', 20],
    ['100,000 levels', 100_000],
  ])('%s of arrays in a field: 400 REQUEST.TOO_DEEP naming where, not 500', async (_what, depth) => {
    const n = applicationNumber(2018, 1, 730006);
    const body = JSON.stringify(inventoryBody(n)).replace(
      /"ipc":\[[^\]]*\]/,
      `"ipc":${'['.repeat(depth)}${']'.repeat(depth)}`,
    );
    const head = await headPosition(h);
    const res = await postRaw('/patents', body);
    expectProblem(res, 400, 'REQUEST.TOO_DEEP');
    const [error] = (res.body as { errors: { field: string; message: string }[] }).errors;
    expect(error!.field).toMatch(/^ipc(\[0\])+$/);
    expect(error!.message).toMatch(/deeper than 16 levels/);
    expect(await headPosition(h)).toBe(head);
  });

  it('the deepest real body (3 levels) passes', async () => {
    const n = applicationNumber(2018, 1, 730007);
    await pooledPatent(h, n);
    const res = await send(h, 'post', `/patents/${n}/evaluations`, EXAMPLES.evaluation, {
      headers: actors.enterprise,
    });
    expect(res.status).toBe(201);
  });
});

describe('data files', () => {
  it('a new ledger is created owner-only: folders 0700, the databases and their WAL files 0600', async () => {
    const root = await mkdtemp(join(tmpdir(), 'patent-ledger-modes-'));
    const data = join(root, 'srv', 'data');
    const fresh = await startHarness({
      env: { LEDGER_DB: join(data, 'ledger.db'), LEDGER_READ_DB: join(data, 'read', 'read-models.db') },
    });
    try {
      await registerInstitution(fresh);
      await inventory(fresh, applicationNumber(2018, 1, 730008));
      const mode = async (p: string) => ((await stat(p)).mode & 0o777).toString(8);
      expect({
        srv: await mode(join(root, 'srv')),
        data: await mode(data),
        read: await mode(join(data, 'read')),
      }).toEqual({
        srv: '700',
        data: '700',
        read: '700',
      });
      for (const f of [
        'ledger.db',
        'ledger.db-wal',
        'ledger.db-shm',
        'read/read-models.db',
        'read/read-models.db-wal',
      ]) {
        expect({ f, mode: await mode(join(data, f)) }).toEqual({ f, mode: '600' });
      }
    } finally {
      await fresh.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
