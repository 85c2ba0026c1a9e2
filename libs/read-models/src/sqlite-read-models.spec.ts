import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditProjection } from './projections/audit';
import { SqliteReadModels } from './sqlite-read-models';

describe('SqliteReadModels.open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pl-rm-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens the file in WAL mode, synchronous=NORMAL, checkpointing every 16,384 pages', async () => {
    const rm = SqliteReadModels.open(join(dir, 'rm.db'), [auditProjection]);
    try {
      expect(rm.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(rm.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(rm.db.pragma('wal_autocheckpoint', { simple: true })).toBe(16384);
      expect(rm.db.pragma('cache_size', { simple: true })).toBe(-65536);
    } finally {
      await rm.close();
    }
  });

  it('indexes the audit trail by organisation, user, type and time only (no per-stream index)', async () => {
    const rm = SqliteReadModels.open(join(dir, 'audit.db'), [auditProjection]);
    try {
      await rm.init();
      const indexes = rm.db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events' AND sql IS NOT NULL ORDER BY name`,
        )
        .pluck()
        .all();
      expect(indexes).toEqual([
        'audit_events_org',
        'audit_events_recorded',
        'audit_events_type',
        'audit_events_user',
      ]);
    } finally {
      await rm.close();
    }
  });
});
