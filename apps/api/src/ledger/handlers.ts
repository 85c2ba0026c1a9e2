import { Inject } from '@nestjs/common';
import { CommandHandler, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import {
  institutionDecider,
  institutionStream,
  PATENT_EVENT_SCHEMA_VERSIONS,
  patentDecider,
  patentStream,
  rule,
  type InstitutionState,
  type PatentEventType,
  type PatentState,
} from '@patent-ledger/domain';
import { handleCommand, loadAggregate, type CommandOutcome, type EventStore, type StoredEvent } from '@patent-ledger/eventsourcing';
import {
  ExecuteInstitutionCommand,
  ExecutePatentCommand,
  GetInstitutionQuery,
  GetPatentQuery,
  GetStreamEventsQuery,
  type AggregateView,
} from './messages';
import { EVENT_STORE } from './tokens';

@CommandHandler(ExecutePatentCommand)
export class ExecutePatentHandler implements ICommandHandler<ExecutePatentCommand, CommandOutcome> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ applicationNumber, command, ctx }: ExecutePatentCommand): Promise<CommandOutcome> {
    const institutionId = command.type === 'InventoryPatent' ? command.data.institutionId : undefined;
    return handleCommand(this.store, patentDecider, patentStream(applicationNumber), command, ctx, {
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
    });
  }
}

@CommandHandler(ExecuteInstitutionCommand)
export class ExecuteInstitutionHandler implements ICommandHandler<ExecuteInstitutionCommand, CommandOutcome> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  execute({ institutionId, command, ctx }: ExecuteInstitutionCommand): Promise<CommandOutcome> {
    return handleCommand(this.store, institutionDecider, institutionStream(institutionId), command, ctx);
  }
}

@QueryHandler(GetPatentQuery)
export class GetPatentHandler implements IQueryHandler<GetPatentQuery, AggregateView<PatentState>> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ applicationNumber }: GetPatentQuery): Promise<AggregateView<PatentState>> {
    const { state, version } = await loadAggregate(this.store, patentDecider, patentStream(applicationNumber));
    return { state, version };
  }
}

@QueryHandler(GetInstitutionQuery)
export class GetInstitutionHandler implements IQueryHandler<GetInstitutionQuery, AggregateView<InstitutionState>> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ institutionId }: GetInstitutionQuery): Promise<AggregateView<InstitutionState>> {
    const { state, version } = await loadAggregate(this.store, institutionDecider, institutionStream(institutionId));
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
