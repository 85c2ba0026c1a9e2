import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import {
  businessDateOf,
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
  loadPublicKey,
  readLog,
  verifyEvidenceBundle,
  verifyLedger,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { loadOrCreateSigningKey } from '../../../api/src/chain/signing-key';
import { TOOL } from '../../../api/src/chain/tool';
import { CliError, configFrom, openStore, parseArgs, usage, type CliIo } from '../cli-io';

/** keygen [--out FILE] [--force]: a new Ed25519 key for signing chain heads. */
export async function keygen(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const { values, flags, positional } = parseArgs(args, { values: ['out'], flags: ['force'] });
  if (positional.length) throw usage('keygen takes no positional arguments');
  const file = values['out'] ?? configFrom(env).signingKeyFile;
  if (!file) throw usage('give --out FILE (LEDGER_SIGNING_KEY_FILE is off)');
  if (existsSync(file) && !flags.has('force'))
    throw new CliError(
      `${file} exists; use --force to replace it (heads it signed stay verifiable only with its public key)`,
    );
  const { privateKeyPem, publicKeyPem, keyId } = generateSigningKey();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, privateKeyPem, { mode: 0o600 });
  writeFileSync(`${file}.pub`, publicKeyPem);
  io.stdout.write(`wrote ${file} (private, mode 600) and ${file}.pub; key id ${keyId}\n`);
  return 0;
}

/** verify [--patent ID] [--key PUBLIC_KEY_FILE] [--json] */
export async function verify(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const { values, flags, positional } = parseArgs(args, { values: ['patent', 'key'], flags: ['json'] });
  if (positional.length) throw usage('verify takes no positional arguments (use --patent ID)');
  const config = configFrom(env);
  const store = await openStore(config);
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
    const publicKey = values['key']
      ? loadPublicKey(readFileSync(values['key'], 'utf8'))
      : config.signingKeyFile && existsSync(config.signingKeyFile)
        ? loadOrCreateSigningKey(config.signingKeyFile, false).key.publicKey
        : undefined;
    const started = Date.now();
    const report = await verifyLedger(readLog(store), {
      heads: heads ? await heads.readChainHeads() : [],
      ...(publicKey ? { publicKey } : {}),
      ...(streamHeads ? { streamHeads } : {}),
      readStream: (s) => store.readStream(s),
    });
    const secs = (Date.now() - started) / 1000;
    if (flags.has('json')) {
      io.stdout.write(`${JSON.stringify({ ...report, seconds: secs }, null, 2)}\n`);
    } else if (report.ok) {
      io.stdout.write(
        `OK ${report.events} events in ${report.streams} streams; ${report.signedHeads.checked} signed heads (key ${report.signedHeads.keyIds.join(', ') || 'none'}) up to position ${report.signedHeads.lastPosition}` +
          `${report.uncoveredEvents ? `; ${report.uncoveredEvents} newest events not yet covered by a signed head` : ''}` +
          ` (${secs.toFixed(1)} s, ${Math.round(report.events / Math.max(secs, 0.001))} events/s)\n`,
      );
      if (!publicKey && report.signedHeads.checked)
        io.stdout.write('note: no public key given, head signatures were not checked (--key)\n');
    } else {
      const i = report.firstIssue!;
      io.stdout.write(
        `BROKEN: ${i.kind}${i.streamName ? ` in ${i.streamName}` : ''}${i.version !== undefined ? ` at version ${i.version}` : ''}${i.position !== undefined ? ` (position ${i.position})` : ''}: ${i.detail}\n`,
      );
      for (const other of report.issues.filter((x) => x !== i)) {
        io.stdout.write(
          `  also: ${other.kind}${other.streamName ? ` in ${other.streamName}` : ''}: ${other.detail}\n`,
        );
      }
    }
    return report.ok ? 0 : 1;
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
  const { values, flags, positional } = parseArgs(args, { values: ['as-of', 'known-at'], flags: ['json'] });
  if (positional.length !== 1) throw usage('replay takes one application number');
  const n = parseApplicationNumber(positional[0], 'ID').value;
  const asOf = values['as-of'];
  if (asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw usage('--as-of takes a date YYYY-MM-DD');
  const knownAtRaw = values['known-at'];
  const knownAt = knownAtRaw === undefined ? undefined : Date.parse(knownAtRaw);
  if (knownAt !== undefined && Number.isNaN(knownAt)) throw usage('--known-at takes an ISO instant');
  const store = await openStore(configFrom(env));
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

/** export ID --out FILE */
export async function exportBundle(args: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const { values, positional } = parseArgs(args, { values: ['out'] });
  if (positional.length !== 1 || !values['out'])
    throw usage('export takes one application number and --out FILE');
  const n = parseApplicationNumber(positional[0], 'ID').value;
  const config = configFrom(env);
  if (!config.signingKeyFile)
    throw new CliError('export needs a signing key (LEDGER_SIGNING_KEY_FILE is off)');
  const { key } = loadOrCreateSigningKey(config.signingKeyFile, false);
  const store = await openStore(config);
  try {
    const streamName = patentStream(n);
    const events = await store.readStream(streamName);
    if (events.length === 0) throw new CliError(`patent ${n} has not been inventoried`);
    const chainHead = isChainHeadStore(store) ? await store.latestChainHead() : undefined;
    const bundle = createEvidenceBundle({
      streamName,
      events,
      key,
      tool: TOOL,
      exportedAt: new Date().toISOString(),
      ...(chainHead ? { chainHead } : {}),
    });
    writeFileSync(values['out'], `${JSON.stringify(bundle, null, 2)}\n`);
    io.stdout.write(
      `wrote ${values['out']}: ${events.length} events of ${streamName}, signed by key ${key.keyId}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** verify-bundle FILE [--key PUBLIC_KEY_FILE] [--json]: offline, no database. */
export async function verifyBundle(args: string[], _env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const { values, flags, positional } = parseArgs(args, { values: ['key'], flags: ['json'] });
  if (positional.length !== 1) throw usage('verify-bundle takes one bundle file');
  let bundle: unknown;
  try {
    bundle = JSON.parse(readFileSync(positional[0]!, 'utf8'));
  } catch (err) {
    throw new CliError(`${positional[0]} is not a readable JSON bundle: ${(err as Error).message}`);
  }
  const result = verifyEvidenceBundle(
    bundle,
    values['key'] ? readFileSync(values['key'], 'utf8') : undefined,
  );
  let state: PatentState | undefined;
  if (result.ok) {
    state = (bundle as { events: StoredEvent[] }).events.reduce<PatentState>(
      (s, e) => patentDecider.evolve(s, upcastPatentEvent(e).event),
      patentDecider.initialState(),
    );
  }
  if (flags.has('json')) {
    io.stdout.write(`${JSON.stringify({ ...result, state }, null, 2)}\n`);
  } else if (result.ok) {
    io.stdout.write(
      `OK: ${result.events} events, chain intact, signed by key ${result.keyId}${values['key'] ? ' (the given key)' : " (compare this key id with the ledger's published one, or pass --key)"}\n${summary(state!)}\n`,
    );
  } else {
    const i = result.issue!;
    io.stdout.write(`INVALID: ${i.kind}: ${i.detail}\n`);
  }
  return result.ok ? 0 : 1;
}
