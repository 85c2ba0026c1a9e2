/**
 * Diagnostic (not a figure): per-stream appends of 10 events (the appends phase's) through SqliteEventStore variants, in
 * alternating blocks, at synchronous=NORMAL or FULL. Prints appends/s of each.
 *
 *   node dist/bench/bench/tools/appends-profile.js DIR [FULL|NORMAL] [STREAMS]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { buildAppends, RECORDED_AT } from '../phases/appends';

async function main(): Promise<void> {
  const [dir, sync = 'NORMAL', n = '20000'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: appends-profile DIR [FULL|NORMAL] [STREAMS]');
  const streams = Number(n);
  const variants = [
    { name: 'group commit (default)', groupCommit: true },
    { name: 'no group commit', groupCommit: false },
  ];
  const stores = variants.map((v, i) => {
    const file = join(dir, `appends-${i}.db`);
    for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
    return SqliteEventStore.open(file, {
      synchronous: sync as 'FULL' | 'NORMAL',
      groupCommit: v.groupCommit,
    });
  });
  const ms = variants.map(() => 0);
  const blocks = 4;
  const per = Math.ceil(streams / blocks);
  for (let b = 0; b < blocks; b++) {
    const appends = buildAppends(b * per, Math.min(streams, (b + 1) * per), 10, 'a');
    for (let k = 0; k < variants.length; k++) {
      const i = (k + b) % variants.length;
      const t0 = performance.now();
      for (const a of appends)
        await stores[i]!.append(a.streamName, a.events, {
          expectedVersion: 0,
          command: {
            commandId: a.commandId,
            fingerprint: a.fingerprint,
            recordedAt: RECORDED_AT,
          },
        });
      ms[i]! += performance.now() - t0;
    }
  }
  variants.forEach((v, i) => console.log(`${v.name}: ${Math.round(streams / (ms[i]! / 1000))} appends/s`));
  for (const s of stores) await s.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
