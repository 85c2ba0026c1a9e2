/**
 * Tamper evidence on SQLite: a realistic ledger (four patents and their institution, 26 events,
 * built through handleCommand and the deciders, signed chain heads every 5 events), then each
 * tampering an attacker with write access to the database could do, on a fresh copy, by raw SQL on
 * the store's connection. `patent-ledger verify` (and verifyLedger for exact assertions) must find
 * each one and name it; `verify --patent` checks one patent's own chain.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyIdOf, signChainHead, type SigningKey } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import {
  brokenLine,
  buildLedger,
  cliEnv,
  runCli,
  SCENARIOS,
  sqliteRaw,
  tamper,
  verifyStore,
  writeSigningKey,
  writeSigningKeyBeside,
  removeKeysBeside,
  type BuiltLedger,
  type RawLedger,
} from './ledger-fixture';

let dir: string;
let base: string;
let key: SigningKey;
let keyFile: string;
let ledger: BuiltLedger;
let copies = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patent-ledger-tamper-'));
  base = join(dir, 'base.db');
  ({ key, keyFile } = writeSigningKeyBeside(dir));
  const store = SqliteEventStore.open(base);
  ledger = await buildLedger(store, { heads: store, key, every: 5 });
  await store.close(); // checkpoints the WAL into the file, so a file copy is the whole ledger
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeKeysBeside(dir);
});

/** A fresh copy of the ledger, open, with raw access to its tables. */
function freshCopy(): { file: string; store: SqliteEventStore; raw: RawLedger } {
  const file = join(dir, `copy-${++copies}.db`);
  copyFileSync(base, file);
  const store = SqliteEventStore.open(file);
  return { file, store, raw: sqliteRaw(store) };
}

const env = (file: string, signingKey: string | 'off' = keyFile) => cliEnv(file, signingKey, dir);

describe('an untouched ledger', () => {
  it('verifies: OK with the exact counts of events, streams and signed heads', async () => {
    const { file, store } = freshCopy();
    const heads = await store.readChainHeads();
    expect(heads.map((h) => [h.position, h.count])).toEqual([
      [5, 5],
      [9, 9],
      [13, 13],
      [17, 17],
      [21, 21],
      [24, 24],
      [25, 25],
      [26, 26],
    ]);
    const report = await verifyStore(store, { publicKey: key.publicKey });
    await store.close();
    expect(ledger.events).toBe(26);
    expect(ledger.patents.map((p) => p.events)).toEqual([8, 6, 6, 5]);
    expect(report).toEqual({
      ok: true,
      events: 26,
      streams: 5,
      signedHeads: { checked: 8, lastPosition: 26, keyIds: [key.keyId] },
      uncoveredEvents: 0,
      issues: [],
    });

    const cli = await runCli(['verify'], env(file));
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(
      new RegExp(`^OK 26 events in 5 streams; 8 signed heads \\(key ${key.keyId}\\) up to position 26 \\(`),
    );
    // No tree heads in this ledger (the api signs them; see insider.spec.ts): said, not hidden.
    expect(cli.stdout).toContain('\ntree heads: 0 checked against the log');
    expect(cli.stdout).toContain('note: LEDGER_WITNESS_DIR is off: no witness copy of the heads was checked');
    expect(cli.stdout).not.toContain('no public key');

    const json = await runCli(['verify', '--json'], env(file));
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(
      expect.objectContaining({ ok: true, events: 26, streams: 5, issues: [] }),
    );
  });

  it('verifies patent by patent', async () => {
    const { file, store } = freshCopy();
    await store.close();
    for (const p of ledger.patents) {
      const cli = await runCli(['verify', '--patent', p.applicationNumber], env(file));
      expect(cli.code).toBe(0);
      expect(cli.stdout).toMatch(
        new RegExp(
          `^OK ${p.streamName.replace('.', '\\.')}: ${p.events} events, chain intact \\(last hash [0-9a-f]{64}\\)`,
        ),
      );
    }
  });

  it('notes that head signatures were not checked when no key is given', async () => {
    const { file, store } = freshCopy();
    await store.close();
    const cli = await runCli(['verify'], env(file, 'off'));
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('note: no public key given, head signatures were not checked (--key');
  });
});

describe.each(SCENARIOS)('tampering: $name', (scenario) => {
  it('is found and named by verifyLedger, `verify` and `verify --patent`', async () => {
    const { file, store, raw } = freshCopy();
    const expected = await scenario.apply(raw, ledger);
    const report = await verifyStore(store, { publicKey: key.publicKey });
    const withoutHeads = await verifyStore(store, { withHeads: false });
    await store.close();

    // verifyLedger: exactly the expected first issue, and its consequences.
    expect(report.ok).toBe(false);
    expect(report.firstIssue).toEqual({ ...expected.first, detail: expect.any(String) });
    expect(report.issues.map((i) => i.kind).sort()).toEqual([...expected.kinds].sort());
    expect(report.issues[0]).toBe(report.firstIssue);

    // Without the signed heads, only what the stream chains and the stream table show.
    if (scenario.withoutSignedHeads === 'ok') expect(withoutHeads.issues).toEqual([]);
    else expect(withoutHeads.firstIssue?.kind).toBe(scenario.withoutSignedHeads);

    // The CLI: exit 1, the first broken link named.
    const cli = await runCli(['verify'], env(file));
    expect(cli.code).toBe(1);
    expect(cli.stdout.startsWith(brokenLine(expected.first))).toBe(true);
    expect(cli.stdout.split('\n').filter((l) => l.startsWith('  also: '))).toHaveLength(
      expected.kinds.length - 1,
    );

    const json = await runCli(['verify', '--json'], env(file));
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { firstIssue: unknown }).firstIssue).toEqual(report.firstIssue);

    // One patent's own chain (and the stream table's record of it).
    const p = ledger.patents[scenario.patent.index]!;
    const one = await runCli(['verify', '--patent', p.applicationNumber], env(file));
    if (scenario.patent.finds === 'ok') {
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(/^OK /);
    } else {
      expect(one.code).toBe(1);
      expect(one.stdout).toMatch(
        new RegExp(`^BROKEN ${p.streamName.replace('.', '\\.')}: ${scenario.patent.finds} at version \\d+: `),
      );
    }
  });
});

describe('details an auditor reads', () => {
  it('a changed payload names the event type, the stream and the version; the other patents stay OK', async () => {
    const { file, store, raw } = freshCopy();
    await tamper.changePayload(
      raw,
      ledger.patents[0]!.streamName,
      5,
      '"royalty":"200000.00"',
      '"royalty":"200001.00"',
    );
    await store.close();
    const cli = await runCli(['verify'], env(file));
    expect(cli.stdout).toBe(
      `BROKEN: payload-changed in ${ledger.patents[0]!.streamName} at version 5 (position 18): the stored Licensed at version 5 no longer matches its hash\n`,
    );
    const other = await runCli(['verify', '--patent', ledger.patents[1]!.applicationNumber], env(file));
    expect(other.code).toBe(0);
  });

  it('a deleted event: the stream and version, and the signed head that counts one event more', async () => {
    const { file, store, raw } = freshCopy();
    await tamper.deleteEvent(raw, ledger.patents[0]!.streamName, 4);
    await store.close();
    const cli = await runCli(['verify'], env(file));
    expect(cli.stdout).toBe(
      `BROKEN: event-missing in ${ledger.patents[0]!.streamName} at version 4 (position 18): version 4 is missing\n` +
        '  also: head-truncated: the signed head at position 17 covers 17 events, the log now holds 16 up to it: 1 event(s) between positions 14 and 17 were deleted\n',
    );
  });

  it('an inserted event names the forgery (its type) and where it stands', async () => {
    const { file, store, raw } = freshCopy();
    const p = ledger.patents[0]!;
    const { position } = await tamper.insertForged(raw, p.streamName, 4, {
      type: 'Transferred',
      data: {
        applicationNumber: p.applicationNumber,
        dealId: 'deal-shell',
        assigneeId: 'shell-co',
        assigneeName: 'Shell Holdings Ltd.',
        contractDate: '2024-05-20',
        price: '1.00',
        pricingMethod: 'agreed',
      },
    });
    await store.close();
    const cli = await runCli(['verify', '--patent', p.applicationNumber], env(file));
    expect(cli.stdout).toBe(
      `BROKEN ${p.streamName}: event-inserted at version 4: version 4 (Transferred) is not part of the original chain: the next event chains from version 3\n`,
    );
    expect(position).toBe(27);
  });

  it('a rewritten stream is found only through the signed heads, between the positions of the failing segments', async () => {
    const { file, store, raw } = freshCopy();
    await tamper.rewriteStream(raw, ledger.patents[1]!.streamName, (rows) => {
      const decl = rows.find((r) => r.type === 'OpenLicensed')!;
      decl.data = decl.data.replace('"rate":3', '"rate":1');
    });
    await store.close();
    const cli = await runCli(['verify'], env(file));
    expect(cli.stdout).toBe(
      'BROKEN: history-rewritten (position 21): the log between positions 18 and 21 no longer reproduces its signed head: events were changed, exchanged or rewritten with recomputed hashes\n' +
        '  also: history-rewritten: the log between positions 22 and 24 no longer reproduces its signed head: events were changed, exchanged or rewritten with recomputed hashes\n',
    );
    // The later segments verify on their own (the chain resumes from each signed head).
  });
});

describe('signed heads', () => {
  it('heads re-signed with a key that is not the ledger’s are found (signature-invalid), as are heads checked with another key', async () => {
    const { file, store, raw } = freshCopy();
    // The attacker rewrites a stream and re-signs every head over the new history with a key of their own.
    await tamper.rewriteStream(raw, ledger.patents[1]!.streamName, (rows) => {
      const decl = rows.find((r) => r.type === 'OpenLicensed')!;
      decl.data = decl.data.replace('"rate":3', '"rate":1');
    });
    const { key: forgerKey } = writeSigningKey(join(`${dir}-keys`, `forger-${copies}.pem`));
    await raw.deleteHeads({ positionAtLeast: 0 });
    const { ChainHeadRecorder } = await import('@patent-ledger/eventsourcing');
    await new ChainHeadRecorder(store, store, forgerKey, { everyEvents: 5 }).record();
    const report = await verifyStore(store, { publicKey: key.publicKey });
    await store.close();
    expect(report.ok).toBe(false);
    expect(new Set(report.issues.map((i) => i.kind))).toEqual(new Set(['signature-invalid']));
    expect(report.firstIssue?.detail).toContain(
      `names key ${forgerKey.keyId}, not the verification key ${key.keyId}`,
    );

    const cli = await runCli(['verify'], env(file));
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^BROKEN: signature-invalid \(position 5\): /);
    // With the forger's public key the forged history verifies: the verification key must come from outside the database.
    const forgerPub = join(`${dir}-keys`, `forger-${copies}.pem.pub`);
    const withForgerKey = await runCli(['verify', '--key', forgerPub], env(file, 'off'));
    expect(withForgerKey.code).toBe(0);
  });

  it('an altered head value is reported as a bad signature, not used as evidence', async () => {
    const { store, raw } = freshCopy();
    const heads = await raw.heads();
    await raw.updateHead(heads[2]!.seq, { head: '0'.repeat(64) });
    const report = await verifyStore(store, { publicKey: key.publicKey });
    const unchecked = await verifyStore(store);
    await store.close();
    expect(report.issues).toEqual([expect.objectContaining({ kind: 'signature-invalid', position: 13 })]);
    // Without the key, the head is taken at its word and the log does not reproduce it.
    expect(unchecked.issues).toEqual([expect.objectContaining({ kind: 'history-rewritten', position: 13 })]);
  });

  it('a head signed with the right key over a forged value would be history-rewritten (the signature alone proves nothing about the log)', async () => {
    const { store } = freshCopy();
    const forged = signChainHead(key, {
      position: 26,
      count: 26,
      head: 'f'.repeat(64),
      signedAt: '2025-05-11T00:00:00Z',
    });
    await store.appendChainHead(forged);
    const report = await verifyStore(store, { publicKey: key.publicKey });
    await store.close();
    expect(report.issues).toEqual([expect.objectContaining({ kind: 'history-rewritten', position: 26 })]);
    expect(keyIdOf(key.publicKey)).toBe(forged.keyId);
  });
});

describe('limits (documented, not detectable)', () => {
  it('deleting the newest events together with the signed heads that cover them goes unnoticed: the heads must be kept outside the database too', async () => {
    const { file, store, raw } = freshCopy();
    const gone = await tamper.deleteNewest(raw, ledger.patents[3]!.streamName, true); // position 21
    await raw.deleteHeads({ positionAtLeast: gone.position });
    const report = await verifyStore(store, { publicKey: key.publicKey });
    await store.close();
    expect(report.ok).toBe(true);
    expect(report.signedHeads.lastPosition).toBe(17);
    expect(report.uncoveredEvents).toBe(25 - 17);
    const cli = await runCli(['verify'], env(file));
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('; 8 newest events not yet covered by a signed head');
  });

  it('events appended after the newest signed head are not covered: deleting one is found only by the stream table', async () => {
    const { store, raw } = freshCopy();
    await raw.deleteHeads({ positionAtLeast: 24 }); // as if the last recording had not happened yet
    await tamper.deleteNewest(raw, ledger.patents[0]!.streamName, true);
    const report = await verifyStore(store, { publicKey: key.publicKey });
    await store.close();
    expect(report.ok).toBe(true);
    expect(report.uncoveredEvents).toBe(25 - 21);
  });

  it('a whole rewritten stream is invisible without signed heads, and to the per-patent check', async () => {
    const { file, store, raw } = freshCopy();
    await tamper.rewriteStream(raw, ledger.patents[1]!.streamName, (rows) => {
      const decl = rows.find((r) => r.type === 'OpenLicensed')!;
      decl.data = decl.data.replace('"rate":3', '"rate":1');
    });
    await raw.deleteHeads({ positionAtLeast: 0 });
    const report = await verifyStore(store, { publicKey: key.publicKey });
    await store.close();
    expect(report).toEqual(expect.objectContaining({ ok: true, events: 26, uncoveredEvents: 26 }));
    expect((await runCli(['verify', '--patent', ledger.patents[1]!.applicationNumber], env(file))).code).toBe(
      0,
    );
  });

  it('edits that do not change the JSON value (whitespace, key order) are not changes: the hash covers the canonical form', async () => {
    const { store, raw } = freshCopy();
    const row = (await raw.rows(ledger.patents[0]!.streamName))[1]!;
    const reordered = JSON.stringify(
      Object.fromEntries(Object.entries(JSON.parse(row.data) as object).reverse()),
      null,
      2,
    );
    await raw.update(row.position, { data: reordered });
    const report = await verifyStore(store, { publicKey: key.publicKey });
    await store.close();
    expect(report.ok).toBe(true);
  });
});
