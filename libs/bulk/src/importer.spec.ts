import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  checkDigit,
  institutionDecider,
  institutionStream,
  patentDecider,
  patentStream,
  type InventoryPatent,
} from '@patent-ledger/domain';
import {
  fingerprintOf,
  handleCommand,
  type EventStore,
  typescriptPrelude,
} from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { parseCsv } from './csv';
import { splitLines } from './lines';
import { ImportError, importInventory, importLines, type ImportProgress, type RowResult } from './importer';

/**
 * A loader for the import worker that runs its TypeScript sources (jest compiles them on this thread
 * only): @swc/core compiles them in the worker, @patent-ledger/* resolved to the libs' sources.
 */
function workerLoader(dir: string): string {
  const path = join(dir, 'import-worker-loader.js');
  writeFileSync(
    path,
    `
    ${typescriptPrelude(join(__dirname, '..', '..'))}
    require(${JSON.stringify(join(__dirname, 'import-worker.ts'))});
    `,
  );
  return path;
}

/** The handler's clock of the specs: 2025-06-01 12:00 in China. */
const NOW = '2025-06-01T04:00:00.000Z';
const clock = () => NOW;
const ACTOR = { role: 'system', orgId: 'test', userId: 'spec' };

/** A valid application number from its first 12 digits. */
const an = (digits: string) => `${digits}.${checkDigit(digits)}`;
const A1 = an('201710601862'); // invention, 2017
const A2 = an('201820012345'); // utility model, 2018
const A3 = an('202130054321'); // design, 2021
const A4 = an('201910000001');
const A5 = an('201910000002');
const A6 = an('201910000003');

async function register(store: EventStore, institutionId: string, name: string): Promise<void> {
  const command = {
    type: 'RegisterInstitution' as const,
    data: {
      institutionId,
      name,
      kind: 'university' as const,
      province: '山西',
      milestoneGroup: 'other' as const,
      stockPatentCount: 100,
    },
    now: NOW,
  };
  await handleCommand(store, institutionDecider, institutionStream(institutionId), command, {
    commandId: `register-${institutionId}`,
    fingerprint: fingerprintOf(command.data),
    actor: ACTOR,
    now: NOW,
  });
}

const HEADER =
  'applicationNumber,institutionId,title,kind,filingDate,grantDate,inventors,coPatentees,ipc,fiscallyFunded,' +
  'implementationStatus,technologyReadiness,selfAssessedGrade,applicationScenarios,highValueFlags,occurredOn,' +
  'funding,declaration';

/** A CSV row of the HEADER columns; overrides by field name. */
function row(o: Record<string, string> = {}): string {
  const base: Record<string, string> = {
    applicationNumber: A1,
    institutionId: 'tyut',
    title: '一种煤矸石基多孔陶瓷材料及其制备方法',
    kind: 'invention',
    filingDate: '2017-07-21',
    grantDate: '2020-03-10',
    inventors: '王磊;李静',
    coPatentees: '',
    ipc: 'C04B 38/00;C04B 33/132',
    fiscallyFunded: 'true',
    implementationStatus: 'not-implemented',
    technologyReadiness: '5',
    selfAssessedGrade: 'A',
    applicationScenarios: '煤矸石资源化利用',
    highValueFlags: 'strategicEmergingIndustry',
    occurredOn: '2024-03-15',
    funding: '2016YFB0601100|科学技术部|国家重点研发计划',
    declaration: '2024-03-15',
    ...o,
  };
  return HEADER.split(',')
    .map((f) => base[f]!)
    .map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v))
    .join(',');
}

describe('importInventory', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-import-'));
    store = SqliteEventStore.open(join(dir, 'ledger.db'));
    await register(store, 'tyut', '太原理工大学');
    await register(store, 'sxu', '山西大学');
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const rejectsOf = (path: string) => {
    const text = readFileSync(`${path}.rejects.csv`, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    return parseCsv(text).map((r) => r.fields!);
  };

  it('imports valid rows as PatentInventoried events decided by the patent decider', async () => {
    const path = file(
      'ok.csv',
      [
        HEADER,
        row(),
        row({
          applicationNumber: A2,
          institutionId: 'sxu',
          kind: 'utility-model',
          filingDate: '2018/3/5',
          grantDate: '2018年11月2日',
          inventors: '张伟；刘洋、陈静',
          coPatentees: '山西煤基新材料有限公司',
          ipc: 'e21f 17/18',
          fiscallyFunded: '否',
          implementationStatus: 'implemented',
          technologyReadiness: 'TRL7',
          selfAssessedGrade: 'b',
          applicationScenarios: '',
          highValueFlags: '',
          title: '一种矿用, "便携式"监测装置\n（改进型）',
        }),
      ].join('\r\n'),
    );
    const summary = await importInventory(store, path, { clock, actor: ACTOR, runId: 'run-1' });
    expect(summary).toMatchObject({
      format: 'csv',
      rows: 2,
      imported: 2,
      alreadyPresent: 0,
      rejected: 0,
      eventsAppended: 2,
    });
    expect(summary.rowsPerSecond).toBeGreaterThan(0);
    expect(summary.rejectsFile).toBeUndefined();
    expect(existsSync(`${path}.rejects.csv`)).toBe(false);

    const [e1] = await store.readStream(patentStream(A1));
    const command: InventoryPatent = {
      type: 'InventoryPatent',
      data: {
        applicationNumber: A1,
        institutionId: 'tyut',
        title: '一种煤矸石基多孔陶瓷材料及其制备方法',
        kind: 'invention',
        filingDate: '2017-07-21',
        grantDate: '2020-03-10',
        inventors: ['王磊', '李静'],
        ipc: ['C04B 38/00', 'C04B 33/132'],
        fiscallyFunded: true,
        funding: { projectNumber: '2016YFB0601100', funder: '科学技术部', programme: '国家重点研发计划' },
        declaration: { declaredOn: '2024-03-15' },
        implementationStatus: 'not-implemented',
        technologyReadiness: 5,
        selfAssessedGrade: 'A',
        applicationScenarios: ['煤矸石资源化利用'],
        highValueFlags: { strategicEmergingIndustry: true },
        occurredOn: '2024-03-15',
      },
      now: NOW,
    };
    expect(e1!.data).toEqual(patentDecider.decide(command, patentDecider.initialState())[0]!.data);
    expect(e1!.metadata).toMatchObject({
      commandId: `import:${A1}`,
      correlationId: 'run-1',
      causationId: `import:${A1}`,
      actor: ACTOR,
      recordedAt: NOW,
    });
    expect(await store.findCommand(`import:${A1}`)).toMatchObject({
      streamName: patentStream(A1),
      fromVersion: 1,
      toVersion: 1,
    });

    const [e2] = await store.readStream(patentStream(A2));
    expect(e2!.data).toMatchObject({
      kind: 'utility-model',
      filingDate: '2018-03-05',
      grantDate: '2018-11-02',
      inventors: ['张伟', '刘洋', '陈静'],
      coPatentees: ['山西煤基新材料有限公司'],
      ipc: ['E21F 17/18'],
      fiscallyFunded: false,
      technologyReadiness: 7,
      selfAssessedGrade: 'B',
      title: '一种矿用, "便携式"监测装置\n（改进型）',
      cohort: 'stock',
    });
  });

  it('rejects every kind of bad row with its row number and reason, and imports the rest', async () => {
    const lines = [
      HEADER,
      row(), // 1 ok
      row({ applicationNumber: '201710601862.4' }), // 2 bad check digit
      row({ applicationNumber: an('201720601862') }), // 3 type digit 2 (utility model) but kind invention
      row({ applicationNumber: A3, kind: 'design', filingDate: '2021-01-01', grantDate: '2025-06-02' }), // 4 future
      row({ applicationNumber: A4, filingDate: '2019-01-01', title: '' }), // 5 missing title
      row({ applicationNumber: A5, filingDate: '2019-01-01', institutionId: 'nowhere' }), // 6 unknown institution
      row({ applicationNumber: A6, filingDate: '2019-01-01', technologyReadiness: '10' }), // 7 TRL out of range
      row({ title: '同一申请号、不同内容' }), // 8 duplicate of row 1 with other data
      '', // 9 blank: skipped
      row(), // 10 same as row 1: already present
      `${row({ applicationNumber: an('201910000004'), filingDate: '2019-01-01' })},extra`, // 11 too many fields
      '"broken"x,1', // 12 malformed
      row({
        applicationNumber: an('201910000005'),
        filingDate: '2019-01-01',
        highValueFlags: 'award;nonsense',
      }), // 13
      row({ applicationNumber: an('201910000006'), filingDate: '2019-01-01', fiscallyFunded: 'maybe' }), // 14
      row({ applicationNumber: an('201910000007'), filingDate: '2019-02-01', grantDate: '2019-01-01' }), // 15 order
      row({ applicationNumber: '2.01711E+11' }), // 16 mangled by a spreadsheet
    ];
    const path = file('mixed.csv', lines.join('\n') + '\n');
    const summary = await importInventory(store, path, { clock, batchSize: 4 });
    expect(summary).toMatchObject({ rows: 15, imported: 1, alreadyPresent: 1, rejected: 13 });
    expect(summary.rejectsFile).toBe(`${path}.rejects.csv`);

    const rejects = rejectsOf(path);
    expect(rejects[0]).toEqual(['row', 'code', 'message', ...HEADER.split(',')]);
    expect(rejects.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['2', 'PATENT.INVALID_CHECK_DIGIT'],
      ['3', 'PATENT.KIND_MISMATCH'],
      ['4', 'DATE.IN_FUTURE'],
      ['5', 'FIELD.REQUIRED'],
      ['6', 'INSTITUTION.NOT_REGISTERED'],
      ['7', 'FIELD.OUT_OF_RANGE'],
      ['8', 'IMPORT.DUPLICATE_ROW'],
      ['11', 'CSV.TOO_MANY_FIELDS'],
      ['12', 'CSV.MALFORMED'],
      ['13', 'FIELD.NOT_ALLOWED'],
      ['14', 'FIELD.INVALID'],
      ['15', 'DATE.ORDER'],
      ['16', 'PATENT.INVALID_APPLICATION_NUMBER'],
    ]);
    expect(rejects[13]![2]).toMatch(/turned into a number by a spreadsheet; format the column as text/);
    expect(rejects[2]![2]).toMatch(/type digit 2 \(utility-model\), but kind is invention/);
    expect(rejects[4]![2]).toMatch(/title/);
    expect(rejects[7]![2]).toMatch(/appears in an earlier row of this file with different data/);
    // The original fields follow, as read.
    expect(rejects[1]!.slice(3, 5)).toEqual(['201710601862.4', 'tyut']);
    expect(rejects[7]!.slice(3, 5)).toEqual([A1, 'tyut']);
    expect(summary.rejectCodes).toMatchObject({ 'PATENT.INVALID_CHECK_DIGIT': 1, 'IMPORT.DUPLICATE_ROW': 1 });
    expect(await store.streamVersion(patentStream(A3))).toBe(0);
  });

  it('reports a duplicate in the same batch with the row it repeats', async () => {
    const path = file('dup.csv', [HEADER, row(), row({ title: '另一个名称' }), row()].join('\n'));
    const results: RowResult[] = [];
    const summary = await importLines(
      store,
      readFileSync(path, 'utf8').split('\n'),
      { format: 'csv', clock },
      (r) => results.push(r),
    );
    expect(summary).toMatchObject({ imported: 1, alreadyPresent: 1, rejected: 1 });
    expect(results.map((r) => [r.row, r.status, r.code, r.message])).toEqual([
      [1, 'imported', undefined, undefined],
      [
        2,
        'rejected',
        'IMPORT.DUPLICATE_ROW',
        `application number ${A1} appears in row 1 with different data`,
      ],
      [3, 'already-present', undefined, 'same as row 1'],
    ]);
  });

  it('reads Chinese headers and values, flag columns and a BOM', async () => {
    const header =
      '申请号,机构编号,专利名称,专利类型,申请日,授权公告日,发明人,共同专利权人,IPC分类号,是否财政资助,实施状态,技术成熟度,自评等级,应用场景,战略性新兴产业,highValue.award,盘点日期,备注,财政资助项目,专利声明';
    const content =
      '\uFEFF' +
      [
        header,
        `${A1},tyut,一种煤矸石基多孔陶瓷材料及其制备方法,发明,2017-07-21,2020-03-10,王磊、李静,,C04B 38/00,是,已产业化,6,A,煤矸石资源化利用,是,1,2024-03-15,内部备注,2016YFB0601100|科学技术部|国家重点研发计划,2024-03-15`,
        `${A2},sxu,一种监测装置,实用新型,2018/3/5,2018/11/2,张伟,,E21F 17/18,否,未实施,3级,C,,否,0,2024/3/20,,,`,
        `${A3},sxu,矿用头灯（便携式）,外观设计,2021-01-01,2021-06-01,刘洋,,F21L 4/00,0,已实施,4,B,,,,2024-03-21,,,`,
      ].join('\r\n');
    const path = file('中文.csv', content);
    const summary = await importInventory(store, path, { clock });
    expect(summary).toMatchObject({ rows: 3, imported: 3, rejected: 0, ignoredColumns: ['备注'] });
    const [e1] = await store.readStream(patentStream(A1));
    expect(e1!.data).toMatchObject({
      kind: 'invention',
      inventors: ['王磊', '李静'],
      fiscallyFunded: true,
      funding: { projectNumber: '2016YFB0601100', funder: '科学技术部', programme: '国家重点研发计划' },
      declaration: { declaredOn: '2024-03-15' },
      implementationStatus: 'industrialized',
      technologyReadiness: 6,
      highValueFlags: { strategicEmergingIndustry: true, award: true, overseasFamily: false },
    });
    const [e2] = await store.readStream(patentStream(A2));
    expect(e2!.data).toMatchObject({
      kind: 'utility-model',
      implementationStatus: 'not-implemented',
      technologyReadiness: 3,
      occurredOn: '2024-03-20',
    });
    const [e3] = await store.readStream(patentStream(A3));
    expect(e3!.data).toMatchObject({
      kind: 'design',
      implementationStatus: 'implemented',
      fiscallyFunded: false,
    });
  });

  it('issue 14: reads divisional parents, paid annuities and co-owners; refuses an expired patent and a divisional without its parent', async () => {
    const parent = an('201710601862');
    const divisional = an('201910601900');
    const expired = an('201320601862');
    const header =
      '申请号,机构编号,专利名称,专利类型,申请日,授权公告日,发明人,IPC分类号,是否财政资助,实施状态,技术成熟度,自评等级,盘点日期,分案原申请号,年费已缴至年度,共有人,财政资助项目,专利声明';
    const content = [
      header,
      // 细则 r.48–49: numbered in 2019, the parent's 2017 filing date; paid through year 7; a co-owner
      `${divisional},tyut,一种分案,发明,2017-07-21,2020-03-10,王磊,C04B 38/00,是,未实施,5,A,2024-03-15,ZL ${parent},第7年,sx-coal=山西焦煤集团,P-1|科学技术部,2024-03-15`,
      // the same without its parent: the filing year contradicts the number
      `${an('201910601901')},tyut,一种分案,发明,2017-07-21,2020-03-10,王磊,C04B 38/00,是,未实施,5,A,2024-03-15,,,,P-2|科学技术部,2024-03-15`,
      // 专利法 Art. 42: a utility model filed 2013-07-21 ended on 2023-07-20, before this inventory
      `${expired},tyut,一种过期实用新型,实用新型,2013-07-21,2014-03-10,王磊,E21F 17/18,否,未实施,3,C,2024-03-15,,,,,`,
    ].join('\n');
    const path = file('issue14.csv', content);
    const summary = await importInventory(store, path, { clock });
    expect(summary).toMatchObject({ rows: 3, imported: 1, rejected: 2 });
    const [e] = await store.readStream(patentStream(divisional));
    expect(e!.data).toMatchObject({
      divisionalOf: parent,
      annuitiesPaidThrough: 7,
      coPatentees: ['山西焦煤集团'],
      coOwners: [{ id: 'sx-coal', name: '山西焦煤集团' }],
    });
    expect(
      rejectsOf(path)
        .slice(1)
        .map((r) => [r[0], r[1]]),
    ).toEqual([
      ['2', 'PATENT.FILING_YEAR_MISMATCH'],
      ['3', 'PATENT.EXPIRED'],
    ]);
  });

  it('appends nothing when the same file is imported again, and rewrites the same rejects', async () => {
    const path = file(
      'again.csv',
      [
        HEADER,
        row(),
        row({ applicationNumber: A2, kind: 'utility-model', filingDate: '2018-01-01' }),
        row({ applicationNumber: 'x' }),
      ].join('\n'),
    );
    const first = await importInventory(store, path, { clock });
    expect(first).toMatchObject({ imported: 2, rejected: 1 });
    const rejects = readFileSync(`${path}.rejects.csv`, 'utf8');
    const head = await store.headPosition();

    const second = await importInventory(store, path, { clock });
    expect(second).toMatchObject({ rows: 3, imported: 0, alreadyPresent: 2, rejected: 1, eventsAppended: 0 });
    expect(await store.headPosition()).toBe(head);
    expect(readFileSync(`${path}.rejects.csv`, 'utf8')).toBe(rejects);

    // Fixed, the rejects file itself imports (its row/code/message columns are ignored).
    writeFileSync(
      `${path}.rejects.csv`,
      rejects
        .replace(',x,', `,${A3},`)
        .replace(',invention,2017-07-21,2020-03-10,', ',design,2021-01-01,2021-06-01,'),
    );
    const fixed = await importInventory(store, `${path}.rejects.csv`, { clock, rejectsFile: false });
    expect(fixed).toMatchObject({ rows: 1, imported: 1, ignoredColumns: ['row', 'code', 'message'] });
  });

  it('removes a stale rejects file when nothing is rejected', async () => {
    const path = file('clean.csv', [HEADER, row()].join('\n'));
    writeFileSync(`${path}.rejects.csv`, 'old');
    await importInventory(store, path, { clock });
    expect(existsSync(`${path}.rejects.csv`)).toBe(false);
  });

  it('tells rows already imported with other data, and patents inventoried some other way', async () => {
    await importInventory(store, file('a.csv', [HEADER, row()].join('\n')), { clock });
    // A2 inventoried through the API (another command id).
    const command = {
      type: 'InventoryPatent' as const,
      data: {
        applicationNumber: A2,
        institutionId: 'sxu',
        title: 'x',
        kind: 'utility-model' as const,
        filingDate: '2018-01-01',
        grantDate: '2018-06-01',
        inventors: ['甲'],
        ipc: ['E21F 17/18'],
        fiscallyFunded: true,
        funding: { projectNumber: '2016YFB0601100', funder: '科学技术部', programme: '国家重点研发计划' },
        declaration: { declaredOn: '2024-03-15' },
        implementationStatus: 'implemented' as const,
        technologyReadiness: 3,
        selfAssessedGrade: 'C' as const,
        occurredOn: '2024-03-01',
      },
      now: NOW,
    };
    await handleCommand(store, patentDecider, patentStream(A2), command, {
      commandId: 'api-1',
      fingerprint: 'f',
      actor: ACTOR,
      now: NOW,
    });

    const path = file(
      'b.csv',
      [
        HEADER,
        row({ title: '改过的名称' }),
        row({ applicationNumber: A2, kind: 'utility-model', filingDate: '2018-01-01' }),
        row({ title: '改过的名称' }), // the same row again: it shares the first one's fate
      ].join('\n'),
    );
    const summary = await importInventory(store, path, { clock });
    expect(summary).toMatchObject({ imported: 0, alreadyPresent: 1, rejected: 2 });
    expect(rejectsOf(path)[2]!.slice(0, 3)).toEqual([
      '3',
      'IMPORT.CONFLICT',
      expect.stringMatching(new RegExp(`^same as row 1: application number ${A1} was already imported`)),
    ]);
    expect(rejectsOf(path)[1]!.slice(0, 3)).toEqual([
      '1',
      'IMPORT.CONFLICT',
      expect.stringMatching(
        new RegExp(
          `^application number ${A1} was already imported with different data \\(by import-[0-9a-f-]+ at ${NOW}\\)$`,
        ),
      ),
    ]);
  });

  it('imports JSON Lines, numbering rejects by line', async () => {
    const ok = {
      applicationNumber: A1,
      institutionId: 'tyut',
      title: '一种煤矸石基多孔陶瓷材料及其制备方法',
      kind: 'invention',
      filingDate: '2017-07-21',
      grantDate: '2020-03-10',
      inventors: ['王磊'],
      ipc: ['C04B 38/00'],
      fiscallyFunded: true,
      funding: { projectNumber: '2016YFB0601100', funder: '科学技术部', programme: '国家重点研发计划' },
      declaration: { declaredOn: '2024-03-15' },
      implementationStatus: 'not-implemented',
      technologyReadiness: 5,
      selfAssessedGrade: 'A',
      highValueFlags: { award: true },
      occurredOn: '2024-03-15',
    };
    const lines = [
      JSON.stringify(ok),
      '',
      JSON.stringify({
        ...ok,
        applicationNumber: A2,
        kind: '实用新型',
        filingDate: '2018/1/1',
        授权日: '2018-06-01',
        grantDate: undefined,
        fiscallyFunded: '否',
        highValueFlags: 'overseasFamily',
      }),
      '{not json',
      '[1,2]',
      JSON.stringify({ ...ok, applicationNumber: A4, filingDate: '2019-01-01', fillingDate: '2019-01-01' }),
      JSON.stringify({ ...ok, applicationNumber: A5, filingDate: '2019-01-01', technologyReadiness: 0 }),
      JSON.stringify({ ...ok, applicationNumber: A6, filingDate: '2019-01-01', inventors: '张三;李四' }),
    ];
    const path = file('records.ndjson', lines.join('\n'));
    const progress: ImportProgress[] = [];
    const summary = await importInventory(store, path, {
      clock,
      batchSize: 2,
      onProgress: (p) => progress.push(p),
    });
    expect(summary).toMatchObject({ format: 'jsonl', rows: 7, imported: 3, rejected: 4 });
    expect(rejectsOf(path).map((r) => r.slice(0, 2))).toEqual([
      ['line', 'code'],
      ['4', 'JSONL.INVALID_JSON'],
      ['5', 'JSONL.NOT_AN_OBJECT'],
      ['6', 'FIELD.UNKNOWN'],
      ['7', 'FIELD.OUT_OF_RANGE'],
    ]);
    expect(rejectsOf(path)[1]![3]).toBe('{not json');
    const [e2] = await store.readStream(patentStream(A2));
    expect(e2!.data).toMatchObject({
      kind: 'utility-model',
      grantDate: '2018-06-01',
      fiscallyFunded: false,
      highValueFlags: { overseasFamily: true },
    });
    const [e6] = await store.readStream(patentStream(A6));
    expect(e6!.data).toMatchObject({ inventors: ['张三', '李四'] });
    expect(progress.length).toBe(4);
    expect(progress[progress.length - 1]).toMatchObject({ rows: 7, imported: 3, rejected: 4, fraction: 1 });
  });

  it('streams per-line results for an NDJSON body in chunks', async () => {
    const record = (applicationNumber: string, filingDate: string) =>
      JSON.stringify({
        applicationNumber,
        institutionId: 'tyut',
        title: 't',
        kind: 'invention',
        filingDate,
        grantDate: '2020-03-10',
        inventors: ['王磊'],
        ipc: ['C04B 38/00'],
        fiscallyFunded: true,
        funding: { projectNumber: '2016YFB0601100', funder: '科学技术部', programme: '国家重点研发计划' },
        declaration: { declaredOn: '2024-03-15' },
        implementationStatus: 'implemented',
        technologyReadiness: 5,
        selfAssessedGrade: 'A',
        occurredOn: '2024-03-15',
      });
    const body = `${record(A1, '2017-07-21').replace('"t"', '"一种煤矸石基多孔陶瓷材料"')}\n${record(A4, '2019-01-01')}\n${record(A4, '2019-01-01')}\n{"applicationNumber":"1"}\n`;
    // The body arrives in chunks cut anywhere (here inside a line and inside a character): splitLines
    // makes lines of them, as the API does with the request stream.
    const bytes = Buffer.from(body);
    const chunks = [bytes.subarray(0, 101), bytes.subarray(101, 260), bytes.subarray(260)];
    const results: RowResult[] = [];
    const summary = await importLines(
      store,
      splitLines(Readable.from(chunks)),
      { clock, runId: 'req-1' },
      (r) => results.push(r),
    );
    expect(summary).toMatchObject({ rows: 4, imported: 2, alreadyPresent: 1, rejected: 1 });
    expect(results.map((r) => [r.line, r.status, r.applicationNumber, r.code])).toEqual([
      [1, 'imported', A1, undefined],
      [2, 'imported', A4, undefined],
      [3, 'already-present', A4, undefined],
      [4, 'rejected', '1', 'PATENT.INVALID_APPLICATION_NUMBER'],
    ]);
    const [e] = await store.readStream(patentStream(A4));
    expect(e!.metadata.correlationId).toBe('req-1');
  });

  it('decides the rows of a file in a worker thread with the same outcomes as on its own thread', async () => {
    const valid = Array.from({ length: 40 }, (_, i) =>
      row({ applicationNumber: an(`2019100${String(100000 + i).slice(1)}`), filingDate: '2019-01-01' }),
    );
    const lines = [
      HEADER,
      ...valid.slice(0, 10),
      row({ applicationNumber: '201710601862.4' }), // bad check digit
      row({ title: '一种矿用, "便携式"监测装置\n（改进型）' }), // quoted, on two lines
      row({
        institutionId: 'nowhere',
        applicationNumber: A2,
        kind: 'utility-model',
        filingDate: '2018-01-01',
      }),
      ...valid.slice(10, 25),
      row({ title: '同一申请号、不同内容' }), // same number as the row above with other data
      row({ title: '一种矿用, "便携式"监测装置\n（改进型）' }), // compared with the row above: rejected
      '"broken"x,1',
      ...valid.slice(25),
      valid[0]!, // imported by an earlier batch: already present
      `${row({ applicationNumber: A3, kind: 'design', filingDate: '2021-01-01' })},extra`,
    ];
    const content = `\uFEFF${lines.join('\r\n')}\r\n`;
    const run = async (name: string, worker: boolean, fileName = 'in.csv', text = content) => {
      const sub = mkdtempSync(join(dir, `${name}-`));
      const target = SqliteEventStore.open(join(sub, 'ledger.db'));
      try {
        await register(target, 'tyut', '太原理工大学');
        await register(target, 'sxu', '山西大学');
        const path = join(sub, fileName);
        writeFileSync(path, text);
        const results: RowResult[] = [];
        const progress: ImportProgress[] = [];
        const summary = await importInventory(target, path, {
          clock,
          runId: 'run-w',
          batchSize: 7,
          worker,
          ...(worker ? { workerFile: workerLoader(sub) } : {}),
          onResult: (r) => results.push(r),
          onProgress: (p) => progress.push(p),
        });
        const { elapsedMs: _e, rowsPerSecond: _r, rejectsFile, ...rest } = summary;
        expect(rejectsFile).toBe(`${path}.rejects.csv`);
        return {
          summary: rest,
          results,
          progress: progress.map(({ elapsedMs: _ms, ...p }) => p),
          rejects: readFileSync(`${path}.rejects.csv`, 'utf8'),
          log: await target.readAll({ limit: 1000 }),
        };
      } finally {
        await target.close();
      }
    };
    const inWorker = await run('worker', true);
    const here = await run('here', false);
    expect(inWorker.summary).toMatchObject({ rows: 48, imported: 41, alreadyPresent: 1, rejected: 6 });
    expect(inWorker).toEqual(here);
    expect(inWorker.progress[inWorker.progress.length - 1]).toMatchObject({ rows: 48, fraction: 1 });

    // JSON Lines too.
    const record = {
      申请号: A4,
      institutionId: 'tyut',
      title: '一种煤矸石基多孔陶瓷材料',
      kind: 'invention',
      filingDate: '2019-01-01',
      grantDate: '2020-03-10',
      inventors: ['王磊'],
      ipc: ['C04B 38/00'],
      fiscallyFunded: true,
      funding: { projectNumber: '2016YFB0601100', funder: '科学技术部', programme: '国家重点研发计划' },
      declaration: { declaredOn: '2024-03-15' },
      implementationStatus: 'implemented',
      technologyReadiness: 5,
      selfAssessedGrade: 'A',
      occurredOn: '2024-03-15',
    };
    const jsonl = [JSON.stringify(record), '{not json', '', '[1]', JSON.stringify(record)].join('\n');
    const jsonlInWorker = await run('jsonl-worker', true, 'in.jsonl', jsonl);
    expect(jsonlInWorker.summary).toMatchObject({ rows: 4, imported: 1, alreadyPresent: 1, rejected: 2 });
    expect(jsonlInWorker).toEqual(await run('jsonl-here', false, 'in.jsonl', jsonl));

    // Errors of the whole file come back from the worker as they do on this thread.
    const loader = workerLoader(dir);
    await expect(
      importInventory(store, file('nohead.csv', 'applicationNumber,title\n1,2'), {
        worker: true,
        workerFile: loader,
      }),
    ).rejects.toThrow(
      new ImportError(
        'the header has no column for institutionId (机构编号), kind (专利类型), filingDate (申请日), grantDate (授权日), inventors (发明人), ipc (IPC分类号), fiscallyFunded (是否财政资助), implementationStatus (实施状态), technologyReadiness (技术成熟度), selfAssessedGrade (自评等级), occurredOn (盘点日期); is the first line the header?',
      ),
    );
    await expect(
      importInventory(store, file('empty.csv', '\n'), { worker: true, workerFile: loader }),
    ).rejects.toThrow(/the file is empty/);
  }, 60_000);

  it('refuses files it cannot read as a whole', async () => {
    await expect(importInventory(store, join(dir, 'missing.csv'))).rejects.toThrow(
      new ImportError(`cannot read ${join(dir, 'missing.csv')}: ENOENT`),
    );
    await expect(importInventory(store, file('x.txt', 'a'))).rejects.toThrow(/cannot tell the format/);
    await expect(importInventory(store, file('empty.csv', '\n\n'))).rejects.toThrow(/the file is empty/);
    await expect(importInventory(store, file('nohead.csv', 'applicationNumber,title\n1,2'))).rejects.toThrow(
      /the header has no column for institutionId \(机构编号\), kind/,
    );
    await expect(importInventory(store, file('twice.csv', `${HEADER},申请号\n`))).rejects.toThrow(
      /the header names applicationNumber twice \("applicationNumber" and "申请号"\)/,
    );
    await expect(importInventory(store, file('ok.csv', HEADER), { batchSize: 0 })).rejects.toThrow(
      /batch size/,
    );
    await expect(importInventory(store, ['a'], {})).rejects.toThrow(/give the format/);
  });

  it('asks for the encoding of a file saved as GBK, and reads it when given', async () => {
    const gbk = Buffer.concat([
      Buffer.from([0xc9, 0xea, 0xc7, 0xeb, 0xba, 0xc5]), // 申请号
      Buffer.from(`,${HEADER.split(',').slice(1).join(',')}\n${row()}\n`),
    ]);
    const path = file('excel.csv', gbk);
    await expect(importInventory(store, path, { clock })).rejects.toThrow(/gb18030/);
    const summary = await importInventory(store, path, { clock, encoding: 'gb18030' });
    expect(summary).toMatchObject({ imported: 1 });
  });
});
