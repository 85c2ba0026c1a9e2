/**
 * Evidence bundles through the CLI: `export ID --out FILE` then `verify-bundle FILE` offline (the
 * database is gone), a one-byte edit of the file fails, `--key` with another key fails. And every
 * single-character edit of a bundle, one by one, fails verification — except the global log
 * positions of the events, which nothing in a bundle covers (the documented limit).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyEvidenceBundle, type EvidenceBundle, type SigningKey } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { buildLedger, cliEnv, runCli, writeSigningKey, type BuiltLedger } from './ledger-fixture';

let dir: string;
let db: string;
let key: SigningKey;
let keyFile: string;
let publicKeyFile: string;
let ledger: BuiltLedger;
let bundleFile: string;
let bundleText: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patent-ledger-bundle-'));
  db = join(dir, 'ledger.db');
  ({ key, keyFile, publicKeyFile } = writeSigningKey(join(dir, 'signing-key.pem')));
  const store = SqliteEventStore.open(db);
  ledger = await buildLedger(store, { heads: store, key, every: 5 });
  await store.close();
  bundleFile = join(dir, 'bundle.json');
  const p = ledger.patents[0]!;
  const exported = await runCli(
    ['export', p.applicationNumber, '--out', bundleFile],
    cliEnv(db, keyFile, dir),
  );
  expect(exported).toEqual({
    code: 0,
    stdout: `wrote ${bundleFile}: 8 events of ${p.streamName}, signed by key ${key.keyId}\n`,
    stderr: '',
  });
  bundleText = readFileSync(bundleFile, 'utf8');
  // Offline from here on: the ledger file is gone.
  rmSync(db);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** verify-bundle needs no database: an environment that points nowhere. */
const offline = () => cliEnv(join(dir, 'no-such-dir', 'ledger.db'), 'off', dir);

/** Writes `text` to a file of its own and runs verify-bundle on it. */
async function verifyText(text: string, ...extra: string[]) {
  const file = join(dir, `edited-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, text);
  return runCli(['verify-bundle', file, ...extra], offline());
}

/** `text` with the character at `index` replaced. */
const replaceAt = (text: string, index: number, c: string) =>
  `${text.slice(0, index)}${c}${text.slice(index + 1)}`;

/** Changes one character inside the first occurrence of `anchor`, at `offset` within it. */
function editOnce(text: string, anchor: string, offset: number): string {
  const at = text.indexOf(anchor);
  if (at < 0) throw new Error(`${anchor} not in the bundle`);
  const i = at + offset;
  const c = text[i]!;
  const next = /[0-8]/.test(c)
    ? String(Number(c) + 1)
    : c === '9'
      ? '0'
      : c === 'A'
        ? 'B'
        : c === 'a'
          ? 'b'
          : 'A';
  return replaceAt(text, i, next);
}

describe('a bundle round-trips', () => {
  it('the bundle holds the events, the signed stream head and the newest chain head', () => {
    const b = JSON.parse(bundleText) as EvidenceBundle;
    expect(b.format).toBe('patent-ledger-evidence/1');
    expect(b.streamName).toBe(ledger.patents[0]!.streamName);
    expect(b.events.map((e) => e.type)).toEqual([
      'PatentInventoried',
      'IntentTagged',
      'EnterpriseEvaluated',
      'Promoted',
      'Licensed',
      'LicenseRecorded',
      'Transferred',
      'TransferRegistered',
    ]);
    expect(b.streamHead).toEqual({ version: 8, lastHash: b.events[7]!.hash, eventCount: 8 });
    expect(b.signature.keyId).toBe(key.keyId);
    expect(b.chainHead).toEqual(expect.objectContaining({ position: 26, count: 26, keyId: key.keyId }));
  });

  it('verify-bundle: OK, the key id, and the resulting state', async () => {
    const run = await runCli(['verify-bundle', bundleFile], offline());
    expect(run.code).toBe(0);
    const p = ledger.patents[0]!;
    expect(run.stdout).toBe(
      `OK: 8 events, chain intact, signed by key ${key.keyId} (compare this key id with the ledger's published one, or pass --key)\n` +
        `  ${p.applicationNumber} Lithium battery separator with ceramic coating (invention, stock cohort) — active\n` +
        '  holder: Shanxi Energy Co. since 2024-10-15; in pool: no (modes transfer/license)\n' +
        '  evaluations 1, promotions 1, transfers 1, licences 1, industrializations 0, open licences 0, reports 0\n',
    );
  });

  it('verify-bundle --key with the ledger’s public key, and --json with the state', async () => {
    const run = await runCli(['verify-bundle', bundleFile, '--key', publicKeyFile], offline());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`signed by key ${key.keyId} (the given key)`);
    const json = await runCli(['verify-bundle', bundleFile, '--json'], offline());
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as {
      ok: boolean;
      events: number;
      keyId: string;
      state: { holder: unknown; transfers: unknown[] };
    };
    expect(out).toEqual(expect.objectContaining({ ok: true, events: 8, keyId: key.keyId }));
    expect(out.state.holder).toEqual({
      kind: 'enterprise',
      id: 'ent-a',
      name: 'Shanxi Energy Co.',
      since: '2024-10-15',
      dealId: 'deal-t1',
    });
  });

  it('--key with another key: exit 1, wrong-key', async () => {
    const other = writeSigningKey(join(dir, 'other-key.pem'));
    const run = await runCli(['verify-bundle', bundleFile, '--key', other.publicKeyFile], offline());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      'INVALID: wrong-key: the bundle is not signed by the given key, or its signed part was edited\n',
    );
  });
});

describe('a one-byte edit of the bundle fails verification', () => {
  it.each([
    [
      'a digit of an event’s data (the licence royalty)',
      '"royalty": "200000.00"',
      14,
      'INVALID: payload-changed: the stored Licensed at version 5 no longer matches its hash',
    ],
    [
      'a character of an event’s metadata (the actor)',
      '"userId": "tto-wang"',
      12,
      'INVALID: payload-changed: the stored PatentInventoried at version 1 no longer matches its hash',
    ],
    ['a digit of the stream head’s last hash', '"lastHash": "', 14, 'INVALID: signature-invalid: '],
    ['the stream head’s event count', '"eventCount": 8', 14, 'INVALID: signature-invalid: '],
    ['a character of the signature', '"value": "', 20, 'INVALID: signature-invalid: '],
    ['a character of the key id', '"keyId": "', 12, 'INVALID: signature-invalid: '],
    [
      'a digit of the chain head included for reference',
      '"count": 26',
      10,
      'INVALID: signature-invalid: the chain head included for reference',
    ],
    ['the export instant', '"exportedAt": "', 18, 'INVALID: signature-invalid: '],
  ])('%s', async (_what, anchor, offset, message) => {
    const edited = editOnce(bundleText, anchor, offset);
    expect(edited).not.toBe(bundleText);
    expect(edited.length).toBe(bundleText.length);
    const run = await verifyText(edited);
    expect(run.code).toBe(1);
    expect(run.stdout.startsWith(message)).toBe(true);
  });

  it('a dropped newest event (the file cut back by one event) fails', async () => {
    const b = JSON.parse(bundleText) as EvidenceBundle;
    const run = await verifyText(JSON.stringify({ ...b, events: b.events.slice(0, -1) }, null, 2));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^INVALID: head-truncated: the stream is recorded at version 8 but its events end at version 7/,
    );
  });

  it('a file that is no longer JSON fails', async () => {
    const run = await verifyText(bundleText.replace('{', '['));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/is not a readable JSON bundle/);
  });

  it('every single-character edit inside a value or a member name fails, except the events’ log positions', () => {
    const original = JSON.parse(bundleText) as EvidenceBundle;
    const accepted: string[] = [];
    let tried = 0;
    let inString = false;
    for (let i = 0; i < bundleText.length; i++) {
      const c = bundleText[i]!;
      if (inString) {
        if (c === '\\') {
          i++; // leave escapes alone (\n in the PEM)
          continue;
        }
        if (c === '"') {
          inString = false;
          continue;
        }
      } else if (c === '"') {
        inString = true;
        continue;
      } else if (!/[0-9a-z.+-]/i.test(c)) {
        continue; // structure and whitespace
      }
      const replacement = /[0-8]/.test(c)
        ? String(Number(c) + 1)
        : c === '9'
          ? '0'
          : /[a-y]/i.test(c)
            ? String.fromCharCode(c.charCodeAt(0) + 1)
            : /[zZ]/.test(c)
              ? 'a'
              : '#';
      const edited = replaceAt(bundleText, i, replacement);
      tried++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(edited);
      } catch {
        continue; // the CLI rejects a file that is not JSON
      }
      if (verifyEvidenceBundle(parsed).ok) accepted.push(changedPath(original, parsed) ?? `offset ${i}`);
    }
    expect(tried).toBeGreaterThan(5000);
    // Only edits of `position` (not covered by the stream's hashes nor the bundle's signature) that keep the order.
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.filter((p) => !/^events\.\d+\.position$/.test(p))).toEqual([]);
  });
});

/** The path of the first leaf where two JSON values differ. */
function changedPath(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path.slice(1);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const found = changedPath(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      `${path}.${k}`,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}
