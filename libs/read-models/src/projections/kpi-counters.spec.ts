import { median } from '../queries/kpis';
import {
  addEntries,
  addHistogram,
  DaysHistogram,
  Deltas,
  encodeEntries,
  encodeHistogram,
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
    // the equity contribution puts the patent to use (促进科技成果转化法 Art. 16) and is its first deal
    expect(asOf(r.steps, 'implemented', '2024-03-24')).toBe(0);
    expect(asOf(r.steps, 'implemented', '2024-03-25')).toBe(1);
    expect(asOf(r.steps, 'implemented', '2024-04-05')).toBe(1);
    expect(r.firstDeal).toEqual({ day: '2024-03-25', days: 5 });
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

describe('DaysHistogram', () => {
  it('has the median of its values spelled out, beyond the dense range too, and after taking some away', () => {
    // Given values below and above the dense range (8192 days), some repeated
    const values = [3, 3, 17, 0, 9000, 40_000, 17, 250, 3, 12_000];
    const h = new DaysHistogram();
    for (const v of values) h.add(v, 1);
    expect(h.median()).toBe(median(values));
    // When a few are taken away, one by one and as a histogram
    const gone = new DaysHistogram();
    gone.add(40_000, 1);
    gone.add(3, 1);
    h.addAll(gone, -1);
    h.add(0, -1);
    // Then the median is that of the rest
    const rest = [3, 3, 17, 9000, 17, 250, 12_000];
    expect([h.total, h.median()]).toEqual([7, median(rest)]);
    expect(h.entries()).toEqual([
      [3, 2],
      [17, 2],
      [250, 1],
      [9000, 1],
      [12_000, 1],
    ]);
    // the middle two beyond the dense range, and across it
    const far = new DaysHistogram();
    for (const v of [9000, 5, 40_000, 12_000]) far.add(v, 1);
    expect(far.median()).toBe(10_500);
    far.add(12_000, -1);
    expect(far.median()).toBe(9000);
    far.add(1, 1);
    expect(far.median()).toBe((5 + 9000) / 2);
    expect(new DaysHistogram().median()).toBeNull();
  });

  it('round-trips through its encoding, and a month’s entries count up to a day of the month', () => {
    const h = new DaysHistogram();
    h.add(5, 2);
    h.add(20_000, 1);
    const back = new DaysHistogram();
    addHistogram(back, encodeHistogram(h));
    expect(back.entries()).toEqual(h.entries());
    // entries: days × 32 + day of month — 10 days on the 1st, 12 on the 15th, 40 on the 31st
    const month = encodeEntries([10 * 32 + 1, 12 * 32 + 15, 40 * 32 + 31]);
    const upTo15 = new DaysHistogram();
    addEntries(upTo15, month, 1);
    addEntries(upTo15, month, -1, 15);
    expect(upTo15.entries()).toEqual([
      [10, 1],
      [12, 1],
    ]);
  });
});
