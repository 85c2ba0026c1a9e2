/**
 * The access policy of patent-ledger: one table per kind of request, each row naming who may do it.
 * Every command (HTTP, each line of a batch, the CLI) and every read goes through these tables;
 * a denial names its row (`rule`). Pure: no I/O, no framework.
 *
 * | rule | action | allowed to |
 * |---|---|---|
 * | institution-register | `PUT /institutions/{id}` | ip-office |
 * | inventory | `POST /patents`, each batch line, CLI import | the institution whose org is `institutionId` |
 * | holder-dealing | intent, transfer, equity contribution, licence, open-licence declare and withdraw, lapse, transfer registration, licence recordal | the current holder of the patent |
 * | open-license-taking | take an open licence | the holder, or the taking enterprise (`licenseeId` = its org) |
 * | evaluation | record an evaluation | the enterprise whose org is `enterpriseId` (supersedes only its own) |
 * | promotion | record a promotion | ip-office |
 * | industrialization | record industrialization | the holder, or the enterprise named in it |
 * | density-product-filing | file a patent-intensive product | the enterprise of that industrialization, or the holder |
 * | transaction-report | report to the platform | the institution that made the deal (the patent's institution), or the holder |
 * | reads of the pool, progress, patents, institutions, chain heads | every authenticated role |
 * | deal-money, evaluations-in-full, inventors, user-ids (fields) | the holder, the counterparty of that deal, ip-office, auditor |
 * | patent-records | raw events, history, evidence, verify, provenance | the holder (its own patents), ip-office, auditor |
 * | audit-trail | `GET /audit` across patents | ip-office, auditor |
 * | obligations | `GET /obligations` | ip-office, auditor, analyst; an institution its own, an enterprise those it owes |
 * | accounts, denials, projection-control | user accounts, the denied-access log, resuming projections | an ip-office admin |
 * | webhook-admin, metrics | webhooks and reminders runs; `/metrics` (or the scrape token) | an ip-office admin |
 * | plan-publish | `PUT /plans/{planId}` | an ip-office admin |
 * | enterprise-register | `PUT /enterprises/{id}` | ip-office, or the enterprise itself |
 * | expert-recommend | `PUT /experts/{id}` | ip-office |
 * | reads of the registries (`GET /enterprises`, `GET /experts`) | every authenticated role; an enterprise's contact only for ip-office and itself |
 * | reads of the plans (`GET /plans`) | every authenticated role |
 * | need-post · need-withdraw | `POST /needs` · `POST /needs/{id}/withdraw` | the enterprise whose org is enterpriseId · that posted it |
 * | need-answer | `POST /needs/{id}/answer` | the institution holding the need's patent |
 * | project-open · project-close | `POST /projects` · `POST /projects/{id}/close` | the institution or the enterprise of the project |
 * | needs | `GET /needs`, `GET /projects` | ip-office, auditor, analyst; an enterprise its own, an institution those on its patents |
 * | salon-record | `POST /salons` (a quarterly salon held, plan §二(三)2) | ip-office, for any organizer (the plan's service organisations hold no accounts); an institution only a salon it organised (organizerId = its org) |
 * | key-promotion | `POST /key-promotions`, `…/{id}/patents`, `…/{id}/close` (重点推广, §二(三)3) | ip-office: selecting the key projects is the office's decision |
 * | service-record | `POST /services` (技术验证/熟化 performed on a patent) | ip-office; the institution of the patent, on its own patents |
 * | promotion-read | `GET /salons`, `/salons/quarters`, `/key-promotions`, `/services` | every authenticated role (programme activity, no deal money) |
 * | unused-patents | `GET /patents/unused` (fiscally funded, not implemented for years) | ip-office, auditor, analyst; an institution its own |
 * | kpis | `GET /kpis` | ip-office, auditor, analyst; an institution its own (the figures include contract values) |
 * | (anything else that writes) | | nobody: auditor and analyst never write |
 */
import type {
  KeyPromotionCommand,
  SalonCommand,
  TechnologyServiceCommand,
  NeedCommand,
  NeedState,
  ProjectCommand,
  ProjectState,
  EnterpriseCommand,
  ExpertCommand,
  InstitutionCommand,
  Patent,
  PlanCommand,
  PatentCommand,
  PatentCommandType,
  PatentState,
} from '@patent-ledger/domain';
import { AccessDeniedError } from './errors';
import type { Principal, Role } from './principal';

type Caller = Pick<Principal, 'role' | 'orgId'> & { admin?: boolean };

export interface Rule<Args extends unknown[]> {
  /** Stable id, named in every denial. */
  rule: string;
  /** Who the row allows, in words (returned in the denial). */
  allowedTo: string;
  allows: (caller: Caller, ...args: Args) => boolean;
}

type CommandOf<T extends PatentCommandType> = Extract<PatentCommand, { type: T }>;
type PatentRule<T extends PatentCommandType> = Rule<[command: CommandOf<T>, patent: Patent]>;

const role =
  (...roles: Role[]) =>
  (c: Caller): boolean =>
    roles.includes(c.role as Role);

/** The party that holds the patent now: the institution, or the assignee after a registered transfer. */
export function holderOf(p: Patent): { role: Role; orgId: string } {
  return p.holder.kind === 'institution'
    ? { role: 'institution', orgId: p.holder.id }
    : { role: 'enterprise', orgId: p.holder.id };
}

export const isHolder = (c: Caller, p: Patent): boolean => {
  const h = holderOf(p);
  return c.role === h.role && c.orgId === h.orgId;
};

/** The institution that inventoried the patent (it keeps its records after a transfer). */
const isInstitutionOfRecord = (c: Caller, p: Patent): boolean =>
  c.role === 'institution' && c.orgId === p.institutionId;

const isOversight = role('ip-office', 'auditor');

const isEnterprise = (c: Caller, orgId: string | undefined): boolean =>
  c.role === 'enterprise' && orgId !== undefined && c.orgId === orgId;

const HOLDER =
  'the current holder of the patent (the institution; after a registered transfer, the assignee)';

function holderRule<T extends PatentCommandType>(): PatentRule<T> {
  return { rule: 'holder-dealing', allowedTo: HOLDER, allows: (c, _cmd, p) => isHolder(c, p) };
}

/** Who may send each patent command. A new command type does not compile until it has a row here. */
export const PATENT_COMMAND_POLICY: { [T in PatentCommandType]: PatentRule<T> } = {
  InventoryPatent: {
    rule: 'inventory',
    allowedTo: 'the institution whose org is institutionId',
    allows: (c, cmd) => c.role === 'institution' && c.orgId === cmd.data.institutionId,
  },
  TagIntent: holderRule(),
  TransferPatent: holderRule(),
  RecordEquityContribution: holderRule(),
  RegisterTransfer: holderRule(),
  LicensePatent: {
    rule: 'holder-dealing',
    allowedTo: `${HOLDER}; a co-owner (专利法 Art. 14) licensing in its own name (licensorId = its org)`,
    allows: (c, cmd, p) =>
      isHolder(c, p) ||
      (cmd.data.licensorId !== undefined &&
        cmd.data.licensorId === c.orgId &&
        (c.role === 'institution' || c.role === 'enterprise') &&
        p.coOwners.some((o) => o.id === c.orgId)),
  },
  RecordLicense: holderRule(),
  DeclareOpenLicense: holderRule(),
  WithdrawOpenLicense: holderRule(),
  LapsePatent: holderRule(),
  EndDeal: holderRule(),
  PayAnnuity: holderRule(),
  RegisterPledge: holderRule(),
  ReleasePledge: {
    rule: 'pledge-release',
    allowedTo: 'the holder, or the pledgee of that pledge',
    allows: (c, cmd, p) =>
      isHolder(c, p) || c.orgId === p.pledges.find((x) => x.pledgeId === cmd.data.pledgeId)?.pledgeeId,
  },
  RecordConsent: {
    rule: 'consent',
    allowedTo: 'the consenting party itself (the co-owner, or the pledgee of that pledge), or ip-office',
    allows: (c, cmd, p) => {
      if (c.role === 'ip-office') return true;
      if (c.role !== 'institution' && c.role !== 'enterprise') return false;
      const party =
        cmd.data.party === 'pledgee'
          ? p.pledges.find((x) => x.pledgeId === cmd.data.partyId)?.pledgeeId
          : cmd.data.partyId;
      return party !== undefined && party === c.orgId;
    },
  },
  TakeOpenLicense: {
    rule: 'open-license-taking',
    allowedTo: 'the holder, or the taking enterprise (licenseeId = its org)',
    allows: (c, cmd, p) => isHolder(c, p) || isEnterprise(c, cmd.data.licenseeId),
  },
  EvaluatePatent: {
    rule: 'evaluation',
    allowedTo: 'the enterprise whose org is enterpriseId',
    allows: (c, cmd) => isEnterprise(c, cmd.data.enterpriseId),
  },
  PromotePatent: { rule: 'promotion', allowedTo: 'ip-office', allows: role('ip-office') },
  IndustrializePatent: {
    rule: 'industrialization',
    allowedTo: 'the holder, or the enterprise named in it',
    allows: (c, cmd, p) => isHolder(c, p) || isEnterprise(c, cmd.data.enterpriseId),
  },
  FileDensityProduct: {
    rule: 'density-product-filing',
    allowedTo: 'the enterprise of that industrialization, or the holder',
    allows: (c, cmd, p) =>
      isHolder(c, p) ||
      isEnterprise(
        c,
        p.industrializations.find((i) => i.industrializationId === cmd.data.industrializationId)
          ?.enterpriseId,
      ),
  },
  ReportTransaction: {
    rule: 'transaction-report',
    allowedTo: 'the institution that made the deal (the patent’s institution), or the holder',
    allows: (c, _cmd, p) => isInstitutionOfRecord(c, p) || isHolder(c, p),
  },
};

/** Who may send each institution command. */
export const INSTITUTION_COMMAND_POLICY: {
  [T in InstitutionCommand['type']]: Rule<[command: Extract<InstitutionCommand, { type: T }>]>;
} = {
  RegisterInstitution: { rule: 'institution-register', allowedTo: 'ip-office', allows: role('ip-office') },
};

/** Who may publish a programme plan (issue 15). A new plan command does not compile without a row. */
export const PLAN_COMMAND_POLICY: {
  [T in PlanCommand['type']]: Rule<[command: Extract<PlanCommand, { type: T }>]>;
} = {
  PublishPlan: {
    rule: 'plan-publish',
    allowedTo: 'an ip-office admin',
    allows: (c) => c.role === 'ip-office' && c.admin === true,
  },
};

type RegistryCommand = EnterpriseCommand | ExpertCommand;

/** Who may write the registries of §二(二)1 (issue 15). */
export const REGISTRY_COMMAND_POLICY: {
  [T in RegistryCommand['type']]: Rule<[command: Extract<RegistryCommand, { type: T }>]>;
} = {
  RegisterEnterprise: {
    rule: 'enterprise-register',
    allowedTo: 'ip-office, or the enterprise itself (enterpriseId = its org)',
    allows: (c, cmd) => c.role === 'ip-office' || isEnterprise(c, cmd.data.enterpriseId),
  },
  RecommendExpert: { rule: 'expert-recommend', allowedTo: 'ip-office', allows: role('ip-office') },
};

export function authorizeRegistryCommand(caller: Caller, command: RegistryCommand): void {
  const r = REGISTRY_COMMAND_POLICY[command.type] as Rule<[RegistryCommand]> | undefined;
  if (!r || !r.allows(caller, command)) {
    throw deny(r ?? { rule: 'default-deny', allowedTo: 'nobody' }, command.type, caller);
  }
}

type DemandCommand = NeedCommand | ProjectCommand;
type DemandRule<T extends DemandCommand['type']> = Rule<
  [
    command: Extract<DemandCommand, { type: T }>,
    state: T extends NeedCommand['type'] ? NeedState : ProjectState,
  ]
>;

/** The parties of a need or project as stored (the one a command acts on). */
const partyOf = (state: NeedState | ProjectState) =>
  state.status === 'none'
    ? undefined
    : { enterpriseId: state.enterpriseId, institutionId: state.institutionId };
const isInstitution = (c: Caller, orgId: string | undefined): boolean =>
  c.role === 'institution' && orgId !== undefined && c.orgId === orgId;

/**
 * Who may act on the demand side of plan §二(四)1: enterprise needs and cooperation projects. Commands
 * on an existing need or project are checked against its stored parties; one on none passes to the
 * decider, which answers 404.
 */
export const DEMAND_COMMAND_POLICY: { [T in DemandCommand['type']]: DemandRule<T> } = {
  PostNeed: {
    rule: 'need-post',
    allowedTo: 'the enterprise whose org is enterpriseId',
    allows: (c, cmd) => isEnterprise(c, cmd.data.enterpriseId),
  },
  WithdrawNeed: {
    rule: 'need-withdraw',
    allowedTo: 'the enterprise that posted the need',
    allows: (c, _cmd, n) => n.status === 'none' || isEnterprise(c, n.enterpriseId),
  },
  AnswerNeed: {
    rule: 'need-answer',
    allowedTo: "the institution holding the need's patent",
    allows: (c, _cmd, n) => n.status === 'none' || isInstitution(c, n.institutionId),
  },
  OpenProject: {
    rule: 'project-open',
    allowedTo: 'the institution or the enterprise of the project',
    allows: (c, cmd) => isInstitution(c, cmd.data.institutionId) || isEnterprise(c, cmd.data.enterpriseId),
  },
  CloseProject: {
    rule: 'project-close',
    allowedTo: 'the institution or the enterprise of the project',
    allows: (c, _cmd, p) => {
      const parties = partyOf(p);
      return !parties || isInstitution(c, parties.institutionId) || isEnterprise(c, parties.enterpriseId);
    },
  },
};

export function authorizeDemandCommand(
  caller: Caller,
  command: DemandCommand,
  state: NeedState | ProjectState,
): void {
  const r = DEMAND_COMMAND_POLICY[command.type] as
    Rule<[DemandCommand, NeedState | ProjectState]> | undefined;
  if (!r || !r.allows(caller, command, state)) {
    throw deny(r ?? { rule: 'default-deny', allowedTo: 'nobody' }, command.type, caller);
  }
}

type PromotionCommand = SalonCommand | KeyPromotionCommand | TechnologyServiceCommand;

/**
 * Who may record promotion as the plan runs it (§二(三)2–3). The salons, the key projects and the
 * services are the office's programme: it records them, whoever organised or performed them (the
 * service organisations the plan names hold no accounts). An institution may record a salon it
 * organised itself and a service performed on its own patents (the patent loaded by the handler:
 * an unknown patent passes to the decider, which answers 404). Nobody else writes them.
 */
export const PROMOTION_COMMAND_POLICY: {
  [T in PromotionCommand['type']]: Rule<[command: Extract<PromotionCommand, { type: T }>]>;
} = {
  RecordSalon: {
    rule: 'salon-record',
    allowedTo: 'ip-office; an institution only a salon it organised (organizerId = its org)',
    allows: (c, cmd) => c.role === 'ip-office' || isInstitution(c, cmd.data.organizerId),
  },
  OpenKeyPromotion: { rule: 'key-promotion', allowedTo: 'ip-office', allows: role('ip-office') },
  ChangeKeyPromotionPatents: { rule: 'key-promotion', allowedTo: 'ip-office', allows: role('ip-office') },
  CloseKeyPromotion: { rule: 'key-promotion', allowedTo: 'ip-office', allows: role('ip-office') },
  RecordTechnologyService: {
    rule: 'service-record',
    allowedTo: 'ip-office; the institution of the patent (its own patents)',
    allows: (c, cmd) =>
      c.role === 'ip-office' ||
      (c.role === 'institution' &&
        cmd.patent !== undefined &&
        (cmd.patent.status === 'none' || cmd.patent.institutionId === c.orgId)),
  },
};

export function authorizePromotionCommand(caller: Caller, command: PromotionCommand): void {
  const r = PROMOTION_COMMAND_POLICY[command.type] as Rule<[PromotionCommand]> | undefined;
  if (!r || !r.allows(caller, command)) {
    throw deny(r ?? { rule: 'default-deny', allowedTo: 'nobody' }, command.type, caller);
  }
}

/**
 * The scope of `GET /needs` and `GET /projects` (rule `needs`): an enterprise sees its own, an
 * institution those on its patents (its projects), ip-office, auditor and analyst all.
 */
export const NEEDS_READ_POLICY: Rule<[]> = {
  rule: 'needs',
  allowedTo: 'ip-office, auditor, analyst; an enterprise its own, an institution those on its patents',
  allows: () => true,
};
export function demandScope(
  caller: Caller,
): { kind: 'all' } | { kind: 'institution'; orgId: string } | { kind: 'enterprise'; orgId: string } {
  if (caller.role === 'institution') return { kind: 'institution', orgId: caller.orgId };
  if (caller.role === 'enterprise') return { kind: 'enterprise', orgId: caller.orgId };
  return { kind: 'all' };
}

export type ReadAction =
  | 'registry'
  | 'plans'
  | 'kpis'
  | 'pool'
  | 'progress'
  | 'patent-state'
  | 'institution'
  | 'chain'
  | 'projections'
  | 'audit-trail'
  | 'obligations'
  | 'unused-patents'
  | 'promotion';

const EVERY_ROLE: Rule<[]> = { rule: 'read', allowedTo: 'every authenticated role', allows: () => true };

/** Reads that do not depend on one patent. */
export const READ_POLICY: { [A in ReadAction]: Rule<[]> } = {
  plans: EVERY_ROLE,
  registry: EVERY_ROLE,
  kpis: {
    rule: 'kpis',
    allowedTo: 'ip-office, auditor, analyst; an institution its own',
    allows: (c) => c.role !== 'enterprise',
  },
  pool: EVERY_ROLE,
  progress: EVERY_ROLE,
  'patent-state': EVERY_ROLE,
  institution: EVERY_ROLE,
  chain: EVERY_ROLE,
  projections: EVERY_ROLE,
  'audit-trail': { rule: 'audit-trail', allowedTo: 'ip-office, auditor', allows: isOversight },
  obligations: {
    rule: 'obligations',
    allowedTo: 'ip-office, auditor, analyst; an institution its own, an enterprise those it owes',
    allows: () => true,
  },
  promotion: { ...EVERY_ROLE, rule: 'promotion-read' },
  'unused-patents': {
    rule: 'unused-patents',
    allowedTo: 'ip-office, auditor, analyst; an institution its own',
    allows: role('ip-office', 'auditor', 'analyst', 'institution'),
  },
};

/** Reads of one patent's records: raw events, history, evidence, verify, provenance. */
export const PATENT_RECORDS_POLICY: Rule<[patent: Patent]> = {
  rule: 'patent-records',
  allowedTo: 'the holder (its own patents), ip-office, auditor',
  allows: (c, p) => isOversight(c) || isHolder(c, p) || isInstitutionOfRecord(c, p),
};

export type AdminAction =
  'accounts' | 'denials' | 'projection-control' | 'error-details' | 'webhook-admin' | 'metrics';

const IP_OFFICE_ADMIN: Rule<[]> = {
  rule: 'admin',
  allowedTo: 'an ip-office admin',
  allows: (c) => c.role === 'ip-office' && c.admin === true,
};

export const ADMIN_POLICY: { [A in AdminAction]: Rule<[]> } = {
  accounts: { ...IP_OFFICE_ADMIN, rule: 'accounts' },
  denials: { ...IP_OFFICE_ADMIN, rule: 'denials' },
  'projection-control': { ...IP_OFFICE_ADMIN, rule: 'projection-control' },
  'error-details': { ...IP_OFFICE_ADMIN, rule: 'error-details' },
  'webhook-admin': { ...IP_OFFICE_ADMIN, rule: 'webhook-admin' },
  metrics: { ...IP_OFFICE_ADMIN, allowedTo: 'the scrape token or an ip-office admin', rule: 'metrics' },
};

function deny(r: { rule: string; allowedTo: string }, action: string, caller: Caller): AccessDeniedError {
  return new AccessDeniedError(
    r.rule,
    action,
    `${action} is allowed to ${r.allowedTo} (rule ${r.rule}); ${caller.role} ${caller.orgId} may not`,
  );
}

/**
 * Checks a patent command against the policy, given the patent as it stands. A patent that does not
 * exist yet is only inventoried; other commands on it fail in the decider (404), so the policy lets
 * them through to that answer.
 */
export function authorizePatentCommand(caller: Caller, command: PatentCommand, state: PatentState): void {
  const r = PATENT_COMMAND_POLICY[command.type] as PatentRule<PatentCommandType> | undefined;
  if (!r) throw deny({ rule: 'default-deny', allowedTo: 'nobody' }, command.type, caller);
  if (command.type === 'InventoryPatent') {
    // The inventorying institution is named by the command, whatever the stream holds.
    if (!r.allows(caller, command as never, state as Patent)) throw deny(r, command.type, caller);
    return;
  }
  if (state.status === 'none') return;
  if (!r.allows(caller, command as never, state)) throw deny(r, command.type, caller);
}

export function authorizeInstitutionCommand(caller: Caller, command: InstitutionCommand): void {
  const r = INSTITUTION_COMMAND_POLICY[command.type];
  if (!r || !r.allows(caller, command)) {
    throw deny(r ?? { rule: 'default-deny', allowedTo: 'nobody' }, command.type, caller);
  }
}

export function authorizePlanCommand(caller: Caller, command: PlanCommand): void {
  const r = PLAN_COMMAND_POLICY[command.type];
  if (!r || !r.allows(caller, command)) {
    throw deny(r ?? { rule: 'default-deny', allowedTo: 'nobody' }, command.type, caller);
  }
}

export function authorizeRead(caller: Caller, action: ReadAction): void {
  const r = READ_POLICY[action];
  if (!r.allows(caller)) throw deny(r, `read ${action}`, caller);
}

export function authorizePatentRecords(caller: Caller, patent: Patent, what: string): void {
  if (!PATENT_RECORDS_POLICY.allows(caller, patent)) throw deny(PATENT_RECORDS_POLICY, what, caller);
}

export function authorizeAdmin(caller: Caller, action: AdminAction, what: string = action): void {
  const r = ADMIN_POLICY[action];
  if (!r.allows(caller)) throw deny(r, what, caller);
}

export const isAdmin = (caller: Caller): boolean => ADMIN_POLICY.accounts.allows(caller);

/**
 * The scope of `GET /obligations` for a caller: oversight roles and analysts see every obligation;
 * an institution those of its own patents; an enterprise those it owes.
 */
export function obligationScope(
  caller: Caller,
): { kind: 'all' } | { kind: 'institution'; institutionId: string } | { kind: 'party'; orgId: string } {
  if (caller.role === 'institution') return { kind: 'institution', institutionId: caller.orgId };
  if (caller.role === 'enterprise') return { kind: 'party', orgId: caller.orgId };
  return { kind: 'all' };
}

/**
 * Whether the caller may see the restricted fields of a patent (deal money, evaluations in full,
 * inventors, user ids): the holder and the institution of record, ip-office, auditor. The counterparty
 * of a deal sees that deal's money (see redact.ts).
 */
export const seesEverything = (c: Caller, p: Patent): boolean =>
  isOversight(c) || isHolder(c, p) || isInstitutionOfRecord(c, p);

/** Counterparty of any deal of the patent (assignee of a transfer, licensee of a licence). */
export const isCounterparty = (c: Caller, p: Patent): boolean =>
  c.role === 'enterprise' &&
  (p.transfers.some((t) => t.assigneeId === c.orgId) || p.licenses.some((l) => l.licenseeId === c.orgId));

/**
 * The policy of one inventory line (a batch line, a row of an import file), as the importer asks it:
 * why the caller may not inventory into `institutionId`, or undefined. `onDenied` hears each refused
 * institution once (to record the denial).
 */
export function inventoryLineAuthorizer(
  caller: Caller,
  onDenied?: (institutionId: string, err: AccessDeniedError) => void,
): (institutionId: string) => { code: string; message: string } | undefined {
  const r = PATENT_COMMAND_POLICY.InventoryPatent;
  const told = new Set<string>();
  return (institutionId) => {
    if (caller.role === 'institution' && caller.orgId === institutionId) return undefined;
    const err = deny(r, `InventoryPatent into ${institutionId}`, caller);
    if (!told.has(institutionId)) {
      told.add(institutionId);
      onDenied?.(institutionId, err);
    }
    return { code: err.code, message: err.message };
  };
}

/**
 * The party that would naturally send a command (for tools that act on behalf of every party, like
 * the data generator): the principal the policy allows for it. `ipOfficeOrg` names the office.
 */
export function partyFor(
  command: PatentCommand,
  p: Patent,
  ipOfficeOrg: string,
): { role: Role; orgId: string } {
  const enterprise = (orgId: string | undefined) =>
    orgId === undefined || orgId === holderOf(p).orgId || orgId === p.institutionId
      ? holderOf(p)
      : { role: 'enterprise' as const, orgId };
  switch (command.type) {
    case 'InventoryPatent':
      return { role: 'institution', orgId: command.data.institutionId };
    case 'EvaluatePatent':
      return { role: 'enterprise', orgId: command.data.enterpriseId };
    case 'PromotePatent':
      return { role: 'ip-office', orgId: ipOfficeOrg };
    case 'TakeOpenLicense':
      return enterprise(command.data.licenseeId);
    case 'IndustrializePatent':
      return enterprise(command.data.enterpriseId);
    case 'FileDensityProduct':
      return enterprise(
        p.industrializations.find((i) => i.industrializationId === command.data.industrializationId)
          ?.enterpriseId,
      );
    case 'ReportTransaction':
      return { role: 'institution', orgId: p.institutionId };
    case 'RecordConsent': {
      // The consenting party itself: the co-owner, or the pledgee of that pledge.
      const d = command.data;
      const orgId =
        d.party === 'pledgee' ? p.pledges.find((x) => x.pledgeId === d.partyId)?.pledgeeId : d.partyId;
      if (orgId === undefined) return holderOf(p);
      return { role: orgId === p.institutionId ? 'institution' : 'enterprise', orgId };
    }
    default:
      return holderOf(p);
  }
}
