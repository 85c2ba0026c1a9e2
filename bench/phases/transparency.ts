/**
 * The transparency phase (SQLite, synchronous=FULL): the Merkle log's cost and its proofs.
 *
 * - per-stream appends (10 events + command record) with the Merkle log on (a TransparencyLog
 *   extending its tree and signing a head every second in the same process) and off, against the
 *   raw driver, in alternating blocks: the ratio on ÷ raw, target ≥ 70 %;
 * - a log of `events` events (real hash chains): inclusion-proof and consistency-proof p99 against
 *   the newest signed head, and verify throughput over the whole log (stream chains, stream table
 *   and tree in one pass).
 *
 * The measurements are those of bench/tools/transparency-profile.ts; this phase turns them into rows.
 */
import { emit, log, row, type Row } from '../lib/common';
import { appends, bigLog } from '../tools/transparency-profile';

export async function transparencyPhase(args: {
  dir: string;
  streams: number;
  blocks: number;
  events: number;
  proofs: number;
}): Promise<void> {
  // The profile prints its findings; stdout carries only the result lines.
  console.log = (...xs: unknown[]) => log(xs.map(String).join(' '));
  const store = 'sqlite (WAL, synchronous=FULL)';
  const phase = 'transparency';
  const rows: Row[] = [];
  const a = await appends(args.dir, args.streams, args.blocks);
  const size = `${a.streams} streams × 10 events, ${a.heads} heads signed meanwhile`;
  rows.push(
    row({
      store,
      phase,
      name: 'appends, Merkle log on',
      value: a.onPerSec,
      unit: 'appends/s',
      baseline: 'raw driver',
      baselineValue: a.rawPerSec,
      target: { kind: 'ratioAtLeast', value: 0.7 },
      note: size,
    }),
    row({
      store,
      phase,
      name: 'appends, Merkle log off',
      value: a.offPerSec,
      unit: 'appends/s',
      baseline: 'raw driver',
      baselineValue: a.rawPerSec,
      note: size,
    }),
  );
  const b = await bigLog(args.dir, args.events, args.proofs);
  const at = `${b.events.toLocaleString('en-US')} events, ${b.proofs} proofs`;
  rows.push(
    row({ store, phase, name: 'inclusion proof p99', value: b.inclusionP99Ms, unit: 'ms', note: at }),
    row({ store, phase, name: 'consistency proof p99', value: b.consistencyP99Ms, unit: 'ms', note: at }),
    row({
      store,
      phase,
      name: 'verify, whole log',
      value: b.verifyPerSec,
      unit: 'events/s',
      note: `${b.events.toLocaleString('en-US')} events, ${b.verifyOk ? 'no issues' : 'ISSUES FOUND'}; tree pass alone ${Math.round(b.treeVerifyPerSec).toLocaleString('en-US')} events/s`,
    }),
    row({
      store,
      phase,
      name: 'start-up check of the log',
      value: b.startupCheckSec * 1000,
      unit: 'ms',
      note: `${b.events.toLocaleString('en-US')} events against the witnessed head`,
    }),
  );
  if (!b.verifyOk) throw new Error('verify found issues in the generated log');
  emit(rows);
}
