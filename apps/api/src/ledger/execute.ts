/**
 * Executing the ledger's commands — load, decide, append with idempotency — without NestJS, so the same
 * code runs in the request thread (handlers.ts) or in the SQLite ledger thread (ledger-thread.ts).
 */
import {
  DomainError,
  institutionDecider,
  institutionStream,
  PATENT_EVENT_SCHEMA_VERSIONS,
  patentDecider,
  patentStream,
  rule,
  upcastPatentEvent,
  type InstitutionCommand,
  type PatentCommand,
  type PatentEventType,
} from '@patent-ledger/domain';
import {
  handleCommand,
  StateCache,
  type CommandContext,
  type CommandOutcome,
  type EventStore,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';

/** A command for the ledger, as it crosses to the ledger thread. */
export type LedgerCommand =
  | { aggregate: 'patent'; id: string; command: PatentCommand; ctx: CommandContext }
  | { aggregate: 'institution'; id: string; command: InstitutionCommand; ctx: CommandContext };

/** Stored patent events in the current schema. */
export const upcastPatent = (e: StoredEvent) => upcastPatentEvent(e).event;

/** Executes ledger commands on one store, keeping recently folded patent states between commands. */
export class LedgerExecutor {
  /** Folded patent states (used only while the stream version is unchanged). */
  private readonly patents = new StateCache<unknown>(20_000);

  constructor(private readonly store: EventStore) {}

  execute(c: LedgerCommand): Promise<CommandOutcome> {
    return c.aggregate === 'patent'
      ? this.patent(c.id, c.command, c.ctx)
      : handleCommand(this.store, institutionDecider, institutionStream(c.id), c.command, c.ctx);
  }

  private patent(
    applicationNumber: string,
    command: PatentCommand,
    ctx: CommandContext,
  ): Promise<CommandOutcome> {
    const institutionId = command.type === 'InventoryPatent' ? command.data.institutionId : undefined;
    return handleCommand(this.store, patentDecider, patentStream(applicationNumber), command, ctx, {
      upcast: upcastPatent,
      schemaVersionOf: (t) => PATENT_EVENT_SCHEMA_VERSIONS[t as PatentEventType] ?? 1,
      cache: this.patents,
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

/**
 * An error from the ledger thread as the request thread must see it: the event-sourcing errors come
 * back as their classes already (deserializeError); a domain error comes back as an Error named
 * DomainError with its fields, and is made a DomainError again.
 */
export function reviveLedgerError(err: unknown): unknown {
  if (err instanceof Error && !(err instanceof DomainError) && err.name === 'DomainError') {
    const f = err as unknown as { code: string; kind?: DomainError['kind']; field?: string };
    return new DomainError(f.code, err.message, f.kind, f.field);
  }
  return err;
}
