/**
 * Read-only commands open the store read-only (issue 12, item 6): `verify` and `replay` work on a
 * copy of the ledger on a read-only file system, and on a full disk. Needs to mount a tmpfs (root);
 * otherwise skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { checkDigit } from '@patent-ledger/domain';
import type { JsonObject } from '@patent-ledger/eventsourcing';
import { SqliteEventStore } from '@patent-ledger/store-sqlite';
import { runCli } from '../../apps/cli/src/main';
import { EXAMPLES } from '../../apps/api/src/patents/examples';

const scratch = mkdtempSync(join(tmpdir(), 'patent-ledger-ro-'));
const disk = join(scratch, 'disk');
spawnSync('mkdir', ['-p', disk]);
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk], { encoding: 'utf8' });
const cannotMount =
  mounted.status === 0
    ? undefined
    : `read-only store suite skipped: cannot mount a tmpfs at ${disk} (${(mounted.stderr || `exit ${mounted.status}`).trim()}); it needs root or CAP_SYS_ADMIN`;
if (cannotMount) process.stderr.write(`${cannotMount}\n`);

const digits = '201710601862';
const N = `${digits}.${checkDigit(digits)}`;

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = { stdout: '', stderr: '' };
  stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
  stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
  const code = await runCli(args, env, { stdout, stderr, isTTY: false });
  return { code, ...out };
}

(cannotMount ? describe.skip : describe)('read-only commands', () => {
  const env = (): NodeJS.ProcessEnv => ({
    LEDGER_DB: join(disk, 'ledger.db'),
    LEDGER_READ_DB: join(disk, 'read-models.db'),
    LEDGER_SIGNING_KEY_FILE: 'off',
    LEDGER_WITNESS_DIR: 'off',
    LEDGER_LOG_LEVEL: 'error',
  });

  beforeAll(async () => {
    // A ledger with one patent's stream, closed cleanly (the WAL folded into the file), copied to the tmpfs.
    const source = join(scratch, 'ledger.db');
    const store = SqliteEventStore.open(source);
    const metadata = (i: number) => ({
      eventId: `e-${i}`,
      commandId: `c-${i}`,
      correlationId: `c-${i}`,
      causationId: `c-${i}`,
      actor: { role: 'institution', orgId: 'tyut', userId: 'u' },
      recordedAt: '2024-05-01T00:00:00.000Z',
      schemaVersion: 1,
    });
    await store.append(
      `patent-${N}`,
      [
        {
          type: 'PatentInventoried',
          data: { ...(structuredClone(EXAMPLES.inventory) as unknown as JsonObject), applicationNumber: N },
          metadata: metadata(1),
        },
      ],
      { expectedVersion: 0 },
    );
    await store.close();
    copyFileSync(source, join(disk, 'ledger.db'));
  });
  afterAll(() => {
    spawnSync('umount', [disk]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('verify --patent and replay on a full disk', async () => {
    const filler = openSync(join(disk, 'filler'), 'w');
    try {
      for (;;) writeSync(filler, Buffer.alloc(64 * 1024, 1));
    } catch {
      /* full */
    }
    closeSync(filler);
    const verified = await cli(['verify', '--patent', N], env());
    expect(verified).toMatchObject({
      stderr: '',
      code: 0,
      stdout: expect.stringMatching(new RegExp(`^OK patent-${N.replace('.', '\\.')}: 1 events`)),
    });
    const replayed = await cli(['replay', N], env());
    expect({ code: replayed.code, stderr: replayed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(replayed.stdout).toContain('PatentInventoried');
    rmSync(join(disk, 'filler'));
  });

  it('verify --patent and replay on a read-only file system', async () => {
    const ro = spawnSync('mount', ['-o', 'remount,ro', disk], { encoding: 'utf8' });
    expect(ro.status).toBe(0);
    try {
      const verified = await cli(['verify', '--patent', N], env());
      expect({ code: verified.code, stderr: verified.stderr }).toEqual({ code: 0, stderr: '' });
      expect(verified.stdout).toMatch(/^OK patent-/);
      const replayed = await cli(['replay', N], env());
      expect({ code: replayed.code, stderr: replayed.stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      spawnSync('mount', ['-o', 'remount,rw', disk]);
    }
  });
});
