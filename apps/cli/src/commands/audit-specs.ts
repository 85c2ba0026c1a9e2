/** Arguments, options and examples of the auditor's commands (audit.ts). */
import type { CommandSpec } from '../parse';

const AN = { name: 'ID', description: 'CNIPA application number, e.g. 201710601862.3' };

export const KEYGEN_SPEC: CommandSpec = {
  name: 'keygen',
  summary: 'a new Ed25519 key that signs the heads, and FILE.pub to publish',
  description:
    'Writes a new Ed25519 private key (mode 600) that signs the heads (default LEDGER_SIGNING_KEY_FILE; keep it outside the data folder) and its public key FILE.pub. Publish the public key: auditors verify with it.',
  options: [
    {
      flags: '--out <file>',
      description: 'where to write the private key (default LEDGER_SIGNING_KEY_FILE)',
    },
    {
      flags: '--force',
      description: 'replace an existing key (heads it signed stay verifiable only with its public key)',
    },
  ],
  examples: ['patent-ledger keygen --out /etc/patent-ledger/signing-key.pem'],
};

export const VERIFY_SPEC: CommandSpec = {
  name: 'verify',
  summary:
    'recompute the hash chains and the Merkle tree, check them against the signed heads; exit 1 on the first broken link',
  description:
    'Recomputes the hash chains and the Merkle tree and checks them against the signed heads, the witness copy (LEDGER_WITNESS_DIR) and heads you kept (--head); prints OK with counts, or exits 1 naming the first broken link (log-forked, heads-deleted, ...). The key: --key or LEDGER_PUBLIC_KEY_FILE, never one in the data folder. Nothing is created: a missing ledger is an error.',
  options: [
    { flags: '--patent <id>', description: "only this patent's stream" },
    { flags: '--key <pub>', description: 'the published public key to check the head signatures with' },
    {
      flags: '--head <file>',
      description: 'heads kept by the auditor (one head, an array, GET /chain/heads output or JSON Lines)',
    },
    { flags: '--json', description: 'the report as JSON' },
  ],
  examples: [
    'patent-ledger verify --key signing-key.pem.pub',
    'patent-ledger verify --patent 201710601862.3 --json',
  ],
};

export const REPLAY_SPEC: CommandSpec = {
  name: 'replay',
  summary: "a patent's history as a table and the resulting state, as of a date or as known at an instant",
  usage: 'ID [options]',
  arguments: [AN],
  description:
    'The history of one patent (business date, recorded at, actor, event, key fields; upcast events marked) and the state it results in.',
  options: [
    {
      flags: '--as-of <date>',
      description: 'only events whose business date is on or before this calendar date (YYYY-MM-DD)',
    },
    {
      flags: '--known-at <instant>',
      description: 'only events recorded by this ISO instant (e.g. 2024-06-15T00:00:00Z) or date',
    },
    { flags: '--json', description: 'history and state as JSON' },
  ],
  examples: [
    'patent-ledger replay 201710601862.3 --as-of 2024-06-30',
    'patent-ledger replay 201710601862.3 --known-at 2024-06-15T00:00:00Z --json',
  ],
};

export const EXPORT_SPEC: CommandSpec = {
  name: 'export',
  summary: 'a signed, self-contained evidence bundle of one patent',
  usage: 'ID --out FILE',
  arguments: [AN],
  description:
    'Writes a signed, self-contained evidence bundle: the patent\'s events with their hashes and each event\'s inclusion proof in the newest signed tree head. "export national --kind inventory|evaluations --out FILE" writes the national platform\'s batch layout instead (see "patent-ledger export national --help").',
  options: [{ flags: '--out <file>', description: 'the bundle file to write (required)' }],
  examples: [
    'patent-ledger export 201710601862.3 --out 201710601862.3.evidence.json',
    'patent-ledger export national --kind inventory --out 盘点表.csv',
  ],
};

export const VERIFY_BUNDLE_SPEC: CommandSpec = {
  name: 'verify-bundle',
  summary:
    'check an evidence bundle offline (chain, signature, inclusion in the published log) and print the state',
  usage: 'FILE [options]',
  arguments: [{ name: 'FILE', description: 'an evidence bundle (export, GET /patents/{id}/evidence)' }],
  description:
    "Recomputes the bundle's chain and checks its signatures, with no database. Without --key the signer is unverified: said in the output, and exit 1 unless --allow-unverified-signer.",
  options: [
    { flags: '--key <pub>', description: "the ledger's published public key" },
    { flags: '--head <file>', description: 'heads kept by the auditor, to check the bundle against' },
    {
      flags: '--allow-unverified-signer',
      description: "accept the bundle's own key (exit 0 when the chain is intact)",
    },
    { flags: '--json', description: 'the result and the state as JSON' },
  ],
  examples: ['patent-ledger verify-bundle 201710601862.3.evidence.json --key signing-key.pem.pub'],
};
