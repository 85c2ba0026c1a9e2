import { Command, Query } from '@nestjs/cqrs';
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

export class GetPatentQuery extends Query<AggregateView<PatentState>> {
  constructor(readonly applicationNumber: string) {
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
