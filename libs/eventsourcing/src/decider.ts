/** An event as the domain knows it: a type name and JSON-native data. */
export interface DomainEvent {
  type: string;
  data: object;
}

/**
 * The decider pattern: pure functions, no I/O, no clock. Time, ids and the actor come in with the
 * command.
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Folds events into state. */
export function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve' | 'initialState'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState();
  for (const e of events) state = decider.evolve(state, e);
  return state;
}
