import { Inject } from '@nestjs/common';
import {
  CommandHandler,
  EventBus,
  QueryHandler,
  type ICommandHandler,
  type IQueryHandler,
} from '@nestjs/cqrs';
import {
  institutionDecider,
  institutionStream,
  PATENT_EVENT_SCHEMA_VERSIONS,
  patentDecider,
  patentStream,
  rule,
  type InstitutionState,
  businessDateOf,
  type PatentEventType,
  upcastPatentEvent,
  type PatentState,
} from '@patent-ledger/domain';
import {
  handleCommand,
  loadAggregate,
  StateCache,
  type CommandOutcome,
  type EventStore,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import {
  EventsAppended,
  ExecuteInstitutionCommand,
  ExecutePatentCommand,
  GetInstitutionQuery,
  GetPatentQuery,
  GetStreamEventsQuery,
  type AggregateView,
} from './messages';
import { EVENT_STORE } from './tokens';

/** Stored patent events in the current schema. */
const upcastPatent = (e: StoredEvent) => upcastPatentEvent(e).event;

@CommandHandler(ExecutePatentCommand)
export class ExecutePatentHandler implements ICommandHandler<ExecutePatentCommand, CommandOutcome> {
  /** Folded patent states between commands (valid only while the stream version is unchanged). */
  private readonly states = new StateCache<unknown>(20_000);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ applicationNumber, command, ctx }: ExecutePatentCommand): Promise<CommandOutcome> {
    const institutionId = command.type === 'InventoryPatent' ? command.data.institutionId : undefined;
    const outcome = await handleCommand(
      this.store,
      patentDecider,
      patentStream(applicationNumber),
      command,
      ctx,
      {
        upcast: upcastPatent,
        schemaVersionOf: (t) => PATENT_EVENT_SCHEMA_VERSIONS[t as PatentEventType] ?? 1,
        // A patent is inventoried into a registered institution.
        ...(institutionId !== undefined
          ? {
              precheck: async () => {
                if ((await this.store.streamVersion(institutionStream(institutionId))) === 0) {
                  throw rule(
                    'INSTITUTION.NOT_REGISTERED',
                    `institution ${institutionId} is not registered; PUT /institutions/${institutionId} first`,
                    'institutionId',
                  );
                }
              },
            }
          : {}),
      },
    );
    publishAppended(this.eventBus, outcome);
    return outcome;
  }
}

@CommandHandler(ExecuteInstitutionCommand)
export class ExecuteInstitutionHandler implements ICommandHandler<ExecuteInstitutionCommand, CommandOutcome> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ institutionId, command, ctx }: ExecuteInstitutionCommand): Promise<CommandOutcome> {
    const outcome = await handleCommand(
      this.store,
      institutionDecider,
      institutionStream(institutionId),
      command,
      ctx,
    );
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
  ExecutePatentHandler,
  ExecuteInstitutionHandler,
  GetPatentHandler,
  GetInstitutionHandler,
  GetStreamEventsHandler,
];
