/**
 * Builders for the read-model and projector specs. Events are produced by the real deciders through
 * `handleCommand`, so what the projections see is exactly what the api would store.
 *
 * The clock starts at 2025-06-01 12:00 in China and moves one second per command, so every event has
 * a distinct `recordedAt`; business dates default to days before that.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkDigit,
  institutionDecider,
  institutionStream,
  patentDecider,
  patentStream,
  type InstitutionCommand,
  type PatentCommand,
} from '@patent-ledger/domain';
import {
  handleCommand,
  MemoryEventStore,
  Projector,
  type Actor,
  type CommandOutcome,
  type EventStore,
  type ProjectorOptions,
  type StoredEvent,
} from '@patent-ledger/eventsourcing';
import type { Database } from 'better-sqlite3';
import type { SqliteProjection } from '../sqlite-projection';
import type { SqliteReadModelsOptions } from '../read-models';
import { SqliteReadModels } from '../sqlite-read-models';

/** First recordedAt of a Ledger: 2025-06-01 12:00 in China. */
export const START = '2025-06-01T04:00:00.000Z';

/** A valid CNIPA application number: `<year><type><serial 7 digits>.<check>`. */
export function applicationNumber(serial: number, year = 2018, typeDigit: '1' | '2' | '3' = '1'): string {
  const digits = `${year}${typeDigit}${String(serial).padStart(7, '0')}`;
  return `${digits}.${checkDigit(digits)}`;
}

export const actors = {
  tto: (institutionId: string): Actor => ({
    role: 'institution',
    orgId: institutionId,
    userId: `${institutionId}-tto`,
  }),
  enterprise: (enterpriseId: string): Actor => ({
    role: 'enterprise',
    orgId: enterpriseId,
    userId: `${enterpriseId}-user`,
  }),
  ipOffice: { role: 'ip-office', orgId: 'sx-ipo', userId: 'officer-1' } as Actor,
};

type Data<T extends PatentCommand['type']> = Omit<
  Extract<PatentCommand, { type: T }>['data'],
  'applicationNumber'
>;
type Overrides<T extends PatentCommand['type']> = Partial<Data<T>>;

export interface CommandOptions {
  actor?: Actor;
  /** recordedAt (and the command's clock); default: the ledger's next tick. */
  now?: string;
}

/**
 * Drives the real deciders against an event store. Each method handles one command and returns its
 * outcome; a rejected command throws the DomainError.
 */
export class Ledger {
  private seq = 0;
  private readonly institutions = new Map<string, string>();

  constructor(
    readonly store: EventStore = new MemoryEventStore(),
    private readonly start = START,
  ) {}

  /** recordedAt of the next command (one second per command). */
  nextNow(): string {
    return new Date(Date.parse(this.start) + this.seq * 1000).toISOString();
  }

  private ctx(actor: Actor, now?: string) {
    const at = now ?? this.nextNow();
    this.seq += 1;
    const commandId = `cmd-${String(this.seq).padStart(5, '0')}`;
    return { commandId, fingerprint: `fp-${commandId}`, actor, now: at };
  }

  async patent<T extends PatentCommand['type']>(
    applicationNumber: string,
    type: T,
    data: Data<T>,
    opts: CommandOptions & { defaultActor?: Actor } = {},
  ): Promise<CommandOutcome> {
    const ctx = this.ctx(
      opts.actor ?? opts.defaultActor ?? actors.tto(this.institutions.get(applicationNumber) ?? 'tyut'),
      opts.now,
    );
    const command = { type, data: { ...data, applicationNumber }, now: ctx.now } as unknown as PatentCommand;
    return handleCommand(this.store, patentDecider, patentStream(applicationNumber), command, ctx);
  }

  registerInstitution(
    institutionId: string,
    o: Partial<Extract<InstitutionCommand, { type: 'RegisterInstitution' }>['data']> = {},
    opts: CommandOptions = {},
  ): Promise<CommandOutcome> {
    const ctx = this.ctx(opts.actor ?? actors.ipOffice, opts.now);
    const command: InstitutionCommand = {
      type: 'RegisterInstitution',
      data: {
        institutionId,
        name: `${institutionId} 大学`,
        kind: 'university',
        province: '山西',
        milestoneGroup: 'other',
        stockPatentCount: 100,
        occurredOn: '2024-02-29',
        ...o,
      },
      now: ctx.now,
    };
    return handleCommand(this.store, institutionDecider, institutionStream(institutionId), command, ctx);
  }

  inventory(
    an: string,
    o: Overrides<'InventoryPatent'> = {},
    opts: CommandOptions = {},
  ): Promise<CommandOutcome> {
    const year = an.slice(0, 4);
    const data: Data<'InventoryPatent'> = {
      institutionId: 'tyut',
      title: `Lithium battery separator ${an}`,
      kind: an[4] === '2' ? 'utility-model' : an[4] === '3' ? 'design' : 'invention',
      filingDate: `${year}-03-15`,
      grantDate: `${Number(year) + 2}-06-20`,
      inventors: ['Wang Wei'],
      ipc: ['H01M 50/403'],
      fiscallyFunded: true,
      funding: { projectNumber: `P-${an}`, funder: 'Ministry of Science and Technology' },
      declaration: { declaredOn: '2024-03-01' },
      implementationStatus: 'not-implemented',
      technologyReadiness: 5,
      selfAssessedGrade: 'A',
      occurredOn: '2024-03-01',
      ...o,
    };
    this.institutions.set(an, data.institutionId);
    return this.patent(an, 'InventoryPatent', data, opts);
  }

  admit(an: string, o: Overrides<'TagIntent'> = {}, opts: CommandOptions = {}): Promise<CommandOutcome> {
    return this.patent(
      an,
      'TagIntent',
      {
        modes: ['transfer', 'license'],
        screening: { method: 'institution-central', decision: 'admitted' },
        occurredOn: '2024-03-10',
        ...o,
      },
      opts,
    );
  }

  decline(an: string, o: Overrides<'TagIntent'> = {}, opts: CommandOptions = {}): Promise<CommandOutcome> {
    return this.patent(
      an,
      'TagIntent',
      {
        modes: [],
        screening: { method: 'institution-central', decision: 'declined', reason: 'no market' },
        occurredOn: '2024-03-12',
        ...o,
      },
      opts,
    );
  }

  evaluate(
    an: string,
    evaluationId: string,
    enterpriseId: string,
    prospect: number,
    o: Overrides<'EvaluatePatent'> = {},
    opts: CommandOptions = {},
  ): Promise<CommandOutcome> {
    return this.patent(
      an,
      'EvaluatePatent',
      {
        evaluationId,
        enterpriseId,
        enterpriseName: `${enterpriseId} Co.`,
        enterpriseCategory: 'high-tech',
        industrializationProspect: prospect,
        improvementNeeds: { level: 'minor' },
        cooperationWillingness: 'license',
        occurredOn: '2024-04-10',
        ...o,
      },
      { ...opts, defaultActor: actors.enterprise(enterpriseId) },
    );
  }

  promote(
    an: string,
    promotionId: string,
    tier: 'featured' | 'standard',
    o: Overrides<'PromotePatent'> = {},
    opts: CommandOptions = {},
  ): Promise<CommandOutcome> {
    return this.patent(
      an,
      'PromotePatent',
      { promotionId, channel: 'salon', tier, organizer: '山西省知识产权局', occurredOn: '2024-05-20', ...o },
      { ...opts, defaultActor: actors.ipOffice },
    );
  }

  transfer(
    an: string,
    dealId: string,
    assigneeId: string,
    o: Overrides<'TransferPatent'> = {},
    opts: CommandOptions = {},
  ) {
    return this.patent(
      an,
      'TransferPatent',
      {
        dealId,
        assigneeId,
        assigneeName: `${assigneeId} Co.`,
        contractDate: '2024-09-01',
        price: '500000.00',
        pricingMethod: 'agreed',
        ...o,
      },
      opts,
    );
  }

  registerTransfer(
    an: string,
    dealId: string,
    o: Overrides<'RegisterTransfer'> = {},
    opts: CommandOptions = {},
  ) {
    return this.patent(
      an,
      'RegisterTransfer',
      { dealId, registeredOn: '2024-10-15', noticeNumber: `N-${dealId}`, ...o },
      opts,
    );
  }

  license(
    an: string,
    dealId: string,
    licenseeId: string,
    type: 'exclusive' | 'sole' | 'ordinary' = 'ordinary',
    o: Overrides<'LicensePatent'> = {},
    opts: CommandOptions = {},
  ) {
    return this.patent(
      an,
      'LicensePatent',
      {
        dealId,
        licenseeId,
        licenseeName: `${licenseeId} Co.`,
        type,
        effectiveDate: '2024-07-01',
        endDate: '2027-06-30',
        royalty: '100000.00',
        ...o,
        // The contract takes effect when the term starts, unless the test says otherwise.
        contractDate: o.contractDate ?? o.effectiveDate ?? '2024-07-01',
      },
      opts,
    );
  }

  recordLicense(an: string, dealId: string, o: Overrides<'RecordLicense'> = {}, opts: CommandOptions = {}) {
    return this.patent(
      an,
      'RecordLicense',
      { dealId, recordalNumber: `R-${dealId}`, recordedOn: '2024-08-01', ...o },
      opts,
    );
  }

  industrialize(
    an: string,
    industrializationId: string,
    enterpriseId: string,
    o: Overrides<'IndustrializePatent'> = {},
    opts: CommandOptions = {},
  ) {
    return this.patent(
      an,
      'IndustrializePatent',
      { industrializationId, enterpriseId, productName: '陶瓷涂覆隔膜', startedOn: '2024-11-01', ...o },
      opts,
    );
  }

  fileDensityProduct(
    an: string,
    industrializationId: string,
    o: Overrides<'FileDensityProduct'> = {},
    opts: CommandOptions = {},
  ) {
    return this.patent(
      an,
      'FileDensityProduct',
      { industrializationId, recordNumber: `D-${industrializationId}`, filedOn: '2025-04-30', ...o },
      opts,
    );
  }

  declareOpenLicense(
    an: string,
    declarationId: string,
    o: Overrides<'DeclareOpenLicense'> = {},
    opts: CommandOptions = {},
  ) {
    return this.patent(
      an,
      'DeclareOpenLicense',
      {
        declarationId,
        royalty: { basis: 'lump-sum', amount: '20000.00' },
        termFrom: '2024-06-01',
        termTo: '2026-05-31',
        occurredOn: '2024-06-01',
        ...o,
      },
      opts,
    );
  }

  takeOpenLicense(
    an: string,
    dealId: string,
    licenseeId: string,
    o: Overrides<'TakeOpenLicense'> = {},
    opts: CommandOptions = {},
  ) {
    return this.patent(
      an,
      'TakeOpenLicense',
      {
        dealId,
        licenseeId,
        licenseeName: `${licenseeId} Co.`,
        notifiedOn: '2024-07-15',
        // The default declaration asks a lump sum, paid with the notification (专利法 Art. 51 ¶1).
        payment: { paidOn: o.notifiedOn ?? '2024-07-15', amount: '20000.00' },
        ...o,
      },
      opts,
    );
  }

  withdrawOpenLicense(an: string, withdrawnOn = '2024-12-01', opts: CommandOptions = {}) {
    return this.patent(an, 'WithdrawOpenLicense', { withdrawnOn }, opts);
  }

  report(
    an: string,
    target: { dealId: string } | { industrializationId: string },
    reportedOn = '2024-12-20',
    opts: CommandOptions = {},
  ) {
    return this.patent(
      an,
      'ReportTransaction',
      { ...target, reportedOn, platformRef: `P-${reportedOn}` },
      opts,
    );
  }

  lapse(
    an: string,
    reason: 'expired' | 'non-payment' | 'invalidated' | 'abandoned' = 'non-payment',
    effectiveOn = '2025-03-01',
    opts: CommandOptions = {},
  ) {
    return this.patent(an, 'LapsePatent', { reason, effectiveOn }, opts);
  }

  /** Every event in the log. */
  async all(): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    for (;;) {
      const batch = await this.store.readAll({
        after: out.length === 0 ? 0 : out[out.length - 1]!.position,
        limit: 1000,
      });
      if (batch.length === 0) return out;
      out.push(...batch);
    }
  }
}

/**
 * A realistic mixed log over `count` patents (serials 1..count, year 2018): institution registrations,
 * admissions and declines, evaluations (incl. a superseding one), promotions, deals and a lapse.
 */
export async function seedMixed(ledger: Ledger, count = 12): Promise<string[]> {
  await ledger.registerInstitution('tyut', {
    name: '太原理工大学',
    milestoneGroup: 'tyut',
    stockPatentCount: 500,
  });
  await ledger.registerInstitution('sxu', {
    name: '山西大学',
    milestoneGroup: 'key4',
    stockPatentCount: 300,
  });
  const ans: string[] = [];
  for (let i = 1; i <= count; i++) {
    const an = applicationNumber(i);
    ans.push(an);
    await ledger.inventory(an, { institutionId: i % 3 === 0 ? 'sxu' : 'tyut', title: `储能材料 ${i}` });
    if (i % 4 === 0) {
      await ledger.decline(an);
      continue;
    }
    await ledger.admit(an, { askingPrice: `${i * 10000}` });
    await ledger.evaluate(an, `ev-${i}-a`, 'ent-a', 1 + (i % 5));
    if (i % 2 === 0) await ledger.evaluate(an, `ev-${i}-b`, 'ent-b', 5 - (i % 3));
    if (i % 3 === 0) await ledger.promote(an, `pr-${i}`, i % 2 === 0 ? 'featured' : 'standard');
    if (i === 5) await ledger.evaluate(an, 'ev-5-a2', 'ent-a', 5);
    if (i === 6) {
      await ledger.license(an, 'lic-6', 'ent-c');
      await ledger.recordLicense(an, 'lic-6');
    }
    if (i === 7) {
      await ledger.transfer(an, 'tr-7', 'ent-d');
      await ledger.registerTransfer(an, 'tr-7');
    }
    if (i === 9) await ledger.lapse(an);
  }
  await ledger.registerInstitution('sxu', {
    name: '山西大学',
    milestoneGroup: 'key4',
    stockPatentCount: 320,
    reason: '补充盘点',
  });
  return ans;
}

// ---------------------------------------------------------------------------------------------
// read models

export async function openReadModels(
  file: string,
  projections: readonly SqliteProjection[],
  options: SqliteReadModelsOptions = {},
): Promise<SqliteReadModels> {
  const rm = SqliteReadModels.open(file, projections, options);
  await rm.init();
  return rm;
}

/** Projects everything in `store` into `rm`; returns the projector (stopped). */
export async function project(
  store: EventStore,
  rm: SqliteReadModels,
  options: ProjectorOptions = {},
): Promise<Projector> {
  const projector = new Projector(store, rm, options);
  await projector.init();
  await projector.catchUp();
  return projector;
}

/** Every row of each table, in rowid order, with every column. */
export function dumpTables(db: Database, tables: readonly string[]): Record<string, unknown[]> {
  return Object.fromEntries(tables.map((t) => [t, dumpTable(db, t)]));
}

/**
 * A table's rows in rowid order; a table WITHOUT ROWID (the KPI counters: sums, whose rows do not
 * depend on the order they were first written in) in primary-key order.
 */
function dumpTable(db: Database, t: string): unknown[] {
  const ddl = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t) as
    { sql: string } | undefined;
  if (!/WITHOUT\s+ROWID\s*$/i.test(ddl?.sql ?? ''))
    return db.prepare(`SELECT rowid AS _rowid, * FROM "${t}" ORDER BY rowid`).all();
  const key = (
    db.prepare(`SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`).all(t) as { name: string }[]
  ).map((c) => `"${c.name}"`);
  return db.prepare(`SELECT * FROM "${t}" ORDER BY ${key.join(', ')}`).all();
}

/** The tables of one projection of `rm`, dumped. */
export function dumpProjection(rm: SqliteReadModels, name: string): Record<string, unknown[]> {
  const p = rm.projections.find((x) => x.name === name);
  if (!p) throw new Error(`no projection ${name}`);
  return dumpTables(rm.db, p.tables);
}

/** Names of the tables in the database (sqlite_master), sorted. */
export function tableNames(db: Database): string[] {
  return (
    db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[]
  ).map((r) => r.name);
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = 'patent-ledger-rm-'): {
  dir: string;
  file: (name: string) => string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 2000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
