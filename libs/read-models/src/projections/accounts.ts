import type { StoredEvent } from '@patent-ledger/eventsourcing';
import type { ReadModelDb, SqlTx } from '../sql';
import { batchProjection, EventApplyError, type ReadModelProjection } from '../sqlite-projection';

/**
 * Accounts (the `user-<id>` streams) as a list for ip-office admins: one row per account with its
 * organisation, role, admin flag and whether it is disabled. Password hashes are not copied.
 */
export const accountsProjection: ReadModelProjection = batchProjection({
  name: 'accounts',
  version: '1',
  tables: ['accounts'],
  ddl: (t, d) => [
    `CREATE TABLE "${t('accounts')}" (
      user_id ${d.text} PRIMARY KEY,
      org_id ${d.text} NOT NULL,
      role ${d.text} NOT NULL,
      display_name ${d.text} NOT NULL,
      admin ${d.int} NOT NULL,
      disabled ${d.int} NOT NULL,
      created_at ${d.text} NOT NULL,
      updated_at ${d.text} NOT NULL,
      failed_logins ${d.int} NOT NULL
    )`,
    `CREATE INDEX "${t('accounts')}_org" ON "${t('accounts')}" (org_id, user_id)`,
  ],
  prepareBatch: (t) => {
    const table = `"${t('accounts')}"`;
    const apply = async (tx: SqlTx, e: StoredEvent) => {
      const d = e.data as Record<string, unknown>;
      const userId = String(d['userId']);
      const at = e.metadata.recordedAt;
      switch (e.type) {
        case 'UserCreated':
          await tx.run(
            `INSERT INTO ${table} (user_id, org_id, role, display_name, admin, disabled, created_at, updated_at, failed_logins)
             VALUES (?, ?, ?, ?, ?, 0, ?, ?, 0) ON CONFLICT (user_id) DO NOTHING`,
            [
              userId,
              String(d['orgId']),
              String(d['role']),
              String(d['displayName']),
              d['admin'] === true ? 1 : 0,
              at,
              at,
            ],
          );
          return;
        case 'UserDisabled':
        case 'UserEnabled':
          await tx.run(
            `UPDATE ${table} SET disabled = ?, updated_at = ?, failed_logins = 0 WHERE user_id = ?`,
            [e.type === 'UserDisabled' ? 1 : 0, at, userId],
          );
          return;
        case 'PasswordSet':
        case 'LoginSucceeded':
          await tx.run(`UPDATE ${table} SET updated_at = ?, failed_logins = 0 WHERE user_id = ?`, [
            at,
            userId,
          ]);
          return;
        case 'LoginFailed':
          await tx.run(`UPDATE ${table} SET failed_logins = failed_logins + 1 WHERE user_id = ?`, [userId]);
          return;
        default:
          return;
      }
    };
    return async (tx, events) => {
      for (const e of events) {
        if (!e.streamName.startsWith('user-')) continue;
        try {
          await apply(tx, e);
        } catch (err) {
          throw new EventApplyError(e, err);
        }
      }
    };
  },
});

export interface AccountListItem {
  userId: string;
  orgId: string;
  role: string;
  displayName: string;
  admin: boolean;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  failedLogins: number;
}

/** Every account, by organisation then user id. */
export async function listAccounts(
  db: ReadModelDb,
  filter: { orgId?: string } = {},
): Promise<AccountListItem[]> {
  return db.transaction(async (tx) => {
    const rows = await tx.all<Record<string, unknown>>(
      `SELECT * FROM accounts${filter.orgId !== undefined ? ' WHERE org_id = ?' : ''} ORDER BY org_id, user_id`,
      filter.orgId !== undefined ? [filter.orgId] : [],
    );
    return rows.map((r) => ({
      userId: String(r['user_id']),
      orgId: String(r['org_id']),
      role: String(r['role']),
      displayName: String(r['display_name']),
      admin: Number(r['admin']) === 1,
      disabled: Number(r['disabled']) === 1,
      createdAt: String(r['created_at']),
      updatedAt: String(r['updated_at']),
      failedLogins: Number(r['failed_logins']),
    }));
  }, 'read');
}
