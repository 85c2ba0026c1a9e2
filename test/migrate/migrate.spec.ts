import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { institutionDecider, institutionStream, patentDecider, patentStream } from '@patent-ledger/domain';
import { fingerprintOf, handleCommand, readLog, type StoredEvent } from '@patent-ledger/eventsourcing';
import { PostgresEventStore } from '@patent-ledger/store-postgres';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { Client } from 'pg';
import { main } from '../../apps/cli/src/main';
import { EXAMPLES } from '../../apps/api/src/patents/examples';
import { PG_TEST_URL, postgresUnavailable } from '../support/postgres';

const unavailable = postgresUnavailable();
if (unavailable) process.stderr.write(`${unavailable}\n`);

function capture() {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out };
}

async function all(store: { readAll: SqliteEventStore['readAll'] }): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const e of readLog(store as never, 7)) events.push(e);
  return events;
}

(unavailable ? describe.skip : describe)('patent-ledger migrate --to postgres', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patent-ledger-migrate-'));
  const schema = `migrate_${process.pid}_${Date.now().toString(36)}`;
  const env = {
    LEDGER_DB: join(dir, 'ledger.db'),
    LEDGER_PG_URL: PG_TEST_URL,
    LEDGER_PG_SCHEMA: schema,
    LEDGER_LOG_LEVEL: 'error',
  };

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    const c = new Client({ connectionString: PG_TEST_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });

  it('copies every event in order with its metadata, hash and command record, and says so', async () => {
    const sqlite = SqliteEventStore.open(env.LEDGER_DB);
    const ctx = (id: string, i: number) => ({
      commandId: `${id}-${i}`,
      fingerprint: fingerprintOf({ id, i }),
      actor: { role: 'institution', orgId: 'tyut', userId: `user-${i}` },
      now: `2025-01-0${(i % 9) + 1}T08:00:00.000Z`,
      correlationId: `corr-${id}`,
    });
    await handleCommand(
      sqlite,
      institutionDecider,
      institutionStream('tyut'),
      {
        type: 'RegisterInstitution',
        data: { institutionId: 'tyut', ...EXAMPLES.institution },
        now: '2025-01-01T00:00:00.000Z',
      } as never,
      ctx('inst', 0),
    );
    const numbers = ['201710601862.3'];
    for (const [i, n] of numbers.entries()) {
      const cmds = [
        { type: 'InventoryPatent', data: { ...EXAMPLES.inventory, applicationNumber: n } },
        { type: 'TagIntent', data: { ...EXAMPLES.intent, applicationNumber: n } },
        { type: 'EvaluatePatent', data: { ...EXAMPLES.evaluation, applicationNumber: n } },
        { type: 'LicensePatent', data: { ...EXAMPLES.license, applicationNumber: n } },
      ];
      for (const [j, c] of cmds.entries()) {
        await handleCommand(
          sqlite,
          patentDecider,
          patentStream(n),
          { ...c, now: '2025-06-01T00:00:00.000Z' } as never,
          ctx(`p${i}`, j + 1),
        );
      }
    }
    const source = await all(sqlite);
    await sqlite.close();

    const out = capture();
    const err = capture();
    const code = await main(['migrate', '--to', 'postgres', '--batch', '3'], env, {
      stdout: out.stream,
      stderr: err.stream,
      isTTY: false,
    });
    expect(code).toBe(0);
    expect(out.text()).toMatch(
      /migrated 5 events to postgres .* counts match \(5\) and every hash is identical/,
    );

    const pg = await PostgresEventStore.open({ connectionString: PG_TEST_URL, schema });
    try {
      const target = await all(pg);
      // Same events, same order, same streams/versions, metadata and hashes (positions are the target's own).
      expect(target.map(({ position: _p, ...e }) => e)).toEqual(source.map(({ position: _p, ...e }) => e));
      expect(target.map((e) => e.position)).toEqual([...target.map((e) => e.position)].sort((a, b) => a - b));
      // Command records came along: a retry of an original command is still a duplicate on the target.
      const record = await pg.findCommand('p0-2');
      expect(record).toMatchObject({ streamName: 'patent-201710601862.3', fromVersion: 2, toVersion: 2 });
    } finally {
      await pg.close();
    }

    // A second migrate into the now non-empty target is refused with one line.
    await expect(
      main(['migrate', '--to', 'postgres'], env, { stdout: out.stream, stderr: err.stream, isTTY: false }),
    ).rejects.toThrow(/not empty/);
  });
});
