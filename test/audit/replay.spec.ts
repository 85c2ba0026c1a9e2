/**
 * `patent-ledger replay` on a patent whose events were recorded late (business date earlier than
 * recordedAt): --as-of (business dates) and --known-at (recording instants) give different states.
 * One of its events is stored in schema v1 (EnterpriseEvaluated with a bare improvement level, as an
 * older release wrote it): replay shows it upcast to v2 and marks it, and the ledger still verifies,
 * because the hashes cover the stored bytes, not the upcast shape.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inventoryPatent, registerTransfer, tagIntent, transferPatent } from '@patent-ledger/domain/testing';
import { ChainHeadRecorder, type EventMetadata, type SigningKey } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { patentStream } from '@patent-ledger/domain';
import {
  cliEnv,
  handlePatent,
  hashOfRow,
  inventionNumber,
  runCli,
  sqliteRaw,
  writeSigningKeyBeside,
  removeKeysBeside,
} from './ledger-fixture';

const AN = inventionNumber(601870);
const STREAM = patentStream(AN);

let dir: string;
let db: string;
let key: SigningKey;
let keyFile: string;
const env = () => cliEnv(db, keyFile, dir);

interface ReplayJson {
  applicationNumber: string;
  asOf?: string;
  knownAt?: string;
  history: {
    version: number;
    type: string;
    businessDate: string;
    recordedAt: string;
    upcast: boolean;
    included: boolean;
    keyFields: string;
  }[];
  state: {
    status: string;
    holder: { kind: string; name?: string; since?: string };
    inPool: boolean;
    evaluations: { evaluationId: string; improvementNeeds: unknown }[];
    transfers: { dealId: string; contractDate: string; registration?: unknown }[];
  };
}

async function replayJson(...options: string[]): Promise<ReplayJson> {
  const run = await runCli(['replay', AN, ...options, '--json'], env());
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as ReplayJson;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patent-ledger-replay-'));
  db = join(dir, 'ledger.db');
  ({ key, keyFile } = writeSigningKeyBeside(dir));
  const store = SqliteEventStore.open(db);
  const a = { applicationNumber: AN };
  // Inventoried on 2024-03-15 and screened on 2024-03-20, both entered only on 2024-06-01.
  await handlePatent(
    store,
    AN,
    inventoryPatent({ ...a, occurredOn: '2024-03-15' }, '2024-06-01T02:00:00Z'),
    '2024-06-01T02:00:00Z',
  );
  await handlePatent(
    store,
    AN,
    tagIntent({ ...a, occurredOn: '2024-03-20' }, '2024-06-01T02:05:00Z'),
    '2024-06-01T02:05:00Z',
  );

  // An evaluation of 2024-04-10 stored by an older release in schema v1: the row as it wrote it.
  const raw = sqliteRaw(store);
  const before = (await raw.streamRow(STREAM))!;
  const metadata: EventMetadata = {
    eventId: randomUUID(),
    commandId: 'legacy-0001',
    correlationId: 'legacy-0001',
    causationId: 'legacy-0001',
    actor: { role: 'enterprise', orgId: 'ent-a', userId: 'li.ming' },
    recordedAt: '2024-06-01T02:10:00.000Z',
    schemaVersion: 1,
  };
  const row = {
    streamName: STREAM,
    version: before.version + 1,
    type: 'EnterpriseEvaluated',
    data: JSON.stringify({
      applicationNumber: AN,
      evaluationId: 'ev-legacy-1',
      enterpriseId: 'ent-a',
      enterpriseName: 'Shanxi Energy Co.',
      enterpriseCategory: 'high-tech',
      industrializationProspect: 4,
      improvementNeeds: 'minor',
      cooperationWillingness: 'purchase',
      occurredOn: '2024-04-10',
    }),
    metadata: JSON.stringify(metadata),
  };
  const hash = hashOfRow(row, before.lastHash!);
  await raw.insert({ ...row, hash });
  await raw.setStream(STREAM, row.version, hash);

  // A transfer contract of 2024-05-01 entered on 2024-07-01, registered on 2024-06-20 and entered the same day.
  await handlePatent(
    store,
    AN,
    transferPatent({ ...a, contractDate: '2024-05-01' }, '2024-07-01T03:00:00Z'),
    '2024-07-01T03:00:00Z',
  );
  await handlePatent(
    store,
    AN,
    registerTransfer({ ...a, registeredOn: '2024-06-20' }, '2024-07-01T03:05:00Z'),
    '2024-07-01T03:05:00Z',
  );
  await new ChainHeadRecorder(store, store, key, { everyEvents: 2 }).record();
  await store.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeKeysBeside(dir);
});

describe('replay of a patent recorded late', () => {
  it('prints the history table and the resulting state', async () => {
    const run = await runCli(['replay', AN], env());
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^ver\s+business date\s+recorded at\s+actor\s+event\s+key fields$/);
    expect(lines[1]).toMatch(
      /^ 1\s+2024-03-15\s+2024-06-01 02:00:00\s+institution:tyut\/tto-wang\s+PatentInventoried\s+institutionId=tyut /,
    );
    expect(lines[3]).toMatch(
      /^ 3\s+2024-04-10\s+2024-06-01 02:10:00\s+enterprise:ent-a\/li\.ming\s+EnterpriseEvaluated \(upcast\)\s+enterpriseName=Shanxi Energy Co\./,
    );
    expect(lines[4]).toMatch(
      /^ 4\s+2024-05-01\s+2024-07-01 03:00:00\s+.*Transferred\s+dealId=deal-t1 assigneeName=Shanxi Energy Co\. price=1250000\.00$/,
    );
    expect(lines[5]).toMatch(
      /^ 5\s+2024-06-20\s+2024-07-01 03:05:00\s+.*TransferRegistered\s+dealId=deal-t1 noticeNumber=ZL-TR-2024-0001$/,
    );
    expect(run.stdout.match(/\(upcast\)/g)).toHaveLength(1);
    expect(run.stdout).toContain('\nstate:\n');
    expect(run.stdout).toContain('  holder: Shanxi Energy Co. since 2024-06-20; in pool: no');
  });

  it('without a cut-off: every event, the transfer registered', async () => {
    const r = await replayJson();
    expect(r.history.map((h) => h.included)).toEqual([true, true, true, true, true]);
    expect(r.state.holder).toEqual(
      expect.objectContaining({ kind: 'enterprise', name: 'Shanxi Energy Co.', since: '2024-06-20' }),
    );
    expect(r.state.transfers).toEqual([
      expect.objectContaining({
        dealId: 'deal-t1',
        contractDate: '2024-05-01',
        registration: expect.anything(),
      }),
    ]);
  });

  it('--as-of 2024-05-15: what had happened by then, including the contract entered only in July', async () => {
    const r = await replayJson('--as-of', '2024-05-15');
    expect(r.asOf).toBe('2024-05-15');
    expect(r.history.map((h) => [h.type, h.included])).toEqual([
      ['PatentInventoried', true],
      ['IntentTagged', true],
      ['EnterpriseEvaluated', true],
      ['Transferred', true],
      ['TransferRegistered', false],
    ]);
    expect(r.state.holder).toEqual({ kind: 'institution', id: 'tyut' });
    expect(r.state.inPool).toBe(true);
    expect(r.state.transfers).toEqual([
      expect.objectContaining({ dealId: 'deal-t1', contractDate: '2024-05-01' }),
    ]);
    expect(r.state.transfers[0]).not.toHaveProperty('registration');
  });

  it('--known-at 2024-06-15T00:00:00Z: what the ledger knew then — no transfer yet', async () => {
    const r = await replayJson('--known-at', '2024-06-15T00:00:00Z');
    expect(r.knownAt).toBe('2024-06-15T00:00:00Z');
    expect(r.history.map((h) => h.included)).toEqual([true, true, true, false, false]);
    expect(r.state.holder).toEqual({ kind: 'institution', id: 'tyut' });
    expect(r.state.transfers).toEqual([]);
    expect(r.state.evaluations).toHaveLength(1);
  });

  it('both: as of 2024-05-15 as known on 2024-06-15', async () => {
    const r = await replayJson('--as-of', '2024-05-15', '--known-at', '2024-06-15T00:00:00Z');
    expect(r.history.map((h) => h.included)).toEqual([true, true, true, false, false]);
    expect(r.state.transfers).toEqual([]);
  });

  it('the table marks what the cut-offs left out', async () => {
    const run = await runCli(['replay', AN, '--known-at', '2024-06-15T00:00:00Z'], env());
    const lines = run.stdout.split('\n');
    expect(lines[4]).toMatch(/^-4 /);
    expect(lines[5]).toMatch(/^-5 /);
    expect(run.stdout).toContain('(- = not included by --as-of / --known-at)');
    expect(run.stdout).toContain('state as known at 2024-06-15T00:00:00Z:');
    expect(run.stdout).toContain('  holder: institution tyut; in pool: yes (modes transfer/license)');
    expect(run.stdout).toContain('transfers 0,');
  });

  it('rejects a bad --as-of or --known-at (usage, exit 2)', async () => {
    expect((await runCli(['replay', AN, '--as-of', '15.05.2024'], env())).code).toBe(2);
    expect((await runCli(['replay', AN, '--known-at', 'yesterday'], env())).code).toBe(2);
  });
});

describe('an event stored in schema v1', () => {
  it('replays as { level: "minor" } and is marked upcast', async () => {
    const r = await replayJson();
    expect(r.history.map((h) => h.upcast)).toEqual([false, false, true, false, false]);
    expect(r.state.evaluations).toEqual([
      expect.objectContaining({ evaluationId: 'ev-legacy-1', improvementNeeds: { level: 'minor' } }),
    ]);
  });

  it('is still stored as written (a bare level), and the ledger verifies: the hashes cover the stored bytes', async () => {
    const store = SqliteEventStore.open(db);
    const stored = (await store.readStream(STREAM))[2]!;
    await store.close();
    expect(stored.metadata.schemaVersion).toBe(1);
    expect(stored.data['improvementNeeds']).toBe('minor');

    const all = await runCli(['verify'], env());
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^OK 5 events in 1 streams; 3 signed heads/);
    const one = await runCli(['verify', '--patent', AN], env());
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^OK patent-\S+: 5 events, chain intact/);
  });
});
