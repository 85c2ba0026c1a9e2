/**
 * Equity contribution (作价投资): RecordEquityContribution → EquityContributed, the contract by which
 * the institution contributes the patent to a company at a valuation for a share of its equity.
 *
 * It is a transfer of the patent right to the company: the same rules as a sale (transfer.ts,
 * requireTransferable — the institution holds it, in force on the contract date, one contract awaiting
 * registration at a time, the exclusive-licence rule, co-owners' and pledgees' consents to the
 * `transfer`), ownership moves only at its registration (RegisterTransfer → TransferRegistered for the
 * dealId, 专利法 Art. 10), it owes the same registration and platform report, and it can be cancelled
 * or rescinded before registration (EndDeal).
 */
import { invalid } from '../errors';
import { normalizeMoney } from '../money';
import { requireId, requireText } from '../validate';
import type { RecordEquityContribution } from './commands';
import type { EquityContributed, PatentEvent } from './events';
import { requireInventoried } from './guards';
import type { Patent, PatentState } from './state';
import { requireTransferable } from './transfer';

const PERCENT_RE = /^\d{1,3}(\.\d{1,4})?$/;

/** A share of equity in percent, as a decimal string: 0 < share ≤ 100, up to 4 decimals. */
function equityShareOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = typeof value === 'number' ? String(value) : value;
  if (typeof s !== 'string' || !PERCENT_RE.test(s.trim()) || !(Number(s) > 0 && Number(s) <= 100)) {
    throw invalid(
      'EQUITY.INVALID_SHARE',
      'equityShare must be a percentage as a decimal string, more than 0 and at most 100 (e.g. "12.5")',
      'equityShare',
    );
  }
  return String(Number(s.trim()));
}

export function decideRecordEquityContribution(
  command: RecordEquityContribution,
  state: PatentState,
): PatentEvent[] {
  const p = requireInventoried(state);
  const d = command.data;
  const dealId = requireId(d.dealId, 'dealId');
  const companyId = requireId(d.companyId, 'companyId');
  const contractDate = requireTransferable(p, dealId, companyId, d.contractDate, command.now);
  const equityShare = equityShareOf(d.equityShare);
  const event: EquityContributed = {
    type: 'EquityContributed',
    data: {
      applicationNumber: p.applicationNumber,
      dealId,
      companyId,
      companyName: requireText(d.companyName, 'companyName'),
      contractDate,
      valuation: normalizeMoney(d.valuation, 'valuation'),
      ...(equityShare !== undefined ? { equityShare } : {}),
    },
  };
  return [event];
}

/** An equity contribution joins the patent's transfer deals: registration moves ownership to the company. */
export function evolveEquityContributed(p: Patent, e: EquityContributed): Patent {
  const d = e.data;
  return {
    ...p,
    transfers: [
      ...p.transfers,
      {
        dealId: d.dealId,
        kind: 'equity-contribution',
        assigneeId: d.companyId,
        assigneeName: d.companyName,
        contractDate: d.contractDate,
        price: d.valuation,
        ...(d.equityShare !== undefined ? { equityShare: d.equityShare } : {}),
      },
    ],
  };
}
