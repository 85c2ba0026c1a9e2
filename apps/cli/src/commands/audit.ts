import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  businessDateOf,
  isIsoDate,
  parseApplicationNumber,
  patentDecider,
  patentStream,
  upcastPatentEvent,
  type PatentEvent,
  type PatentState,
} from '@patent-ledger/domain';
import {
  analyseStream,
  createEvidenceBundle,
  generateSigningKey,
  isChainHeadStore,
  readLog,
  verifyLedger,
  type StoredEvent,
  type VerifyIssue,
} from '@patent-ledger/eventsourcing';
import {
  bundleTransparency,
  HeadsFileWitness,
  leafSourceOf,
  LogMismatchError,
  MerkleLog,
  NatsWitness,
  parseHeadsText,
  proveInclusion,
  TransparencyAudit,
  treeHeadSignatureValid,
  verifyTransparentBundle,
  type HeadSource,
  type TreeHead,
} from '@patent-ledger/transparency';
import { isInsideDir, loadOrCreateSigningKey, verificationKey } from '../../../api/src/chain/signing-key';
import { openTreeStore } from '../../../api/src/chain/tree-store';
import { TOOL } from '../../../api/src/chain/tool';
import { parseIsoInstant } from '../../../api/src/common/instants';
import { CliError, configFrom, openExistingStore, usage, type CliIo } from '../cli-io';
import { parseCommand } from '../parse';
import { EXPORT_SPEC, KEYGEN_SPEC, REPLAY_SPEC, VERIFY_BUNDLE_SPEC, VERIFY_SPEC } from './audit-specs';

/** keygen [--out FILE] [--force]: a new Ed25519 key for signing chain heads. */
export async function keygen(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(KEYGEN_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { values, flags, positional } = parsed;
  if (positional.length) throw usage('keygen takes no positional arguments');
  const config = configFrom(env);
  const file = values['out'] ? resolve(values['out']) : config.signingKeyFile;
  if (!file) throw usage('give --out FILE (LEDGER_SIGNING_KEY_FILE is off)');
  if (existsSync(file) && !flags.has('force'))
    throw new CliError(
      `${file} exists; use --force to replace it (heads it signed stay verifiable only with its public key)`,
    );
  const { privateKeyPem, publicKeyPem, keyId } = generateSigningKey();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, privateKeyPem, { mode: 0o600 });
  writeFileSync(`${file}.pub`, publicKeyPem);
  io.stdout.write(
    `wrote ${file} (private, mode 600) and ${file}.pub; key id ${keyId}. Publish ${file}.pub (auditors verify with it: verify --key, verify-bundle --key)\n`,
  );
  if (isInsideDir(file, config.dataDir))
    io.stdout.write(
      `warning: ${file} is inside the data folder ${config.dataDir}: whoever can rewrite the database could re-sign it; keep it elsewhere (LEDGER_SIGNING_KEY_FILE)\n`,
    );
  return 0;
}

/** The heads an auditor kept (`--head FILE`): one head, an array, GET /chain/heads output or JSON Lines. */
function keptHeads(file: string): TreeHead[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--head ${file} cannot be read: ${(err as Error).message}`);
  }
  const { heads, malformed } = parseHeadsText(text);
  if (malformed.length > 0)
    throw new CliError(
      `--head ${file}: entry ${malformed[0]!.line} is not a signed tree head (${malformed[0]!.reason})`,
    );
  if (heads.length === 0) throw new CliError(`--head ${file} holds no signed tree head`);
  return heads;
}

const issueLine = (i: VerifyIssue): string =>
  `${i.kind}${i.streamName ? ` in ${i.streamName}` : ''}${i.version !== undefined ? ` at version ${i.version}` : ''}${i.position !== undefined ? ` (position ${i.position})` : ''}: ${i.detail}`;

/** verify [--patent ID] [--key PUBLIC_KEY_FILE] [--head FILE] [--json] */
export async function verify(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(VERIFY_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { values, flags, positional } = parsed;
  if (positional.length) throw usage('verify takes no positional arguments (use --patent ID)');
  const config = configFrom(env);
  // The key comes from --key or the configured public key, never from the data folder.
  const verification = verificationKey(config, values['key']);
  const kept = values['head'] ? keptHeads(values['head']) : undefined;
  // Read-only: verify works on a read-only copy of the ledger, or on a full disk.
  const store = await openExistingStore(config, { readonly: true });
  try {
    const heads = isChainHeadStore(store) ? store : undefined;
    const streamHeads = heads?.streamHeads ? await heads.streamHeads() : undefined;
    if (values['patent']) {
      const n = parseApplicationNumber(values['patent'], '--patent').value;
      const streamName = patentStream(n);
      const events = await store.readStream(streamName);
      if (events.length === 0) throw new CliError(`patent ${n} has not been inventoried`);
      const issue = analyseStream(events, streamHeads?.get(streamName));
      if (flags.has('json'))
        io.stdout.write(
          `${JSON.stringify({ ok: !issue, streamName, events: events.length, issue }, null, 2)}\n`,
        );
      else if (issue)
        io.stdout.write(
          `BROKEN ${streamName}: ${issue.kind} at version ${issue.version ?? '?'}: ${issue.detail}\n`,
        );
      else
        io.stdout.write(
          `OK ${streamName}: ${events.length} events, chain intact (last hash ${events[events.length - 1]!.hash})\n`,
        );
      return issue ? 1 : 0;
    }
    const publicKey = verification?.key;
    // The signed tree heads: the ledger's own record, the witness copies outside the database, and
    // any head the auditor kept.
    const sources: HeadSource[] = [];
    const notes: string[] = [];
    const tree = await openTreeStore(config, { readonly: true });
    try {
      sources.push({
        name: `the ledger's tree store (${config.readModels === 'postgres' ? `schema ${config.pgSchema}_read` : config.readDbFile})`,
        kind: 'ledger',
        heads: tree ? await tree.heads() : [],
        exists: !!tree,
      });
    } finally {
      await tree?.close();
    }
    if (config.witnessDir) {
      const w = new HeadsFileWitness(config.witnessDir);
      sources.push({ name: w.name, kind: 'witness', ...(await w.readAll()) });
    } else notes.push('LEDGER_WITNESS_DIR is off: no witness copy of the heads was checked');
    if (config.witnessNats) {
      const w = new NatsWitness({ ...config.witnessNats, timeoutMs: 3000 });
      try {
        sources.push({ name: w.name, kind: 'witness', ...(await w.readAll()) });
      } catch (err) {
        notes.push(`${w.name} could not be read (${(err as Error).message}): not checked`);
      } finally {
        await w.close();
      }
    }
    if (kept)
      sources.push({
        name: `the kept head(s) ${values['head']}`,
        kind: 'auditor',
        heads: kept,
        exists: true,
      });
    const audit = new TransparencyAudit(sources, publicKey);
    async function* teed(): AsyncIterable<StoredEvent> {
      for await (const e of readLog(store)) {
        audit.push(e.position, e.hash);
        yield e;
      }
    }
    const started = Date.now();
    const chainReport = await verifyLedger(teed(), {
      heads: heads ? await heads.readChainHeads() : [],
      ...(publicKey ? { publicKey } : {}),
      ...(streamHeads ? { streamHeads } : {}),
      readStream: (s) => store.readStream(s),
    });
    const transparency = audit.finish();
    const secs = (Date.now() - started) / 1000;
    const issues = [...chainReport.issues, ...transparency.issues];
    const ok = chainReport.ok && transparency.issues.length === 0;
    const firstIssue = chainReport.firstIssue ?? transparency.issues[0];
    if (!publicKey)
      notes.push(
        'no public key given, head signatures were not checked (--key, or LEDGER_PUBLIC_KEY_FILE outside the data folder)',
      );
    if (transparency.heads.witnessed === 0 && transparency.heads.checked === 0 && chainReport.events > 0)
      notes.push('no signed tree head to check the log against (the api signs them)');
    if (flags.has('json')) {
      io.stdout.write(
        `${JSON.stringify(
          {
            ...chainReport,
            ok,
            ...(firstIssue ? { firstIssue } : {}),
            issues,
            transparency,
            ...(verification ? { verificationKey: verification.file } : {}),
            notes,
            seconds: secs,
          },
          null,
          2,
        )}\n`,
      );
    } else if (ok) {
      io.stdout.write(
        `OK ${chainReport.events} events in ${chainReport.streams} streams; ${chainReport.signedHeads.checked} signed heads (key ${chainReport.signedHeads.keyIds.join(', ') || 'none'}) up to position ${chainReport.signedHeads.lastPosition}` +
          `${chainReport.uncoveredEvents ? `; ${chainReport.uncoveredEvents} newest events not yet covered by a signed head` : ''}` +
          ` (${secs.toFixed(1)} s, ${Math.round(chainReport.events / Math.max(secs, 0.001))} events/s)\n` +
          `tree heads: ${transparency.heads.checked} checked against the log, ${transparency.heads.witnessed} of them witnessed outside the database (newest: size ${transparency.heads.newestWitnessedSize})` +
          `${transparency.unwitnessedEvents ? `; ${transparency.unwitnessedEvents} newest events not yet witnessed` : ''}\n`,
      );
      for (const n of notes) io.stdout.write(`note: ${n}\n`);
    } else {
      const i = firstIssue!;
      io.stdout.write(`BROKEN: ${issueLine(i)}\n`);
      for (const other of issues.filter((x) => x !== i)) {
        io.stdout.write(
          `  also: ${other.kind}${other.streamName ? ` in ${other.streamName}` : ''}: ${other.detail}\n`,
        );
      }
    }
    return ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

interface ReplayLine {
  position: number;
  version: number;
  businessDate: string;
  recordedAt: string;
  actor: string;
  type: string;
  keyFields: string;
  upcast: boolean;
  included: boolean;
}

const KEY_FIELDS: Record<string, string[]> = {
  PatentInventoried: ['institutionId', 'title', 'kind', 'cohort'],
  IntentTagged: ['modes', 'screening', 'askingPrice'],
  EnterpriseEvaluated: ['enterpriseName', 'industrializationProspect', 'cooperationWillingness'],
  Promoted: ['channel', 'tier', 'organizer'],
  Transferred: ['dealId', 'assigneeName', 'price'],
  TransferRegistered: ['dealId', 'noticeNumber'],
  Licensed: ['dealId', 'licenseeName', 'type', 'endDate'],
  LicenseRecorded: ['dealId', 'recordalNumber'],
  Industrialized: ['industrializationId', 'enterpriseId', 'productName'],
  DensityProductFiled: ['industrializationId', 'recordNumber'],
  OpenLicensed: ['declarationId', 'termFrom', 'termTo'],
  OpenLicenseTaken: ['licenseeName', 'dealId'],
  OpenLicenseWithdrawn: ['declarationId'],
  TransactionReported: ['dealId', 'industrializationId', 'platformRef'],
  PatentLapsed: ['reason'],
};

function keyFieldsOf(e: PatentEvent): string {
  const d = e.data as unknown as Record<string, unknown>;
  return (KEY_FIELDS[e.type] ?? [])
    .filter((k) => d[k] !== undefined)
    .map((k) => {
      const v = d[k];
      const text =
        typeof v === 'object'
          ? Array.isArray(v)
            ? v.join('/')
            : ((v as { decision?: string }).decision ?? JSON.stringify(v))
          : String(v);
      return `${k}=${text}`;
    })
    .join(' ');
}

/** replay ID [--as-of DATE] [--known-at INSTANT] [--json] */
export async function replay(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(REPLAY_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { values, flags, positional } = parsed;
  if (positional.length !== 1) throw usage('replay takes one application number');
  const n = parseApplicationNumber(positional[0], 'ID').value;
  const asOf = values['as-of'];
  if (asOf !== undefined && !isIsoDate(asOf))
    throw usage(`--as-of takes a calendar date YYYY-MM-DD, got "${asOf}"`);
  const knownAtRaw = values['known-at'];
  const knownAtIso = knownAtRaw === undefined ? undefined : parseIsoInstant(knownAtRaw);
  if (knownAtRaw !== undefined && knownAtIso === undefined)
    throw usage(`--known-at takes an ISO instant (e.g. 2024-05-01T08:00:00Z) or date, got "${knownAtRaw}"`);
  const knownAt = knownAtIso === undefined ? undefined : Date.parse(knownAtIso);
  const store = await openExistingStore(configFrom(env), { readonly: true });
  try {
    const events: StoredEvent[] = await store.readStream(patentStream(n));
    if (events.length === 0) throw new CliError(`patent ${n} has not been inventoried`);
    let state: PatentState = patentDecider.initialState();
    const lines: ReplayLine[] = events.map((e) => {
      const { event, upcast } = upcastPatentEvent(e);
      const businessDate = businessDateOf(event);
      const included =
        (asOf === undefined || businessDate <= asOf) &&
        (knownAt === undefined || Date.parse(e.metadata.recordedAt) <= knownAt);
      if (included) state = patentDecider.evolve(state, event);
      const a = e.metadata.actor;
      return {
        position: e.position,
        version: e.version,
        businessDate,
        recordedAt: e.metadata.recordedAt,
        actor: `${a.role}:${a.orgId}/${a.userId}`,
        type: e.type,
        keyFields: keyFieldsOf(event),
        upcast,
        included,
      };
    });
    if (flags.has('json')) {
      io.stdout.write(
        `${JSON.stringify({ applicationNumber: n, asOf, knownAt: knownAtRaw, history: lines, state }, null, 2)}\n`,
      );
      return 0;
    }
    const header = ['ver', 'business date', 'recorded at', 'actor', 'event', 'key fields'];
    const rows = lines.map((l) => [
      `${l.included ? ' ' : '-'}${l.version}`,
      l.businessDate,
      l.recordedAt.replace('T', ' ').slice(0, 19),
      l.actor,
      `${l.type}${l.upcast ? ' (upcast)' : ''}`,
      l.keyFields,
    ]);
    const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
    const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i]!))).join('  ');
    io.stdout.write(`${fmt(header)}\n${rows.map(fmt).join('\n')}\n`);
    if (asOf !== undefined || knownAt !== undefined)
      io.stdout.write('(- = not included by --as-of / --known-at)\n');
    io.stdout.write(
      `\nstate${asOf ? ` as of ${asOf}` : ''}${knownAtRaw ? ` as known at ${knownAtRaw}` : ''}:\n${summary(state)}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** Display width: CJK characters take two columns. */
const width = (s: string): number =>
  [...s].reduce(
    (w, c) =>
      w +
      (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(c)
        ? 2
        : 1),
    0,
  );
const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));

function summary(s: PatentState): string {
  if (s.status === 'none') return '  not inventoried';
  const holder =
    s.holder.kind === 'institution'
      ? `institution ${s.holder.id}`
      : `${s.holder.name} since ${s.holder.since}`;
  return [
    `  ${s.applicationNumber} ${s.title} (${s.kind}, ${s.cohort} cohort) — ${s.status}${s.lapse ? ` (${s.lapse.reason} ${s.lapse.effectiveOn})` : ''}`,
    `  holder: ${holder}; in pool: ${s.inPool ? 'yes' : 'no'}${s.intent ? ` (modes ${s.intent.modes.join('/')})` : ''}`,
    `  evaluations ${s.evaluations.length}, promotions ${s.promotions.length}, transfers ${s.transfers.length}, licences ${s.licenses.length}, industrializations ${s.industrializations.length}, open licences ${s.openLicenses.length}, reports ${s.reports.length}`,
  ].join('\n');
}

/** export ID --out FILE: the bundle, with each event's inclusion proof against the newest signed tree head. */
export async function exportBundle(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(EXPORT_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { values, positional } = parsed;
  if (positional.length !== 1 || !values['out'])
    throw usage('export takes one application number and --out FILE');
  const n = parseApplicationNumber(positional[0], 'ID').value;
  const config = configFrom(env);
  if (!config.signingKeyFile)
    throw new CliError('export needs a signing key (LEDGER_SIGNING_KEY_FILE is off)');
  const store = await openExistingStore(config);
  const tree = await openTreeStore(config, { readonly: true });
  try {
    const { key } = loadOrCreateSigningKey(config.signingKeyFile, false);
    const streamName = patentStream(n);
    const events = await store.readStream(streamName);
    if (events.length === 0) throw new CliError(`patent ${n} has not been inventoried`);
    const recorded =
      isChainHeadStore(store) && store.streamHeads ? (await store.streamHeads()).get(streamName) : undefined;
    const issue = analyseStream(events, recorded);
    if (issue)
      throw new CliError(
        `the hash chain of ${streamName} is broken (${issue.kind} at version ${issue.version ?? '?'}): ${issue.detail}; no evidence is signed for it`,
      );
    const head = tree ? await tree.latestHead() : undefined;
    if (!tree || !head)
      throw new CliError(
        'no signed tree head yet: the api builds the Merkle tree of the log and signs heads (start it)',
      );
    if (head.keyId !== key.keyId || !treeHeadSignatureValid(key.publicKey, head))
      throw new CliError(
        `the newest tree head is not signed by the signing key ${key.keyId}: run "patent-ledger verify"`,
      );
    const newest = events[events.length - 1]!;
    if (newest.position > head.lastPosition)
      throw new CliError(
        `the newest events of ${streamName} (up to position ${newest.position}) are not yet covered by a signed tree head (it ends at position ${head.lastPosition}); the api signs one within 5 s: export again then`,
      );
    let inclusion;
    try {
      const merkle = await MerkleLog.open(leafSourceOf(store), tree);
      if (merkle.size < head.treeSize) await merkle.extend(head.treeSize - merkle.size);
      if ((await merkle.root(head.treeSize)).toString('hex') !== head.rootHash)
        throw new LogMismatchError(
          `the log no longer hashes to the root of the newest signed head (size ${head.treeSize})`,
          'log-forked',
        );
      inclusion = await proveInclusion(merkle, head, events);
    } catch (err) {
      if (err instanceof LogMismatchError)
        throw new CliError(`${err.kind}: ${err.message}; no evidence is signed (run "patent-ledger verify")`);
      throw err;
    }
    const chainHead = isChainHeadStore(store) ? await store.latestChainHead() : undefined;
    const bundle = createEvidenceBundle({
      streamName,
      events,
      key,
      tool: TOOL,
      exportedAt: new Date().toISOString(),
      ...(chainHead ? { chainHead } : {}),
      transparency: bundleTransparency({ treeHead: head, inclusion }),
    });
    writeFileSync(values['out'], `${JSON.stringify(bundle, null, 2)}\n`);
    io.stdout.write(
      `wrote ${values['out']}: ${events.length} events of ${streamName}, signed by key ${key.keyId}, each proven in the tree head of size ${head.treeSize} (signed at ${head.timestamp})\n`,
    );
    return 0;
  } finally {
    await tree?.close();
    await store.close();
  }
}

/**
 * verify-bundle FILE [--key PUBLIC_KEY_FILE] [--head FILE] [--allow-unverified-signer] [--json]:
 * offline, no database. Without --key the signer is unverified (the bundle's own key was used): said
 * in the output, and exit 1 unless --allow-unverified-signer.
 */
export async function verifyBundle(args: string[], _env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const parsed = parseCommand(VERIFY_BUNDLE_SPEC, args, io);
  if (!parsed) return 0; // --help
  const { values, flags, positional } = parsed;
  if (positional.length !== 1) throw usage('verify-bundle takes one bundle file');
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(positional[0]!, 'utf8'));
  } catch (err) {
    throw new CliError(`${positional[0]} is not a readable JSON bundle: ${(err as Error).message}`);
  }
  let publicKeyPemText: string | undefined;
  if (values['key']) {
    try {
      publicKeyPemText = readFileSync(values['key'], 'utf8');
    } catch (err) {
      throw new CliError(`--key ${values['key']} cannot be read: ${(err as Error).message}`);
    }
  }
  const kept = values['head'] ? keptHeads(values['head']) : undefined;
  const result = verifyTransparentBundle(bundle, {
    ...(publicKeyPemText !== undefined ? { publicKeyPem: publicKeyPemText } : {}),
    ...(kept ? { keptHeads: kept } : {}),
  });
  const unverified = result.ok && !result.signerVerified;
  const allowed = flags.has('allow-unverified-signer');
  let state: PatentState | undefined;
  if (result.ok) {
    state = (bundle as { events: StoredEvent[] }).events.reduce<PatentState>(
      (s, e) => patentDecider.evolve(s, upcastPatentEvent(e).event),
      patentDecider.initialState(),
    );
  }
  const code = !result.ok || (unverified && !allowed) ? 1 : 0;
  if (flags.has('json')) {
    io.stdout.write(
      `${JSON.stringify({ ...result, signer: result.signerVerified ? 'verified' : 'unverified', state }, null, 2)}\n`,
    );
  } else if (result.ok) {
    const t = result.treeHead!;
    io.stdout.write(
      `${unverified ? 'UNVERIFIED SIGNER' : 'OK'}: ${result.events} events, chain intact, each in the published log (tree head of size ${t.treeSize}, signed at ${t.timestamp}, root ${t.rootHash.slice(0, 16)}…), signed by key ${result.keyId}` +
        `${unverified ? ' — the key the bundle itself carries: it proves nothing about who signed; pass --key with the ledger’s published public key (GET /chain/key)' : ' (the given key)'}\n${summary(state!)}\n`,
    );
    if (unverified && !allowed)
      io.stdout.write('exit 1: signer unverified (--allow-unverified-signer accepts it)\n');
  } else {
    const i = result.issue!;
    io.stdout.write(`INVALID: ${i.kind}: ${i.detail}\n`);
  }
  return code;
}
