import { Command, Query, type IEvent } from '@nestjs/cqrs';
import type { InstitutionCommand, InstitutionState, PatentCommand, PatentState } from '@patent-ledger/domain';
import type { CommandContext, CommandOutcome, StoredEvent } from '@patent-ledger/eventsourcing';

/** Decide and append a patent command. */
export class ExecutePatentCommand extends Command<CommandOutcome> {
  constructor(
    readonly applicationNumber: string,
    readonly command: PatentCommand,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Decide and append an institution command. */
export class ExecuteInstitutionCommand extends Command<CommandOutcome> {
  constructor(
    readonly institutionId: string,
    readonly command: InstitutionCommand,
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

export interface AggregateView<S> {
  version: number;
  state: S;
}

/** A patent's state: now, or as of a business date (asOf), or as known at an instant (knownAt). */
export class GetPatentQuery extends Query<AggregateView<PatentState>> {
  constructor(
    readonly applicationNumber: string,
    readonly asOf?: string,
    readonly knownAt?: string,
  ) {
    super();
  }
}

export class GetInstitutionQuery extends Query<AggregateView<InstitutionState>> {
  constructor(readonly institutionId: string) {
    super();
  }
}

export class GetStreamEventsQuery extends Query<StoredEvent[]> {
  constructor(
    readonly streamName: string,
    readonly fromVersion: number,
    readonly limit: number,
  ) {
    super();
  }
}

/** Published on the in-process EventBus after a command appended events (not durable: a hint only). */
export class EventsAppended implements IEvent {
  constructor(
    readonly streamName: string,
    readonly lastPosition: number,
  ) {}
}
