import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { institutionStream } from '@patent-ledger/domain';
import { MemoryEventStore } from '@patent-ledger/eventsourcing';
import { CSV_BOM } from './csv';
import { generateProvince } from './generator';
import { readInstitutionsFile, registerInstitutions, writeInstitutionsFile } from './institutions';

describe('institutions file: the supervising department column (主管部门)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'patent-ledger-institutions-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const actor = { role: 'ip-office', orgId: 'sx-cnipa', userId: 'test' };

  it.each(['csv', 'jsonl'] as const)(
    'given a generated province, when its %s file is written and read, then every department comes back',
    (format) => {
      const province = generateProvince({ patents: 0, institutions: 12, seed: 'dep' });
      const file = join(dir, `x.institutions.${format}`);
      writeInstitutionsFile(file, province.institutions, format);
      const rows = readInstitutionsFile(file);
      expect(rows).toHaveLength(12);
      expect(rows.map((r) => r.data?.['department'])).toEqual(province.institutions.map((i) => i.department));
      expect(new Set(rows.map((r) => r.data?.['department']))).toEqual(
        new Set(['education', 'science-technology', 'health']),
      );
    },
  );

  it('given a CSV with a department column, when registered, then the event records the department', async () => {
    const province = generateProvince({ patents: 0, institutions: 6, seed: 'dep' });
    const file = join(dir, 'x.institutions.csv');
    writeInstitutionsFile(file, province.institutions, 'csv');
    const store = new MemoryEventStore();
    const summary = await registerInstitutions(store, readInstitutionsFile(file), { actor });
    expect(summary.registered).toBe(6);
    for (const i of province.institutions) {
      const [registered] = await store.readStream(institutionStream(i.institutionId));
      expect((registered!.data as { department?: string }).department).toBe(i.department);
    }
  });

  it('given a CSV written before the column existed, when read, then it still registers, without a department', async () => {
    const file = join(dir, 'old.institutions.csv');
    writeFileSync(
      file,
      `${CSV_BOM}institutionId,name,kind,province,milestoneGroup,stockPatentCount,occurredOn\r\n` +
        'inst-a,甲大学,university,山西,other,10,2024-03-01\r\n',
    );
    const rows = readInstitutionsFile(file);
    expect(rows[0]!.data).not.toHaveProperty('department');
    const store = new MemoryEventStore();
    expect((await registerInstitutions(store, rows, { actor })).registered).toBe(1);
  });

  it('given an unknown department in the file, when registered, then that row is rejected naming the field', async () => {
    const file = join(dir, 'bad.institutions.csv');
    writeFileSync(
      file,
      'institutionId,name,kind,province,milestoneGroup,stockPatentCount,department,occurredOn\r\n' +
        'inst-b,乙大学,university,山西,other,10,ministry-of-magic,2024-03-01\r\n',
    );
    const store = new MemoryEventStore();
    const summary = await registerInstitutions(store, readInstitutionsFile(file), { actor });
    expect(summary.rejected).toBe(1);
    expect(summary.results[0]!.message).toMatch(/department/);
  });
});
