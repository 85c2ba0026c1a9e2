import { patentDecider } from './decider';
import { spec } from '../testing/given-when-then';
import { inventoried, inventoryPatent } from '../testing/fixtures';
import type { PatentInventoried } from './events';
import type { Patent } from './state';

const patent = spec(patentDecider);
const FUNDING = { projectNumber: '2016YFB0100100', funder: 'Ministry of Science and Technology' };

describe('fiscally funded results: funding and the patent declaration (科学技术进步法 Art. 32; 专利声明)', () => {
  it('Art. 32: records the funded project and the declaration of a fiscally funded result', () => {
    const [e] = patent
      .given([])
      .when(
        inventoryPatent({
          funding: { ...FUNDING, programme: ' National Key R&D Programme ' },
          declaration: { declaredOn: '2017-07-21', statement: 'Funded by 2016YFB0100100' },
        }),
      )
      .events() as PatentInventoried[];
    expect(e!.data).toMatchObject({
      fiscallyFunded: true,
      funding: { ...FUNDING, programme: 'National Key R&D Programme' },
      declaration: { declaredOn: '2017-07-21', statement: 'Funded by 2016YFB0100100' },
    });
    const state = patent.given([e!]).state as Patent;
    expect(state.funding).toEqual(e!.data.funding);
    expect(state.declaration).toEqual(e!.data.declaration);
  });

  it.each([
    [{ funding: undefined }, 'PATENT.FUNDING_REQUIRED', 'funding'],
    [{ declaration: undefined }, 'PATENT.DECLARATION_REQUIRED', 'declaration'],
    [{ funding: 'yes' }, 'FIELD.INVALID', 'funding'],
    [{ funding: { funder: 'MOST' } }, 'FIELD.REQUIRED', 'funding.projectNumber'],
    [{ funding: { projectNumber: 'P-1' } }, 'FIELD.REQUIRED', 'funding.funder'],
    [{ funding: { ...FUNDING, programme: 7 } }, 'FIELD.INVALID', 'funding.programme'],
    [{ declaration: { statement: 'x' } }, 'DATE.INVALID', 'declaration.declaredOn'],
    [{ declaration: { declaredOn: '2017-07-20' } }, 'DATE.ORDER', 'declaration.declaredOn'],
    [{ declaration: { declaredOn: '2017-07-21', statement: 3 } }, 'FIELD.INVALID', 'declaration.statement'],
  ])('Art. 32: a fiscally funded result given %p is refused with %s naming %s', (o, code, field) => {
    const e = patent.given([]).when(inventoryPatent(o)).thenThrows(code, 'invalid');
    expect(e.field).toBe(field);
  });

  it('a stock patent may be declared after its grant, at the inventory', () => {
    const [e] = patent
      .given([])
      .when(inventoryPatent({ declaration: { declaredOn: '2024-03-15' } }))
      .events() as PatentInventoried[];
    expect(e!.data.declaration).toEqual({ declaredOn: '2024-03-15' });
  });

  it('a result not fiscally funded needs neither (and may still name them)', () => {
    const [e] = patent
      .given([])
      .when(inventoryPatent({ fiscallyFunded: false, funding: undefined, declaration: undefined }))
      .events() as PatentInventoried[];
    expect(e!.data).not.toHaveProperty('funding');
    expect(e!.data).not.toHaveProperty('declaration');
    const [f] = patent
      .given([])
      .when(inventoryPatent({ fiscallyFunded: false }))
      .events() as PatentInventoried[];
    expect(f!.data.funding).toEqual(FUNDING);
  });

  it('old events of a fiscally funded patent without funding still replay', () => {
    const { funding: _f, declaration: _d, ...v1 } = inventoried({ fiscallyFunded: true }).data;
    const state = patent.given([{ type: 'PatentInventoried', data: v1 }]).state as Patent;
    expect(state.fiscallyFunded).toBe(true);
    expect(state).not.toHaveProperty('funding');
    expect(state).not.toHaveProperty('declaration');
  });
});
