/**
 * Per-stream appends: S streams × 10 events (~300 bytes of data each, full metadata), one append per
 * stream with an expected version, through the EventStore port with idempotency (a command id and
 * fingerprint, recorded in the same transaction) — against the same appends written with the raw
 * driver, one transaction per stream (version check + the 10 inserts), same durability. The two
 * sides run interleaved in blocks, so drift of the machine hits both alike.
 */
import { join } from 'node:path';
import { deterministicEventId, fingerprintOf, type NewEvent } from '@patent-ledger/eventsourcing';
import { emit, log, now, peakRow, resetPeakRss, round, row, tick, type Row } from '../lib/common';
import { BENCH_ACTOR } from '../lib/fixtures';
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

export interface AppendsArgs {
  spec: StoreSpec;
  streams: number;
  eventsPerStream: number;
  blocks: number;
  dir: string;
  schema: string;
  /** Concurrent clients of each run (default: 1; PostgreSQL also runs 8, one connection each). */
  clients?: number[];
}

export interface Append {
  streamName: string;
  events: NewEvent[];
  commandId: string;
  fingerprint: string;
}

export const RECORDED_AT = '2025-06-01T04:00:00.000Z';

/** The appends of streams [from, to): deterministic, ~300-byte events with the product's metadata. */
export function buildAppends(from: number, to: number, eventsPerStream: number, runTag: string): Append[] {
  const out: Append[] = [];
  for (let s = from; s < to; s++) {
    const streamName = `bench-${runTag}-${String(s).padStart(7, '0')}`;
    const commandId = `cmd-${runTag}-${s}`;
    const events: NewEvent[] = [];
    for (let j = 0; j < eventsPerStream; j++) {
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
          actor: BENCH_ACTOR,
          recordedAt: RECORDED_AT,
          schemaVersion: 2,
        },
      });
    }
    out.push({ streamName, events, commandId, fingerprint: fingerprintOf({ streamName, s }) });
  }
  return out;
}

type RawAppend = (a: Append, expected: number) => Promise<void> | void;

export async function appendsPhase(args: AppendsArgs): Promise<void> {
  const { spec } = args;
  const label = storeLabel(spec);
  const phase = 'appends';
  const portWhere =
    spec.kind === 'sqlite' ? sqliteFile(args.dir, `appends-${spec.synchronous}`) : `${args.schema}_appends`;
  const rawWhere =
    spec.kind === 'sqlite'
      ? join(args.dir, `appends-raw-${spec.synchronous}.db`)
      : `${args.schema}_appends_raw`;
  const { store } = await openStore(spec, portWhere, { poolSize: 10 });
  let rawAppend: RawAppend;
  let closeRaw: () => Promise<void>;
  let rawLabel: string;
  if (spec.kind === 'sqlite') {
    const db = openRawSqlite(rawWhere, spec.synchronous ?? 'FULL');
    const version = db
      .prepare<[string], number>('SELECT coalesce(max(version), 0) FROM events WHERE stream_name = ?')
      .pluck();
    const insert = db.prepare(
      'INSERT INTO events (stream_name, version, type, data, metadata, event_id, command_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const tx = db.transaction((a: Append, expected: number) => {
      const current = version.get(a.streamName) ?? 0;
      if (current !== expected)
        throw new Error(`wrong expected version ${expected} (${current}) of ${a.streamName}`);
      a.events.forEach((e, j) => {
        insert.run(
          a.streamName,
          expected + j + 1,
          e.type,
          JSON.stringify(e.data),
          JSON.stringify(e.metadata),
          e.metadata.eventId,
          e.metadata.commandId,
          e.metadata.recordedAt,
        );
      });
    });
    rawAppend = (a, expected) => tx.immediate(a, expected);
    closeRaw = async () => void db.close();
    rawLabel = `raw better-sqlite3: BEGIN IMMEDIATE, version check, ${args.eventsPerStream} INSERTs, COMMIT per stream (synchronous=${spec.synchronous})`;
  } else {
    const { Pool } = await import('pg');
    // One connection per client, as many as the store's pool.
    const client = new Pool({ connectionString: pgUrl(spec), max: 10 });
    await client.query(`DROP SCHEMA IF EXISTS "${rawWhere}" CASCADE`);
    await client.query(pgRawEventsDdl(rawWhere));
    // One statement (its own transaction): inserts the events only if the stream is at the expected version.
    const text = `INSERT INTO "${rawWhere}".events (stream_name, version, type, data, metadata, event_id, command_id, recorded_at)
      SELECT $1, $2::integer + u.n::integer, u.t, u.d::json, u.m::json, u.e, u.c, u.r
      FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS u (t, d, m, e, c, r, n)
      WHERE (SELECT coalesce(max(version), 0) FROM "${rawWhere}".events WHERE stream_name = $1) = $2`;
    rawAppend = async (a, expected) => {
      const res = await client.query({
        name: 'raw_append',
        text,
        values: [
          a.streamName,
          expected,
          a.events.map((e) => e.type),
          a.events.map((e) => JSON.stringify(e.data)),
          a.events.map((e) => JSON.stringify(e.metadata)),
          a.events.map((e) => e.metadata.eventId),
          a.events.map((e) => e.metadata.commandId),
          a.events.map((e) => e.metadata.recordedAt),
        ],
      });
      if (res.rowCount !== a.events.length)
        throw new Error(`wrong expected version ${expected} of ${a.streamName}`);
    };
    closeRaw = async () => {
      await client.end();
    };
    rawLabel = `raw pg: one INSERT … SELECT FROM unnest statement per stream (its own transaction, version-checked; synchronous_commit as the server), same number of clients`;
  }

  const rows: Row[] = [];
  const clientCounts = args.clients ?? (spec.kind === 'postgres' ? [1, 8] : [1]);
  /** Runs the appends with `clients` concurrent callers taking the next stream from one queue. */
  const concurrently = async (
    appends: Append[],
    clients: number,
    one: (a: Append) => Promise<void> | void,
  ) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < appends.length) await one(appends[next++]!);
      }),
    );
  };
  try {
    resetPeakRss();
    for (const clients of clientCounts) {
      let portMs = 0;
      let rawMs = 0;
      const perBlock = Math.ceil(args.streams / args.blocks);
      for (let b = 0; b < args.blocks; b++) {
        const from = b * perBlock;
        const to = Math.min(args.streams, from + perBlock);
        if (from >= to) break;
        // Fresh streams for every client count.
        const appends = buildAppends(from, to, args.eventsPerStream, `a${clients}`);
        const port = async () => {
          const t0 = now();
          await concurrently(appends, clients, async (a) => {
            await store.append(a.streamName, a.events, {
              expectedVersion: 0,
              command: { commandId: a.commandId, fingerprint: a.fingerprint, recordedAt: RECORDED_AT },
            });
          });
          portMs += now() - t0;
        };
        const raw = async () => {
          const t0 = now();
          await concurrently(appends, clients, (a) => rawAppend(a, 0));
          rawMs += now() - t0;
        };
        // Alternate which side goes first.
        if (b % 2 === 0) {
          await port();
          await tick();
          await raw();
        } else {
          await raw();
          await tick();
          await port();
        }
        log(
          `appends block ${b + 1}/${args.blocks}, ${clients} client(s): port ${Math.round(to / (portMs / 1000))}/s, raw ${Math.round(to / (rawMs / 1000))}/s`,
        );
      }
      const portRate = args.streams / (portMs / 1000);
      const rawRate = args.streams / (rawMs / 1000);
      rows.push(
        row({
          store: label,
          phase,
          name: `per-stream appends through the port, ${clients} client${clients === 1 ? '' : 's'} (${args.streams.toLocaleString('en-US')} streams × ${args.eventsPerStream} events, expected version, idempotency + metadata)`,
          value: round(portRate),
          unit: 'appends/s',
          baseline: rawLabel,
          baselineValue: round(rawRate),
          target: { kind: 'ratioAtLeast', value: 0.7 },
          note: `${round(portRate * args.eventsPerStream).toLocaleString('en-US')} vs ${round(rawRate * args.eventsPerStream).toLocaleString('en-US')} events/s`,
        }),
      );
    }
    rows.push(peakRow(label, phase, `per-stream appends (both sides)`));
  } finally {
    await store.close().catch(() => undefined);
    await closeRaw().catch(() => undefined);
    if (spec.kind === 'postgres') {
      await dropSchema(pgUrl(spec), portWhere).catch(() => undefined);
      await dropSchema(pgUrl(spec), rawWhere).catch(() => undefined);
    }
  }
  emit(rows);
}
