import {
  Deltas,
  nextDay,
  obligationSteps,
  patentSteps,
  PROGRESS_COUNTER_TABLE,
  type Step,
} from './kpi-counters';

/** A figure's value as of `d`: the sum of its steps up to d. */
const asOf = (steps: Step[], column: string, d: string): number =>
  steps.filter((s) => s.column === column && s.day <= d).reduce((n, s) => n + s.n, 0);

describe('patentSteps', () => {
  const patent = {
    institution: 'tyut',
    cohort: 'stock',
    inventoriedOn: '2024-03-10',
    status: 'not-implemented',
  };

  it('a patent in the pool from its admission until a later decline; two tags of a day: the later in the log decides', () => {
    // Given an admission, a decline, and two tags of the same day (decline first in the log)
    const { steps } = patentSteps({
      patent,
      intents: [
        { on: '2024-03-20', position: 5, admitted: true },
        { on: '2024-04-15', position: 6, admitted: false },
        { on: '2024-05-01', position: 9, admitted: true },
        { on: '2024-05-01', position: 8, admitted: false },
      ],
      deals: [],
    });
    // Then the pool figure follows the latest tag of each day
    expect(
      ['2024-03-19', '2024-03-20', '2024-04-14', '2024-04-15', '2024-05-01'].map((d) =>
        asOf(steps, 'pool', d),
      ),
    ).toEqual([0, 1, 1, 0, 1]);
    expect(asOf(steps, 'inventoried', '2024-03-10')).toBe(1);
    expect(asOf(steps, 'stock_inventoried', '2024-03-09')).toBe(0);
  });

  it('a deal counts with its value from its contract date; the median entry from the first deal after admission', () => {
    const r = patentSteps({
      patent,
      intents: [{ on: '2024-03-20', position: 5, admitted: true }],
      deals: [
        { kind: 'license', on: '2024-04-30', fen: 5_000_00 },
        { kind: 'transfer', on: '2024-04-05', fen: 100_000_00 },
        { kind: 'equity-contribution', on: '2024-03-25', fen: 9_00 },
      ],
    });
    expect(asOf(r.steps, 'transfer_fen', '2024-04-05')).toBe(100_000_00);
    expect(asOf(r.steps, 'transfers', '2024-04-04')).toBe(0);
    // the equity contribution is not an implementation, nor the first deal
    expect(asOf(r.steps, 'implemented', '2024-04-04')).toBe(0);
    expect(asOf(r.steps, 'implemented', '2024-04-05')).toBe(1);
    expect(r.firstDeal).toEqual({ day: '2024-04-05', days: 16 });
  });

  it('a patent without its inventory row counts nowhere', () => {
    expect(
      patentSteps({ intents: [{ on: '2024-03-20', position: 5, admitted: true }], deals: [] }).steps,
    ).toEqual([]);
  });
});

describe('obligationSteps', () => {
  const base = { institution: 'tyut', triggerDate: '2024-04-05', dueDate: '2024-07-05', cancelledOn: null };

  it('open until its due date, overdue the day after, late once fulfilled', () => {
    const steps = obligationSteps({ ...base, fulfilledOn: '2024-07-20', late: true });
    const status = (d: string) =>
      ['open', 'overdue', 'late', 'on_time', 'cancelled'].filter((c) => asOf(steps, c, d) === 1);
    expect(status('2024-04-04')).toEqual([]);
    expect(status('2024-04-05')).toEqual(['open']);
    expect(status('2024-07-05')).toEqual(['open']);
    expect(status('2024-07-06')).toEqual(['overdue']);
    expect(status('2024-07-20')).toEqual(['late']);
  });

  it('without an institution counts nowhere; a fulfilment before the due date is on time and never overdue', () => {
    expect(obligationSteps({ ...base, institution: null, fulfilledOn: null, late: false })).toEqual([]);
    const steps = obligationSteps({ ...base, fulfilledOn: '2024-05-01', late: false });
    expect(steps.some((s) => s.column === 'overdue')).toBe(false);
    expect(asOf(steps, 'on_time', '2030-01-01')).toBe(1);
  });

  it('the day after a due date crosses months and years', () => {
    expect([nextDay('2024-02-29'), nextDay('2024-12-31')]).toEqual(['2024-03-01', '2025-01-01']);
  });
});

describe('Deltas', () => {
  it('sum steps per day and per month, and drop what cancels out', () => {
    const d = new Deltas(PROGRESS_COUNTER_TABLE);
    d.add('tyut', '2024-03-10', 'pool', 1, 1);
    d.add('tyut', '2024-03-10', 'pool', 1, -1);
    d.add('tyut', '2024-03-20', 'pool', 1, 1);
    const rows = d
      .rows()
      .map((r) => [r.grain, r.day, r.values[PROGRESS_COUNTER_TABLE.columns.indexOf('pool')]]);
    expect(rows).toEqual([
      [1, '2024-03-01', 1],
      [0, '2024-03-20', 1],
    ]);
  });
});
