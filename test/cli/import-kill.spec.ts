/**
 * An import killed with SIGKILL at an arbitrary moment and run again stores every valid row exactly
 * once: each batch is one durable commit, and the rows of the batches committed before the kill come
 * back as "already present".
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyProvince,
  generateProvince,
  importInventory,
  parseCsv,
  writeInventoryFile,
} from '@patent-ledger/bulk';
import { checkDigit, institutionDecider, institutionStream } from '@patent-ledger/domain';
import { handleCommand, typescriptPrelude } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';

const ROOT = join(__dirname, '..', '..');
const PATENTS = 2400;
const BATCH = 100;
const KILL_AFTER_ROWS = 600;

/**
 * The importer in a child process: TypeScript compiled on the fly by @swc/core (as the SQLite store's
 * crash test does), @patent-ledger/* resolved to the libs' sources. Each batch waits a little before
 * its commit so the parent can kill it mid-run; progress lines (one per batch) go to stdout.
 */
const childScript = `
  ${typescriptPrelude(join(ROOT, 'libs'))}
  const { SqliteEventStore } = require('@patent-ledger/store-sqlite');
  const { importInventory, createProgressPrinter } = require('@patent-ledger/bulk');

  const [file, db, synchronous, batchSize] = process.argv.slice(1);
  const store = SqliteEventStore.open(db, { synchronous });
  const appendMany = store.appendMany.bind(store);
  store.appendMany = async (requests) => {
    await new Promise((r) => setTimeout(r, 40));
    return appendMany(requests);
  };
  const progress = createProgressPrinter(process.stdout, false, { intervalMs: 0 });
  importInventory(store, file, { batchSize: Number(batchSize), onProgress: (p) => progress.update(p) }).then(
    (s) => process.stdout.write('done ' + JSON.stringify(s) + '\\n'),
    (e) => { process.stderr.write(String(e && e.stack) + '\\n'); process.exit(3); },
  );
`;

/** Runs the child until a progress line shows `KILL_AFTER_ROWS` rows committed, then SIGKILLs it. */
function importAndKill(file: string, db: string, synchronous: 'FULL' | 'NORMAL') {
  return new Promise<{ committed: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, ['-e', childScript, file, db, synchronous, String(BATCH)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let committed = 0;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        for (const line of stdout.split('\n').slice(0, -1)) {
          const m = /^import: \d+% (\d+) rows, (\d+) imported/.exec(line);
          if (m) committed = Math.max(committed, Number(m[2]));
        }
        if (committed >= KILL_AFTER_ROWS) child.kill('SIGKILL');
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (_code, signal) => resolve({ committed, signal, stdout, stderr }));
    },
  );
}

describe('an import killed mid-way', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'patent-ledger-kill-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['FULL', 'NORMAL'] as const)(
    'stores every valid row exactly once after a re-run (synchronous %s)',
    async (synchronous) => {
      const province = generateProvince({ patents: PATENTS, institutions: 12, seed: `kill-${synchronous}` });
      const file = join(dir, 'inventory.csv');
      await writeInventoryFile(file, province.patents(), 'csv');
      // Three bad rows at the end: a wrong check digit, an unknown institution, and row 1 with other data
      // (row 1 is committed by the killed run, so the re-run finds it imported by another run: a conflict).
      const [first] = province.patents();
      const cells = readFileSync(file, 'utf8').split('\r\n')[1]!;
      const other = `${first!.applicationNumber.slice(0, 5)}0000001`; // same year and kind, another serial
      appendFileSync(
        file,
        `${cells.replace(first!.applicationNumber, `${first!.applicationNumber.slice(0, -1)}0`)}\r\n`,
      );
      appendFileSync(
        file,
        `${cells.replace(first!.applicationNumber, `${other}.${checkDigit(other)}`).replace(`,${first!.institutionId},`, ',nowhere,')}\r\n`,
      );
      appendFileSync(file, `${cells.replace(`,${first!.inventory.data.title},`, ',另一个名称,')}\r\n`);

      const db = join(dir, 'ledger.db');
      const setup = SqliteEventStore.open(db);
      for (const inst of province.institutions) {
        const command = { type: 'RegisterInstitution' as const, data: inst, now: new Date().toISOString() };
        await handleCommand(setup, institutionDecider, institutionStream(inst.institutionId), command, {
          commandId: `register-${inst.institutionId}`,
          fingerprint: inst.institutionId,
          actor: { role: 'system', orgId: 'test', userId: 'spec' },
          now: command.now,
        });
      }
      const institutionEvents = await setup.headPosition();
      await setup.close();

      const killed = await importAndKill(file, db, synchronous);
      expect(killed.stderr).toBe('');
      expect(killed.signal).toBe('SIGKILL');
      expect(killed.stdout).not.toContain('done ');
      expect(killed.committed).toBeGreaterThanOrEqual(KILL_AFTER_ROWS);

      const store = SqliteEventStore.open(db);
      try {
        expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
        const survived = (await store.headPosition()) - institutionEvents;
        // Every batch reported committed is there; an interrupted batch left nothing behind.
        expect(survived).toBeGreaterThanOrEqual(killed.committed);
        expect(survived % BATCH).toBe(0);
        expect(survived).toBeLessThan(PATENTS);

        const summary = await importInventory(store, file, { batchSize: BATCH });
        expect(summary).toMatchObject({
          rows: PATENTS + 3,
          imported: PATENTS - survived,
          alreadyPresent: survived,
          rejected: 3,
        });
        expect(summary.rejectCodes).toEqual({
          'PATENT.INVALID_CHECK_DIGIT': 1,
          'INSTITUTION.NOT_REGISTERED': 1,
          'IMPORT.CONFLICT': 1,
        });
        expect(parseCsv(readFileSync(`${file}.rejects.csv`, 'utf8')).map((r) => r.fields![0])).toEqual([
          'row',
          String(PATENTS + 1),
          String(PATENTS + 2),
          String(PATENTS + 3),
        ]);

        // Exactly one stream per valid row, each at version 1, and nothing else.
        for (const patent of province.patents()) {
          const events = await store.readStream(`patent-${patent.applicationNumber}`);
          expect(events.map((e) => [e.version, e.type, e.metadata.commandId])).toEqual([
            [1, 'PatentInventoried', `import:${patent.applicationNumber}`],
          ]);
        }
        expect(await store.headPosition()).toBe(institutionEvents + PATENTS);
        const streams = store.database
          .prepare("SELECT count(*) FROM streams WHERE stream_name LIKE 'patent-%'")
          .pluck()
          .get();
        expect(streams).toBe(PATENTS);

        // A third run appends nothing; applying the generated lifecycles on top still works.
        const again = await importInventory(store, file, { batchSize: 1000 });
        expect(again).toMatchObject({ imported: 0, alreadyPresent: PATENTS, rejected: 3 });
        expect(await store.headPosition()).toBe(institutionEvents + PATENTS);
        const applied = await applyProvince(store, province);
        expect(applied).toMatchObject({ inventoried: 0, alreadyPresent: PATENTS, errorCount: 0 });
        expect(applied.lifecycleApplied).toBe(applied.lifecycleCommands);
      } finally {
        await store.close();
      }
      expect(existsSync(`${file}.rejects.csv`)).toBe(true);
    },
    90_000,
  );
});
