import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  CommandHandler,
  EventBus,
  QueryHandler,
  type ICommandHandler,
  type IQueryHandler,
} from '@nestjs/cqrs';
import {
  businessDateOf,
  institutionDecider,
  institutionStream,
  patentDecider,
  patentStream,
  type InstitutionState,
  type PatentState,
} from '@patent-ledger/domain';
import {
  loadAggregate,
  type CommandOutcome,
  type EventStore,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { ThreadedSqliteEventStore } from '@patent-ledger/store-sqlite';
import { LedgerExecutor, reviveLedgerError, upcastPatent, type LedgerCommand } from './execute';
import {
  EventsAppended,
  ExecuteInstitutionCommand,
  ExecutePatentCommand,
  ExecutePlanCommand,
  ExecuteRegistryCommand,
  ExecuteDemandCommand,
  ExecutePromotionCommand,
  GetInstitutionQuery,
  GetPatentQuery,
  GetStreamEventsQuery,
  type AggregateView,
} from './messages';
import { EVENT_STORE } from './tokens';
import { CommandObserver } from '../observability/command-observer';
import { executeObserved, type ObservedCommand, type TimedOutcome } from '../observability/thread-metrics';

/**
 * Runs ledger commands: in the SQLite ledger thread when the store has one (it answers calls), else
 * here, on the store the api was given.
 */
@Injectable()
export class LedgerCommands {
  private readonly local: LedgerExecutor;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    // Metrics and traces of every command (observability/command-observer.ts).
    @Optional() private readonly observer?: CommandObserver,
  ) {
    this.local = new LedgerExecutor(store);
  }

  async execute(c: LedgerCommand): Promise<CommandOutcome> {
    return this.observer
      ? this.observer.observe(c, (timed) => this.run(timed))
      : (this.run(c) as Promise<CommandOutcome>);
  }

  private async run(c: ObservedCommand): Promise<CommandOutcome | TimedOutcome> {
    const store = this.store;
    if (store instanceof ThreadedSqliteEventStore && store.answersCalls) {
      return store.call<CommandOutcome | TimedOutcome>(c).catch((err: unknown) => {
        throw reviveLedgerError(err);
      });
    }
    return executeObserved(this.local, c);
  }
}

@CommandHandler(ExecutePatentCommand)
export class ExecutePatentHandler implements ICommandHandler<ExecutePatentCommand, CommandOutcome> {
  constructor(
    private readonly ledger: LedgerCommands,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ applicationNumber, command, ctx }: ExecutePatentCommand): Promise<CommandOutcome> {
    const outcome = await this.ledger.execute({ aggregate: 'patent', id: applicationNumber, command, ctx });
    publishAppended(this.eventBus, outcome);
    return outcome;
  }
}

@CommandHandler(ExecuteInstitutionCommand)
export class ExecuteInstitutionHandler implements ICommandHandler<ExecuteInstitutionCommand, CommandOutcome> {
  constructor(
    private readonly ledger: LedgerCommands,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ institutionId, command, ctx }: ExecuteInstitutionCommand): Promise<CommandOutcome> {
    const outcome = await this.ledger.execute({ aggregate: 'institution', id: institutionId, command, ctx });
    publishAppended(this.eventBus, outcome);
    return outcome;
  }
}

@CommandHandler(ExecutePlanCommand)
export class ExecutePlanHandler implements ICommandHandler<ExecutePlanCommand, CommandOutcome> {
  constructor(
    private readonly ledger: LedgerCommands,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ planId, command, ctx, admin }: ExecutePlanCommand): Promise<CommandOutcome> {
    const outcome = await this.ledger.execute({ aggregate: 'plan', id: planId, command, ctx, admin });
    publishAppended(this.eventBus, outcome);
    return outcome;
  }
}

@CommandHandler(ExecuteRegistryCommand)
export class ExecuteRegistryHandler implements ICommandHandler<ExecuteRegistryCommand, CommandOutcome> {
  constructor(
    private readonly ledger: LedgerCommands,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ target, ctx }: ExecuteRegistryCommand): Promise<CommandOutcome> {
    const outcome = await this.ledger.execute({ ...target, ctx });
    publishAppended(this.eventBus, outcome);
    return outcome;
  }
}

@CommandHandler(ExecuteDemandCommand)
export class ExecuteDemandHandler implements ICommandHandler<ExecuteDemandCommand, CommandOutcome> {
  constructor(
    private readonly ledger: LedgerCommands,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ target, ctx }: ExecuteDemandCommand): Promise<CommandOutcome> {
    const outcome = await this.ledger.execute({ ...target, ctx });
    publishAppended(this.eventBus, outcome);
    return outcome;
  }
}

@CommandHandler(ExecutePromotionCommand)
export class ExecutePromotionHandler implements ICommandHandler<ExecutePromotionCommand, CommandOutcome> {
  constructor(
    private readonly ledger: LedgerCommands,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ target, ctx }: ExecutePromotionCommand): Promise<CommandOutcome> {
    const outcome = await this.ledger.execute({ ...target, ctx });
    publishAppended(this.eventBus, outcome);
    return outcome;
  }
}

function publishAppended(bus: EventBus, outcome: CommandOutcome): void {
  const last = outcome.events[outcome.events.length - 1];
  if (!outcome.duplicate && last) bus.publish(new EventsAppended(outcome.streamName, last.position));
}

@QueryHandler(GetPatentQuery)
export class GetPatentHandler implements IQueryHandler<GetPatentQuery, AggregateView<PatentState>> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ applicationNumber, asOf, knownAt }: GetPatentQuery): Promise<AggregateView<PatentState>> {
    if (asOf === undefined && knownAt === undefined) {
      const { state, version } = await loadAggregate(
        this.store,
        patentDecider,
        patentStream(applicationNumber),
        upcastPatent,
      );
      return { state, version };
    }
    const events = await this.store.readStream(patentStream(applicationNumber));
    const knownAtMs = knownAt === undefined ? undefined : Date.parse(knownAt);
    let state = patentDecider.initialState();
    let version = 0;
    for (const e of events) {
      const event = upcastPatent(e);
      if (asOf !== undefined && businessDateOf(event) > asOf) continue;
      if (knownAtMs !== undefined && Date.parse(e.metadata.recordedAt) > knownAtMs) continue;
      state = patentDecider.evolve(state, event);
      version = e.version;
    }
    return { state, version };
  }
}

@QueryHandler(GetInstitutionQuery)
export class GetInstitutionHandler implements IQueryHandler<
  GetInstitutionQuery,
  AggregateView<InstitutionState>
> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ institutionId }: GetInstitutionQuery): Promise<AggregateView<InstitutionState>> {
    const { state, version } = await loadAggregate(
      this.store,
      institutionDecider,
      institutionStream(institutionId),
    );
    return { state, version };
  }
}

@QueryHandler(GetStreamEventsQuery)
export class GetStreamEventsHandler implements IQueryHandler<GetStreamEventsQuery, StoredEvent[]> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ streamName, fromVersion, limit }: GetStreamEventsQuery): Promise<StoredEvent[]> {
    return this.store.readStream(streamName, { fromVersion, limit });
  }
}

export const LEDGER_HANDLERS = [
  LedgerCommands,
  ExecutePatentHandler,
  ExecuteInstitutionHandler,
  ExecutePlanHandler,
  ExecuteRegistryHandler,
  ExecuteDemandHandler,
  ExecutePromotionHandler,
  GetPatentHandler,
  GetInstitutionHandler,
  GetStreamEventsHandler,
];
