import {
  accountsProjection,
  auditProjection,
  obligationsProjection,
  progressProjection,
  needsProjection,
  promotionProjection,
  registryProjection,
  resourcePoolProjection,
  type ReadModelProjection,
} from '@patent-ledger/read-models';
import type { LedgerConfig } from '../config';

/** Every projection the ledger maintains; the obligations projection is configured by policy. */
export function ledgerProjections(config: Pick<LedgerConfig, 'policy'>): ReadModelProjection[] {
  return [
    resourcePoolProjection,
    auditProjection,
    obligationsProjection(config.policy.obligations),
    progressProjection,
    accountsProjection,
    registryProjection,
    needsProjection,
    promotionProjection,
  ];
}
