/**
 * The national platform's batch layout: `export national` and `import --format national`, run
 * in-process against temporary SQLite ledgers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseCsv } from '@patent-ledger/bulk';
import type { StoredEvent } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { run as generate } from '../../apps/cli/src/commands/generate';
import { run as importFile } from '../../apps/cli/src/commands/import';
import { institutions } from '../../apps/cli/src/commands/institutions';
import { token as tokenCommand } from '../../apps/cli/src/commands/token';
import { runCli } from '../../apps/cli/src/main';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { stdout: '', stderr: '' };
  stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  return { io: { stdout, stderr, isTTY: false }, out };
}

async function tokenOf(env: NodeJS.ProcessEnv, role: string, org: string): Promise<string> {
  const t = io();
  expect(await tokenCommand(['--role', role, '--org', org, '--user', 'national-test'], env, t.io)).toBe(0);
  return t.out.stdout.trim();
}

async function eventsOf(env: NodeJS.ProcessEnv, type: string): Promise<StoredEvent[]> {
  const store = SqliteEventStore.open(env['LEDGER_DB']!);
  try {
    const out: StoredEvent[] = [];
    let after = 0;
    for (;;) {
      const batch = await store.readAll({ after, limit: 5000 });
      if (batch.length === 0) return out;
      out.push(...batch.filter((e) => e.type === type));
      after = batch[batch.length - 1]!.position;
    }
  } finally {
    await store.close();
  }
}

const inventoryOf = async (env: NodeJS.ProcessEnv): Promise<Map<string, unknown>> =>
  new Map(
    (await eventsOf(env, 'PatentInventoried')).map((e) => [
      (e.data as { applicationNumber: string }).applicationNumber,
      e.data,
    ]),
  );

/** The records of a CSV file written by export national (BOM dropped). */
const recordsOf = (file: string): string[][] =>
  parseCsv(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''))
    .map((r) => r.fields ?? [])
    .filter((f) => f.some((c) => c !== ''));

describe('national platform batch layout (全国专利转化运营综合服务平台 templates)', () => {
  let dir: string;
  let source: NodeJS.ProcessEnv;
  let target: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-national-'));
    const base = { LEDGER_STORE: 'sqlite', LEDGER_SQLITE_SYNCHRONOUS: 'NORMAL' };
    source = { ...base, LEDGER_DB: join(dir, 'a', 'ledger.db'), LEDGER_TOKEN_KEY_FILE: join(dir, 'ka.pem') };
    target = { ...base, LEDGER_DB: join(dir, 'b', 'ledger.db'), LEDGER_TOKEN_KEY_FILE: join(dir, 'kb.pem') };
    const gen = ['--patents', '60', '--institutions', '4', '--seed', 'national'];
    expect(await generate([...gen, '--apply'], source, io().io)).toBe(0);
    // The target ledger: the same institutions, registered from the file generate writes.
    expect(await generate([...gen, '--out', join(dir, 'province.csv')], target, io().io)).toBe(0);
    const office = await tokenOf(target, 'ip-office', 'sx-cnipa');
    const reg = io();
    expect(
      await institutions([join(dir, 'province.institutions.csv'), '--token', office], target, reg.io),
    ).toBe(0);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('given an inventory exported in the national layout, when imported into another ledger, then the inventory is the same', async () => {
    const file = join(dir, '盘点表.csv');
    const exported = io();
    expect(
      await runCli(['export', 'national', '--kind', 'inventory', '--out', file], source, exported.io),
    ).toBe(0);
    expect(exported.out.stdout).toBe(`wrote 60 patents to ${file}\n`);
    expect(readFileSync(file, 'utf8').startsWith('\uFEFF')).toBe(true);
    const [header, ...rows] = recordsOf(file);
    expect(header!.slice(0, 8)).toEqual([
      '序号',
      '专利号',
      '专利名称',
      '专利类型',
      '申请日',
      '授权日',
      '专利权人',
      '单位编号',
    ]);
    expect(rows).toHaveLength(60);
    expect(rows.every((r) => ['发明', '实用新型', '外观设计'].includes(r[3]!))).toBe(true);

    // Each institution imports its own rows of the province's sheet.
    const owners = [...new Set(rows.map((r) => r[7]!))];
    for (const owner of owners) {
      const run = io();
      const code = await importFile(
        [file, '--format', 'national', '--token', await tokenOf(target, 'institution', owner)],
        target,
        run.io,
      );
      expect(run.out.stderr).not.toMatch(/rejected \d+ rows/);
      expect({ owner, code }).toEqual({ owner, code: 0 });
      expect(run.out.stdout).toMatch(/ 0 rejected /);
    }
    const before = await inventoryOf(source);
    const after = await inventoryOf(target);
    expect(after.size).toBe(60);
    // The data set exercises the optional columns too.
    const values = [...before.values()] as Record<string, unknown>[];
    for (const field of [
      'coPatentees',
      'applicationScenarios',
      'funding',
      'declaration',
      'annuitiesPaidThrough',
    ])
      expect({
        field,
        some: values.some((d) => d[field] !== undefined && JSON.stringify(d[field]) !== '[]'),
      }).toEqual({ field, some: true });
    expect(after).toEqual(before);
  });

  it('given one institution, when its inventory is exported, then only its patents are written', async () => {
    const all = await inventoryOf(source);
    const owner = (all.values().next().value as { institutionId: string }).institutionId;
    const file = join(dir, 'one.csv');
    expect(
      await runCli(
        ['export', 'national', '--kind', 'inventory', '--out', file, '--institution', owner],
        source,
        io().io,
      ),
    ).toBe(0);
    const [, ...rows] = recordsOf(file);
    const own = [...all.values()].filter((d) => (d as { institutionId: string }).institutionId === owner);
    expect(rows).toHaveLength(own.length);
    expect(rows.every((r) => r[7] === owner)).toBe(true);
  });

  it('given a malformed row, when imported in the national layout, then that row is rejected naming its line and column, and the others land', async () => {
    const file = join(dir, 'bad.csv');
    const exported = join(dir, 'for-bad.csv');
    expect(
      await runCli(['export', 'national', '--kind', 'inventory', '--out', exported], source, io().io),
    ).toBe(0);
    const [header, ...rows] = recordsOf(exported);
    const institution = rows[0]![7]!;
    const own = rows.filter((r) => r[7] === institution);
    const bad = own[1]!;
    bad[4] = '2020-13-45'; // 申请日, column E
    const csv = (r: string[]): string =>
      r.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
    writeFileSync(file, `\uFEFF${[header!, ...own].map(csv).join('\r\n')}\r\n`);
    // A fresh ledger with the institutions, so the good rows are imported (not "already present").
    const fresh = { ...target, LEDGER_DB: join(dir, 'c', 'ledger.db') };
    const office = await tokenOf(fresh, 'ip-office', 'sx-cnipa');
    expect(
      await institutions([join(dir, 'province.institutions.csv'), '--token', office], fresh, io().io),
    ).toBe(0);
    const run = io();
    const code = await importFile(
      [file, '--format', 'national', '--token', await tokenOf(fresh, 'institution', institution)],
      fresh,
      run.io,
    );
    expect(code).toBe(0);
    expect(run.out.stdout).toMatch(new RegExp(`: ${own.length - 1} imported, 0 already present, 1 rejected`));
    expect(run.out.stderr).toContain(
      'NATIONAL.CELL_INVALID line 3, column 申请日 (E): "2020-13-45" is not a date',
    );
    expect(existsSync(`${file}.rejects.csv`)).toBe(true);
    expect(readFileSync(`${file}.rejects.csv`, 'utf8')).toContain('line 3, column 申请日 (E)');
    const landed = await inventoryOf(fresh);
    expect(landed.has(bad[1]!)).toBe(false);
    expect(landed.size).toBe(own.length - 1);
  });

  it('given a sheet without the national columns, when imported in the national layout, then it stops with one line naming them and imports nothing', async () => {
    const file = join(dir, 'plain.csv');
    writeFileSync(file, '\uFEFF申请号,专利名称\r\n201710601862.3,一种材料\r\n');
    const run = io();
    const code = await runCli(
      ['import', file, '--format', 'national', '--token', await tokenOf(target, 'institution', 'tyut')],
      target,
      run.io,
    );
    expect(code).not.toBe(0);
    expect(run.out.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.out.stderr).toMatch(
      /the header is not the national inventory layout: no column 序号, 专利号, 专利类型/,
    );
  });

  it('given evaluations in the ledger, when exported in the national layout, then each is a row with its enterprise feedback', async () => {
    const file = join(dir, '评价反馈.csv');
    const run = io();
    expect(await runCli(['export', 'national', '--kind', 'evaluations', '--out', file], source, run.io)).toBe(
      0,
    );
    const evaluations = await eventsOf(source, 'EnterpriseEvaluated');
    expect(evaluations.length).toBeGreaterThan(0);
    expect(run.out.stdout).toBe(`wrote ${evaluations.length} evaluations to ${file}\n`);
    const [header, ...rows] = recordsOf(file);
    expect(header).toEqual([
      '序号',
      '专利号',
      '专利名称',
      '单位编号',
      '评价编号',
      '企业编号',
      '企业名称',
      '企业类型',
      '产业化前景',
      '技术改进需求',
      '技术改进说明',
      '合作意愿',
      '替代评价编号',
      '评价日期',
    ]);
    expect(rows).toHaveLength(evaluations.length);
    const first = evaluations[0]!.data as {
      evaluationId: string;
      enterpriseName: string;
      industrializationProspect: number;
    };
    const row = rows.find((r) => r[4] === first.evaluationId)!;
    expect(row[6]).toBe(first.enterpriseName);
    expect(row[8]).toBe(String(first.industrializationProspect));
    expect(['无需改进', '少量改进', '较大改进', '需中试']).toContain(row[9]);
    // An evaluation sheet is not an inventory: importing it is refused.
    const back = io();
    expect(
      await runCli(
        ['import', file, '--format', 'national', '--token', await tokenOf(source, 'institution', 'tyut')],
        source,
        back.io,
      ),
    ).not.toBe(0);
    expect(back.out.stderr).toMatch(/evaluation feedback sheet/);
  });

  it('given bad usage, when export national runs, then it exits 2 with one line and writes nothing', async () => {
    const file = join(dir, 'never.csv');
    const run = io();
    expect(await runCli(['export', 'national', '--kind', 'deals', '--out', file], source, run.io)).toBe(2);
    expect(run.out.stderr).toBe('patent-ledger: --kind must be inventory or evaluations, got "deals"\n');
    expect(existsSync(file)).toBe(false);
  });
});
