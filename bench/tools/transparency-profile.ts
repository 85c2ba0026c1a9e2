/**
 * The transparency log's figures (SQLite):
 *
 * 1. Per-stream appends (10 events + command record, synchronous=FULL) with the Merkle log on — a
 *    TransparencyLog extending the tree, sweeping and signing a head every CYCLE_MS (default 1,000) ms in the same
 *    process (the api does it every 5 s), its tree in a read-model file of its own — against the same
 *    appends with it off and with the raw driver, in alternating blocks.
 * 2. A log of EVENTS events (default 1 M; real hash chains, 10 events per stream): the start-up check
 *    (the whole log against a witnessed head, tree rebuilt), then inclusion proofs of random events
 *    against the newest head (read back from the log and checked, as GET /patents/{id}/evidence does)
 *    and consistency proofs between random sizes: p50 / p99.
 * 3. Verify throughput over the whole log: the tree pass alone (TransparencyAudit) and the whole of
 *    `patent-ledger verify` (stream chains, global chain and tree in one pass).
 *
 *   node dist/bench/bench/tools/transparency-profile.js DIR [STREAMS=20000] [EVENTS=1000000]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  eventHash,
  generateSigningKey,
  GENESIS_HASH,
  loadSigningKey,
  readLog,
  verifyLedger,
  type EventMetadata,
} from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import {
  HeadsFileWitness,
  leafSourceOf,
  proveInclusion,
  SqliteTreeStore,
  TransparencyAudit,
  TransparencyLog,
} from '@patent-ledger/transparency';
import { openRawSqlite } from '../lib/stores';
import { buildAppends, type Append } from '../phases/appends';

const CYCLE_MS = Number(process.env['CYCLE_MS'] ?? 1000);
const key = loadSigningKey(generateSigningKey().privateKeyPem);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => x.toFixed(3);

/** Figures of the appends pass: appends per second of each side. */
export interface AppendsFigures {
  streams: number;
  rawPerSec: number;
  offPerSec: number;
  onPerSec: number;
  heads: number;
}

/** Figures of the big-log pass. */
export interface BigLogFigures {
  events: number;
  startupCheckSec: number;
  inclusionP50Ms: number;
  inclusionP99Ms: number;
  consistencyP50Ms: number;
  consistencyP99Ms: number;
  proofs: number;
  treeVerifyPerSec: number;
  verifyPerSec: number;
  verifyOk: boolean;
}

export async function appends(dir: string, streams: number, blocks = 4): Promise<AppendsFigures> {
  const files = ['off', 'on'].map((n) => join(dir, `tl-appends-${n}.db`));
  for (const f of files) for (const s of ['', '-wal', '-shm']) rmSync(f + s, { force: true });
  const off = SqliteEventStore.open(files[0]!, { synchronous: 'FULL' });
  const on = SqliteEventStore.open(files[1]!, { synchronous: 'FULL' });
  // A fresh tree and witness (a witness of an earlier run would make the log refuse: log-truncated).
  for (const s of ['', '-wal', '-shm']) rmSync(join(dir, 'tl-appends-read.db') + s, { force: true });
  rmSync(join(dir, 'tl-witness'), { recursive: true, force: true });
  const tree = SqliteTreeStore.open(join(dir, 'tl-appends-read.db'));
  // The tree reads the log through a connection of its own (the api reads through the store's
  // reader connection): committed events only.
  const reader = SqliteEventStore.open(files[1]!, { synchronous: 'FULL' });
  const log = await TransparencyLog.open({
    source: leafSourceOf(reader),
    tree,
    key,
    witnesses: [{ witness: new HeadsFileWitness(join(dir, 'tl-witness')), required: true }],
  });
  await log.start();
  let stop = false;
  let heads = 0;
  const loop = (async () => {
    while (!stop) {
      if (await log.cycle()) heads++;
      await new Promise((r) => setTimeout(r, CYCLE_MS));
    }
  })();
  const rawFile = join(dir, 'tl-appends-raw.db');
  for (const s of ['', '-wal', '-shm']) rmSync(rawFile + s, { force: true });
  const db = openRawSqlite(rawFile, 'FULL');
  const insert = db.prepare(
    'INSERT INTO events (stream_name, version, type, data, metadata, event_id, command_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const version = db
    .prepare<[string], number>('SELECT coalesce(max(version), 0) FROM events WHERE stream_name = ?')
    .pluck();
  const rawTx = db.transaction((a: Append) => {
    if ((version.get(a.streamName) ?? 0) !== 0) throw new Error('version');
    a.events.forEach((e, j) =>
      insert.run(
        a.streamName,
        j + 1,
        e.type,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
        e.metadata.eventId,
        e.metadata.commandId,
        e.metadata.recordedAt,
      ),
    );
  });
  const time = { raw: 0, off: 0, on: 0 };
  const per = Math.ceil(streams / blocks);
  const port = async (store: SqliteEventStore, list: Append[]) => {
    for (const a of list)
      await store.append(a.streamName, a.events, {
        expectedVersion: 0,
        command: {
          commandId: a.commandId,
          fingerprint: a.fingerprint,
          recordedAt: a.events[0]!.metadata.recordedAt,
        },
      });
  };
  for (let b = 0; b < blocks; b++) {
    const list = buildAppends(b * per, Math.min(streams, (b + 1) * per), 10, `t${b}`);
    const sides: [keyof typeof time, () => Promise<void>][] = [
      ['raw', async () => list.forEach((a) => rawTx.immediate(a))],
      ['off', () => port(off, list)],
      ['on', () => port(on, list)],
    ];
    for (let k = 0; k < sides.length; k++) {
      const [name, run] = sides[(k + b) % sides.length]!;
      const t0 = performance.now();
      await run();
      time[name] += performance.now() - t0;
    }
  }
  stop = true;
  await loop;
  await log.cycle();
  const rate = (t: number) => streams / (t / 1000);
  console.log(
    `appends (FULL, ${streams} streams × 10 events): raw ${Math.round(rate(time.raw))}/s, Merkle log off ${Math.round(rate(time.off))}/s, on ${Math.round(rate(time.on))}/s` +
      ` → on/raw ${(time.raw / time.on).toFixed(2)}, off/raw ${(time.raw / time.off).toFixed(2)}, on/off ${(time.off / time.on).toFixed(2)}; ${heads} heads signed meanwhile (every ${CYCLE_MS} ms), tree ${log.tree.size} leaves, ${log.state} ${JSON.stringify(log.status().issue ?? '')}`,
  );
  await log.close();
  await tree.close();
  await reader.close();
  await on.close();
  await off.close();
  db.close();
  return {
    streams,
    rawPerSec: rate(time.raw),
    offPerSec: rate(time.off),
    onPerSec: rate(time.on),
    heads,
  };
}

export async function bigLog(dir: string, events: number, proofs = 2000): Promise<BigLogFigures> {
  const file = join(dir, 'tl-big.db');
  for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
  const store = SqliteEventStore.open(file, { synchronous: 'NORMAL' });
  const db = store.database;
  const ins = db.prepare(
    'INSERT INTO events (stream_name, version, type, data, metadata, event_id, command_id, recorded_at, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insStream = db.prepare('INSERT INTO streams (stream_name, version, last_hash) VALUES (?, ?, ?)');
  let t0 = performance.now();
  const streams = Math.ceil(events / 10);
  const fill = db.transaction((from: number, to: number) => {
    for (let s = from; s < to; s++) {
      let prev = GENESIS_HASH;
      const streamName = `patent-bench-${s}`;
      for (let v = 1; v <= 10; v++) {
        const data = {
          applicationNumber: `x${s}`,
          evaluationId: `ev-${s}-${v}`,
          industrializationProspect: 1 + (v % 5),
        };
        const metadata: EventMetadata = {
          eventId: `e-${s}-${v}`,
          commandId: `c-${s}`,
          correlationId: `c-${s}`,
          causationId: `c-${s}`,
          actor: { role: 'institution', orgId: 'tyut', userId: 'bench' },
          recordedAt: '2025-06-01T04:00:00.000Z',
          schemaVersion: 1,
        } as EventMetadata;
        const hash = eventHash({
          streamName,
          version: v,
          type: 'EnterpriseEvaluated',
          data,
          metadata,
          previousHash: prev,
        });
        ins.run(
          streamName,
          v,
          'EnterpriseEvaluated',
          JSON.stringify(data),
          JSON.stringify(metadata),
          metadata.eventId,
          metadata.commandId,
          metadata.recordedAt,
          hash,
        );
        prev = hash;
      }
      insStream.run(streamName, 10, prev);
    }
  });
  // Interleave streams in the log (10 rounds of all streams) as real traffic would? One stream at a
  // time is enough for the tree (it sees hashes only) and keeps the build short.
  for (let s = 0; s < streams; s += 10_000) fill(s, Math.min(streams, s + 10_000));
  const n = streams * 10;
  console.log(`built a log of ${n} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const witnessDir = join(dir, 'tl-big-witness');
  rmSync(witnessDir, { recursive: true, force: true });
  const treeFile = join(dir, 'tl-big-read.db');
  for (const s of ['', '-wal', '-shm']) rmSync(treeFile + s, { force: true });
  const tree = SqliteTreeStore.open(treeFile);
  const open = () =>
    TransparencyLog.open({
      source: leafSourceOf(store),
      tree,
      key,
      witnesses: [{ witness: new HeadsFileWitness(witnessDir), required: true }],
    });
  t0 = performance.now();
  const first = await open();
  await first.start();
  const head = (await first.cycle())!;
  console.log(
    `first start (tree built from scratch, ${head.treeSize} leaves) and the first head: ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  await first.close();
  t0 = performance.now();
  const log = await open();
  const s = await log.start();
  const startupCheckSec = (performance.now() - t0) / 1000;
  console.log(
    `start-up check (whole log against the witnessed head, stored tree compared): ${((performance.now() - t0) / 1000).toFixed(1)} s → ${s.state}, ${Math.round(n / ((performance.now() - t0) / 1000))} events/s`,
  );

  const rnd = (k: number) => Math.floor(Math.random() * k);
  const inc: number[] = [];
  const readLeaf = db.prepare<[number], { position: number; hash: string }>(
    'SELECT position, hash FROM events WHERE position = ?',
  );
  for (let i = 0; i < proofs; i++) {
    const e = readLeaf.get(1 + rnd(n))!;
    const t = performance.now();
    await proveInclusion(log.tree, head, [e]);
    inc.push(performance.now() - t);
  }
  const cons: number[] = [];
  for (let i = 0; i < proofs; i++) {
    const from = 1 + rnd(n - 1);
    const t = performance.now();
    await log.consistency(from, n);
    cons.push(performance.now() - t);
  }
  console.log(
    `inclusion proof of one event (read back and checked) p50 ${ms(pct(inc, 50))} ms, p99 ${ms(pct(inc, 99))} ms; consistency proof p50 ${ms(pct(cons, 50))} ms, p99 ${ms(pct(cons, 99))} ms (${proofs} each, ${n} events)`,
  );
  await log.close();

  t0 = performance.now();
  const audit = new TransparencyAudit(
    [{ name: 'heads file', kind: 'witness', heads: [head], exists: true }],
    key.publicKey,
  );
  for (let after = 0; ;) {
    const batch = await store.readHashes(after, 5000);
    if (batch.length === 0) break;
    for (const r of batch) audit.push(r.position, r.hash);
    after = batch[batch.length - 1]!.position;
  }
  const tr = audit.finish();
  const treeSecs = (performance.now() - t0) / 1000;
  console.log(
    `verify, the tree pass alone: ${Math.round(n / treeSecs)} events/s (${treeSecs.toFixed(1)} s, issues: ${tr.issues.map((i) => i.kind).join(', ') || 'none'})`,
  );
  t0 = performance.now();
  const audit2 = new TransparencyAudit(
    [{ name: 'heads file', kind: 'witness', heads: [head], exists: true }],
    key.publicKey,
  );
  async function* teed() {
    for await (const e of readLog(store)) {
      audit2.push(e.position, e.hash);
      yield e;
    }
  }
  const report = await verifyLedger(teed(), {
    heads: [],
    publicKey: key.publicKey,
    streamHeads: await store.streamHeads(),
  });
  const all = audit2.finish();
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `verify, the whole pass (stream chains, stream table, tree): ${Math.round(n / secs)} events/s (${secs.toFixed(1)} s; ok ${report.ok && all.issues.length === 0}, ${[...report.issues, ...all.issues].map((i) => i.kind).join(', ') || 'no issues'})`,
  );
  await tree.close();
  await store.close();
  return {
    events: n,
    startupCheckSec,
    inclusionP50Ms: pct(inc, 50),
    inclusionP99Ms: pct(inc, 99),
    consistencyP50Ms: pct(cons, 50),
    consistencyP99Ms: pct(cons, 99),
    proofs,
    treeVerifyPerSec: n / treeSecs,
    verifyPerSec: n / secs,
    verifyOk: report.ok && all.issues.length === 0,
  };
}

async function main(): Promise<void> {
  const [dir, streams = '20000', events = '1000000'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: transparency-profile DIR [STREAMS] [EVENTS]');
  mkdirSync(dir, { recursive: true });
  const only = process.env['ONLY'];
  if (!only || only === 'appends') await appends(dir, Number(streams));
  if (!only || only === 'log') await bigLog(dir, Number(events));
}

// A tool when run, a library when the bench's transparency phase imports it.
if (require.main === module) {
  void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
