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
  needDecider,
  needStream,
  keyPromotionDecider,
  keyPromotionStream,
  salonDecider,
  salonStream,
  serviceStream,
  technologyServiceDecider,
  type KeyPromotionCommand,
  type KeyPromotionState,
  type PromotionFacts,
  type SalonCommand,
  type SalonState,
  type TechnologyServiceCommand,
  type TechnologyServiceState,
  projectDecider,
  projectStream,
  notFound,
  parseApplicationNumber,
  rule,
  type NeedCommand,
  type NeedState,
  type ProjectCommand,
  type ProjectState,
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
  authorizeDemandCommand,
  authorizeInstitutionCommand,
  authorizePatentCommand,
  authorizePlanCommand,
  authorizePromotionCommand,
  authorizeRegistryCommand,
  reviveAccessDenied,
  type Role,
} from '@patent-ledger/access';
import {
  KeyedQueue,
  handleCommand,
  loadAggregate,
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
const NEED_DECIDER = timedDecides(needDecider);
const PROJECT_DECIDER = timedDecides(projectDecider);
const SALON_DECIDER = timedDecides(salonDecider);
const KEY_PROMOTION_DECIDER = timedDecides(keyPromotionDecider);
const SERVICE_DECIDER = timedDecides(technologyServiceDecider);

/** The caller of a command, as the policy sees it: the actor its verified credential proved. */
const callerOf = (ctx: CommandContext) => ({ role: ctx.actor.role as Role, orgId: ctx.actor.orgId });

/** A command for the ledger, as it crosses to the ledger thread. */
export type LedgerCommand =
  | { aggregate: 'patent'; id: string; command: PatentCommand; ctx: CommandContext }
  | { aggregate: 'institution'; id: string; command: InstitutionCommand; ctx: CommandContext }
  /** `admin`: the caller's verified credential makes it an ip-office admin. */
  | { aggregate: 'plan'; id: string; command: PlanCommand; ctx: CommandContext; admin: boolean }
  | { aggregate: 'enterprise'; id: string; command: EnterpriseCommand; ctx: CommandContext }
  | { aggregate: 'expert'; id: string; command: ExpertCommand; ctx: CommandContext }
  | { aggregate: 'need'; id: string; command: NeedCommand; ctx: CommandContext }
  | { aggregate: 'project'; id: string; command: ProjectCommand; ctx: CommandContext }
  | { aggregate: 'salon'; id: string; command: SalonCommand; ctx: CommandContext }
  | { aggregate: 'key-promotion'; id: string; command: KeyPromotionCommand; ctx: CommandContext }
  | { aggregate: 'service'; id: string; command: TechnologyServiceCommand; ctx: CommandContext };

/** An application number in its normal form, or undefined when it is malformed (the decider says why). */
function normalizedNumber(value: unknown): string | undefined {
  try {
    return parseApplicationNumber(value).value;
  } catch {
    return undefined;
  }
}

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
    if (c.aggregate === 'need')
      return this.queue.run(needStream(c.id), () => this.need(c.id, c.command, c.ctx));
    if (c.aggregate === 'project') {
      return this.queue.run(projectStream(c.id), () => this.project(c.id, c.command, c.ctx));
    }
    if (c.aggregate === 'salon')
      return this.queue.run(salonStream(c.id), () => this.salon(c.id, c.command, c.ctx));
    if (c.aggregate === 'key-promotion')
      return this.queue.run(keyPromotionStream(c.id), () => this.keyPromotion(c.id, c.command, c.ctx));
    if (c.aggregate === 'service')
      return this.queue.run(serviceStream(c.id), () => this.service(c.id, c.command, c.ctx));
    authorizeInstitutionCommand(callerOf(c.ctx), c.command);
    return this.queue.run(institutionStream(c.id), () =>
      handleCommand(this.store, INSTITUTION_DECIDER, institutionStream(c.id), c.command, c.ctx),
    );
  }

  /** A need command; posting one is decided on the patent as it stands (loaded before each attempt). */
  private need(needId: string, command: NeedCommand, ctx: CommandContext): Promise<CommandOutcome> {
    let patent: PatentState | undefined;
    const decider = {
      ...NEED_DECIDER,
      decide: (cmd: NeedCommand, state: NeedState) =>
        NEED_DECIDER.decide(cmd.type === 'PostNeed' ? { ...cmd, patent } : cmd, state),
    };
    return handleCommand(this.store, decider, needStream(needId), command, ctx, {
      authorize: (state: NeedState) => authorizeDemandCommand(callerOf(ctx), command, state),
      ...(command.type === 'PostNeed'
        ? {
            precheck: async () => {
              const an = String(command.data.applicationNumber);
              patent = (await loadAggregate(this.store, patentDecider, patentStream(an), upcastPatent)).state;
            },
          }
        : {}),
    });
  }

  /** A project command; opening one on a need is decided on the need as it stands. */
  private project(projectId: string, command: ProjectCommand, ctx: CommandContext): Promise<CommandOutcome> {
    let need: NeedState | undefined;
    const decider = {
      ...PROJECT_DECIDER,
      decide: (cmd: ProjectCommand, state: ProjectState) =>
        PROJECT_DECIDER.decide(cmd.type === 'OpenProject' ? { ...cmd, need } : cmd, state),
    };
    const needId = command.type === 'OpenProject' ? command.data.needId : undefined;
    return handleCommand(this.store, decider, projectStream(projectId), command, ctx, {
      authorize: (state: ProjectState) => authorizeDemandCommand(callerOf(ctx), command, state),
      ...(typeof needId === 'string'
        ? {
            precheck: async () => {
              need = (await loadAggregate(this.store, needDecider, needStream(needId))).state;
            },
          }
        : {}),
    });
  }

  /**
   * The facts a promotion command is decided on, loaded before each attempt: the patents it names as
   * they stand, and which of the enterprises it names the registry holds.
   */
  private async promotionFacts(numbers: unknown, enterpriseIds: unknown): Promise<PromotionFacts> {
    const patents: Record<string, PatentState> = {};
    const enterprises: Record<string, boolean> = {};
    // Only well-formed lists are loaded (at most 100 patents, 500 enterprises); the decider refuses the rest.
    if (Array.isArray(numbers) && numbers.length <= 100) {
      for (const an of new Set(numbers.map(normalizedNumber))) {
        if (an === undefined) continue;
        patents[an] = (await loadAggregate(this.store, patentDecider, patentStream(an), upcastPatent)).state;
      }
    }
    if (Array.isArray(enterpriseIds) && enterpriseIds.length <= 500) {
      for (const id of new Set(enterpriseIds.filter((n): n is string => typeof n === 'string'))) {
        enterprises[id] = (await this.store.streamVersion(enterpriseStream(id))) > 0;
      }
    }
    return { patents, enterprises };
  }

  /** A salon held (plan §二(三)2): decided on the patents presented and the enterprises attending. */
  private salon(salonId: string, command: SalonCommand, ctx: CommandContext): Promise<CommandOutcome> {
    let facts: PromotionFacts & { organizerProvince?: string } = {};
    const decider = {
      ...SALON_DECIDER,
      decide: (cmd: SalonCommand, state: SalonState) => SALON_DECIDER.decide({ ...cmd, ...facts }, state),
    };
    return handleCommand(this.store, decider, salonStream(salonId), command, ctx, {
      authorize: () => authorizePromotionCommand(callerOf(ctx), command),
      precheck: async () => {
        facts = await this.promotionFacts(command.data.applicationNumbers, command.data.enterpriseIds);
        // An organizer that is a registered institution organises for its own province.
        const organizerId = command.data.organizerId;
        if (typeof organizerId === 'string' && organizerId.length > 0) {
          const inst = (await loadAggregate(this.store, institutionDecider, institutionStream(organizerId)))
            .state;
          if (inst.status !== 'none') facts = { ...facts, organizerProvince: inst.province };
        }
      },
    });
  }

  /** A key-promotion project (plan §二(三)3): opening and adding are decided on the patents named. */
  private keyPromotion(
    keyPromotionId: string,
    command: KeyPromotionCommand,
    ctx: CommandContext,
  ): Promise<CommandOutcome> {
    let facts: PromotionFacts = {};
    const decider = {
      ...KEY_PROMOTION_DECIDER,
      decide: (cmd: KeyPromotionCommand, state: KeyPromotionState) =>
        KEY_PROMOTION_DECIDER.decide(cmd.type === 'CloseKeyPromotion' ? cmd : { ...cmd, ...facts }, state),
    };
    const numbers =
      command.type === 'OpenKeyPromotion'
        ? command.data.applicationNumbers
        : command.type === 'ChangeKeyPromotionPatents'
          ? command.data.add
          : undefined;
    return handleCommand(this.store, decider, keyPromotionStream(keyPromotionId), command, ctx, {
      authorize: () => authorizePromotionCommand(callerOf(ctx), command),
      ...(numbers !== undefined
        ? {
            precheck: async () => {
              facts = await this.promotionFacts(numbers, undefined);
            },
          }
        : {}),
    });
  }

  /**
   * A technology service performed on a patent (技术验证/熟化): decided, and authorized (an institution
   * on its own patents), on the patent as it stands.
   */
  private service(
    serviceId: string,
    command: TechnologyServiceCommand,
    ctx: CommandContext,
  ): Promise<CommandOutcome> {
    let patent: PatentState | undefined;
    const decider = {
      ...SERVICE_DECIDER,
      decide: (cmd: TechnologyServiceCommand, state: TechnologyServiceState) =>
        SERVICE_DECIDER.decide({ ...cmd, patent }, state),
    };
    return handleCommand(this.store, decider, serviceStream(serviceId), command, ctx, {
      precheck: async () => {
        const an = normalizedNumber(command.data.applicationNumber) ?? String(command.data.applicationNumber);
        patent = (await loadAggregate(this.store, patentDecider, patentStream(an), upcastPatent)).state;
        authorizePromotionCommand(callerOf(ctx), { ...command, patent });
      },
    });
  }

  private patent(
    applicationNumber: string,
    command: PatentCommand,
    ctx: CommandContext,
  ): Promise<CommandOutcome> {
    const institutionId = command.type === 'InventoryPatent' ? command.data.institutionId : undefined;
    const projectId = command.type === 'InventoryPatent' ? command.data.projectId : undefined;
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
              if (typeof projectId === 'string') await this.requireProjectOf(projectId, institutionId);
            },
          }
        : {}),
    });
  }

  /** A patent inventoried as a project's result names an open project of its institution. */
  private async requireProjectOf(projectId: string, institutionId: string): Promise<void> {
    const p = (await loadAggregate(this.store, projectDecider, projectStream(projectId))).state;
    if (p.status === 'none') {
      throw notFound('PROJECT.NOT_FOUND', `project ${projectId} has not been opened`, 'projectId');
    }
    if (p.institutionId !== institutionId) {
      throw rule(
        'PROJECT.OTHER_INSTITUTION',
        `project ${projectId} is ${p.institutionId}'s, not ${institutionId}'s`,
        'projectId',
      );
    }
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
