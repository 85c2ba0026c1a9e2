/**
 * Industrialization (产业化): IndustrializePatent → Industrialized, FileDensityProduct →
 * DensityProductFiled (专利密集型产品备案).
 *
 * The enterprise must have a right to implement on the start date: the registered owner, a licensee
 * whose licence binds that day, the holding institution itself (self-implementation), or a co-owner
 * (专利法 Art. 14 ¶1: a co-owner may implement alone). Under an exclusive licence (独占许可) the
 * patentee itself may not implement during its term; under a sole licence (排他许可) it may.
 */
import { notFound, rule } from '../errors';
import { requireId, requirePastDate, requireText } from '../validate';
import type { FileDensityProduct, IndustrializePatent } from './commands';
import type { DensityProductFiled, Industrialized, PatentEvent } from './events';
import {
  requireDatedBeforeEnd,
  requireInventoried,
  requireNotExpiredOn,
  requireNotTerminated,
} from './guards';
import { licenceInForceOn, type Industrialization, type Patent, type PatentState } from './state';

export function decideIndustrialize(command: IndustrializePatent, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  requireNotTerminated(p, command.now);
  const d = command.data;
  const industrializationId = requireId(d.industrializationId, 'industrializationId');
  if (p.industrializations.some((i) => i.industrializationId === industrializationId)) {
    throw rule(
      'INDUSTRIALIZATION.DUPLICATE_ID',
      `industrialization ${industrializationId} already exists on this patent`,
      'industrializationId',
    );
  }
  const enterpriseId = requireId(d.enterpriseId, 'enterpriseId');
  const startedOn = requirePastDate(d.startedOn, 'startedOn', command.now);
  requireNotExpiredOn(p, startedOn, 'startedOn');
  let basis: Industrialization['basis'] | undefined;
  // Ownership counts from the registration date (Patent Law Art. 10), like a licence from its effectiveDate.
  if (p.holder.kind === 'enterprise' && p.holder.id === enterpriseId && startedOn >= p.holder.since) {
    basis = { kind: 'owner', dealId: p.holder.dealId };
  } else if (p.holder.kind === 'institution' && p.holder.id === enterpriseId) {
    basis = { kind: 'self-implementation' };
  } else if (p.holder.kind === 'institution' && p.coOwners.some((c) => c.id === enterpriseId)) {
    basis = { kind: 'co-owner' };
  }
  if (basis) {
    const exclusive = p.licenses.find(
      (l) => l.type === 'exclusive' && l.licenseeId !== enterpriseId && licenceInForceOn(l, startedOn),
    );
    if (exclusive) {
      throw rule(
        'INDUSTRIALIZATION.EXCLUSIVE_LICENSE_IN_FORCE',
        `exclusive licence ${exclusive.dealId} to ${exclusive.licenseeName} binds on ${startedOn}: under an exclusive licence (独占许可) the patentee itself may not implement (under a sole licence it may)`,
        'enterpriseId',
      );
    }
  }
  if (!basis) {
    const licence = p.licenses.find((l) => l.licenseeId === enterpriseId && licenceInForceOn(l, startedOn));
    if (licence) basis = { kind: 'license', dealId: licence.dealId };
  }
  if (!basis) {
    throw rule(
      'INDUSTRIALIZATION.NO_RIGHT',
      `${enterpriseId} neither holds the patent, nor holds a licence in force on ${startedOn}, nor is the holding institution or a co-owner`,
      'enterpriseId',
    );
  }
  const event: Industrialized = {
    type: 'Industrialized',
    data: {
      applicationNumber: p.applicationNumber,
      industrializationId,
      enterpriseId,
      productName: requireText(d.productName, 'productName'),
      startedOn,
      basis,
    },
  };
  return [event];
}

export function decideFileDensityProduct(command: FileDensityProduct, state: PatentState): PatentEvent[] {
  const p = requireInventoried(state);
  const d = command.data;
  const ind = p.industrializations.find((i) => i.industrializationId === d.industrializationId);
  if (!ind) {
    throw notFound(
      'INDUSTRIALIZATION.NOT_FOUND',
      `no industrialization ${d.industrializationId} on this patent`,
      'industrializationId',
    );
  }
  if (ind.densityFiling) {
    throw rule(
      'DENSITY_PRODUCT.ALREADY_FILED',
      `industrialization ${ind.industrializationId} was filed as a patent-intensive product on ${ind.densityFiling.filedOn}`,
    );
  }
  const recordNumber = requireText(d.recordNumber, 'recordNumber', 100);
  const filedOn = requirePastDate(d.filedOn, 'filedOn', command.now);
  requireDatedBeforeEnd(p, filedOn, 'filedOn', command.now);
  const event: DensityProductFiled = {
    type: 'DensityProductFiled',
    data: {
      applicationNumber: p.applicationNumber,
      industrializationId: ind.industrializationId,
      recordNumber,
      filedOn,
    },
  };
  return [event];
}

export function evolveIndustrialized(p: Patent, e: Industrialized): Patent {
  const { applicationNumber: _a, ...i } = e.data;
  return {
    ...p,
    industrializations: [...p.industrializations, { ...i, basis: i.basis ?? { kind: 'license' } }],
  };
}

export function evolveDensityProductFiled(p: Patent, e: DensityProductFiled): Patent {
  const d = e.data;
  return {
    ...p,
    industrializations: p.industrializations.map((i) =>
      i.industrializationId === d.industrializationId
        ? { ...i, densityFiling: { recordNumber: d.recordNumber, filedOn: d.filedOn } }
        : i,
    ),
  };
}
