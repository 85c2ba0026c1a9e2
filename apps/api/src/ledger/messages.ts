import { Command, Query, type IEvent } from '@nestjs/cqrs';
import type {
  EnterpriseCommand,
  ExpertCommand,
  InstitutionCommand,
  InstitutionState,
  NeedCommand,
  ProjectCommand,
  KeyPromotionCommand,
  SalonCommand,
  TechnologyServiceCommand,
  PatentCommand,
  PatentState,
  PlanCommand,
} from '@patent-ledger/domain';
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

/** Decide and append a plan command (`admin`: the verified principal is an ip-office admin). */
export class ExecutePlanCommand extends Command<CommandOutcome> {
  constructor(
    readonly planId: string,
    readonly command: PlanCommand,
    readonly ctx: CommandContext,
    readonly admin: boolean,
  ) {
    super();
  }
}

/** Decide and append a registry command (an enterprise, an expert). */
export class ExecuteRegistryCommand extends Command<CommandOutcome> {
  constructor(
    readonly target:
      | { aggregate: 'enterprise'; id: string; command: EnterpriseCommand }
      | { aggregate: 'expert'; id: string; command: ExpertCommand },
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Decide and append a demand command (a need, a cooperation project: plan §二(四)1). */
export class ExecuteDemandCommand extends Command<CommandOutcome> {
  constructor(
    readonly target:
      | { aggregate: 'need'; id: string; command: NeedCommand }
      | { aggregate: 'project'; id: string; command: ProjectCommand },
    readonly ctx: CommandContext,
  ) {
    super();
  }
}

/** Decide and append a promotion command (a salon, a key-promotion project, a service: plan §二(三)2–3). */
export class ExecutePromotionCommand extends Command<CommandOutcome> {
  constructor(
    readonly target:
      | { aggregate: 'salon'; id: string; command: SalonCommand }
      | { aggregate: 'key-promotion'; id: string; command: KeyPromotionCommand }
      | { aggregate: 'service'; id: string; command: TechnologyServiceCommand },
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
