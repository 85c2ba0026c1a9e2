/**
 * One command at a time through `handleCommand` (load → decide → append, with idempotency), with the
 * options the api's ExecutePatentHandler passes; then replay (load + fold) of one patent's stream of
 * 10 and of 100 events.
 */
import { randomUUID } from 'node:crypto';
import { patentDecider, patentStream } from '@patent-ledger/domain';
import { join } from 'node:path';
import {
  handleCommand,
  loadAggregate,
  type EventStore,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { emit, log, now, peakRow, resetPeakRss, round, row, summarize, tick, type Row } from '../lib/common';
import {
  commandContextFor,
  evaluationBody,
  evaluationCommand,
  PATENT_HANDLE_OPTIONS,
  registerInstitution,
  seedPatents,
} from '../lib/fixtures';
import {
  dropSchema,
  openRawSqlite,
  openStore,
  pgRawEventsDdl,
  pgUrl,
  sqliteFile,
  storeLabel,
  type StoreSpec,
} from '../lib/stores';

export interface CommandArgs {
  spec: StoreSpec;
  dir: string;
  schema: string;
  /** Patents seeded (inventoried and admitted) before the commands. */
  patents: number;
  commands: number;
  warmup: number;
  /** Patents of 10 and 100 events, and replays of each. */
  replay10: number;
  replay100: number;
  replayIterations10: number;
  replayIterations100: number;
  /** Run the replay part too (once per store: it does not depend on the durability setting). */
  replay: boolean;
}

export async function commandPhase(args: CommandArgs): Promise<void> {
  const { spec } = args;
  const label = storeLabel(spec);
  const where =
    spec.kind === 'sqlite' ? sqliteFile(args.dir, `command-${spec.synchronous}`) : `${args.schema}_command`;
  const rows: Row[] = [];
  let store: EventStore | undefined;
  try {
    // Seed (with synchronous=NORMAL on SQLite: set-up is not measured), then reopen as specified.
    const seeding = (await openStore(spec, where, { synchronous: 'NORMAL' })).store;
    await registerInstitution(seeding);
    const numbers = await seedPatents(seeding, { series: 0, count: args.patents, evaluations: 0 });
    const n10 = await seedPatents(seeding, { series: 1, count: args.replay10, evaluations: 8 });
    const n100 = await seedPatents(seeding, { series: 2, count: args.replay100, evaluations: 98 });
    log(`seeded ${numbers.length.toLocaleString('en-US')} + ${n10.length} + ${n100.length} patents`);
    if (spec.kind === 'sqlite') {
      await seeding.close();
      store = (await openStore(spec, where)).store;
    } else {
      store = seeding;
    }

    // --- single command -------------------------------------------------------------------------
    const appended: StoredEvent[] = [];
    const run = async (k: number): Promise<number> => {
      const an = numbers[k % numbers.length]!;
      const body = evaluationBody(k);
      const ctx = commandContextFor(randomUUID(), 'POST', `/patents/${an}/evaluations`, body);
      const t0 = now();
      const outcome = await handleCommand(
        store!,
        patentDecider,
        patentStream(an),
        evaluationCommand(an, k),
        ctx,
        PATENT_HANDLE_OPTIONS,
      );
      const ms = now() - t0;
      appended.push(...outcome.events);
      return ms;
    };
    for (let k = 0; k < args.warmup; k++) await run(k);
    await tick();
    resetPeakRss();
    const latencies: number[] = [];
    const t0 = now();
    for (let k = args.warmup; k < args.warmup + args.commands; k++) latencies.push(await run(k));
    const seconds = (now() - t0) / 1000;
    const s = summarize(latencies);
    const peak = peakRow(label, 'command', 'single commands');

    // Reference: the same events written with the raw driver, one transaction each (read the stream's
    // version, insert the event), same durability — the floor a commit costs on this disk.
    const raw = await rawSingleAppends(spec, args, appended.slice(args.warmup));
    const r = summarize(raw.latencies);
    const rawLabel =
      spec.kind === 'sqlite'
        ? `raw better-sqlite3: the same event, one transaction (version read + INSERT), synchronous=${spec.synchronous}`
        : 'raw pg: the same event, one version-checked INSERT statement (own transaction)';
    const cmdName = `EvaluatePatent via handleCommand (${args.commands.toLocaleString('en-US')} sequential, ${args.patents.toLocaleString('en-US')} patents)`;
    rows.push(
      row({
        store: label,
        phase: 'command',
        name: `${cmdName}: p50`,
        value: round(s.p50, 3),
        unit: 'ms',
        baseline: rawLabel,
        baselineValue: round(r.p50, 3),
      }),
      row({
        store: label,
        phase: 'command',
        name: `${cmdName}: p99`,
        value: round(s.p99, 3),
        unit: 'ms',
        baseline: rawLabel,
        baselineValue: round(r.p99, 3),
        ...(spec.kind === 'sqlite' ? { target: { kind: 'below' as const, value: 2 } } : {}),
        ...(spec.kind === 'sqlite' && spec.synchronous === 'NORMAL'
          ? { note: 'the product default is FULL; NORMAL shows the cost without the per-commit fsync' }
          : {}),
      }),
      row({
        store: label,
        phase: 'command',
        name: 'commands/s, one at a time',
        value: round(args.commands / seconds),
        unit: 'commands/s',
        baseline: rawLabel,
        baselineValue: round(raw.latencies.length / raw.seconds),
      }),
      peak,
    );
    log(
      `commands: p50 ${s.p50.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms, ${Math.round(args.commands / seconds)}/s; raw p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms`,
    );

    // --- replay -----------------------------------------------------------------------------------
    for (const [numbersOf, events, iterations, target] of args.replay
      ? ([
          [n10, 10, args.replayIterations10, 0.5],
          [n100, 100, args.replayIterations100, undefined],
        ] as const)
      : []) {
      const replay = async (i: number): Promise<number> => {
        // A pseudo-random patent each time (multiplicative hash), not the same hot one.
        const an = numbersOf[(i * 2_654_435_761) % numbersOf.length]!;
        const t = now();
        const { version } = await loadAggregate(
          store!,
          patentDecider,
          patentStream(an),
          PATENT_HANDLE_OPTIONS.upcast,
        );
        const ms = now() - t;
        if (version !== events) throw new Error(`replayed ${version} events, expected ${events}`);
        return ms;
      };
      for (let i = 0; i < Math.min(1000, iterations); i++) await replay(i);
      await tick();
      resetPeakRss();
      const samples: number[] = [];
      for (let i = 0; i < iterations; i++) samples.push(await replay(i));
      const r = summarize(samples);
      const name = `replay of a ${events}-event patent stream (readStream + upcast + fold; ${numbersOf.length} patents, ${iterations.toLocaleString('en-US')} loads)`;
      rows.push(
        row({ store: label, phase: 'replay', name: `${name}: p50`, value: round(r.p50, 3), unit: 'ms' }),
        row({
          store: label,
          phase: 'replay',
          name: `${name}: p99`,
          value: round(r.p99, 3),
          unit: 'ms',
          ...(target !== undefined ? { target: { kind: 'below' as const, value: target } } : {}),
        }),
      );
      log(`replay ${events}: p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms`);
    }
    if (args.replay) rows.push(peakRow(label, 'replay', 'replays'));
  } finally {
    await store?.close().catch(() => undefined);
    if (spec.kind === 'postgres') await dropSchema(pgUrl(spec), where).catch(() => undefined);
  }
  emit(rows);
}

/** One raw transaction per event: read the stream's version, insert the event after it. */
async function rawSingleAppends(
  spec: StoreSpec,
  args: CommandArgs,
  events: StoredEvent[],
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let seconds = 0;
  if (spec.kind === 'sqlite') {
    const db = openRawSqlite(
      join(args.dir, `command-raw-${spec.synchronous}.db`),
      spec.synchronous ?? 'FULL',
    );
    const version = db
      .prepare<[string], number>('SELECT coalesce(max(version), 0) FROM events WHERE stream_name = ?')
      .pluck();
    const insert = db.prepare(
      'INSERT INTO events (stream_name, version, type, data, metadata, event_id, command_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const tx = db.transaction((e: StoredEvent) => {
      const v = (version.get(e.streamName) ?? 0) + 1;
      insert.run(
        e.streamName,
        v,
        e.type,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
        e.metadata.eventId,
        e.metadata.commandId,
        e.metadata.recordedAt,
      );
    });
    const t0 = now();
    for (const e of events) {
      const t = now();
      tx.immediate(e);
      latencies.push(now() - t);
    }
    seconds = (now() - t0) / 1000;
    db.close();
  } else {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: pgUrl(spec) });
    await client.connect();
    const schema = `${args.schema}_command_raw`;
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.query(pgRawEventsDdl(schema));
      const text = `INSERT INTO "${schema}".events (stream_name, version, type, data, metadata, event_id, command_id, recorded_at)
        SELECT $1, coalesce(max(version), 0) + 1, $2, $3::json, $4::json, $5, $6, $7 FROM "${schema}".events WHERE stream_name = $1`;
      const t0 = now();
      for (const e of events) {
        const t = now();
        await client.query({
          name: 'raw_single',
          text,
          values: [
            e.streamName,
            e.type,
            JSON.stringify(e.data),
            JSON.stringify(e.metadata),
            e.metadata.eventId,
            e.metadata.commandId,
            e.metadata.recordedAt,
          ],
        });
        latencies.push(now() - t);
      }
      seconds = (now() - t0) / 1000;
    } finally {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await client.end();
    }
  }
  return { latencies, seconds };
}
