import { auditProjection, resourcePoolProjection, type SqliteProjection } from '@patent-ledger/read-models';
import type { LedgerConfig } from '../config';

/** Every projection the ledger maintains, configured by policy. */
export function ledgerProjections(_config: LedgerConfig): SqliteProjection[] {
  return [resourcePoolProjection, auditProjection];
}
