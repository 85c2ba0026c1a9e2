/**
 * A full disk (issue 12, item 6), on a small tmpfs holding the ledger and the read models: commands
 * answer 503 STORE.DISK_FULL (not a generic 500), `/health` and `/health/ready` say the api cannot
 * serve, and once space returns everything recovers without a hand — commands land, the retried ones
 * once, and the projections, which failed on the full disk, catch up by themselves.
 *
 * Needs to mount a tmpfs (root, or CAP_SYS_ADMIN); otherwise the suite is skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  actors,
  applicationNumber,
  eventsOf,
  expectProblem,
  inventoryBody,
  newKey,
  registerInstitution,
  send,
  startHarness,
  type Harness,
} from './harness';

/** Two small file systems: one for the ledger, one for the read models, so each can fill alone. */
const ledgerDisk = mkdtempSync(join(tmpdir(), 'patent-ledger-full-ledger-'));
const readDisk = mkdtempSync(join(tmpdir(), 'patent-ledger-full-read-'));
const mounts = [ledgerDisk, readDisk].map((dir) =>
  spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { encoding: 'utf8' }),
);
const failed = mounts.find((m) => m.status !== 0);
const cannotMount = failed
  ? `disk-full suite skipped: cannot mount a tmpfs under ${tmpdir()} (${(failed.stderr || failed.error?.message || `exit ${failed.status}`).trim()}); it needs root or CAP_SYS_ADMIN`
  : undefined;
if (cannotMount) {
  process.stderr.write(`${cannotMount}\n`);
  for (const dir of [ledgerDisk, readDisk]) {
    spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fills a file system with one file until it has no byte left; returns the file. */
function fillDisk(mountPoint: string): string {
  const file = join(mountPoint, 'filler');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // The last bytes that fit.
  try {
    for (;;) writeSync(fd, Buffer.alloc(512, 1));
  } catch {
    /* full */
  }
  closeSync(fd);
  return file;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

(cannotMount ? describe.skip : describe)('a full disk', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        LEDGER_DB: join(ledgerDisk, 'ledger.db'),
        LEDGER_READ_DB: join(readDisk, 'read-models.db'),
        LEDGER_PROJECTOR_DELAY_MS: '0',
      },
    });
    await registerInstitution(h);
  });
  afterAll(async () => {
    await h?.close();
    for (const dir of [ledgerDisk, readDisk]) {
      spawnSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  type Status = {
    name: string;
    position: number;
    state: string;
    lastError?: { message: string; retry?: { attempt: number } };
  };
  const projections = async (): Promise<Status[]> =>
    (await h.http().get('/projections')).body.projections as Status[];

  it('of the read models: the projections fail on it, the api is not ready, and they catch up by themselves once space returns', async () => {
    const filler = fillDisk(readDisk);
    // Commands still land (the ledger has room); the projections cannot write them.
    let position = 0;
    for (let i = 1; i <= 40; i++) {
      const res = await send(
        h,
        'post',
        '/patents',
        inventoryBody(applicationNumber(2020, 1, 741000 + i), { title: '满'.repeat(400) }),
        {
          headers: actors.institution,
        },
      );
      expect(res.status).toBe(201);
      position = (res.body as { events: { position: number }[] }).events[0]!.position;
    }
    const stuck = await until('a projection to fail on the full disk', async () => {
      const failing = (await projections()).filter((p) => p.state === 'failed');
      return failing.length > 0 ? failing : undefined;
    });
    for (const p of stuck) {
      expect(p.lastError!.message).toMatch(/full/i);
      // A store outage: retried by itself (no resume needed), with a growing back-off.
      expect(p.lastError!.retry).toEqual(expect.objectContaining({ attempt: expect.any(Number) }));
    }
    expect((await h.anonymous().get('/health/ready')).status).toBe(503);
    expect((await h.anonymous().get('/health')).body.store).toMatchObject({
      ready: false,
      reason: 'disk-full',
    });

    unlinkSync(filler);
    const all = await until('the projections to catch up', async () => {
      const list = await projections();
      return list.every((p) => p.position >= position || p.name === 'accounts') ? list : undefined;
    });
    expect(all.filter((p) => p.state === 'failed')).toEqual([]);
    expect((await h.anonymous().get('/health/ready')).status).toBe(200);
  }, 180_000);

  it('of the ledger: 503 STORE.DISK_FULL and not ready while full; by itself, once space returns: commands land, projections catch up', async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await send(h, 'post', '/patents', inventoryBody(applicationNumber(2020, 1, 740000 + i)), {
        headers: actors.institution,
      });
      expect(res.status).toBe(201);
    }
    const filler = fillDisk(ledgerDisk);

    // Commands until the store meets the full disk (its WAL may hold a little room of its own).
    const refused: { number: string; key: string }[] = [];
    const statuses: string[] = [];
    for (let i = 100; i < 400 && refused.length < 5; i++) {
      const number = applicationNumber(2020, 1, 740000 + i);
      const key = newKey('full');
      const res = await send(h, 'post', '/patents', inventoryBody(number, { title: '满'.repeat(400) }), {
        key,
        headers: actors.institution,
      });
      statuses.push(`${res.status} ${res.status === 201 ? '' : (res.body as { code?: string }).code}`);
      if (res.status !== 201) {
        expectProblem(res, 503, 'STORE.DISK_FULL');
        expect(res.headers['retry-after']).toBeDefined();
        expect((res.body as { detail: string }).detail).toMatch(/same Idempotency-Key/);
        refused.push({ number, key });
      }
    }
    expect(new Set(statuses.filter((s) => !s.startsWith('201')))).toEqual(new Set(['503 STORE.DISK_FULL']));
    expect(refused.length).toBe(5);

    // The api says it cannot serve, to the operator and to the orchestrator.
    const health = await h.anonymous().get('/health');
    expect(health.status).toBe(503);
    expect(health.body.store).toMatchObject({ ready: false, reason: 'disk-full' });
    const ready = await h.anonymous().get('/health/ready');
    expect(ready.status).toBe(503);

    // Space returns; nobody touches the api.
    unlinkSync(filler);
    await until('/health/ready', async () =>
      (await h.anonymous().get('/health/ready')).status === 200 ? true : undefined,
    );
    expect((await h.anonymous().get('/health')).status).toBe(200);

    // The refused commands, retried with their keys, land once; new ones land.
    for (const r of refused) {
      const res = await send(h, 'post', '/patents', inventoryBody(r.number, { title: '满'.repeat(400) }), {
        key: r.key,
        headers: actors.institution,
      });
      expect(res.status).toBe(201);
      expect(await eventsOf(h, r.number)).toHaveLength(1);
    }
    const last = await send(h, 'post', '/patents', inventoryBody(applicationNumber(2020, 1, 749999)), {
      headers: actors.institution,
    });
    expect(last.status).toBe(201);
    const position = (last.body as { events: { position: number }[] }).events[0]!.position;

    // Every projection reaches the last event without a resume.
    const caughtUp = await until('the projections to catch up', async () => {
      const res = await h.http().get('/projections');
      const all = res.body.projections as { name: string; position: number; state: string }[];
      return all.every((p) => p.position >= position || p.name === 'accounts') ? all : undefined;
    });
    expect(caughtUp.filter((p) => p.state === 'failed')).toEqual([]);
    const pool = await h
      .http()
      .get('/resource-pool')
      .query({ minPosition: position, limit: 1 })
      .set(actors.analyst);
    expect(pool.status).toBe(200);
  }, 180_000);
});
