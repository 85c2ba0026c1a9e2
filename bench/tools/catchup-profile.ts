/**
 * Diagnostic (not a figure): catches the api's projections up over the first N events of an existing
 * SQLite ledger into a fresh SQLite read-model file, and prints events/s and CPU per event; with
 * `--per-projection`, one projection at a time. Run under `node --cpu-prof` to see where the time goes.
 *
 *   node dist/bench/bench/tools/catchup-profile.js LEDGER.sqlite READMODELS.sqlite [N] [--per-projection]
 */
import { rmSync } from 'node:fs';
import { DEFAULT_PROJECTOR_BATCH_SIZE, Projector, type EventStore } from '@patent-ledger/eventsourcing';
import { PostgresReadModels, SqliteReadModels, type ReadModels } from '@patent-ledger/read-models';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { startProfile } from '../lib/profile';
import { loadConfig } from '../../apps/api/src/config';
import { ledgerProjections } from '../../apps/api/src/read-models/projections';

function capped(store: EventStore, max: number): EventStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'headPosition') return async () => Math.min(max, await target.headPosition());
      if (prop === 'readAll')
        return async (o: { after: number; limit: number }) => {
          if (o.after >= max) return [];
          const events = await target.readAll({ after: o.after, limit: Math.min(o.limit, max - o.after) });
          return events.filter((e) => e.position <= max);
        };
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

async function run(ledger: string, file: string, max: number, only?: string): Promise<void> {
  if (!process.env.RM_PG_URL)
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  const all = ledgerProjections(loadConfig({ LEDGER_SIGNING_KEY_FILE: 'off' }));
  const projections = only ? all.filter((p) => p.name === only) : all;
  const store = capped(SqliteEventStore.open(ledger), max);
  if (only === 'read') {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let read = 0;
    for (let after = 0; ;) {
      const batch = await store.readAll({ after, limit: DEFAULT_PROJECTOR_BATCH_SIZE });
      if (batch.length === 0) break;
      read += batch.length;
      after = batch[batch.length - 1]!.position;
    }
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    console.log(
      `read only: ${read} events in ${s.toFixed(1)} s = ${Math.round(read / s)} events/s; CPU ${((cpu.user + cpu.system) / read) | 0} µs/event`,
    );
    await store.close();
    return;
  }
  let rm: ReadModels;
  const pg = process.env.RM_PG_URL;
  if (pg) {
    // Read models on PostgreSQL: READ is the schema (dropped first).
    const { Client } = await import('pg');
    const c = new Client({ connectionString: pg });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${file}" CASCADE`);
    await c.end();
    rm = await PostgresReadModels.open({ connectionString: pg, schema: file, poolSize: 4 }, projections);
  } else {
    const sqlite = SqliteReadModels.open(file, projections);
    for (const pragma of (process.env.RM_PRAGMAS ?? '').split(';').filter(Boolean)) sqlite.db.pragma(pragma);
    rm = sqlite;
  }
  await rm.init(store);
  // START=n: project the first n events untimed (default batch), then time the rest with BATCH.
  const start = Number(process.env.START ?? 0);
  if (start > 0) {
    const warm = new Projector(capped(SqliteEventStore.open(ledger), start), rm, {});
    await warm.init();
    await warm.catchUp();
  }
  const projector = new Projector(store, rm, {
    batchSize: Number(process.env.BATCH ?? DEFAULT_PROJECTOR_BATCH_SIZE),
  });
  await projector.init();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const profiling = process.env.PROFILE_FILE ? await startProfile() : undefined;
  const read = await projector.catchUp();
  if (profiling) await profiling.stop(process.env.PROFILE_FILE!);
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  console.log(
    `${only ?? 'all'}: ${read} events in ${s.toFixed(1)} s = ${Math.round(read / s)} events/s; CPU ${((cpu.user + cpu.system) / read) | 0} µs/event (sys ${(cpu.system / read) | 0}); peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
  );
  await rm.close();
  await store.close();
}

async function main(): Promise<void> {
  const [ledger, file, n, flag] = process.argv.slice(2);
  if (!ledger || !file) throw new Error('usage: catchup-profile LEDGER READMODELS [N] [--per-projection]');
  const max = n ? Number(n) : Number.MAX_SAFE_INTEGER;
  if (flag === '--per-projection') {
    for (const p of ledgerProjections(loadConfig({ LEDGER_SIGNING_KEY_FILE: 'off' })))
      await run(ledger, file, max, p.name);
    await run(ledger, file, max, 'read');
  } else await run(ledger, file, max);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
