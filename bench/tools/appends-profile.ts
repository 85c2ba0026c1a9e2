/**
 * Diagnostic (not a figure): per-stream appends of 10 events through SqliteEventStore variants, in
 * alternating blocks, at synchronous=NORMAL or FULL. Prints appends/s of each.
 *
 *   node dist/bench/bench/tools/appends-profile.js DIR [FULL|NORMAL] [STREAMS]
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { deterministicEventId, fingerprintOf, type NewEvent } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';

function appendsOf(from: number, to: number, tag: string) {
  const out: { streamName: string; events: NewEvent[]; commandId: string; fingerprint: string }[] = [];
  for (let s = from; s < to; s++) {
    const streamName = `bench-${tag}-${String(s).padStart(7, '0')}`;
    const commandId = `cmd-${tag}-${s}`;
    const events: NewEvent[] = [];
    for (let j = 0; j < 10; j++)
      events.push({
        type: 'EnterpriseEvaluated',
        data: {
          applicationNumber: `2018100${String(s).padStart(5, '0')}.${j}`,
          evaluationId: `ev-${s}-${j}`,
          enterpriseId: `ent-${(s * 7 + j) % 997}`,
          enterpriseName: '山西煤基新材料有限公司',
          enterpriseCategory: 'specialized-sme',
          industrializationProspect: 1 + ((s + j) % 5),
          improvementNeeds: { level: 'pilot-needed', notes: '需中试验证烧结工艺' },
          cooperationWillingness: 'license',
          occurredOn: '2024-05-10',
        },
        metadata: {
          eventId: deterministicEventId(commandId, j),
          commandId,
          correlationId: commandId,
          causationId: commandId,
          actor: { role: 'system', orgId: 'bench', userId: 'bench' },
          recordedAt: '2025-06-01T04:00:00.000Z',
          schemaVersion: 2,
        },
      });
    out.push({ streamName, events, commandId, fingerprint: fingerprintOf({ streamName, s }) });
  }
  return out;
}

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
    const appends = appendsOf(b * per, Math.min(streams, (b + 1) * per), 'a');
    for (let k = 0; k < variants.length; k++) {
      const i = (k + b) % variants.length;
      const t0 = performance.now();
      for (const a of appends)
        await stores[i]!.append(a.streamName, a.events, {
          expectedVersion: 0,
          command: {
            commandId: a.commandId,
            fingerprint: a.fingerprint,
            recordedAt: '2025-06-01T04:00:00.000Z',
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
