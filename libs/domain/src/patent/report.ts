/**
 * Reporting to the national platform (反馈交易信息): ReportTransaction → TransactionReported, once per
 * deal or industrialization. A report dated before the patent lapsed or expired is accepted when
 * entered afterwards, so that its obligation closes.
 */
import { invalid, notFound, rule } from '../errors';
import { requirePastDate, requireText } from '../validate';
import type { ReportTransaction } from './commands';
import type { PatentEvent, TransactionReported } from './events';
import { requireDatedBeforeEnd, requireInventoried } from './guards';
import type { Patent, PatentState } from './state';

export function decideReport(command: ReportTransaction, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  const d = command.data;
  const hasDeal = d.dealId !== undefined;
  const hasInd = d.industrializationId !== undefined;
  if (hasDeal === hasInd) {
    throw invalid(
      'REPORT.TARGET_REQUIRED',
      'give exactly one of dealId or industrializationId',
      hasDeal ? 'industrializationId' : 'dealId',
    );
  }
  const reportedOn = requirePastDate(d.reportedOn, 'reportedOn', command.now);
  const platformRef = requireText(d.platformRef, 'platformRef', 100);
  if (hasDeal) {
    const deal =
      p.transfers.find((x) => x.dealId === d.dealId) ?? p.licenses.find((x) => x.dealId === d.dealId);
    if (!deal) throw notFound('REPORT.UNKNOWN_DEAL', `no deal ${d.dealId} on this patent`, 'dealId');
    if (p.reports.some((r) => r.dealId === d.dealId)) {
      throw rule(
        'REPORT.ALREADY_REPORTED',
        `deal ${d.dealId} was already reported to the platform`,
        'dealId',
      );
    }
    if (deal.ended && reportedOn >= deal.ended.endedOn) {
      throw rule(
        'DEAL.ENDED',
        `deal ${d.dealId} was ${deal.ended.ending} on ${deal.ended.endedOn}; its report obligation closed as cancelled`,
        'reportedOn',
      );
    }
  } else {
    const i = p.industrializations.find((x) => x.industrializationId === d.industrializationId);
    if (!i) {
      throw notFound(
        'REPORT.UNKNOWN_INDUSTRIALIZATION',
        `no industrialization ${d.industrializationId} on this patent`,
        'industrializationId',
      );
    }
    if (p.reports.some((r) => r.industrializationId === d.industrializationId)) {
      throw rule(
        'REPORT.ALREADY_REPORTED',
        `industrialization ${d.industrializationId} was already reported to the platform`,
        'industrializationId',
      );
    }
  }
  requireDatedBeforeEnd(p, reportedOn, 'reportedOn', command.now);
  const event: TransactionReported = {
    type: 'TransactionReported',
    data: {
      applicationNumber: p.applicationNumber,
      ...(hasDeal ? { dealId: d.dealId! } : { industrializationId: d.industrializationId! }),
      reportedOn,
      platformRef,
    },
  };
  return [event];
}

export function evolveReported(p: Patent, e: TransactionReported): Patent {
  const { applicationNumber: _a, ...r } = e.data;
  return { ...p, reports: [...p.reports, r] };
}
