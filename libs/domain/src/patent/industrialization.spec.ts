import { patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import {
  AN,
  densityProductFiled,
  ENT_A,
  ENT_B,
  ENT_C,
  fileDensityProduct,
  industrialized,
  industrializePatent,
  INSTITUTION_ID,
  inPool,
  inventoried,
  licensed,
  openLicensed,
  openLicenseTaken,
  TOMORROW,
  transferred,
  transferRegistered,
} from '../testing/fixtures';
import type { Patent } from './state';

const patent = spec(patentDecider);

describe('IndustrializePatent → Industrialized (产业化)', () => {
  it('a licensee with a licence in force industrializes on the basis of that licence', () => {
    patent
      .given([...inPool(), licensed()])
      .when(industrializePatent({ productName: ' Ceramic-coated separator film ' }))
      .then([
        {
          type: 'Industrialized',
          data: {
            applicationNumber: AN,
            industrializationId: 'ind-1',
            enterpriseId: ENT_B.id,
            productName: 'Ceramic-coated separator film',
            startedOn: '2024-10-01',
            basis: { kind: 'license', dealId: 'deal-l1' },
          },
        },
      ]);
  });

  it('the licence must be in force on startedOn: first and last day count', () => {
    patent
      .given([...inPool(), licensed()])
      .when(industrializePatent({ startedOn: '2024-07-01' }))
      .then([industrialized({ startedOn: '2024-07-01' })]);
    patent
      .given([...inPool(), licensed({ effectiveDate: '2023-01-01', endDate: '2024-10-01' })])
      .when(industrializePatent())
      .then([industrialized()]);
  });

  it('a licence not yet in force gives no right', () => {
    patent
      .given([...inPool(), licensed()])
      .when(industrializePatent({ startedOn: '2024-06-30' }))
      .thenThrows('INDUSTRIALIZATION.NO_RIGHT', 'rule');
  });

  it('an expired licence gives no right', () => {
    patent
      .given([...inPool(), licensed({ effectiveDate: '2023-01-01', endDate: '2024-09-30' })])
      .when(industrializePatent())
      .thenThrows('INDUSTRIALIZATION.NO_RIGHT', 'rule');
  });

  it('picks the licence in force among several of the same licensee', () => {
    patent
      .given([
        ...inPool(),
        licensed({ dealId: 'deal-old', effectiveDate: '2022-01-01', endDate: '2023-12-31' }),
        licensed({ dealId: 'deal-new', effectiveDate: '2024-01-01', endDate: '2025-12-31' }),
      ])
      .when(industrializePatent())
      .then([industrialized({ basis: { kind: 'license', dealId: 'deal-new' } })]);
  });

  it('an open-licence taker industrializes on its ordinary licence', () => {
    patent
      .given([...inPool(), openLicensed(), openLicenseTaken()])
      .when(industrializePatent({ enterpriseId: ENT_C.id, startedOn: '2025-03-01' }))
      .then([
        industrialized({
          enterpriseId: ENT_C.id,
          startedOn: '2025-03-01',
          basis: { kind: 'license', dealId: 'deal-o1' },
        }),
      ]);
  });

  it('the holding institution self-implements (enterpriseId = institutionId)', () => {
    patent
      .given(inPool())
      .when(industrializePatent({ enterpriseId: INSTITUTION_ID }))
      .then([industrialized({ enterpriseId: INSTITUTION_ID, basis: { kind: 'self-implementation' } })]);
  });

  it('专利法 Art. 12; 最高法 技术合同解释 Art. 25: under an exclusive licence (独占) the licensor itself may not implement', () => {
    const e = patent
      .given([...inPool(), licensed({ type: 'exclusive' })])
      .when(industrializePatent({ enterpriseId: INSTITUTION_ID }))
      .thenThrows('INDUSTRIALIZATION.EXCLUSIVE_LICENSE_IN_FORCE', 'rule');
    expect(e.field).toBe('enterpriseId');
  });

  it('最高法 技术合同解释 Art. 25: under a sole licence (排他) the licensor may implement', () => {
    patent
      .given([...inPool(), licensed({ type: 'sole' })])
      .when(industrializePatent({ enterpriseId: INSTITUTION_ID }))
      .then([industrialized({ enterpriseId: INSTITUTION_ID, basis: { kind: 'self-implementation' } })]);
  });

  it('after the exclusive licence ended the licensor may implement again', () => {
    patent
      .given([...inPool(), licensed({ type: 'exclusive', endDate: '2024-09-30' })])
      .when(industrializePatent({ enterpriseId: INSTITUTION_ID }))
      .then([industrialized({ enterpriseId: INSTITUTION_ID, basis: { kind: 'self-implementation' } })]);
  });

  it('the institution still self-implements after an unregistered transfer contract', () => {
    patent
      .given([...inPool(), transferred()])
      .when(industrializePatent({ enterpriseId: INSTITUTION_ID }))
      .then([industrialized({ enterpriseId: INSTITUTION_ID, basis: { kind: 'self-implementation' } })]);
  });

  it('the assignee of an unregistered transfer has no right yet', () => {
    patent
      .given([...inPool(), transferred()])
      .when(industrializePatent({ enterpriseId: ENT_A.id }))
      .thenThrows('INDUSTRIALIZATION.NO_RIGHT', 'rule');
  });

  it('the registered owner industrializes on the basis of ownership (with the transfer deal)', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(industrializePatent({ enterpriseId: ENT_A.id, startedOn: '2024-11-01' }))
      .then([
        industrialized({
          enterpriseId: ENT_A.id,
          startedOn: '2024-11-01',
          basis: { kind: 'owner', dealId: 'deal-t1' },
        }),
      ]);
  });

  it('ownership counts from the registration date: an owner basis starting earlier is rejected', () => {
    // registered 2024-10-15; before that the assignee did not hold the patent (Patent Law Art. 10)
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(industrializePatent({ enterpriseId: ENT_A.id, startedOn: '2024-10-14' }))
      .thenThrows('INDUSTRIALIZATION.NO_RIGHT', 'rule');
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(industrializePatent({ enterpriseId: ENT_A.id, startedOn: '2024-10-15' }))
      .then([
        industrialized({
          enterpriseId: ENT_A.id,
          startedOn: '2024-10-15',
          basis: { kind: 'owner', dealId: 'deal-t1' },
        }),
      ]);
  });

  it('an exclusive licensee who bought the patent relies on its licence before registration and on ownership after', () => {
    const given = [
      ...inPool(),
      licensed({ dealId: 'deal-x1', licenseeId: ENT_A.id, licenseeName: ENT_A.name, type: 'exclusive' }),
      transferred(),
      transferRegistered(),
    ];
    patent
      .given(given)
      .when(industrializePatent({ enterpriseId: ENT_A.id, startedOn: '2024-10-01' }))
      .then([industrialized({ enterpriseId: ENT_A.id, basis: { kind: 'license', dealId: 'deal-x1' } })]);
    patent
      .given(given)
      .when(industrializePatent({ enterpriseId: ENT_A.id, startedOn: '2024-10-15' }))
      .then([
        industrialized({
          enterpriseId: ENT_A.id,
          startedOn: '2024-10-15',
          basis: { kind: 'owner', dealId: 'deal-t1' },
        }),
      ]);
  });

  it('a licence still counts after the patent was transferred', () => {
    patent
      .given([...inPool(), licensed(), transferred(), transferRegistered()])
      .when(industrializePatent({ startedOn: '2024-11-01' }))
      .then([industrialized({ startedOn: '2024-11-01' })]);
  });

  it('the institution may no longer self-implement once ownership moved', () => {
    patent
      .given([...inPool(), transferred(), transferRegistered()])
      .when(industrializePatent({ enterpriseId: INSTITUTION_ID, startedOn: '2024-11-01' }))
      .thenThrows('INDUSTRIALIZATION.NO_RIGHT', 'rule');
  });

  it('an enterprise without ownership, licence or institution status has no right', () => {
    const e = patent
      .given([...inPool(), licensed()])
      .when(industrializePatent({ enterpriseId: ENT_C.id }))
      .thenThrows('INDUSTRIALIZATION.NO_RIGHT', 'rule');
    expect(e.field).toBe('enterpriseId');
  });

  it('an evaluation or a pending purchase gives no right', () => {
    patent
      .given(inPool())
      .when(industrializePatent({ enterpriseId: ENT_A.id }))
      .thenThrows('INDUSTRIALIZATION.NO_RIGHT', 'rule');
  });

  it('rejects a reused industrializationId', () => {
    patent
      .given([...inPool(), licensed(), industrialized()])
      .when(industrializePatent())
      .thenThrows('INDUSTRIALIZATION.DUPLICATE_ID', 'rule');
  });

  it('folds into the industrializations with the basis', () => {
    const { state } = patent.given([...inPool(), licensed(), industrialized()]);
    expect((state as Patent).industrializations).toEqual([
      {
        industrializationId: 'ind-1',
        enterpriseId: ENT_B.id,
        productName: 'Ceramic-coated separator film',
        startedOn: '2024-10-01',
        basis: { kind: 'license', dealId: 'deal-l1' },
      },
    ]);
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(industrializePatent()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });

  it.each([
    [{ industrializationId: 'ind 1' }, 'FIELD.INVALID_ID', 'industrializationId'],
    [{ enterpriseId: undefined }, 'FIELD.INVALID_ID', 'enterpriseId'],
    [{ startedOn: TOMORROW }, 'DATE.IN_FUTURE', 'startedOn'],
    [{ startedOn: '2024-13-01' }, 'DATE.INVALID', 'startedOn'],
    [{ productName: '' }, 'FIELD.REQUIRED', 'productName'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent
      .given([...inPool(), licensed()])
      .when(industrializePatent(overrides))
      .thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });
});

describe('FileDensityProduct → DensityProductFiled (专利密集型产品备案)', () => {
  const given = [...inPool(), licensed(), industrialized()];

  it('files the product', () => {
    patent
      .given(given)
      .when(fileDensityProduct({ recordNumber: ' MJ-2025-0001 ' }))
      .then([
        {
          type: 'DensityProductFiled',
          data: {
            applicationNumber: AN,
            industrializationId: 'ind-1',
            recordNumber: 'MJ-2025-0001',
            filedOn: '2025-03-01',
          },
        },
      ]);
  });

  it('folds the filing into the industrialization', () => {
    const { state } = patent.given([...given, densityProductFiled()]);
    expect((state as Patent).industrializations[0]?.densityFiling).toEqual({
      recordNumber: 'MJ-2025-0001',
      filedOn: '2025-03-01',
    });
  });

  it('still files after ownership moved', () => {
    patent
      .given([
        ...given,
        transferred({ contractDate: '2024-11-01' }),
        transferRegistered({ registeredOn: '2024-12-01' }),
      ])
      .when(fileDensityProduct())
      .then([densityProductFiled()]);
  });

  it('rejects an unknown industrialization (not-found)', () => {
    const e = patent
      .given(given)
      .when(fileDensityProduct({ industrializationId: 'ind-x' }))
      .thenThrows('INDUSTRIALIZATION.NOT_FOUND', 'not-found');
    expect(e.field).toBe('industrializationId');
  });

  it('rejects a second filing', () => {
    patent
      .given([...given, densityProductFiled()])
      .when(fileDensityProduct())
      .thenThrows('DENSITY_PRODUCT.ALREADY_FILED', 'rule');
  });

  it.each([
    [{ recordNumber: undefined }, 'FIELD.REQUIRED', 'recordNumber'],
    [{ recordNumber: 'M'.repeat(101) }, 'FIELD.TOO_LONG', 'recordNumber'],
    [{ filedOn: TOMORROW }, 'DATE.IN_FUTURE', 'filedOn'],
    [{ filedOn: '2025/03/01' }, 'DATE.INVALID', 'filedOn'],
  ])('rejects %p with %s on %s', (overrides, code, field) => {
    const e = patent.given(given).when(fileDensityProduct(overrides)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  it('is rejected before inventory', () => {
    patent.given([]).when(fileDensityProduct()).thenThrows('PATENT.NOT_FOUND', 'not-found');
  });

  it('a plain inventoried patent has nothing to file', () => {
    patent
      .given([inventoried()])
      .when(fileDensityProduct())
      .thenThrows('INDUSTRIALIZATION.NOT_FOUND', 'not-found');
  });
});
