/**
 * The signing side of the transparency log on a log held in memory: heads link up and reach the
 * witnesses; the start-up check refuses a log that does not extend what a witness holds (the heads
 * file, or the NATS JetStream subject when the heads file is gone too); the rolling check finds an
 * old event rewritten under a running log; a heads file that cannot be written stops new heads; a
 * stored tree that was dropped or damaged is rebuilt from a log that matches its witnesses.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { generateSigningKey, loadSigningKey } from '@patent-ledger/eventsourcing';
import { fromHex, verifyConsistency } from './merkle';
import type { LeafSource, LogLeaf } from './merkle-log';
import { TransparencyLog } from './transparency-log';
import { headHash, NO_PREVIOUS_HEAD, parseHeadsText, treeHeadSignatureValid } from './tree-head';
import { SqliteTreeStore } from './tree-store';
import { HeadsFileWitness, NatsWitness } from './witness';

const key = loadSigningKey(generateSigningKey().privateKeyPem);
const hex = () => randomBytes(32).toString('hex');

/** A log in memory, with gaps in its positions (as PostgreSQL's may have). */
class MemoryLog implements LeafSource {
  leaves: LogLeaf[] = [];
  append(n: number): void {
    for (let i = 0; i < n; i++) {
      const last = this.leaves[this.leaves.length - 1]?.position ?? 0;
      this.leaves.push({ position: last + 1 + (i % 7 === 3 ? 1 : 0), hash: hex() });
    }
  }
  async read(after: number, limit: number): Promise<LogLeaf[]> {
    return this.leaves.filter((l) => l.position > after).slice(0, limit);
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patent-ledger-tlog-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function open(
  log: MemoryLog,
  tree = SqliteTreeStore.open(':memory:'),
  witnessDir = join(dir, 'witness'),
  extra: { nats?: NatsWitness } = {},
) {
  const t = await TransparencyLog.open({
    source: log,
    tree,
    key,
    chunkLevel: 2,
    sweepChunks: 1000,
    witnesses: [
      { witness: new HeadsFileWitness(witnessDir), required: true },
      ...(extra.nats ? [{ witness: extra.nats, required: false }] : []),
    ],
  });
  return { t, tree };
}

const fileHeads = (witnessDir = join(dir, 'witness')) =>
  parseHeadsText(readFileSync(join(witnessDir, 'heads.jsonl'), 'utf8')).heads;

describe('TransparencyLog', () => {
  it('signs linked heads when the log grows, each in the tree store and the heads file, each consistent with the last', async () => {
    const log = new MemoryLog();
    const { t, tree } = await open(log);
    expect((await t.start()).state).toBe('ok');
    expect(await t.cycle()).toBeUndefined(); // empty log: nothing to sign
    log.append(10);
    const a = (await t.cycle())!;
    expect(await t.cycle()).toBeUndefined(); // nothing new
    log.append(27);
    const b = (await t.cycle())!;
    expect([a.treeSize, b.treeSize]).toEqual([10, 37]);
    expect(a.previousHeadHash).toBe(NO_PREVIOUS_HEAD);
    expect(b.previousHeadHash).toBe(headHash(a));
    expect(b.lastPosition).toBe(log.leaves[36]!.position);
    expect(treeHeadSignatureValid(key.publicKey, b)).toBe(true);
    expect(await tree.heads()).toEqual([a, b]);
    expect(fileHeads()).toEqual([a, b]);
    const proof = (await t.consistency(10, 37)).map(fromHex);
    expect(verifyConsistency(10, 37, fromHex(a.rootHash), fromHex(b.rootHash), proof)).toBe(true);
    const e = await t.evidence([log.leaves[5]!, log.leaves[36]!]);
    expect(e.treeHead).toEqual(b);
    expect(e.inclusion.map((i) => i.leafIndex)).toEqual([5, 36]);
  });

  it('restarted on a log rewritten below its witnessed head: refuses to sign (log-forked), and says which head', async () => {
    const log = new MemoryLog();
    const { t } = await open(log);
    await t.start();
    log.append(40);
    await t.cycle();
    await t.close();
    log.leaves[12] = { ...log.leaves[12]!, hash: hex() };
    const again = await open(log, SqliteTreeStore.open(':memory:')); // the tree dropped as well
    const s = await again.t.start();
    expect(s.state).toBe('refused');
    expect(s.issue).toEqual(
      expect.objectContaining({ kind: 'log-forked', detail: expect.stringContaining('heads file') }),
    );
    log.append(3);
    expect(await again.t.cycle()).toBeUndefined();
    await expect(again.t.evidence([log.leaves[1]!])).rejects.toThrow(/refuses to sign: log-forked/);
    expect(fileHeads()).toHaveLength(1);
  });

  it('restarted on a long log: the start-up check gives way to the event loop while it reads and hashes', async () => {
    const log = new MemoryLog();
    const { t, tree } = await open(log);
    await t.start();
    log.append(20_000);
    await t.cycle();
    await t.close();
    const again = await open(log, tree);
    let fired = 0;
    const timer = setInterval(() => (fired += 1), 0);
    const s = await again.t.start();
    clearInterval(timer);
    expect(s.state).toBe('ok');
    // A timer due every turn ran during the check, so it gave way several times (without the time
    // slicer it never does: the check only awaits promises that are already resolved). How often
    // depends on the machine's load, so only a floor is checked.
    expect(fired).toBeGreaterThanOrEqual(3);
  });

  it('restarted on a truncated log: log-truncated', async () => {
    const log = new MemoryLog();
    const { t } = await open(log);
    await t.start();
    log.append(20);
    await t.cycle();
    log.leaves.splice(17);
    const again = await open(log);
    expect((await again.t.start()).issue?.kind).toBe('log-truncated');
  });

  it('running: an old event rewritten (chunk stored) or a recent one (not yet in a chunk) is found by the next round', async () => {
    for (const at of [3, 41]) {
      const log = new MemoryLog();
      const { t } = await open(log, SqliteTreeStore.open(':memory:'), join(dir, `w-${at}`));
      await t.start();
      log.append(43);
      await t.cycle();
      log.leaves[at] = { ...log.leaves[at]!, hash: hex() };
      log.append(2);
      expect(await t.cycle()).toBeUndefined();
      expect(t.status()).toEqual(
        expect.objectContaining({ state: 'refused', issue: expect.objectContaining({ kind: 'log-forked' }) }),
      );
    }
  });

  it('a heads file that cannot be written holds back new heads until it can; a file one head behind the tree store catches up on start', async () => {
    const log = new MemoryLog();
    const witnessDir = join(dir, 'witness');
    const { t, tree } = await open(log, SqliteTreeStore.open(join(dir, 'tree.db')), witnessDir);
    await t.start();
    log.append(5);
    const a = (await t.cycle())!;
    // The heads file becomes unwritable (a directory in its place: root writes through permissions):
    // the next head is recorded, not witnessed, and no more are signed.
    rmSync(join(witnessDir, 'heads.jsonl'));
    spawnSync('mkdir', [join(witnessDir, 'heads.jsonl')]);
    log.append(5);
    const b = (await t.cycle())!;
    expect(b.treeSize).toBe(10);
    expect(t.status().witnesses[0]).toEqual(expect.objectContaining({ ok: false, pending: 1 }));
    log.append(5);
    expect(await t.cycle()).toBeUndefined();
    // Repaired (the operator restores the file): the pending head is appended first, then signing resumes.
    rmSync(join(witnessDir, 'heads.jsonl'), { recursive: true });
    writeFileSync(join(witnessDir, 'heads.jsonl'), `${JSON.stringify(a)}\n`);
    const c = (await t.cycle())!;
    expect(fileHeads(witnessDir)).toEqual([a, b, c]);
    await t.close();
    // A crash between the tree store and the heads file: the file lacks the newest head; a restart appends it.
    writeFileSync(join(witnessDir, 'heads.jsonl'), `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`);
    const again = await open(log, tree, witnessDir);
    expect((await again.t.start()).state).toBe('ok');
    expect(fileHeads(witnessDir)).toEqual([a, b, c]);
  });

  it('a damaged heads file (an entry that is not a head), or a head of this key with a bad signature: refuses', async () => {
    const log = new MemoryLog();
    const { t } = await open(log);
    await t.start();
    log.append(5);
    const a = (await t.cycle())!;
    writeFileSync(join(dir, 'witness', 'heads.jsonl'), `${JSON.stringify(a)}\nnot a head\n`);
    expect((await (await open(log)).t.start()).issue?.kind).toBe('witness-malformed');
    const forged = { ...a, rootHash: createHash('sha256').update('x').digest('hex') };
    writeFileSync(join(dir, 'witness', 'heads.jsonl'), `${JSON.stringify(forged)}\n`);
    expect((await (await open(log)).t.start()).issue?.kind).toBe('signature-invalid');
  });

  it('a stored tree that differs from a log matching its witnessed heads is rebuilt', async () => {
    const log = new MemoryLog();
    const tree = SqliteTreeStore.open(join(dir, 'tree.db'));
    const { t } = await open(log, tree);
    await t.start();
    log.append(30);
    const a = (await t.cycle())!;
    await t.close();
    tree.database.prepare('UPDATE merkle_chunks SET hash = ? WHERE idx = 2').run(randomBytes(32));
    const again = await open(log, tree);
    expect((await again.t.start()).state).toBe('ok');
    log.append(1);
    const b = (await again.t.cycle())!;
    expect(b.previousHeadHash).toBe(headHash(a));
    const e = await again.t.evidence([log.leaves[9]!]);
    expect(e.inclusion[0]!.leafIndex).toBe(9);
  });
});

function natsAnswers(): boolean {
  const script = `require('node:net').connect(4222, '127.0.0.1').on('connect', () => process.exit(0))
    .on('error', () => process.exit(1)).setTimeout(2000, () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', script]).status === 0;
}
const NATS_URL = process.env['NATS_URL'] || 'nats://127.0.0.1:4222';
const natsUp = natsAnswers();
if (!natsUp) process.stderr.write('NATS witness tests skipped: no NATS server answers at 127.0.0.1:4222\n');

(natsUp ? describe : describe.skip)('the NATS JetStream witness', () => {
  const stream = `PL_TEST_${process.pid}_${Date.now()}`;
  const subject = `patent-ledger-test.${process.pid}.heads`;
  const nats = () => new NatsWitness({ url: NATS_URL, subject, stream });

  afterAll(async () => {
    const { connect } = await import('nats');
    const nc = await connect({ servers: NATS_URL });
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  it('receives every head (a re-publish is dropped), and catches a rewrite after the heads file and the database were both rewritten', async () => {
    const log = new MemoryLog();
    const w = nats();
    const { t } = await open(log, SqliteTreeStore.open(':memory:'), join(dir, 'witness'), { nats: w });
    await t.start();
    log.append(9);
    const a = (await t.cycle())!;
    log.append(9);
    const b = (await t.cycle())!;
    await w.append(b); // again: deduplicated by the head's hash
    expect((await w.readAll()).heads).toEqual([a, b]);
    expect(await w.latest()).toEqual(b);
    await t.close();

    // The insider rewrites an event, drops the tree and empties the heads file: the NATS copy remains.
    log.leaves[4] = { ...log.leaves[4]!, hash: hex() };
    rmSync(join(dir, 'witness'), { recursive: true, force: true });
    const again = await open(log, SqliteTreeStore.open(':memory:'), join(dir, 'witness'), { nats: nats() });
    const s = await again.t.start();
    expect(s.state).toBe('refused');
    expect(s.issue?.detail).toContain(`NATS subject ${subject}`);
    await again.t.close();
  });
});
