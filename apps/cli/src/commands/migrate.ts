import type { AppendRequest, EventStore, StoredEvent } from '@patent-ledger/eventsourcing';
import { CliError, configFrom, openExistingStore, openStore, usage, type CliIo } from '../cli-io';
import { parseCommand, type CommandSpec } from '../parse';

export const MIGRATE_SPEC: CommandSpec = {
  name: 'migrate',
  summary:
    'copy the SQLite ledger (LEDGER_DB) into PostgreSQL or KurrentDB with metadata and hashes, then compare',
  usage: '--to postgres|kurrentdb [options]',
  description:
    'Copies every event of the SQLite ledger (LEDGER_DB), in log order with its metadata and command records, into the empty target store named by the same LEDGER_* settings, then checks the counts and that every hash is identical.',
  options: [
    { flags: '--to <store>', description: 'postgres or kurrentdb (required)' },
    { flags: '--batch <n>', description: 'events per copy batch, 1-10000 (default 500)' },
  ],
  examples: ['LEDGER_PG_URL=postgres://postgres@127.0.0.1:5432/postgres patent-ledger migrate --to postgres'],
};

/**
 * migrate --to postgres|kurrentdb [--batch N]: copies every event of the configured SQLite ledger
 * (LEDGER_DB) — in log order, with its metadata and command records — into the target store named
 * by the same LEDGER_* settings, then checks the counts and that every event's hash is identical.
 */
export async function migrate(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(MIGRATE_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { values, positional } = parsed;
  if (positional.length || !values['to']) throw usage('migrate takes --to postgres|kurrentdb');
  const to = values['to'];
  if (to !== 'postgres' && to !== 'kurrentdb') throw usage('--to must be postgres or kurrentdb');
  const batchSize = Number(values['batch'] ?? 500);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
    throw usage('--batch takes 1 to 10000');
  const source = await openExistingStore(configFrom({ ...env, LEDGER_STORE: 'sqlite' }));
  const target = await openStore(configFrom({ ...env, LEDGER_STORE: to }));
  try {
    if ((await target.headPosition()) !== 0) {
      throw new CliError(`the target ${to} store is not empty; migrate into an empty one`);
    }
    const started = Date.now();
    let copied = 0;
    let after = 0;
    for (;;) {
      const batch = await source.readAll({ after, limit: batchSize });
      if (batch.length === 0) break;
      const requests = await toRequests(source, batch);
      const results = await target.appendMany(requests);
      results.forEach((r, i) => {
        if (!r.ok) throw new CliError(`copying ${requests[i]!.streamName} failed: ${r.error.message}`);
        const originals = requests[i]!.events;
        r.result.events.forEach((e, j) => {
          const original = batch.find((b) => b.metadata.eventId === originals[j]!.metadata.eventId)!;
          if (e.hash !== original.hash) {
            throw new CliError(
              `hash of ${e.streamName}@${e.version} differs after the copy (${e.hash} vs ${original.hash})`,
            );
          }
        });
      });
      copied += batch.length;
      after = batch[batch.length - 1]!.position;
      io.stderr.write(`copied ${copied} events\n`);
    }
    const [sourceCount, targetCount] = [await countAll(source), await countAll(target)];
    if (sourceCount !== targetCount)
      throw new CliError(`count mismatch: ${sourceCount} events in the source, ${targetCount} in the target`);
    io.stdout.write(
      `migrated ${copied} events to ${to} in ${((Date.now() - started) / 1000).toFixed(1)} s; counts match (${targetCount}) and every hash is identical\n`,
    );
    return 0;
  } finally {
    await source.close();
    await target.close();
  }
}

/** Groups a log batch into appends: one per command (its events are contiguous in one stream). */
async function toRequests(source: EventStore, batch: StoredEvent[]): Promise<AppendRequest[]> {
  const requests: AppendRequest[] = [];
  for (const e of batch) {
    const last = requests[requests.length - 1];
    const { position: _p, version: _v, hash: _h, streamName: _s, ...event } = e;
    if (
      last &&
      last.streamName === e.streamName &&
      last.events[0]!.metadata.commandId === e.metadata.commandId
    ) {
      last.events.push(event);
      continue;
    }
    const record = await source.findCommand(e.metadata.commandId);
    requests.push({
      streamName: e.streamName,
      events: [event],
      options: {
        expectedVersion: e.version - 1,
        ...(record && record.streamName === e.streamName && record.fromVersion === e.version
          ? {
              command: {
                commandId: record.commandId,
                fingerprint: record.fingerprint,
                recordedAt: record.recordedAt,
              },
            }
          : {}),
      },
    });
  }
  return requests;
}

async function countAll(store: EventStore): Promise<number> {
  let n = 0;
  for (let after = 0; ;) {
    const batch = await store.readAll({ after, limit: 5000 });
    if (batch.length === 0) return n;
    n += batch.length;
    after = batch[batch.length - 1]!.position;
  }
}
