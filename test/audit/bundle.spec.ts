/**
 * Evidence bundles through the CLI: `export ID --out FILE` then `verify-bundle FILE` offline (the
 * database is gone): the events, their chain and signature, and each event's inclusion proof in a
 * signed tree head of the log. A one-byte edit of the file fails, `--key` with another key fails,
 * no `--key` reports the signer unverified (exit 1 unless --allow-unverified-signer). And every
 * single-character edit of a bundle, one by one, fails verification.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EvidenceBundle, type SigningKey } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import {
  leafSourceOf,
  SqliteTreeStore,
  TransparencyLog,
  verifyTransparentBundle,
} from '@patent-ledger/transparency';
import {
  buildLedger,
  cliEnv,
  removeKeysBeside,
  runCli,
  writeSigningKey,
  writeSigningKeyBeside,
  type BuiltLedger,
} from './ledger-fixture';

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
  ({ key, keyFile, publicKeyFile } = writeSigningKeyBeside(dir));
  const store = SqliteEventStore.open(db);
  // Tree heads as the api signs them after each round (kept beside the read models).
  const tree = SqliteTreeStore.open(join(dir, 'read-models.db'));
  const log = await TransparencyLog.open({ source: leafSourceOf(store), tree, key, witnesses: [] });
  await log.start();
  ledger = await buildLedger(store, { heads: store, key, every: 5 }, () => log.cycle());
  await log.close();
  await tree.close();
  await store.close();
  bundleFile = join(dir, 'bundle.json');
  const p = ledger.patents[0]!;
  const exported = await runCli(
    ['export', p.applicationNumber, '--out', bundleFile],
    cliEnv(db, keyFile, dir),
  );
  expect(exported).toEqual({
    code: 0,
    stdout: expect.stringMatching(
      new RegExp(
        `^wrote ${bundleFile}: 8 events of ${p.streamName.replace('.', '\\.')}, signed by key ${key.keyId}, each proven in the tree head of size 26 \\(signed at `,
      ),
    ),
    stderr: '',
  });
  bundleText = readFileSync(bundleFile, 'utf8');
  // Offline from here on: the ledger's files are gone.
  rmSync(db);
  rmSync(join(dir, 'read-models.db'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  removeKeysBeside(dir);
});

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
    expect(b.format).toBe('patent-ledger-evidence/2');
    const t = b.transparency as unknown as {
      treeHead: { treeSize: number; keyId: string };
      inclusion: { position: number; leafIndex: number; path: string[] }[];
    };
    expect(t.treeHead).toEqual(expect.objectContaining({ treeSize: 26, lastPosition: 26, keyId: key.keyId }));
    expect(t.inclusion.map((x) => x.position)).toEqual(b.events.map((e) => e.position));
    expect(t.inclusion.map((x) => x.leafIndex)).toEqual(b.events.map((e) => e.position - 1));
    expect(t.inclusion.every((x) => x.path.length >= 3 && x.path.length <= 5)).toBe(true);
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

  it('verify-bundle without --key: the signer is unverified, said so, exit 1 (0 with --allow-unverified-signer)', async () => {
    const run = await runCli(['verify-bundle', bundleFile], offline());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `^UNVERIFIED SIGNER: 8 events, chain intact, each in the published log \\(tree head of size 26, signed at [^,]+, root [0-9a-f]{16}…\\), signed by key ${key.keyId} — the key the bundle itself carries: it proves nothing about who signed`,
      ),
    );
    expect(run.stdout).toContain('exit 1: signer unverified (--allow-unverified-signer accepts it)\n');
    const allowed = await runCli(['verify-bundle', bundleFile, '--allow-unverified-signer'], offline());
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^UNVERIFIED SIGNER: /);
    const json = await runCli(['verify-bundle', bundleFile, '--json'], offline());
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual(
      expect.objectContaining({ ok: true, signer: 'unverified', signerVerified: false }),
    );
  });

  it('verify-bundle --key: OK, the key id, the tree head and the resulting state', async () => {
    const run = await runCli(['verify-bundle', bundleFile, '--key', publicKeyFile], offline());
    expect(run.code).toBe(0);
    const p = ledger.patents[0]!;
    expect(run.stdout.replace(/signed at [^,]+, root [0-9a-f]{16}…/, 'signed at T, root R')).toBe(
      `OK: 8 events, chain intact, each in the published log (tree head of size 26, signed at T, root R), signed by key ${key.keyId} (the given key)\n` +
        `  ${p.applicationNumber} Lithium battery separator with ceramic coating (invention, stock cohort) — active\n` +
        '  holder: Shanxi Energy Co. since 2024-10-15; in pool: no (modes transfer/license)\n' +
        '  evaluations 1, promotions 1, transfers 1, licences 1, industrializations 0, open licences 0, reports 0\n',
    );
  });

  it('verify-bundle --key with the ledger’s public key, and --json with the state', async () => {
    const run = await runCli(['verify-bundle', bundleFile, '--key', publicKeyFile], offline());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`signed by key ${key.keyId} (the given key)`);
    const json = await runCli(['verify-bundle', bundleFile, '--json', '--key', publicKeyFile], offline());
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
    const other = writeSigningKey(join(`${dir}-keys`, 'other-key.pem'));
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
    ['the tree head’s size', '"treeSize": 26', 13, 'INVALID: signature-invalid: the tree head'],
    [
      'a digit of an inclusion proof',
      '"path": [\n          "',
      22,
      'INVALID: not-in-log: the PatentInventoried at version 1',
    ],
    ['a leaf index', '"leafIndex": 2', 13, 'INVALID: not-in-log: '],
  ])('%s', async (_what, anchor, offset, message) => {
    const edited = editOnce(bundleText, anchor, offset);
    expect(edited).not.toBe(bundleText);
    expect(edited.length).toBe(bundleText.length);
    const run = await verifyText(edited);
    expect(run.code).toBe(1);
    expect({ out: run.stdout.slice(0, message.length) }).toEqual({ out: message });
  });

  it('a hex digit of the tree head’s root (still a well-formed hash): the tree head’s signature fails', async () => {
    const at = bundleText.indexOf('"rootHash": "') + 20;
    const c = bundleText[at]!;
    const edited = replaceAt(bundleText, at, c === '0' ? '1' : '0');
    const run = await verifyText(edited);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^INVALID: signature-invalid: the tree head does not carry a valid signature/);
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
      if (verifyTransparentBundle(parsed).ok) accepted.push(changedPath(original, parsed) ?? `offset ${i}`);
    }
    expect(tried).toBeGreaterThan(8000);
    // The events' positions too: each must be its inclusion proof's (whose leaf index the proof binds).
    expect(accepted).toEqual([]);
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
