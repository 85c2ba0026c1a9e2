import { DomainError } from '../errors';

interface Decider<C, E, S> {
  decide(command: C, state: S): E[];
  evolve(state: S, event: E): S;
  initialState(): S;
}

/**
 * given / when / then specs for deciders:
 *   spec(patentDecider).given([events]).when(command).then([events])
 *   spec(patentDecider).given([events]).when(command).thenThrows('PATENT.NOT_IN_POOL')
 */
export function spec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(events: E[]) {
      const state = events.reduce(decider.evolve, decider.initialState());
      return {
        state,
        when(command: C) {
          const run = (): E[] => decider.decide(command, state);
          return {
            then(expected: E[]): E[] {
              const actual = run();
              expect(actual).toEqual(expected);
              return actual;
            },
            /** Runs the command and returns the events for further assertions. */
            events(): E[] {
              return run();
            },
            thenThrows(code: string, kind?: DomainError['kind']): DomainError {
              let caught: unknown;
              try {
                run();
              } catch (err) {
                caught = err;
              }
              expect(caught).toBeInstanceOf(DomainError);
              const e = caught as DomainError;
              expect(e.code).toBe(code);
              if (kind) expect(e.kind).toBe(kind);
              return e;
            },
          };
        },
      };
    },
  };
}
