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
  enterpriseDecider,
  enterpriseStream,
  expertDecider,
  expertStream,
  planDecider,
  planStream,
  rule,
  upcastPatentEvent,
  type InstitutionCommand,
  type PatentCommand,
  type PatentEventType,
  type PatentState,
  type EnterpriseCommand,
  type ExpertCommand,
  type PlanCommand,
} from '@patent-ledger/domain';
import {
  authorizeInstitutionCommand,
  authorizePatentCommand,
  authorizePlanCommand,
  authorizeRegistryCommand,
  reviveAccessDenied,
  type Role,
} from '@patent-ledger/access';
import {
  KeyedQueue,
  handleCommand,
  StateCache,
  type CommandContext,
  type CommandOutcome,
  type EventStore,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import { timedAppends, timedDecides } from '../observability/command-timings';

// Timed wrappers: they record only inside an execution the observability layer opened (withTimings).
const PATENT_DECIDER = timedDecides(patentDecider);
const INSTITUTION_DECIDER = timedDecides(institutionDecider);
const PLAN_DECIDER = timedDecides(planDecider);
const ENTERPRISE_DECIDER = timedDecides(enterpriseDecider);
const EXPERT_DECIDER = timedDecides(expertDecider);

/** The caller of a command, as the policy sees it: the actor its verified credential proved. */
const callerOf = (ctx: CommandContext) => ({ role: ctx.actor.role as Role, orgId: ctx.actor.orgId });

/** A command for the ledger, as it crosses to the ledger thread. */
export type LedgerCommand =
  | { aggregate: 'patent'; id: string; command: PatentCommand; ctx: CommandContext }
  | { aggregate: 'institution'; id: string; command: InstitutionCommand; ctx: CommandContext }
  /** `admin`: the caller's verified credential makes it an ip-office admin. */
  | { aggregate: 'plan'; id: string; command: PlanCommand; ctx: CommandContext; admin: boolean }
  | { aggregate: 'enterprise'; id: string; command: EnterpriseCommand; ctx: CommandContext }
  | { aggregate: 'expert'; id: string; command: ExpertCommand; ctx: CommandContext };

/** Stored patent events in the current schema. */
export const upcastPatent = (e: StoredEvent) => upcastPatentEvent(e).event;

/** Executes ledger commands on one store, keeping recently folded patent states between commands. */
export class LedgerExecutor {
  /** Folded patent states (used only while the stream version is unchanged). */
  private readonly patents = new StateCache<unknown>(20_000);

  private readonly store: EventStore;

  constructor(store: EventStore) {
    this.store = timedAppends(store);
  }

  /** Commands of one stream run one after the other (in arrival order), others concurrently. */
  private readonly queue = new KeyedQueue();

  execute(c: LedgerCommand): Promise<CommandOutcome> {
    if (c.aggregate === 'patent') {
      return this.queue.run(patentStream(c.id), () => this.patent(c.id, c.command, c.ctx));
    }
    if (c.aggregate === 'plan') {
      authorizePlanCommand({ ...callerOf(c.ctx), admin: c.admin }, c.command);
      return this.queue.run(planStream(c.id), () =>
        handleCommand(this.store, PLAN_DECIDER, planStream(c.id), c.command, c.ctx),
      );
    }
    if (c.aggregate === 'enterprise') {
      authorizeRegistryCommand(callerOf(c.ctx), c.command);
      return this.queue.run(enterpriseStream(c.id), () =>
        handleCommand(this.store, ENTERPRISE_DECIDER, enterpriseStream(c.id), c.command, c.ctx),
      );
    }
    if (c.aggregate === 'expert') {
      authorizeRegistryCommand(callerOf(c.ctx), c.command);
      return this.queue.run(expertStream(c.id), () =>
        handleCommand(this.store, EXPERT_DECIDER, expertStream(c.id), c.command, c.ctx),
      );
    }
    authorizeInstitutionCommand(callerOf(c.ctx), c.command);
    return this.queue.run(institutionStream(c.id), () =>
      handleCommand(this.store, INSTITUTION_DECIDER, institutionStream(c.id), c.command, c.ctx),
    );
  }

  private patent(
    applicationNumber: string,
    command: PatentCommand,
    ctx: CommandContext,
  ): Promise<CommandOutcome> {
    const institutionId = command.type === 'InventoryPatent' ? command.data.institutionId : undefined;
    return handleCommand(this.store, PATENT_DECIDER, patentStream(applicationNumber), command, ctx, {
      upcast: upcastPatent,
      schemaVersionOf: (t) => PATENT_EVENT_SCHEMA_VERSIONS[t as PatentEventType] ?? 1,
      cache: this.patents,
      authorize: (state: PatentState) => authorizePatentCommand(callerOf(ctx), command, state),
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
  if (err instanceof Error && err.name === 'AccessDeniedError') return reviveAccessDenied(err);
  if (err instanceof Error && !(err instanceof DomainError) && err.name === 'DomainError') {
    const f = err as unknown as { code: string; kind?: DomainError['kind']; field?: string };
    return new DomainError(f.code, err.message, f.kind, f.field);
  }
  return err;
}
