import { patentDecider } from '../patent/decider';
import { spec } from './given-when-then';
import { inPool, intentTagged, inventoried, tagIntent } from './fixtures';

/** The harness must be able to fail: a spec that asserts the wrong thing has to throw. */
describe('given / when / then harness', () => {
  const patent = spec(patentDecider);

  it('then passes on the exact events and returns them', () => {
    expect(patent.given([inventoried()]).when(tagIntent()).then([intentTagged()])).toEqual([intentTagged()]);
  });

  it('then fails on different events', () => {
    expect(() =>
      patent
        .given([inventoried()])
        .when(tagIntent())
        .then([intentTagged({ occurredOn: '2024-03-21' })]),
    ).toThrow();
    expect(() => patent.given([inventoried()]).when(tagIntent()).then([])).toThrow();
  });

  it('then fails when the command is rejected', () => {
    expect(() => patent.given([]).when(tagIntent()).then([intentTagged()])).toThrow(
      /has not been inventoried/,
    );
  });

  it('thenThrows fails when nothing is thrown', () => {
    expect(() => patent.given(inPool()).when(tagIntent()).thenThrows('PATENT.NOT_FOUND')).toThrow();
  });

  it('thenThrows fails on another code or kind', () => {
    expect(() => patent.given([]).when(tagIntent()).thenThrows('PATENT.LAPSED')).toThrow();
    expect(() => patent.given([]).when(tagIntent()).thenThrows('PATENT.NOT_FOUND', 'rule')).toThrow();
    expect(patent.given([]).when(tagIntent()).thenThrows('PATENT.NOT_FOUND', 'not-found').code).toBe(
      'PATENT.NOT_FOUND',
    );
  });

  it('given folds the events into the state', () => {
    expect(patent.given(inPool()).state).toMatchObject({ status: 'active', inPool: true });
    expect(patent.given([]).state).toEqual({ status: 'none' });
  });
});
